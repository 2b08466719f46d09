"""Addresses that moved when the course got terms, kept working by static pages.

A static site cannot answer "301 Moved": an address that moved gets a small page that sends the
browser on (a `refresh` of 0 seconds, the canonical link, and a link a reader can follow). A feed
reader does not follow such a page, so a feed's old address gets a copy of the feed instead.

`/cohort/` (with its feed and blogroll) always leads to the current term. The term that moved from
the site's root (`moved_from_root`: the course that ran before it had terms) keeps every other
address it had there: `/cohort/week-2/` leads to `/2026-autumn/cohort/week-2/` for good.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .output import Page

REDIRECT = "redirect"
# The current term's: /cohort/ is where "what the cohort said" always was, whatever the term.
CURRENT_ADDRESSES = ("cohort/", "cohort/feed.atom", "cohort/blogroll.opml")


def redirect(old: str, new: str) -> Page:
    return Page(old, REDIRECT, {"target": new})


def moved(page: Page, old: str) -> Page:
    """A page's old address: a redirect to the page, or for a feed (a file), a copy of it that
    keeps the address it is read at as its own."""
    if page.path.endswith("/"):
        return redirect(old, page.path)
    return Page(old, page.template, {**page.extra, "feed_path": old})


def at_old_addresses(pages: Iterable[Page], root: str, published: set[str]) -> Iterator[Page]:
    """For the pages of the term under `root`, what keeps the old address of each working; not
    where the content still has a page of its own (`published`: the files Pelican writes)."""
    for page in pages:
        old = moved(page, page.path.removeprefix(root))
        if old.path not in CURRENT_ADDRESSES and old.file_name not in published:
            yield old


def current_cohort(pages: Iterable[Page], root: str) -> Iterator[Page]:
    """/cohort/ and its feed and blogroll: the current term's, whose pages are under `root`."""
    for page in pages:
        old = page.path.removeprefix(root)
        if old in CURRENT_ADDRESSES:
            yield moved(page, old)
