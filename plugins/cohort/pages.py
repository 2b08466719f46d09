"""Where the cohort's pages live, and how long lists are split into pages. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Paged:
    """One page of a long list: its items and the addresses of its neighbours."""

    items: tuple[Any, ...]
    number: int
    count: int
    base: str  # the first page's path, e.g. "cohort/week-1/"

    def path(self, number: int) -> str:
        return page_path(self.base, number)

    @property
    def own_path(self) -> str:
        return self.path(self.number)

    @property
    def prev_path(self) -> str | None:
        return self.path(self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.path(self.number + 1) if self.number < self.count else None


def page_path(base: str, number: int) -> str:
    """The path of page `number` of a list whose first page is at `base`."""
    return base if number == 1 else f"{base}page/{number}/"


def paginate(items: Sequence[Any], per_page: int, base: str) -> list[Paged]:
    """At least one page, even for an empty list, so that every week has its page."""
    count = max(1, math.ceil(len(items) / per_page))
    return [
        Paged(tuple(items[(n - 1) * per_page : n * per_page]), n, count, base) for n in range(1, count + 1)
    ]


def page_of(index: int, per_page: int) -> int:
    """The number of the page that `paginate` puts the item at `index` (from 0) on."""
    return index // per_page + 1


SITEMAP_URLS = 50_000  # the most one sitemap file may list (sitemaps.org)


def sitemap_files(paths: Sequence[str], limit: int = SITEMAP_URLS) -> list[tuple[str, tuple[str, ...]]]:
    """(file name, paths) of each sitemap: one sitemap.xml, or numbered ones when over the limit.

    Over the limit, sitemap.xml becomes the index that lists the numbered files.
    """
    if len(paths) <= limit:
        return [("sitemap.xml", tuple(paths))]
    return [
        (f"sitemap-{n}.xml", tuple(paths[start : start + limit]))
        for n, start in enumerate(range(0, len(paths), limit), start=1)
    ]


def newest_pages(weeks: Sequence[tuple[str, int]], limit: int) -> list[str]:
    """The paths of the newest `limit` pages of the cohort's weeks, newest first.

    `weeks` holds each week's first page path and page count, in course order. The last week
    comes first, and within a week page 1, which holds its newest posts.
    """
    paths = [
        Paged((), number, count, base).own_path
        for base, count in reversed(weeks)
        for number in range(1, count + 1)
    ]
    return paths[:limit]
