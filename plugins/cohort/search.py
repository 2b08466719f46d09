"""Static search: Pagefind indexes the finished site. Only what the pages show is indexed, so a
post that is hidden, withdrawn or off the course tag is never in the index."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

log = logging.getLogger(__name__)

# The course pages and the weekly cohort pages. Participant pages repeat the same posts: indexing
# them would double every result and the indexing time of a large cohort.
INDEXED = (
    "{index.html,syllabus/**/*.html,about/**/*.html,join/**/*.html,weeks/**/*.html,cohort/week-*/**/*.html}"
)


def index_for_search(pelican: Any) -> None:
    if not pelican.settings.get("SEARCH", False):
        return
    command = [sys.executable, "-m", "pagefind", "--site", pelican.output_path, "--glob", INDEXED, "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603 - our own argv
    if result.returncode != 0:
        log.error("search index: pagefind failed: %s", (result.stderr or result.stdout).strip())
