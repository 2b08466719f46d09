"""Pure: which course week a post belongs to, and whether the hub shows it.

A post's week is the week containing its published date in the course time zone. An explicit
week tag (`week-3`, `week3`, `Week 3`) overrides the date. With a course tag set, only posts that
carry it are shown. Posts outside the course window keep their place in the archive, on no page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .config import Course

_WEEK_TAG = re.compile(r"^week[\s_-]*0*([1-9][0-9]?)$")


@dataclass(frozen=True)
class Week:
    number: int
    first_day: dt.date  # a Monday, in the course time zone
    last_day: dt.date  # the Sunday after it

    @property
    def slug(self) -> str:
        return f"week-{self.number}"


@dataclass(frozen=True)
class Placement:
    week: int | None
    reason: str  # "date", "week tag", or why the post is on no week page
    shown: bool  # False when a course tag is set and the post does not carry it


def course_weeks(course: Course) -> tuple[Week, ...]:
    return tuple(
        Week(n, course.start + dt.timedelta(weeks=n - 1), course.start + dt.timedelta(weeks=n - 1, days=6))
        for n in range(1, course.weeks + 1)
    )


EVERY_POST = "*"  # a participant's hub:tag for a feed of course posts only (a tag feed)


def course_for(course: Course, own_tag: str | None) -> Course:
    """The course as one participant's posts see it: their own tag, if they set one, replaces the
    course's; `*` (a feed that holds only course posts, such as a tag feed) takes every post."""
    if own_tag is None:
        return course
    return dataclasses.replace(course, tag=None if own_tag == EVERY_POST else own_tag)


def course_post(tags: Iterable[str], course: Course) -> bool:
    """Whether a post belongs to the course: it carries the course's tag, or the course has none.
    The archive keeps only these, and the site shows only these."""
    return course.tag is None or normalize_tag(course.tag) in {normalize_tag(t) for t in tags}


def place(published: dt.datetime, tags: Iterable[str], course: Course) -> Placement:
    tags = tuple(tags)
    shown = course_post(tags, course)
    tagged = explicit_week(tags, course)
    if tagged is not None:
        return _placement(tagged, "week tag", shown)
    week = week_of_date(published, course)
    return _placement(week, "date" if week else "outside the course dates", shown)


@functools.lru_cache(maxsize=256)
def _placement(week: int | None, reason: str, shown: bool) -> Placement:
    """Shared: a course has a few dozen distinct placements and may have 500,000 posts."""
    return Placement(week, reason, shown)


def week_of_date(published: dt.datetime, course: Course) -> int | None:
    local_day = published.astimezone(course.timezone).date()
    offset = (local_day - course.start).days
    if 0 <= offset < 7 * course.weeks:
        return offset // 7 + 1
    return None


def explicit_week(tags: Iterable[str], course: Course) -> int | None:
    for tag in tags:
        match = _WEEK_TAG.match(normalize_tag(tag))
        if match and 1 <= int(match.group(1)) <= course.weeks:
            return int(match.group(1))
    return None


@functools.lru_cache(maxsize=65536)  # a cohort reuses a few hundred tags across 350,000 posts
def normalize_tag(tag: str) -> str:
    """Tags compare case-insensitively, ignoring a leading '#' and surrounding spaces."""
    return " ".join(tag.strip().lstrip("#").split()).casefold()


def topic_tags(tags: Iterable[str], course: Course) -> tuple[str, ...]:
    """The tags worth showing a reader: not the course tag, not a week tag."""
    hidden = {normalize_tag(course.tag)} if course.tag else set()
    return tuple(t for t in tags if normalize_tag(t) not in hidden and not _WEEK_TAG.match(normalize_tag(t)))
