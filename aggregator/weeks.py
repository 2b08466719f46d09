"""Pure: which course week a post belongs to, and whether the hub shows it.

A post's week comes from the first of these signals that gives one (`place`):
1. a facilitator's override (a `place:` entry of moderation.yml);
2. an explicit week tag (`week-3`, `week3`, `Week 3`);
3. a link in the post to one of the course's week pages (the nearest to its date, if several);
4. its published date in the course time zone.
Whether it is shown at all is another question, which inclusion.py answers: only course posts are.
Posts outside the course window keep their place in the archive, on no page.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .config import Course
from .inclusion import IncludedBy, Inclusion, included_by, normalize_tag
from .normalize import Post
from .urls import Site, address_keys, canonical_address, site_at

_WEEK_TAG = re.compile(r"^week[\s_-]*0*([1-9][0-9]?)$")


@dataclass(frozen=True)
class Week:
    number: int
    first_day: dt.date  # a Monday, in the course time zone
    last_day: dt.date  # the Sunday after it

    @property
    def slug(self) -> str:
        return f"week-{self.number}"


PlacedBy = Literal["override", "tag", "link", "date"]


@dataclass(frozen=True)
class Placement:
    week: int | None
    placed_by: PlacedBy | None  # the signal that gave the week; None when the post has none
    included_by: IncludedBy | None  # the rule that makes it a course post; None: it is none
    dated: int | None = None  # the week of the post's date, which a reader would expect

    @property
    def shown(self) -> bool:
        """Whether the site shows the post: only course posts are shown."""
        return self.included_by is not None

    @property
    def moved(self) -> bool:
        """Whether a signal other than the date put the post in another week than its date's."""
        return self.week is not None and self.week != self.dated


@dataclass(frozen=True)
class Signals:
    """What places a post besides its own tags and date. Built once per run (`cohort.signals_for`)
    from the settings and moderation.yml, so that the site, `export` and `status` agree."""

    overrides: Mapping[str, int] = field(default_factory=dict)  # a post's address key -> its week
    week_pages: Mapping[str, int] = field(default_factory=dict)  # a week page's address key -> week
    site: Site | None = None  # the course site (PUBLIC_URL): its week pages, and a link there includes a post

    def override(self, post: Post) -> int | None:
        if not self.overrides:
            return None
        return next((self.overrides[k] for k in address_keys(post.url, post.id) if k in self.overrides), None)

    def linked_weeks(self, post: Post) -> set[int]:
        """The weeks whose pages `post` links to, however the address is spelled."""
        if self.site is None:
            return set()
        pages = self.site.pages(post.links)
        return {week for page in pages if (week := self.week_pages.get(page)) is not None}


NO_SIGNALS = Signals()


def week_page_signals(site: str | None, paths: Iterable[tuple[int, str]]) -> Signals:
    """Signals from the course site's public address and its week pages' paths (week, path)."""
    if not site:
        return NO_SIGNALS
    addresses = {site.rstrip("/") + "/" + path.lstrip("/"): week for week, path in paths}
    pages = {canonical_address(address, fragment=False): week for address, week in addresses.items()}
    return Signals(week_pages=pages, site=site_at(site))


def course_weeks(course: Course) -> tuple[Week, ...]:
    return tuple(
        Week(n, course.start + dt.timedelta(weeks=n - 1), course.start + dt.timedelta(weeks=n - 1, days=6))
        for n in range(1, course.weeks + 1)
    )


def place(post: Post, course: Course, inclusion: Inclusion, signals: Signals = NO_SIGNALS) -> Placement:
    """Where the site places `post`, by the first signal that gives a week, and whether it shows it
    (by its author's `inclusion`). The one function that decides it."""
    dated = week_of_date(post.published, course)
    week, placed_by = _week(post, course, signals, dated)
    return _placement(week, placed_by, included_by(post, inclusion), dated)


def _week(
    post: Post, course: Course, signals: Signals, dated: int | None
) -> tuple[int | None, PlacedBy | None]:
    if (week := signals.override(post)) is not None:
        return week, "override"
    if (week := explicit_week(post.tags, course)) is not None:
        return week, "tag"
    if linked := signals.linked_weeks(post):
        return nearest_week(linked, post.published, course), "link"
    return dated, "date" if dated else None


def nearest_week(weeks: Iterable[int], published: dt.datetime, course: Course) -> int:
    """Of the weeks a post links to, the one nearest its date (the earlier one on a tie)."""
    day = published.astimezone(course.timezone).date()

    def distance(number: int) -> tuple[int, int]:
        first = course.start + dt.timedelta(weeks=number - 1)
        last = first + dt.timedelta(days=6)
        return max((first - day).days, (day - last).days, 0), number

    return min(weeks, key=distance)


@functools.lru_cache(maxsize=256)
def _placement(
    week: int | None, placed_by: PlacedBy | None, included: IncludedBy | None, dated: int | None
) -> Placement:
    """Shared: a course has a few dozen distinct placements and may have 500,000 posts."""
    return Placement(week, placed_by, included, dated)


def week_of_date(published: dt.datetime, course: Course) -> int | None:
    local_day = published.astimezone(course.timezone).date()
    offset = (local_day - course.start).days
    if 0 <= offset < 7 * course.weeks:
        return offset // 7 + 1
    return None


def current_week(today: dt.date, course: Course) -> int | None:
    """The week a reader is in today: the last one once the course is over, none before it starts."""
    offset = (today - course.start).days
    return None if offset < 0 else min(offset // 7 + 1, course.weeks)


def explicit_week(tags: Iterable[str], course: Course) -> int | None:
    for tag in tags:
        match = _WEEK_TAG.match(normalize_tag(tag))
        if match and 1 <= int(match.group(1)) <= course.weeks:
            return int(match.group(1))
    return None


def topic_tags(tags: Iterable[str], course: Course) -> tuple[str, ...]:
    """The tags worth showing a reader: not the course tag, not a week tag."""
    hidden = {normalize_tag(course.tag)} if course.tag else set()
    return tuple(t for t in tags if normalize_tag(t) not in hidden and not _WEEK_TAG.match(normalize_tag(t)))
