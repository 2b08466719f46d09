"""The tags the cohort shares, each of which gets a page of its own. Pure.

A tag is the course's when posts of at least two participants carry it: a tag only one person uses
describes their blog, not the course. Tags are one however they are spelled: case, a leading '#',
spaces, hyphens and underscores aside ("Open Data", "#opendata" and "open_data" are one tag). The
course tag is never one (every post carries it), nor is a week tag: neither shows on a card.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .cohort import Cohort, Entry
from .inclusion import normalize_tag
from .registry import slugify

_SEPARATORS = re.compile(r"[\s_-]+")
LABEL_FROM = 100  # a tag's label is the spelling its newest posts use most, of this many


@dataclass(frozen=True)
class SharedTag:
    key: str  # what every spelling of the tag comes to (tag_key)
    label: str  # the spelling most of its newest posts use
    slug: str  # its page's folder name: ASCII letters, digits and '-', or '_' and a hash
    people: int
    entries: tuple[Entry, ...]  # newest week first, each week's newest first


@functools.lru_cache(maxsize=65536)  # a cohort reuses a few thousand tags across 350,000 posts
def tag_key(tag: str) -> str:
    return _SEPARATORS.sub("", normalize_tag(tag))


def shared_tags(cohort: Cohort, limit: int, course_tag: str | None = None) -> tuple[SharedTag, ...]:
    """The tags the cohort shares, at most `limit` of them: those on most posts first."""
    tagged, shared = _by_tag(cohort)
    if course_tag:  # a post may spell it in a way the course's own filter does not take apart
        shared.discard(tag_key(course_tag))
    chosen = sorted(shared, key=lambda key: (-len(tagged[key]), key))[:limit]
    slugs = tag_slugs(chosen)
    return tuple(_shared(key, slugs[key], tagged[key]) for key in chosen)


def _by_tag(cohort: Cohort) -> tuple[dict[str, list[Entry]], set[str]]:
    """Every tag's posts, newest week first, and which tags more than one participant uses."""
    tagged: dict[str, list[Entry]] = {}
    first_user: dict[str, str] = {}
    shared: set[str] = set()
    for week in reversed(cohort.weeks):
        for entry in week.entries:
            person = entry.member.participant.id
            for tag in entry.tags:
                key = tag_key(tag)
                found = tagged.setdefault(key, [])
                if found and found[-1] is entry:
                    continue  # one post spelling a tag two ways
                found.append(entry)
                if first_user.setdefault(key, person) != person:
                    shared.add(key)
    shared.discard("")  # a tag of nothing but '#', spaces or hyphens
    return tagged, shared


def _shared(key: str, slug: str, entries: list[Entry]) -> SharedTag:
    people = len({entry.member.participant.id for entry in entries})
    spellings = Counter(
        tag.strip().lstrip("#").strip()
        for entry in entries[:LABEL_FROM]
        for tag in entry.tags
        if tag_key(tag) == key
    )
    label = spellings.most_common(1)[0][0]  # the newest first on a tie
    return SharedTag(key, label, slug, people, tuple(entries))


def tag_slugs(keys: Iterable[str]) -> dict[str, str]:
    """Each tag's folder name: the key in ASCII ("Mālō" is "malo"), safe in any address and on any
    file system. A key with no ASCII letter or digit (a tag in Greek, Arabic or Chinese), or one
    whose ASCII form another key has ("résumé", "resume"), gets a hash of the key after '_', a
    character the ASCII form never holds."""
    ascii_forms = {key: slugify(key) for key in keys}
    taken = Counter(ascii_forms.values())
    return {
        key: form if form and taken[form] == 1 else f"{form or 'tag'}_{_digest(key)}"
        for key, form in ascii_forms.items()
    }


def _digest(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=4).hexdigest()


def by_week(entries: Iterable[Entry]) -> list[tuple[int | None, tuple[Entry, ...]]]:
    """Entries in runs of the same week, in the order given: (week number, entries)."""
    runs = itertools.groupby(entries, key=lambda entry: entry.placement.week)
    return [(number, tuple(run)) for number, run in runs]
