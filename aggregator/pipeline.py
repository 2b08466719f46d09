"""Glue: registry -> fetch -> parse -> normalize -> archive, one outcome per participant.

`update` is the only function that runs the whole chain. Each process runs one event loop that
keeps many fetches in flight and parses and saves each feed as it arrives; a large cohort is
split over one such process per core, because parsing and sanitizing are CPU-bound and one
Python process uses one core. The stages themselves stay plain functions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Literal

from . import sanitize, workers
from .archive import (
    FORMAT_VERSION,
    Archive,
    FeedInfo,
    FeedState,
    Fitted,
    Record,
    fit,
    merge_posts,
    new_posts,
    withdraw,
)
from .config import FetchOptions, HubConfig
from .consent import consented, course_filter, departed, kept_posts
from .errors import FeedError, HTTPStatusError
from .fetch import Fetched, FetchResult, FetchSession, NotModified, Validators, run_to_completion
from .inclusion import Inclusion, inclusion_for
from .limits import ARCHIVE_FILE_LIMIT, NEW_POSTS_PER_RUN, RUN_BYTES_LIMIT
from .moderation import Moderation, current_moderation
from .normalize import KeptOut, Post, normalize
from .parse import ParsedFeed, RawEntry, parse_feed
from .picture_store import PictureRun
from .progress import Tally
from .registry import Participant
from .schedule import after_failure, after_success, skip_reason
from .urls import absolute_http_url, feed_identity, site_at, within_limit

Status = Literal["updated", "unchanged", "failed", "skipped", "bug"]
AUTO_PROCESSES_FROM = 200  # below this many feeds, starting worker processes costs more than it saves
ORIGINALS_PER_RUN = 5  # posts that left a feed, checked for 410 Gone: a deleted post, one request each
# Threads per process that read fetched feeds (parse, sanitize, merge), off the event loop. The
# parser and the sanitizer release the GIL for their native work, so two make use of a core that
# would otherwise wait; more only compete with the loop for it.
CPU_THREADS = 2


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
    withdrawn: int = 0  # posts erased this run: withdrawn by their author, or gone at the source
    bug: str | None = None  # the traceback, when the hub itself failed on this participant
    kept_out: tuple[KeptOut, ...] = ()  # entries the archive did not take this run, and why
    rules_found: tuple[str, ...] = ()  # moderation.yml's post rules that name a post of theirs


@dataclass(frozen=True)
class UpdateReport:
    outcomes: tuple[FeedOutcome, ...]
    at: dt.datetime
    moderation: Moderation = field(default_factory=Moderation)
    pictures: PictureRun | None = None  # what the pictures stage did, when it ran (term_update.py)

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
    kept_out: tuple[KeptOut, ...] = ()
    listed: tuple[str, ...] = ()  # short hashes of every post the feed lists, course posts or not


Prefetched = Mapping[str, FetchResult]  # feed identity -> what this run already fetched of it
Finished = Callable[[FeedOutcome], None]  # told of each participant's outcome as it is known


def update(
    config: HubConfig,
    participants: Iterable[Participant],
    *,
    now: dt.datetime | None = None,
    prefetched: Prefetched | None = None,
    tally: Tally | None = None,
) -> UpdateReport:
    """Fetch every participant's feed into the archive. Feed problems become outcomes. A feed in
    `prefetched` (one several terms share) is not fetched again: its result is taken from there.
    Each process counts the participants it finished into its own row of `tally` (progress.py)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    people = tuple(participants)
    archive = Archive(config.archive)
    with archive.lock() as lock:
        moderation = current_moderation(config.moderation, archive)
        shards = _shards(people, _processes(config, len(people)))
        done = _run_shards(config, shards, now, moderation, lock, prefetched or {}, tally)
        _migrate_departed(archive, {person.id for person in people}, _inclusion(config, None))
        archive.sync()
    by_id = {outcome.participant.id: outcome for outcomes in done for outcome in outcomes}
    return UpdateReport(tuple(by_id[person.id] for person in people), now, moderation)


def _inclusion(config: HubConfig, own_tag: str | None) -> Inclusion:
    """What makes a post a course post of a participant whose `hub:tag` is `own_tag`."""
    return inclusion_for(config.course, own_tag, site_at(config.public_url))


def _migrate_departed(archive: Archive, registered: set[str], course_wide: Inclusion) -> None:
    """Records of people no longer in feeds.opml keep only what consent allows too (consent.py)."""
    for participant_id in archive.ids():
        if participant_id not in registered and (record := archive.load(participant_id)) is not None:
            kept = departed(record, course_wide)
            if kept != record or record.format < FORMAT_VERSION:
                archive.save(kept)


def _processes(config: HubConfig, participants: int) -> int:
    if config.processes:
        return config.processes
    return os.cpu_count() or 1 if participants >= AUTO_PROCESSES_FROM else 1


def _shards(people: tuple[Participant, ...], count: int) -> list[tuple[Participant, ...]]:
    """Every count-th participant: shards of equal size and an even mix of feeds."""
    return [shard for shard in (people[k::count] for k in range(count)) if shard]


def _run_shards(
    config: HubConfig,
    shards: list[tuple[Participant, ...]],
    now: dt.datetime,
    moderation: Moderation,
    lock: int,
    prefetched: Prefetched,
    tally: Tally | None,
) -> list[tuple[FeedOutcome, ...]]:
    """The first shard runs here while worker processes, holding the same lock, take the others.
    Shard k counts into row k of `tally`."""
    rows = [tally.row(number) if tally else None for number in range(len(shards))]
    if len(shards) <= 1:
        return [update_shard(config, shard, now, moderation, prefetched, rows[0]) for shard in shards]
    with workers.pool(len(shards) - 1, lock) as pool:
        others = [
            pool.submit(update_shard, config, shard, now, moderation, prefetched, row)
            for shard, row in zip(shards[1:], rows[1:], strict=True)
        ]
        mine = update_shard(config, shards[0], now, moderation, prefetched, rows[0])
        return [
            mine,
            *(_shard_outcomes(other, shard) for other, shard in zip(others, shards[1:], strict=True)),
        ]


def _shard_outcomes(
    work: Future[tuple[FeedOutcome, ...]], shard: tuple[Participant, ...]
) -> tuple[FeedOutcome, ...]:
    """A worker process that died (the kernel's OOM killer, a crash in native code) took the
    outcomes of its participants with it: each is reported as a bug (what it saved before stays),
    and every other shard stands."""
    try:
        return work.result()
    except BrokenProcessPool:
        return tuple(FeedOutcome(person, "bug", bug=traceback.format_exc()) for person in shard)


def update_shard(
    config: HubConfig,
    people: tuple[Participant, ...],
    now: dt.datetime,
    moderation: Moderation,
    prefetched: Prefetched | None = None,
    finished: Finished | None = None,
) -> tuple[FeedOutcome, ...]:
    """One event loop over `people`: at most `workers` participants in progress at a time, each
    told to `finished` when it is done."""
    return run_to_completion(_update_all(config, people, now, moderation, prefetched or {}, finished))


class PrefetchedSession(FetchSession):
    """A fetch session that answers for the feeds this run has fetched already (`prefetched`)."""

    def __init__(self, options: FetchOptions, prefetched: Prefetched) -> None:
        super().__init__(options)
        self.prefetched = prefetched

    async def fetch(self, url: str, known: Validators) -> FetchResult:
        found = self.prefetched.get(feed_identity(url)) if self.prefetched else None
        return found if found is not None else await super().fetch(url, known)


async def _update_all(
    config: HubConfig,
    people: tuple[Participant, ...],
    now: dt.datetime,
    moderation: Moderation,
    prefetched: Prefetched,
    finished: Finished | None,
) -> tuple[FeedOutcome, ...]:
    archive = Archive(config.archive)
    outcomes: list[FeedOutcome | None] = [None] * len(people)
    queue = iter(enumerate(people))

    async def work(session: FetchSession, cpu: Executor) -> None:
        for index, person in queue:  # shared by every task: each takes the next participant
            outcome = await update_participant(
                archive, session, now, person, moderation, cpu, _inclusion(config, person.tag)
            )
            outcomes[index] = outcome
            if finished is not None:
                finished(outcome)

    with ThreadPoolExecutor(CPU_THREADS, thread_name_prefix="read-feed") as cpu:
        async with PrefetchedSession(config.fetch, prefetched) as session:
            tasks = min(config.fetch.workers, len(people))
            await asyncio.gather(*(work(session, cpu) for _ in range(tasks)))
    return tuple(outcome for outcome in outcomes if outcome is not None)


def read_feed(
    fetched: Fetched,
    now: dt.datetime,
    wanted: Callable[[tuple[str, ...], RawEntry], bool] | None = None,
) -> ReadFeed | FeedError:
    """The fetched feed's posts: those `wanted` accepts (all without it; see `normalize`)."""
    parsed = parse_feed(fetched.body, fetched.headers, fetched.final_url)
    if isinstance(parsed, FeedError):
        return parsed
    content = normalize(parsed, now, wanted)
    listed = tuple(listed_key(post_id) for post_id in content.listed)
    return ReadFeed(_feed_info(parsed), content.posts, content.kept_out, listed)


async def update_participant(
    archive: Archive,
    session: FetchSession,
    now: dt.datetime,
    person: Participant,
    moderation: Moderation | None = None,
    cpu: Executor | None = None,
    inclusion: Inclusion | None = None,
) -> FeedOutcome:
    """One participant's update. Their feed's problems are values; an exception here is a bug in
    the hub, which is reported with its traceback while everyone else is updated all the same.
    Reading the feed runs on `cpu` (the loop's default threads if None), never on the event loop.
    With `inclusion` (what makes a post one of their course posts), the archive keeps only what
    the participant consented to (consent.py)."""
    try:
        return await _update_participant(
            archive, session, now, person, moderation or Moderation(), cpu, inclusion
        )
    except Exception:
        return FeedOutcome(person, "bug", bug=traceback.format_exc())


async def _update_participant(
    archive: Archive,
    session: FetchSession,
    now: dt.datetime,
    person: Participant,
    moderation: Moderation,
    cpu: Executor | None,
    inclusion: Inclusion | None,
) -> FeedOutcome:
    if note := moderation.forgotten_note(person):
        return FeedOutcome(person, "skipped", note=note)  # nothing read, nothing written
    stored = current_record(archive, person)
    current = consented(stored, inclusion) if inclusion else stored  # migrates older archives
    if stored.format < FORMAT_VERSION:  # read the whole feed once: its posts gain their links
        current = _read_whole(current)
    record, outcome = await _fetch_into(session, current, now, moderation, cpu, inclusion)
    if record.feed.home_url and (note := moderation.forgotten_address_note(record.feed.home_url)):
        return FeedOutcome(person, "skipped", note=note)  # their blog under another feed: nothing kept
    record, erased = honour_withdrawals(record, moderation, now)
    record, gone = await _withdraw_gone_originals(session, stored.state, record, now)
    if record != stored or stored.format < FORMAT_VERSION:
        await asyncio.to_thread(archive.save, record)  # the loop fetches on while the file is written
    found = moderation.rules_found_in(record)
    return replace(
        outcome, archived=len(record.posts), withdrawn=erased + gone, state=record.state, rules_found=found
    )


async def _fetch_into(
    session: FetchSession,
    record: Record,
    now: dt.datetime,
    moderation: Moderation,
    cpu: Executor | None,
    inclusion: Inclusion | None,
) -> tuple[Record, FeedOutcome]:
    person = record.participant
    reason = not_fetched_because(record, moderation, now)
    if reason is not None:
        return record, FeedOutcome(person, "skipped", note=reason, state=record.state)
    result = await session.fetch(person.feed_url, _validators(record.state))
    # Parsing and sanitizing take CPU time: on the loop, one large feed would hold every other
    # feed's fetch (and run out their deadlines) for as long as it takes.
    return await asyncio.get_running_loop().run_in_executor(cpu, apply_fetch, record, result, now, inclusion)


def not_fetched_because(record: Record, moderation: Moderation, now: dt.datetime) -> str | None:
    """Why this run leaves the participant's feed alone: they withdrew, or it rests (schedule.py)."""
    rule = moderation.person_rule(record.participant.id)
    if rule and rule.action == "withdraw":
        return "withdrew from the hub"
    return skip_reason(record.state, record.participant.feed_url, now)


def honour_withdrawals(record: Record, moderation: Moderation, now: dt.datetime) -> tuple[Record, int]:
    """Pure: erase what moderation.yml withdraws, leaving tombstones; how many posts went."""
    posts = moderation.withdrawn_posts(record.participant.id, record.posts)
    return withdraw(record, posts, "withdrawn", now), len(posts)


async def _withdraw_gone_originals(
    session: FetchSession, before: FeedState, record: Record, now: dt.datetime
) -> tuple[Record, int]:
    """A post that left its feed is looked up once: if the original answers 410 Gone, its author
    deleted it on purpose, and the hub withdraws it too."""
    dropped = left_the_feed(before, record)[:ORIGINALS_PER_RUN]
    if not dropped:  # nearly always: no gather and no new record for each of 35,000 feeds
        return record, 0
    results = await asyncio.gather(*(session.fetch(post.url or "", Validators()) for post in dropped))
    gone = [post for post, result in zip(dropped, results, strict=True) if _is_gone(result)]
    return withdraw(record, gone, "gone", now), len(gone)


def left_the_feed(before: FeedState, record: Record) -> list[Post]:
    """Posts the feed listed last time and no longer lists (only when it was read again)."""
    if not before.listed or before.listed == record.state.listed:
        return []
    dropped = set(before.listed) - set(record.state.listed)
    return [post for post in record.posts if post.url and listed_key(post.id) in dropped]


def _is_gone(result: Fetched | NotModified | FeedError) -> bool:
    return isinstance(result, HTTPStatusError) and result.status == 410


def listed_key(post_id: str) -> str:
    """A short hash of a post id: enough to tell which posts left a feed, at 11 bytes a post."""
    return hashlib.sha1(post_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def apply_fetch(
    record: Record,
    result: Fetched | NotModified | FeedError,
    now: dt.datetime,
    inclusion: Inclusion | None = None,
) -> tuple[Record, FeedOutcome]:
    """Pure: what one fetch result does to a participant's record. With `inclusion`, only what the
    participant consented to is taken in (consent.py)."""
    if isinstance(result, Fetched):
        wanted = course_filter(inclusion) if inclusion is not None else None
        content = read_feed(result, now, wanted)
        if isinstance(content, ReadFeed):
            if inclusion is not None:
                content = replace(content, posts=kept_posts(content.posts, record.participant, inclusion))
            return _ingest(record, result, content, now)
        result = content
    if isinstance(result, NotModified):
        return _unchanged(record, result)
    return _failed(record, result, now)


def current_record(archive: Archive, person: Participant) -> Record:
    record = archive.load(person.id)
    if record is None:
        return Record(person)
    if record.participant.feed_url != person.feed_url:
        # A new feed address: the old validators describe another document; give it a fresh try.
        fresh = FeedState(last_success=record.state.last_success, last_error=record.state.last_error)
        record = replace(record, state=fresh)
    elif person.display == "full" != record.participant.display:
        # They chose to be shown in full: read the whole feed again, so its posts gain their bodies.
        record = _read_whole(record)
    return replace(record, participant=person)


def _read_whole(record: Record) -> Record:
    """`record` without its feed's validators: the next fetch reads the whole feed again."""
    return replace(record, state=replace(record.state, etag=None, last_modified=None, body_sha256=None))


def _validators(state: FeedState) -> Validators:
    return Validators(state.etag, state.last_modified, state.body_sha256)


def _ingest(
    record: Record, fetched: Fetched, content: ReadFeed, now: dt.datetime
) -> tuple[Record, FeedOutcome]:
    incoming = tuple(post for post in content.posts if not record.buried(post))
    incoming, waiting = _this_run(record.posts, incoming)
    state = replace(
        after_success(record.state),
        etag=fetched.validators.etag,
        last_modified=fetched.validators.last_modified,
        body_sha256=fetched.validators.body_sha256,
        last_success=now,
        moved_to=fetched.moved_to,
        listed=content.listed,
    )
    merged = replace(record, feed=content.feed, state=state, posts=merge_posts(record.posts, incoming))
    fitted = fit(record, merged, ARCHIVE_FILE_LIMIT, RUN_BYTES_LIMIT)
    merged = fitted.record
    if waiting or fitted.later or fitted.too_large:  # more to take in: the next run reads it all again
        merged = _read_whole(merged)
    known = {post.id: post for post in record.posts}
    new = sum(1 for post in merged.posts if post.id not in known)
    changed = sum(1 for post in merged.posts if post.id in known and known[post.id] != post)
    kept_out = content.kept_out + _waiting(waiting) + _left_out(fitted, known)
    outcome = FeedOutcome(
        record.participant,
        "updated",
        new,
        changed,
        len(merged.posts),
        moved_to=fetched.moved_to,
        state=merged.state,
        kept_out=kept_out,
    )
    return merged, outcome


def _this_run(
    known: tuple[Post, ...], incoming: tuple[Post, ...]
) -> tuple[tuple[Post, ...], tuple[Post, ...]]:
    """The incoming posts to take now, and the new ones beyond NEW_POSTS_PER_RUN (the newest are
    taken first), which wait for a later run."""
    fresh = new_posts(known, incoming)
    if len(fresh) <= NEW_POSTS_PER_RUN:
        return incoming, ()
    newest_first = sorted(fresh, key=lambda post: post.published, reverse=True)
    waiting = {post.id for post in newest_first[NEW_POSTS_PER_RUN:]}
    return (
        tuple(post for post in incoming if post.id not in waiting),
        tuple(post for post in incoming if post.id in waiting),
    )


def _waiting(posts: tuple[Post, ...]) -> tuple[KeptOut, ...]:
    why = f"more than {NEW_POSTS_PER_RUN} new posts in one run: it comes in with a later run"
    return tuple(KeptOut(post.title, why) for post in posts)


def _left_out(fitted: Fitted, known: dict[str, Post]) -> tuple[KeptOut, ...]:
    """Why each post fit() could not take waits, for a new post and for an edit of a stored one."""
    run = f"more than {RUN_BYTES_LIMIT:,} bytes of new and edited posts in one run"
    file = f"the participant's archive file would grow past {ARCHIVE_FILE_LIMIT:,} bytes"
    reasons = (
        (fitted.later, f"{run}: it comes in with a later run", f"{run}: the edit comes in with a later run"),
        (fitted.too_large, f"{file}: it is not stored", f"{file}: the stored version stays"),
    )
    return tuple(
        KeptOut(post.title, edited if post.id in known else new)
        for posts, new, edited in reasons
        for post in posts
    )


def _feed_info(parsed: ParsedFeed) -> FeedInfo:
    home = within_limit(absolute_http_url(parsed.home_url, parsed.base_url))
    return FeedInfo(
        title=sanitize.plain_text(parsed.title, 120) or None,
        home_url=home,
        image_url=within_limit(absolute_http_url(parsed.image_url, home or parsed.base_url)),
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
