"""Glue: registry -> fetch -> parse -> normalize -> archive, one outcome per participant.

`update` is the only function that runs the whole chain. Each process runs one event loop that
keeps many fetches in flight and parses and saves each feed as it arrives; a large cohort is
split over one such process per core, because parsing and sanitizing are CPU-bound and one
Python process uses one core. The stages themselves stay plain functions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

from . import sanitize
from .archive import Archive, FeedInfo, FeedState, Record, merge_posts
from .config import HubConfig
from .errors import FeedError
from .fetch import Fetched, FetchSession, NotModified, Validators, run_to_completion
from .normalize import Post, normalize
from .parse import ParsedFeed, parse_feed
from .registry import Participant
from .schedule import after_failure, after_success, skip_reason
from .urls import absolute_http_url

Status = Literal["updated", "unchanged", "failed", "skipped"]
AUTO_PROCESSES_FROM = 200  # below this many feeds, starting worker processes costs more than it saves


@dataclass(frozen=True)
class FeedOutcome:
    participant: Participant
    status: Status
    new_posts: int = 0
    changed_posts: int = 0
    archived: int = 0
    error: FeedError | None = None
    moved_to: str | None = None
    note: str | None = None  # why a feed was skipped
    state: FeedState = field(default_factory=FeedState)  # the feed's state after this run


@dataclass(frozen=True)
class UpdateReport:
    outcomes: tuple[FeedOutcome, ...]
    at: dt.datetime

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new_posts(self) -> int:
        return sum(o.new_posts for o in self.outcomes)


@dataclass(frozen=True)
class ReadFeed:
    """A fetched feed, parsed and normalized: what the blog says of itself, and its posts."""

    feed: FeedInfo
    posts: tuple[Post, ...]


def update(
    config: HubConfig,
    participants: Iterable[Participant],
    *,
    now: dt.datetime | None = None,
) -> UpdateReport:
    """Fetch every participant's feed into the archive. Feed problems become outcomes."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    people = tuple(participants)
    archive = Archive(config.archive)
    with archive.lock():
        done = _run_shards(config, _shards(people, _processes(config, len(people))), now)
        archive.sync()
    by_id = {outcome.participant.id: outcome for outcomes in done for outcome in outcomes}
    return UpdateReport(tuple(by_id[person.id] for person in people), now)


def _processes(config: HubConfig, participants: int) -> int:
    if config.processes:
        return config.processes
    return os.cpu_count() or 1 if participants >= AUTO_PROCESSES_FROM else 1


def _shards(people: tuple[Participant, ...], count: int) -> list[tuple[Participant, ...]]:
    """Every count-th participant: shards of equal size and an even mix of feeds."""
    return [shard for shard in (people[k::count] for k in range(count)) if shard]


def _run_shards(
    config: HubConfig, shards: list[tuple[Participant, ...]], now: dt.datetime
) -> list[tuple[FeedOutcome, ...]]:
    """The first shard runs here while worker processes take the others."""
    if len(shards) <= 1:
        return [update_shard(config, shard, now) for shard in shards]
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no copied locks or loops
    with ProcessPoolExecutor(len(shards) - 1, mp_context=context) as workers:
        others = [workers.submit(update_shard, config, shard, now) for shard in shards[1:]]
        return [update_shard(config, shards[0], now), *(other.result() for other in others)]


def update_shard(
    config: HubConfig, people: tuple[Participant, ...], now: dt.datetime
) -> tuple[FeedOutcome, ...]:
    """One event loop over `people`: at most `workers` participants in progress at a time."""
    return run_to_completion(_update_all(config, people, now))


async def _update_all(
    config: HubConfig, people: tuple[Participant, ...], now: dt.datetime
) -> tuple[FeedOutcome, ...]:
    archive = Archive(config.archive)
    outcomes: list[FeedOutcome | None] = [None] * len(people)
    queue = iter(enumerate(people))

    async def work(session: FetchSession) -> None:
        for index, person in queue:  # shared by every task: each takes the next participant
            outcomes[index] = await update_participant(archive, session, now, person)

    async with FetchSession(config.fetch) as session:
        await asyncio.gather(*(work(session) for _ in range(min(config.fetch.workers, len(people)))))
    return tuple(outcome for outcome in outcomes if outcome is not None)


def read_feed(fetched: Fetched, now: dt.datetime) -> ReadFeed | FeedError:
    parsed = parse_feed(fetched.body, fetched.headers, fetched.final_url)
    if isinstance(parsed, FeedError):
        return parsed
    return ReadFeed(_feed_info(parsed), normalize(parsed, now))


async def update_participant(
    archive: Archive, session: FetchSession, now: dt.datetime, person: Participant
) -> FeedOutcome:
    record = _current_record(archive, person)
    reason = skip_reason(record.state, person.feed_url, now)
    if reason is not None:
        return FeedOutcome(person, "skipped", archived=len(record.posts), note=reason, state=record.state)
    result = await session.fetch(person.feed_url, _validators(record.state))
    new_record, outcome = apply_fetch(record, result, now)
    if new_record != record:
        await asyncio.to_thread(archive.save, new_record)  # the loop fetches on while the file is written
    return outcome


def apply_fetch(
    record: Record, result: Fetched | NotModified | FeedError, now: dt.datetime
) -> tuple[Record, FeedOutcome]:
    """Pure: what one fetch result does to a participant's record."""
    if isinstance(result, Fetched):
        content = read_feed(result, now)
        if isinstance(content, ReadFeed):
            return _ingest(record, result, content, now)
        result = content
    if isinstance(result, NotModified):
        return _unchanged(record, result)
    return _failed(record, result, now)


def _current_record(archive: Archive, person: Participant) -> Record:
    record = archive.load(person.id)
    if record is None:
        return Record(person)
    if record.participant.feed_url != person.feed_url:
        # A new feed address: the old validators describe another document; give it a fresh try.
        fresh = FeedState(last_success=record.state.last_success, last_error=record.state.last_error)
        record = replace(record, state=fresh)
    return replace(record, participant=person)


def _validators(state: FeedState) -> Validators:
    return Validators(state.etag, state.last_modified, state.body_sha256)


def _ingest(
    record: Record, fetched: Fetched, content: ReadFeed, now: dt.datetime
) -> tuple[Record, FeedOutcome]:
    incoming = content.posts
    merged = merge_posts(record.posts, incoming)
    known = {post.id: post for post in record.posts}
    new = sum(1 for post in incoming if post.id not in known)
    changed = sum(1 for post in merged if post.id in known and known[post.id] != post)
    state = replace(
        after_success(record.state),
        etag=fetched.validators.etag,
        last_modified=fetched.validators.last_modified,
        body_sha256=fetched.validators.body_sha256,
        last_success=now,
        moved_to=fetched.moved_to,
    )
    record = replace(record, feed=content.feed, state=state, posts=merged)
    outcome = FeedOutcome(
        record.participant, "updated", new, changed, len(merged), moved_to=fetched.moved_to, state=state
    )
    return record, outcome


def _feed_info(parsed: ParsedFeed) -> FeedInfo:
    home = absolute_http_url(parsed.home_url, parsed.base_url)
    return FeedInfo(
        title=sanitize.plain_text(parsed.title, 120) or None,
        home_url=home,
        image_url=absolute_http_url(parsed.image_url, home or parsed.base_url),
    )


def _unchanged(record: Record, result: NotModified) -> tuple[Record, FeedOutcome]:
    state = replace(after_success(record.state), moved_to=result.moved_to)
    outcome = FeedOutcome(
        record.participant, "unchanged", archived=len(record.posts), moved_to=result.moved_to, state=state
    )
    return replace(record, state=state), outcome


def _failed(record: Record, error: FeedError, now: dt.datetime) -> tuple[Record, FeedOutcome]:
    state = after_failure(record.state, error, record.participant.feed_url, now)
    outcome = FeedOutcome(record.participant, "failed", archived=len(record.posts), error=error, state=state)
    return replace(record, state=state), outcome
