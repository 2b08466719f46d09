"""Pure: archive records + registry + course calendar -> what the site shows.

Only participants listed in feeds.opml are shown; records of people who left stay in the
archive untouched. Only posts that carry the course tag (when one is set; a participant may set
their own) are shown, and nothing that moderation.yml withdraws or hides.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .archive import FeedInfo, FeedState, Record
from .config import Course
from .moderation import Moderation
from .normalize import Post
from .registry import Participant
from .urls import absolute_http_url
from .weeks import Placement, Week, course_for, course_weeks, place, topic_tags

WORDS_PER_MINUTE = 220
# "CC BY 4.0", "cc-by-sa", "CC BY-NC-ND 3.0": a Creative Commons licence, linked to its deed.
_CC_LICENCE = re.compile(r"cc[ -]?(by(?:[ -](?:nc|sa|nd)){0,2})(?:[ -]?(\d\.\d))?", re.IGNORECASE)
_CC_ZERO = re.compile(r"cc[ -]?0(?: 1\.0)?|cc[ -]?zero", re.IGNORECASE)


@dataclass(frozen=True)
class Member:
    """A participant as the site shows them. The properties are computed once per build (cached):
    a member's name, avatar and blog appear on every card of theirs."""

    participant: Participant
    feed: FeedInfo
    state: FeedState
    archived: int
    shown: int

    @functools.cached_property
    def blog_url(self) -> str | None:
        return self.participant.blog_url or self.feed.home_url

    @functools.cached_property
    def blog_name(self) -> str:
        if self.feed.title:
            return self.feed.title
        host = urlsplit(self.blog_url or self.participant.feed_url).hostname or ""
        return host.removeprefix("www.") or self.participant.name

    @functools.cached_property
    def avatar_url(self) -> str | None:
        """The `hub:avatar` of feeds.opml, else the feed's image; https only."""
        for url in (self.participant.hub_attribute("avatar"), self.feed.image_url):
            if url and url.startswith("https://") and absolute_http_url(url) == url:
                return url
        return None

    @functools.cached_property
    def licence_url(self) -> str | None:
        """The deed of a Creative Commons licence named in `hub:licence`; other licences are text."""
        return licence_url(self.participant.licence or "")

    @functools.cached_property
    def hue(self) -> int:
        """One of eight colours for the initials badge, the same for a person on every build."""
        return sum(self.participant.id.encode()) % 8

    @functools.cached_property
    def initials(self) -> str:
        """Stands in for a missing avatar: the first letters of the first and last names."""
        words = [w for w in self.participant.name.split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:1] + words[1:][-1:]).upper() or "?"


@dataclass(frozen=True, slots=True)  # one per shown post: no per-instance dict
class Entry:
    post: Post
    member: Member
    placement: Placement
    tags: tuple[str, ...]  # the post's own tags, without the course tag and week tags

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.post.words / WORDS_PER_MINUTE))


@dataclass(frozen=True)
class CohortWeek:
    week: Week
    entries: tuple[Entry, ...]  # newest first


@dataclass(frozen=True)
class Cohort:
    weeks: tuple[CohortWeek, ...]
    members: tuple[Member, ...]  # in feeds.opml order
    per_member: Mapping[str, tuple[CohortWeek, ...]] = field(default_factory=dict)

    def week(self, number: int) -> CohortWeek | None:
        return self.weeks[number - 1] if 1 <= number <= len(self.weeks) else None

    def by_member(self, participant_id: str) -> tuple[CohortWeek, ...]:
        """One participant's shown posts, grouped by week; weeks without any are left out."""
        return self.per_member.get(participant_id, ())

    def latest(self, count: int) -> tuple[Entry, ...]:
        # Each week is sorted already: merging their heads costs `count` steps, not a sort of all.
        merged = heapq.merge(*(week.entries for week in self.weeks), key=_newest_first)
        return tuple(itertools.islice(merged, count))

    @property
    def shown(self) -> int:
        return sum(len(w.entries) for w in self.weeks)


def licence_url(licence: str) -> str | None:
    if _CC_ZERO.fullmatch(licence.strip()):
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    if found := _CC_LICENCE.fullmatch(licence.strip()):
        kind = "-".join(found[1].lower().replace(" ", "-").split("-"))
        return f"https://creativecommons.org/licenses/{kind}/{found[2] or '4.0'}/"
    return None


def placement(post: Post, own_course: Course) -> Placement:
    """Where the site places `post` and whether it shows it, in the course as its author's posts
    see it (`weeks.course_for`). `export` asks this same function."""
    return place(post.published, post.tags, own_course)


def on_site(post: Post, where: Placement, participant_id: str, moderation: Moderation) -> bool:
    """Whether the site shows a post of a participant it shows: a course post nobody withdrew or
    hid. `export` asks this same function."""
    return where.shown and moderation.post_rule(participant_id, post) is None


def build_cohort(
    participants: Iterable[Participant],
    records: Mapping[str, Record],
    course: Course,
    moderation: Moderation | None = None,
) -> Cohort:
    moderation = moderation or Moderation()
    placed: list[Entry] = []
    members = []
    # Computed once per distinct set of tags (a few hundred in a cohort) rather than once per post.
    shown_tags = functools.cache(lambda tags: topic_tags(tags, course))
    for person in participants:
        if moderation.keeps_out(person):
            continue
        record = records.get(person.id, Record(person))
        own = course_for(course, person.tag)
        placements = [(post, placement(post, own)) for post in record.posts]
        shown = [(post, p) for post, p in placements if on_site(post, p, person.id, moderation)]
        member = Member(
            person, record.feed, record.state, len(record.posts), sum(1 for _, p in shown if p.week)
        )
        members.append(member)
        placed.extend(Entry(post, member, p, shown_tags(post.tags)) for post, p in shown)
    placed.sort(key=_newest_first)
    weeks, per_member = _group(placed, course_weeks(course))
    return Cohort(weeks, tuple(members), per_member)


def _group(
    placed: list[Entry], calendar: tuple[Week, ...]
) -> tuple[tuple[CohortWeek, ...], dict[str, tuple[CohortWeek, ...]]]:
    """Entries by week, and by participant and week, in one pass (35,000 members x posts is too many)."""
    by_week: dict[int, list[Entry]] = {week.number: [] for week in calendar}
    by_person: dict[str, dict[int, list[Entry]]] = {}
    for entry in placed:
        if entry.placement.week is not None:
            by_week[entry.placement.week].append(entry)
            person = by_person.setdefault(entry.member.participant.id, {})
            person.setdefault(entry.placement.week, []).append(entry)
    weeks = tuple(CohortWeek(week, tuple(by_week[week.number])) for week in calendar)
    per_member = {
        person: tuple(
            CohortWeek(week, tuple(found[week.number])) for week in calendar if week.number in found
        )
        for person, found in by_person.items()
    }
    return weeks, per_member


def _newest_first(entry: Entry) -> tuple[float, str, str]:
    return (-entry.post.published.timestamp(), entry.member.participant.id, entry.post.id)
