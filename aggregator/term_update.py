"""The update of a course with terms: each term still fetched into its own archive folder, a feed
several of them share fetched once, and frozen terms kept as they are, but for consent.

A frozen term's feeds are never read again, yet consent outlives the term: moderation.yml's
withdrawals and the list of the forgotten reach its records on every update, without any HTTP,
through the same functions that honour them in a fetched term (pipeline.honour_withdrawals,
Archive.forget). A frozen record no rule touches is never written, so its bytes never change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from .archive import Archive, Record, move_records
from .config import FetchOptions, HubConfig, Term
from .fetch import FetchResult, FetchSession, Validators, run_to_completion
from .moderation import Moderation, current_moderation, load_moderation
from .picture_update import update_pictures
from .pipeline import (
    FeedOutcome,
    Prefetched,
    UpdateReport,
    current_record,
    honour_withdrawals,
    not_fetched_because,
    update,
)
from .progress import Tally
from .registry import Participant
from .terms import fetched_terms, members_of
from .urls import feed_identity

FROZEN_NOTE = "the term is frozen: its feed is not read, its archive only honours withdrawals"


def update_terms(
    config: HubConfig,
    participants: Iterable[Participant],
    now: dt.datetime | None = None,
    tally: Tally | None = None,
) -> UpdateReport:
    """Update every term that is not frozen into its own archive folder, and let withdrawals and
    forget reach the frozen ones (a course without terms is updated exactly as before); then the
    pictures the site shows (picture_update.py). Each participant fetched is counted in `tally`."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    people = tuple(participants)
    if not config.terms:
        report = update(config, people, now=now, tally=tally)
    else:
        report = _update_each_term(config, people, now, tally)
    return replace(report, pictures=update_pictures(config, people, now))


def _update_each_term(
    config: HubConfig, people: tuple[Participant, ...], now: dt.datetime, tally: Tally | None
) -> UpdateReport:
    settle_root_archive(config)
    prefetched = prefetch_shared(config, people, now)
    forgotten = every_forgotten(config)
    outcomes: list[FeedOutcome] = []
    for term in config.terms:
        term_config, members = config.for_term(term), members_of(term, people)
        if term.frozen:
            outcomes += settle_frozen(term_config, forgotten, now)
        else:
            outcomes += update(term_config, members, now=now, prefetched=prefetched, tally=tally).outcomes
    return UpdateReport(tuple(outcomes), now, current_moderation(config.moderation, Archive(config.archive)))


def settle_root_archive(config: HubConfig) -> None:
    """Records still at the archive's root belong to the term that ran before the course had terms.
    The archive lives on its own branch, which `new-term` on a facilitator's machine did not touch:
    the first update after it moves them into the term's folder."""
    root = config.archive_root
    for term in config.terms:
        if term.moved_from_root and term.slug and root is not None and any(root.glob("*.json")):
            with Archive(root).lock():
                move_records(root, root / term.slug)


def every_forgotten(config: HubConfig) -> dict[str, dt.datetime]:
    """The forgotten of every term: someone forgotten in one term is forgotten in all of them."""
    found: dict[str, dt.datetime] = {}
    for term in config.course_terms:
        found |= Archive(config.for_term(term).archive).forgotten()
    return found


def settle_frozen(
    config: HubConfig, forgotten: dict[str, dt.datetime], now: dt.datetime
) -> list[FeedOutcome]:
    """A frozen term's records as withdrawals and forget want them now; no feed is read. Only the
    records a rule touches are reported (and written, when something is erased)."""
    moderation = replace(load_moderation(config.moderation), forgotten=forgotten)
    if not forgotten and not any(rule.action == "withdraw" for rule in moderation.rules):
        return []
    archive = Archive(config.archive)
    slug = config.term.slug if config.term else None
    with archive.lock():
        records = (archive.load(participant_id) for participant_id in archive.ids())
        outcomes = [_settle(archive, record, moderation, now, slug) for record in records if record]
    return [outcome for outcome in outcomes if outcome is not None]


def _settle(
    archive: Archive, record: Record, moderation: Moderation, now: dt.datetime, slug: str | None
) -> FeedOutcome | None:
    person = replace(record.participant, term=slug)
    addresses = [person.feed_url, *filter(None, [person.blog_url, record.feed.home_url])]
    if note := moderation.forgotten_address_note(*addresses):
        archive.forget(person.id, [person.feed_url], now, addresses[1:])
        return FeedOutcome(person, "skipped", note=note, withdrawn=len(record.posts))
    settled, erased = honour_withdrawals(record, moderation, now)
    if erased:
        archive.save(settled)
    found = moderation.rules_found_in(settled)
    if not erased and not found:
        return None
    return FeedOutcome(
        person,
        "skipped",
        note=FROZEN_NOTE,
        archived=len(settled.posts),
        withdrawn=erased,
        state=settled.state,
        rules_found=found,
    )


def prefetch_shared(config: HubConfig, people: tuple[Participant, ...], now: dt.datetime) -> Prefetched:
    """The feeds registered in several terms still fetched, each fetched once for all of them. A
    shared feed is read whole (no validators): each term's record may hold another version of it.
    It is read only when one of its terms would read it now (not withdrawn, forgotten or resting)."""
    shared = shared_feeds(config, people)
    if not shared:  # nearly always: one term is fetched at a time
        return {}
    moderations = {
        term: current_moderation(config.for_term(term).moderation, Archive(config.for_term(term).archive))
        for term in fetched_terms(config)
    }
    due = [
        members[0][1].feed_url
        for members in shared.values()
        if any(_due(config.for_term(term), person, moderations[term], now) for term, person in members)
    ]
    results = run_to_completion(_fetch_all(config.fetch, due))
    return {feed_identity(url): result for url, result in zip(due, results, strict=True)}


def shared_feeds(
    config: HubConfig, people: tuple[Participant, ...]
) -> dict[str, list[tuple[Term, Participant]]]:
    """Each feed registered in more than one fetched term, by its identity, with who has it where."""
    by_feed: dict[str, list[tuple[Term, Participant]]] = defaultdict(list)
    for term in fetched_terms(config):
        for person in members_of(term, people):
            by_feed[feed_identity(person.feed_url)].append((term, person))
    return {identity: members for identity, members in by_feed.items() if len(members) > 1}


def _due(config: HubConfig, person: Participant, moderation: Moderation, now: dt.datetime) -> bool:
    """Whether the term's update would read the participant's feed now."""
    if moderation.forgotten_note(person) is not None:
        return False
    return not_fetched_because(current_record(Archive(config.archive), person), moderation, now) is None


async def _fetch_all(options: FetchOptions, urls: list[str]) -> list[FetchResult]:
    async with FetchSession(options) as session:
        return list(await asyncio.gather(*(session.fetch(url, Validators()) for url in urls)))
