"""Consent and moderation: moderation.yml -> which people and posts stay out of public view.

Two kinds of rule, with different consequences:

- `withdraw` is the author's own request. The update erases the post (or every post of the
  participant) from the archive and keeps a tombstone, so no later fetch brings it back, even while
  the blog's feed still lists it. The rule also keeps it off the site from the next build on.
- `hide` is a maintainer's decision. The post or person stays in the archive, is left out of every
  page, feed and search index, and is listed in the health report with the reason.

The file is the repository's own, reviewed like code; a mistake in it stops the run with the entry
at fault named, because a misspelt withdrawal that silently did nothing would break a promise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from .archive import FORGOTTEN_FILE, Archive, Record, address_digest, forgotten_keys, format_time
from .config import HubConfig
from .discover import typed_address
from .errors import ConfigError, EnrolmentError, RegistryError
from .files import write_atomically
from .normalize import Post
from .opml_edit import remove_participant
from .picture_store import PictureStore
from .registry import Participant, load_registry, valid_id
from .urls import address_keys, canonical_address

Action = Literal["withdraw", "hide"]
ACTIONS: tuple[Action, ...] = ("withdraw", "hide")
REASON_LIMIT = 300


@dataclass(frozen=True)
class Rule:
    action: Action
    participant: str | None  # a hub id: the rule covers every post of theirs
    post: str | None  # a post's address, as given
    reason: str | None = None

    @functools.cached_property
    def post_identity(self) -> str | None:
        """The post's address however it was shared (a link with ?utm_source=, an AMP page...)."""
        return canonical_address(self.post) if self.post else None


@dataclass(frozen=True)
class Placing:
    """A facilitator's decision that a post belongs to a week, whatever its tags, links and date."""

    post: str  # the post's address, as given
    week: int
    where: str  # the entry, named for errors ("moderation.yml: place entry 2")


@dataclass(frozen=True)
class Moderation:
    rules: tuple[Rule, ...] = ()
    placings: tuple[Placing, ...] = ()
    forgotten: Mapping[str, dt.datetime] = field(default_factory=dict)  # feed hash -> when

    def forgotten_note(self, person: Participant) -> str | None:
        """Why nothing of this participant is fetched or shown, when they asked to be forgotten:
        under any spelling of their feed, another feed of their blog, or another name."""
        addresses = [person.feed_url, *([person.blog_url] if person.blog_url else [])]
        return self.forgotten_address_note(*addresses)

    def forgotten_address_note(self, *addresses: str) -> str | None:
        """Why the blog or feed at any of `addresses` is never read, when its author asked to be
        forgotten: what `forget` promised, and how only they can lift it."""
        if not self.forgotten:
            return None
        found = sorted(
            {key for address in addresses for key in forgotten_keys(address)} & self.forgotten.keys()
        )
        if not found:
            return None
        when = format_time(min(self.forgotten[key] for key in found))
        return (
            f"forgotten at their request on {when}: the hub promised never to read this blog again "
            f"(to let them back, at their own request, remove the lines with the keys {', '.join(found)} "
            f"from archive/{FORGOTTEN_FILE})"
        )

    def keeps_out(self, person: Participant) -> bool:
        """Whether nothing of this participant appears on the site."""
        return self.person_rule(person.id) is not None or self.forgotten_note(person) is not None

    @functools.cached_property
    def _people(self) -> dict[str, Rule]:
        return _first_by_action((rule.participant, rule) for rule in self.rules if rule.participant)

    @functools.cached_property
    def _posts(self) -> dict[str, Rule]:
        return _first_by_action((rule.post_identity, rule) for rule in self.rules if rule.post_identity)

    def person_rule(self, participant_id: str) -> Rule | None:
        """The rule that keeps a participant off the site, if any (a withdrawal before a hiding)."""
        return self._people.get(participant_id)

    def post_rule(self, participant_id: str, post: Post) -> Rule | None:
        """The rule that keeps `post` off the site: its author's, or one naming the post itself."""
        if not self.rules:
            return None
        found = [self._posts.get(key) for key in address_keys(post.url, post.id)]
        return strongest([self._people.get(participant_id), *found])

    def rules_found_in(self, record: Record) -> tuple[str, ...]:
        """The post rules (their addresses as written) that name a post of `record`, or one it has
        withdrawn: a rule that names no post anywhere is reported, never taken as done."""
        if not self._posts:
            return ()
        keys = {key for post in record.posts for key in address_keys(post.url, post.id)}
        return tuple(
            rule.post
            for identity, rule in self._posts.items()
            if rule.post and (identity in keys or address_digest(rule.post) in record.tombstone_keys)
        )

    def withdrawn_posts(self, participant_id: str, posts: Iterable[Post]) -> tuple[Post, ...]:
        return tuple(
            post
            for post in posts
            if (rule := self.post_rule(participant_id, post)) and rule.action == "withdraw"
        )


def _first_by_action(pairs: Iterable[tuple[str | None, Rule]]) -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for key, rule in pairs:
        if key is not None:
            found[key] = strongest([found.get(key), rule]) or rule
    return found


def strongest(rules: Iterable[Rule | None]) -> Rule | None:
    """A withdrawal wins over a hiding: it is the author's wish, and the stronger promise."""
    present = [rule for rule in rules if rule is not None]
    return next((rule for rule in present if rule.action == "withdraw"), present[0] if present else None)


def current_moderation(path: Path | None, archive: Archive) -> Moderation:
    """The rules of moderation.yml and the participants the archive has forgotten."""
    return replace(load_moderation(path), forgotten=archive.forgotten())


def load_moderation(path: Path | None) -> Moderation:
    """Read moderation.yml; no file means no rules."""
    if path is None or not path.is_file():
        return Moderation()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    return Moderation(parse_rules(doc, str(path)), parse_placings(doc, str(path)))


def with_rule(text: str, action: Action, entry: Mapping[str, str], source: str = "moderation.yml") -> str:
    """`text` (moderation.yml) with one more entry at the top of its `action:` list; comments and
    everything else kept as they were. ConfigError when the file is laid out in a way this edit
    cannot follow."""
    item = "".join(
        f"{'  - ' if n == 0 else '    '}{key}: {json.dumps(value, ensure_ascii=False)}\n"
        for n, (key, value) in enumerate(entry.items())
    )
    head = re.compile(rf"^{action}:[ \t]*(?:\[[ \t]*\])?[ \t]*(?:#.*)?$", re.MULTILINE)
    found = head.search(text)
    if found:
        edited = f"{text[: found.start()]}{action}:\n{item}{text[found.end() + 1 :]}"
    else:
        edited = f"{text}{'' if not text or text.endswith(chr(10)) else chr(10)}{action}:\n{item}"
    before = _rules_in(text, source)
    if len(_rules_in(edited, source)) != len(before) + 1:
        raise ConfigError(f"{source} is laid out in a way this edit cannot follow; add the line by hand")
    return edited


def _rules_in(text: str, source: str) -> tuple[Rule, ...]:
    try:
        return parse_rules(yaml.safe_load(text), source)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from None


def parse_rules(doc: Any, source: str) -> tuple[Rule, ...]:
    if doc is None:
        return ()
    if not isinstance(doc, Mapping) or set(doc) - {*ACTIONS, "place"}:
        raise ConfigError(f"{source}: expected only the lists 'withdraw:', 'hide:' and 'place:'")
    rules: list[Rule] = []
    for action in ACTIONS:
        entries = doc.get(action) or []
        if not isinstance(entries, list):
            raise ConfigError(f"{source}: '{action}:' must be a list of entries")
        rules += [_rule(action, entry, f"{source}: {action} entry {n}") for n, entry in enumerate(entries, 1)]
    return tuple(rules)


def _rule(action: Action, entry: Any, where: str) -> Rule:
    if not isinstance(entry, Mapping) or set(entry) - {"post", "participant", "reason"}:
        raise ConfigError(f"{where}: expected 'post:' or 'participant:', and an optional 'reason:'")
    post, participant, reason = (entry.get(key) for key in ("post", "participant", "reason"))
    if (post is None) == (participant is None):
        raise ConfigError(f"{where}: give either 'post:' (its address) or 'participant:' (their hub id)")
    address = post_address(post, where) if post is not None else None
    if participant is not None and (not isinstance(participant, str) or not valid_id(participant)):
        raise ConfigError(
            f"{where}: 'participant:' must be a hub id such as 'maya-okafor', got {participant!r}"
        )
    if reason is not None and not isinstance(reason, str):
        raise ConfigError(f"{where}: 'reason:' must be text")
    return Rule(action, participant, address, (reason or "").strip()[:REASON_LIMIT] or None)


def post_address(post: Any, where: str) -> str:
    """A post's address as people write it, read as `register` reads a blog's (without a scheme,
    with spaces around it, a capital in the host): a ConfigError naming the entry only when it
    cannot be the address of a post at all."""
    try:
        if isinstance(post, str) and post.strip():
            return typed_address(post)
    except EnrolmentError:
        pass
    raise ConfigError(f"{where}: 'post:' must be the post's http(s) address, got {post!r}")


def parse_placings(doc: Any, source: str) -> tuple[Placing, ...]:
    entries = (doc or {}).get("place") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: 'place:' must be a list of entries")
    return tuple(_placing(entry, f"{source}: place entry {n}") for n, entry in enumerate(entries, 1))


def _placing(entry: Any, where: str) -> Placing:
    if not isinstance(entry, Mapping) or set(entry) - {"post", "week", "reason"}:
        raise ConfigError(f"{where}: expected 'post:' (its address), 'week:' and an optional 'reason:'")
    post, week = post_address(entry.get("post"), where), entry.get("week")
    if isinstance(week, bool) or not isinstance(week, int) or week < 1:
        raise ConfigError(f"{where}: 'week:' must be a week number such as 3, got {week!r}")
    return Placing(post, week, where)


@dataclass(frozen=True)
class Forgotten:
    participant: Participant
    erased_posts: int  # how many archived posts went with the record
    in_registry: bool  # whether they were still in feeds.opml (and so were taken out of it)
    reason: str | None = None  # as recorded in the archive's list of the forgotten
    pictures: int = 0  # how many of their pictures' files were deleted from the picture store


def forget(config: HubConfig, participant_id: str, now: dt.datetime, reason: str | None = None) -> Forgotten:
    """A data-protection request: erase everything the hub holds of a participant, take them out of
    feeds.opml, and keep only hashes of their feed's and blog's addresses, with the facilitator's
    `reason` (one line, capped), so that nothing of theirs returns, under any spelling or from any
    other feed of that blog. Consent outlives a term: every term's archive folder forgets them,
    frozen or not, and every outline of theirs leaves feeds.opml."""
    archives = [Archive(config.for_term(term).archive) for term in config.course_terms]
    theirs = [person for person in load_registry(config.opml) if person.id == participant_id]
    with contextlib.ExitStack() as locks:
        for archive in archives:
            locks.enter_context(archive.lock())
        records = [record for archive in archives if (record := archive.load(participant_id))]
        people = [*theirs, *(record.participant for record in records)]
        if not people:
            raise RegistryError(f"nobody has the id {participant_id!r} in {config.opml} or in the archive")
        feeds = sorted({person.feed_url for person in people})
        blogs = {person.blog_url for person in people} | {record.feed.home_url for record in records}
        why = " ".join((reason or "").split())[:REASON_LIMIT] or None
        for archive in archives:
            archive.forget(participant_id, feeds, now, sorted(blog for blog in blogs if blog), why)
        if theirs:
            write_atomically(config.opml, remove_participant(config.opml.read_bytes(), participant_id))
        pictures = forget_pictures(config.pictures, participant_id)
    return Forgotten(people[0], sum(len(record.posts) for record in records), bool(theirs), why, pictures)


def forget_pictures(folder: Path, participant_id: str) -> int:
    """Delete the participant's pictures from the store at once (the next update would too): those
    nobody else shows. How many files went."""
    if not folder.is_dir():
        return 0
    store = PictureStore.load(folder)
    deleted = store.forget(participant_id)
    store.save()
    return len(deleted)
