"""Pure: archive records + registry + course calendar -> what the site shows.

Only participants listed in feeds.opml are shown; records of people who left stay in the
archive untouched. Only course posts are shown (inclusion.py: the course tag or the participant's
own, as a tag or a hashtag, or a link to the course site), and nothing that moderation.yml
withdraws or hides.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import heapq
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .archive import FeedInfo, FeedState, Record
from .config import Course, HubConfig, Term
from .conversations import Key, Links, find_links
from .errors import ConfigError
from .inclusion import Inclusion, inclusion_for
from .moderation import Moderation
from .normalize import Post
from .registry import Participant
from .schedule import unreachable
from .urls import absolute_http_url, address_keys
from .weeks import (
    NO_SIGNALS,
    Placement,
    Signals,
    Week,
    course_weeks,
    place,
    topic_tags,
    week_page_signals,
)

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
    def display(self) -> str:
        """How much of a post the site shows: asked by every card, and by every page's CSP."""
        return self.participant.display

    @functools.cached_property
    def feed_unreachable(self) -> bool:
        """Whether the pages say the feed cannot be read (since `state.last_success`), so that a
        broken feed does not pass for a quiet participant. Never why: errors may name internals."""
        return unreachable(self.state)

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
        """The `hub:avatar` of feeds.opml, else the feed's image; http(s) only. The hub fetches it and
        the pages show its copy (pictures), so an http address is as good as an https one."""
        for url in (self.participant.hub_attribute("avatar"), self.feed.image_url):
            if url and absolute_http_url(url) == url:
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


@dataclass(frozen=True, slots=True)
class Talk:
    """A post's place in the cohort's conversations: the shown posts it answers, those answering
    it, and its author's own posts it links to. Each list oldest first."""

    responses: tuple[Entry, ...] = ()
    responds_to: tuple[Entry, ...] = ()
    see_also: tuple[Entry, ...] = ()

    def __bool__(self) -> bool:  # a card tests this before it says anything about conversations
        return bool(self.responses or self.responds_to or self.see_also)


NO_TALK = Talk()


@dataclass(frozen=True, slots=True)  # one per shown post: no per-instance dict
class Entry:
    post: Post
    member: Member
    placement: Placement
    tags: tuple[str, ...]  # the post's own tags, without the course tag and week tags
    talk: Talk = NO_TALK

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.post.words / WORDS_PER_MINUTE))

    @property
    def shows_title(self) -> bool:
        """Whether the card shows the post's title. A post without one (a micro-post) has its
        first words for a title: the card shows them once, as the text it shows of the post,
        unless the participant chose to show titles only."""
        display = self.member.display
        text = self.post.content_html if display == "full" else self.post.excerpt_html
        return not (self.post.untitled and display != "title" and text)

    @property
    def key(self) -> Key:
        return self.member.participant.id, self.post.id

    @property
    def anchor(self) -> str:
        """The id of the post's card on the pages that show it, for links and search results to
        land on: the same on every build, and a valid id whatever the post's own id holds."""
        digest = hashlib.blake2b(f"{self.member.participant.id}\n{self.post.id}".encode(), digest_size=6)
        return f"post-{digest.hexdigest()}"


@dataclass(frozen=True)
class Thread:
    """Posts joined by responses, oldest first: a conversation of the cohort."""

    entries: tuple[Entry, ...]

    @property
    def people(self) -> tuple[Member, ...]:
        return tuple({entry.member.participant.id: entry.member for entry in self.entries}.values())


@dataclass(frozen=True)
class CohortWeek:
    week: Week
    entries: tuple[Entry, ...]  # newest first
    threads: tuple[Thread, ...] = ()  # the conversations with a post in this week, longest first

    def most_discussed(self, count: int) -> tuple[Entry, ...]:
        """The week's posts with the most responses from the cohort (at least one)."""
        answered = [entry for entry in self.entries if entry.talk.responses]
        answered.sort(key=lambda entry: -len(entry.talk.responses))  # stable: newest first on a tie
        return tuple(answered[:count])


@dataclass(frozen=True)
class Cohort:
    weeks: tuple[CohortWeek, ...]
    members: tuple[Member, ...]  # in feeds.opml order
    per_member: Mapping[str, tuple[CohortWeek, ...]] = field(default_factory=dict)
    threads: tuple[Thread, ...] = ()  # every conversation, longest first
    member_threads: Mapping[str, tuple[Thread, ...]] = field(default_factory=dict)
    signals: Signals = NO_SIGNALS  # what placed the posts besides their tags and dates

    def talk(self) -> dict[Key, Talk]:
        """Each shown post's conversations, by (participant id, post id)."""
        return {
            entry.key: entry.talk
            for week in self.weeks
            for entry in week.entries
            if entry.talk is not NO_TALK
        }

    def threads_of(self, participant_id: str) -> tuple[Thread, ...]:
        """The conversations a participant took part in, longest first."""
        return self.member_threads.get(participant_id, ())

    def week(self, number: int) -> CohortWeek | None:
        return self.weeks[number - 1] if 1 <= number <= len(self.weeks) else None

    def by_member(self, participant_id: str) -> tuple[CohortWeek, ...]:
        """One participant's shown posts, grouped by week; weeks without any are left out."""
        return self.per_member.get(participant_id, ())

    def newest_first(self) -> Iterator[Entry]:
        """Every shown post, newest first. Each week is sorted already: taking the first n costs
        n steps, not a sort of all."""
        return heapq.merge(*(week.entries for week in self.weeks), key=_newest_first)

    def latest(self, count: int) -> tuple[Entry, ...]:
        return tuple(itertools.islice(self.newest_first(), count))

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


def signals_for(config: HubConfig, moderation: Moderation) -> Signals:
    """What places posts besides their tags and dates: the facilitators' `place:` entries, and
    the addresses of the course's week pages and cohort pages under PUBLIC_URL."""
    weeks = config.course.weeks
    signals = week_page_signals(config.public_url, week_addresses(config))
    for placing in moderation.placings:
        if placing.week > weeks:
            raise ConfigError(
                f"{placing.where}: week {placing.week} is not a week of the course (1 to {weeks})"
            )
    overrides = {key: p.week for p in reversed(moderation.placings) for key in address_keys(p.post)}
    return dataclasses.replace(signals, overrides=overrides)


def week_addresses(config: HubConfig) -> list[tuple[int, str]]:
    """The paths of each week's pages, course material and cohort: under the term's folder, and
    for the term that ran before the course had terms, at the addresses its posts linked to then."""
    term = config.term or Term(None, config.course)
    page = config.week_url.removeprefix(term.root)
    roots = [term.root, ""] if term.moved_from_root else [term.root]
    return [
        (n, root + path)
        for n in range(1, config.course.weeks + 1)
        for root in roots
        for path in (page.format(number=n), f"cohort/week-{n}/")
    ]


def placement(post: Post, course: Course, inclusion: Inclusion, signals: Signals = NO_SIGNALS) -> Placement:
    """Where the site places `post` and whether it shows it, by its author's `inclusion`.
    `export` and `status` ask this same function."""
    return place(post, course, inclusion, signals)


def on_site(post: Post, where: Placement, participant_id: str, moderation: Moderation) -> bool:
    """Whether the site shows a post of a participant it shows: a course post nobody withdrew or
    hid. `export` asks this same function."""
    return where.shown and moderation.post_rule(participant_id, post) is None


def build_cohort(
    participants: Iterable[Participant],
    records: Mapping[str, Record],
    course: Course,
    moderation: Moderation | None = None,
    signals: Signals = NO_SIGNALS,
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
        own = inclusion_for(course, person.tag, signals.site)
        placements = [(post, placement(post, course, own, signals)) for post in record.posts]
        shown = [(post, p) for post, p in placements if on_site(post, p, person.id, moderation)]
        member = Member(
            person, record.feed, record.state, len(record.posts), sum(1 for _, p in shown if p.week)
        )
        members.append(member)
        placed.extend(Entry(post, member, p, shown_tags(post.tags)) for post, p in shown)
    placed = _in_conversation([entry for entry in placed if entry.placement.week is not None])
    placed.sort(key=_newest_first)
    threads = find_threads(placed)
    weeks, per_member = _group(placed, course_weeks(course), threads)
    return Cohort(weeks, tuple(members), per_member, threads, _threads_by_member(threads), signals)


def _in_conversation(entries: list[Entry]) -> list[Entry]:
    """The entries, each with its part in the cohort's conversations. This crosses people: a
    post's responses are other participants' posts, so it needs the whole cohort at once."""
    links = find_links((entry.member.participant.id, entry.post) for entry in entries)
    talking = links.responses.keys() | links.responds_to.keys() | links.see_also.keys()
    if not talking:
        return entries
    by_key = {entry.key: entry for entry in entries}
    return [_with_talk(entry, links, by_key) if entry.key in talking else entry for entry in entries]


def _with_talk(entry: Entry, links: Links, by_key: Mapping[Key, Entry]) -> Entry:
    found = (
        tuple(by_key[k] for k in kind.get(entry.key, ()))
        for kind in (links.responses, links.responds_to, links.see_also)
    )
    return dataclasses.replace(entry, talk=Talk(*found))


def find_threads(entries: Iterable[Entry]) -> tuple[Thread, ...]:
    """The conversations: each post the cohort answered, with the responses to it and to them. A
    response that was answered in turn is part of its thread, not a thread of its own; a post that
    answers two posts is in both threads. Longest first, then the most recent."""
    by_key = {entry.key: entry for entry in entries}
    covered: set[Key] = set()
    threads = []
    for root in sorted((e for e in by_key.values() if e.talk.responses), key=_oldest_first):
        if root.key in covered:
            continue
        found = _answers(root, by_key)
        covered.update(found)
        threads.append(Thread(tuple(sorted(found.values(), key=_oldest_first))))
    threads.sort(key=lambda t: (-len(t.entries), _newest_first(t.entries[-1])))
    return tuple(threads)


def _answers(root: Entry, by_key: Mapping[Key, Entry]) -> dict[Key, Entry]:
    """`root` and every post answering it, directly or through other answers."""
    found = {root.key: root}
    waiting = [root]
    while waiting:
        for answer in waiting.pop().talk.responses:
            if answer.key not in found:
                found[answer.key] = by_key[answer.key]
                waiting.append(found[answer.key])
    return found


def _threads_by_member(threads: tuple[Thread, ...]) -> dict[str, tuple[Thread, ...]]:
    found: dict[str, list[Thread]] = {}
    for thread in threads:
        for member in thread.people:
            found.setdefault(member.participant.id, []).append(thread)
    return {person: tuple(each) for person, each in found.items()}


def _group(
    placed: list[Entry], calendar: tuple[Week, ...], threads: tuple[Thread, ...]
) -> tuple[tuple[CohortWeek, ...], dict[str, tuple[CohortWeek, ...]]]:
    """Entries by week, and by participant and week, in one pass (35,000 members x posts is too many)."""
    week_threads: dict[int, list[Thread]] = {week.number: [] for week in calendar}
    for thread in threads:  # in order, longest first
        for number in dict.fromkeys(entry.placement.week for entry in thread.entries):
            if number is not None:
                week_threads[number].append(thread)
    by_week: dict[int, list[Entry]] = {week.number: [] for week in calendar}
    by_person: dict[str, dict[int, list[Entry]]] = {}
    for entry in placed:
        if entry.placement.week is not None:
            by_week[entry.placement.week].append(entry)
            person = by_person.setdefault(entry.member.participant.id, {})
            person.setdefault(entry.placement.week, []).append(entry)
    weeks = tuple(
        CohortWeek(week, tuple(by_week[week.number]), tuple(week_threads[week.number])) for week in calendar
    )
    per_member = {
        person: tuple(
            CohortWeek(week, tuple(found[week.number])) for week in calendar if week.number in found
        )
        for person, found in by_person.items()
    }
    return weeks, per_member


def _newest_first(entry: Entry) -> tuple[float, str, str]:
    return (-entry.post.published.timestamp(), entry.member.participant.id, entry.post.id)


def _oldest_first(entry: Entry) -> tuple[float, str, str]:
    return (entry.post.published.timestamp(), entry.member.participant.id, entry.post.id)
