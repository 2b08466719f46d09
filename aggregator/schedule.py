"""Pure: when to fetch a feed again. Gone feeds rest, busy servers are obeyed, failures back off.

Everything is kept in the feed state in the archive, so the schedule holds across stateless CI
runs. Nothing stops silently: a feed that is not fetched says why in every report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .archive import FeedState, LastError, format_time
from .errors import FeedError, HTTPStatusError

FIRST_BACKOFF = dt.timedelta(hours=1)
MAX_BACKOFF = dt.timedelta(hours=24)
# How long a feed fails before the public pages say so: a blog down for an evening is no news.
UNREACHABLE_AFTER = dt.timedelta(days=1)


def skip_reason(state: FeedState, feed_url: str, now: dt.datetime) -> str | None:
    """Why this feed should not be fetched now, or None to fetch it."""
    if state.gone_url == feed_url:
        return "the feed answered 410 Gone; not fetched again until its address in feeds.opml changes"
    if waiting := waiting_until(state, now):
        cause = state.last_error.message if state.last_error else "earlier failures"
        return f"{waiting} ({cause}; {state.consecutive_failures} failures in a row)"
    return None


def waiting_until(state: FeedState, now: dt.datetime) -> str | None:
    """The words every report uses while the hub leaves a feed alone: "waiting until <time>"."""
    if state.retry_at is None or now >= state.retry_at:
        return None
    return f"waiting until {format_time(state.retry_at)}"


def backoff(failures: int) -> dt.timedelta:
    """No wait after one failure (it is often a blip), then 1 h, 2 h, 4 h ... up to a day."""
    if failures < 2:
        return dt.timedelta(0)
    wait: dt.timedelta = FIRST_BACKOFF * 2 ** min(failures - 2, 16)
    return min(MAX_BACKOFF, wait)


def after_failure(state: FeedState, error: FeedError, feed_url: str, now: dt.datetime) -> FeedState:
    failures = state.consecutive_failures + 1
    gone = isinstance(error, HTTPStatusError) and error.status == 410
    asked = error.retry_after if isinstance(error, HTTPStatusError) else None
    wait_until = asked or now + backoff(failures)
    return replace(
        state,
        last_error=LastError(
            now, error.kind, error.message, error.status if isinstance(error, HTTPStatusError) else None
        ),
        consecutive_failures=failures,
        gone_url=feed_url if gone else None,
        retry_at=wait_until if wait_until > now else None,
    )


def after_success(state: FeedState) -> FeedState:
    return replace(state, consecutive_failures=0, last_error=None, gone_url=None, retry_at=None)


def unreachable(state: FeedState) -> bool:
    """Whether the participants' pages say that this feed cannot be read: it is gone (410), or it
    has failed for a day since it was last read, or more than once when it never was."""
    error = state.last_error
    if error is None:
        return False
    if state.gone_url is not None:
        return True
    if state.last_success is None:
        return state.consecutive_failures > 1
    return error.at - state.last_success >= UNREACHABLE_AFTER
