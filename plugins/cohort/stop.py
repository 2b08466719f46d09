"""A hub error stops the build with its message alone.

Every error the aggregator raises on purpose names the file or the setting at fault and what it
should say. Pelican would print it followed by fifty lines of traceback, which help only the hub's
developers and bury the one line a facilitator needs; with `-v` or `--debug` it still does.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

from aggregator import AggregatorError, exit_code

TRACEBACK_HINT = "(pelican -v, or invoke build --verbose, shows the traceback)"


@contextlib.contextmanager
def stops_with_message(outcome: str) -> Iterator[None]:
    """Turn an AggregatorError into its message, `outcome` (what became of the site) and the
    exit status the command line gives it. Usable as a decorator."""
    try:
        yield
    except AggregatorError as exc:
        if logging.getLogger("pelican").isEnabledFor(logging.INFO):  # -v or --debug
            exc.exitcode = exit_code(exc)  # type: ignore[attr-defined]  # Pelican exits with it
            raise
        print(f"course hub: {exc}\n{outcome} {TRACEBACK_HINT}", file=sys.stderr)
        raise SystemExit(exit_code(exc)) from None
