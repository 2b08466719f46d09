"""Static search: Pagefind indexes the finished site. Only what the pages show is indexed, so a
post that is hidden, withdrawn or off the course tag is never in the index.

Pagefind's time and memory grow with what it reads (about 1.2 ms and 0.25 MB a page of twenty
posts; 850 MB for 5,000 participants' posts), so a large cohort cannot all be indexed: the index
holds the course pages, the participants' list and the newest SEARCH_COHORT_PAGES pages of the
cohort's weeks, and the search page says how many posts that covers.

Each card on a week page is a result of its own (themes/commons/static/js/search.js): Pagefind
splits a page at headings with an id, and the templates file the card's author and each
participant's page address in the page's metadata under the heading's id.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aggregator import HubConfig

from .pages import newest_pages

log = logging.getLogger(__name__)

# Participants are found by name on the pages of the participants' list, one heading each (48 to a
# page), not on their own pages, which repeat the week pages' posts. Synthetic, 35,000 names: the
# whole site took Pagefind 2.8 s with their 730 list pages and 1.3 s without them (6.4 s when each
# name also carried metadata, which search.js does without); 35,000 pages of one person each, with
# only the name indexed, 10 s and 415 MB, and 35,000 more files for a search to fetch from.
ALWAYS_INDEXED = (
    "index.html,syllabus/**/*.html,about/**/*.html,join/**/*.html,weeks/**/*.html,"
    "cohort/participants/**/*.html"
)
TERM_INDEXED = "{root}weeks/**/*.html,{root}cohort/participants/**/*.html"  # of each term's folder
COHORT_PAGES = 250  # week pages indexed by default: 5,000 posts at 20 a page, ~0.35 s and ~90 MB


def index_for_search(pelican: Any) -> None:
    if not pelican.settings.get("SEARCH", False):
        return
    roots = term_roots(pelican.settings["HUB_CONFIG"])
    command = pagefind_command(Path(pelican.output_path), search_limit(pelican.settings), roots)
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603 - our own argv
    if result.returncode != 0:
        log.error("search index: pagefind failed: %s", (result.stderr or result.stdout).strip())


def search_limit(settings: Mapping[str, Any]) -> int:
    """How many cohort week pages the index holds: the generator and the indexer both ask here."""
    return int(settings.get("SEARCH_COHORT_PAGES", COHORT_PAGES))


def term_roots(config: HubConfig) -> tuple[str, ...]:
    """The folder of each term's pages, oldest term first ("" for a course without terms)."""
    return tuple(term.root for term in config.course_terms)


def pagefind_command(site: Path, limit: int = COHORT_PAGES, roots: Sequence[str] = ("",)) -> list[str]:
    terms = [TERM_INDEXED.format(root=root) for root in roots if root]
    weeks = [path + "index.html" for path in indexed_week_pages(site, limit, roots)]
    glob = "{" + ",".join([ALWAYS_INDEXED, *terms, *weeks]) + "}"
    return [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", glob, "--silent"]


def indexed_week_pages(site: Path, limit: int, roots: Sequence[str] = ("",)) -> list[str]:
    """The newest `limit` cohort week pages written under `site`, by the generator's own rule:
    the newest term's first (`roots`: the terms' folders, oldest first)."""
    counts = [count for root in roots for count in _week_page_counts(site, root)]
    return newest_pages(counts, limit)


def _week_page_counts(site: Path, root: str) -> list[tuple[str, int]]:
    """(first page's path, page count) of each cohort week of the term under `root`, in order."""
    weeks = sorted(
        (int(folder.name.removeprefix("week-")), folder)
        for folder in (site / root / "cohort").glob("week-*")
        if folder.name.removeprefix("week-").isdigit()
    )
    return [(f"{root}cohort/{folder.name}/", 1 + len(list(folder.glob("page/*/")))) for _, folder in weeks]
