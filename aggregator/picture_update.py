"""The update's pictures stage: the avatars and post pictures the site shows, fetched and kept in
the hub's picture store, so that a reader's browser never asks a participant's host for them.

What is wanted is decided from the cohort as the site shows it (site_view.py), without HTTP; what
is fetched is what is wanted by a term still fetched and not kept yet, within the limits of
HUB's picture settings; a picture that could not be had is asked for again after some days, not
on every run. After the fetches the store keeps only what some page of any term shows, frozen
terms included: a withdrawn post's or a departed participant's pictures are deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from .cohort import CohortWeek, Member
from .config import HubConfig, PictureLimits
from .errors import FeedError
from .fetch import FetchSession, run_to_completion
from .picture_choice import post_pictures
from .picture_store import Kind, PictureNote, PictureRun, PictureStore
from .pictures import Encoded, process
from .registry import Participant
from .site_view import load_cohort
from .terms import members_of

CONNECTIONS = 32  # pictures in flight at once: each may hold up to the size cap in memory
CPU_THREADS = 2  # threads that decode and encode, off the event loop (Pillow releases the GIL)

Key = tuple[Kind, str]


@dataclass(frozen=True)
class Wish:
    """The pictures one participant's pages show in one term, in the order they are fetched."""

    owner: str
    pictures: tuple[Key, ...]
    frozen: bool = False  # the term is frozen: its pictures are kept, never fetched


@dataclass(frozen=True)
class Wanted:
    kind: Kind
    url: str
    owner: str


def update_pictures(config: HubConfig, people: Iterable[Participant], now: dt.datetime) -> PictureRun:
    """Fetch what the site shows and has no copy of, then keep only what it shows. A failure of
    the stage itself is reported, never raised: the feeds are updated whatever becomes of it."""
    try:
        return _update_pictures(config, tuple(people), now)
    except Exception:
        return PictureRun(bug=traceback.format_exc())


def _update_pictures(config: HubConfig, people: tuple[Participant, ...], now: dt.datetime) -> PictureRun:
    store = PictureStore.load(config.pictures)
    wishes = wished(config, people)
    plan, waiting = fetch_plan(wishes, store, now, config.picture_limits)
    results = run_to_completion(_fetch_all(config, plan))
    for wanted, result in zip(plan, results, strict=True):
        if isinstance(result, Encoded):
            store.add(wanted.kind, wanted.url, wanted.owner, result.data, result.stored)
        else:
            store.note_failure(wanted.kind, wanted.url, wanted.owner, result, now)
    deleted = store.keep_only(owners(wishes))
    store.save()
    stored = sum(isinstance(result, Encoded) for result in results)
    return PictureRun(
        stored, len(plan) - stored, waiting, sum(1 for e in store if e.stored), len(deleted), notes(store)
    )


def wished(config: HubConfig, people: tuple[Participant, ...]) -> list[Wish]:
    """Pure but for reading the archive: every term's shown participants and their pictures."""
    found = []
    for term in config.course_terms:
        cohort, _ = load_cohort(config.for_term(term), members_of(term, people))
        for member in cohort.members:
            pictures = member_pictures(member, cohort.by_member(member.participant.id))
            found.append(Wish(member.participant.id, pictures, term.frozen))
    return found


def member_pictures(member: Member, weeks: tuple[CohortWeek, ...]) -> tuple[Key, ...]:
    """What a participant's cards show: their avatar, then each shown post's pictures
    (`post_pictures`, as the site decides them), newest post first."""
    entries = sorted((entry for week in weeks for entry in week.entries), key=lambda e: e.post.published)
    entries.reverse()
    found: list[Key] = [("avatar", member.avatar_url)] if member.avatar_url else []
    found += [key for entry in entries for key in post_pictures(entry)]
    return tuple(dict.fromkeys(found))


def fetch_plan(
    wishes: Iterable[Wish], store: PictureStore, now: dt.datetime, limits: PictureLimits
) -> tuple[list[Wanted], int]:
    """The pictures to fetch in this run, and how many more are due but left for a later run. At
    most `per_participant` of each participant's, and `per_run` in all, taken in turns (everyone's
    avatar first), so that no participant's pictures wait for another's."""
    queues: list[list[Wanted]] = []
    due: set[Key] = set()
    for wish in (wish for wish in wishes if not wish.frozen):
        mine = [Wanted(*key, wish.owner) for key in wish.pictures if is_due(store, key, now, limits)]
        due.update((wanted.kind, wanted.url) for wanted in mine)
        queues.append(mine[: limits.per_participant])
    plan = list(itertools.islice(_unique(_in_turns(queues)), limits.per_run))
    return plan, len(due) - len(plan)


def is_due(store: PictureStore, key: Key, now: dt.datetime, limits: PictureLimits) -> bool:
    """Whether the picture is to be fetched: never asked for, its file lost, or a failure that has
    waited its days."""
    entry = store.entry(*key)
    if entry is None:
        return True
    if entry.stored:
        return not store.path(entry.stored).is_file()
    return entry.tried is None or now - entry.tried >= dt.timedelta(days=limits.retry_days)


def _in_turns(queues: list[list[Wanted]]) -> Iterator[Wanted]:
    for turn in itertools.zip_longest(*queues):
        yield from (wanted for wanted in turn if wanted is not None)


def _unique(plan: Iterable[Wanted]) -> Iterator[Wanted]:
    """A picture two participants show is fetched once."""
    seen: set[Key] = set()
    for wanted in plan:
        if (wanted.kind, wanted.url) not in seen:
            seen.add((wanted.kind, wanted.url))
            yield wanted


def owners(wishes: Iterable[Wish]) -> dict[Key, frozenset[str]]:
    """Every picture some page shows, frozen terms' too, with the participants who show it."""
    found: dict[Key, set[str]] = defaultdict(set)
    for wish in wishes:
        for key in wish.pictures:
            found[key].add(wish.owner)
    return {key: frozenset(who) for key, who in found.items()}


def notes(store: PictureStore) -> tuple[PictureNote, ...]:
    """Each participant's pictures that the hub has no copy of, and why."""
    return tuple(
        PictureNote(owner, entry.kind, entry.url, entry.note, entry.tried)
        for entry in store
        if entry.note and not entry.stored
        for owner in sorted(entry.owners)
    )


async def _fetch_all(config: HubConfig, plan: list[Wanted]) -> list[Encoded | str]:
    results: list[Encoded | str] = [""] * len(plan)
    queue = iter(enumerate(plan))

    async def work(session: FetchSession, cpu: Executor) -> None:
        for index, wanted in queue:  # shared by every task: each takes the next picture
            results[index] = await _picture(session, cpu, wanted, config.picture_limits.max_bytes)

    with ThreadPoolExecutor(CPU_THREADS, thread_name_prefix="picture") as cpu:
        async with FetchSession(config.fetch, connections=CONNECTIONS) as session:
            await asyncio.gather(*(work(session, cpu) for _ in range(min(CONNECTIONS, len(plan)))))
    return results


async def _picture(session: FetchSession, cpu: Executor, wanted: Wanted, max_bytes: int) -> Encoded | str:
    """The picture as the hub keeps it, or why it could not be had."""
    got = await session.picture(wanted.url, max_bytes)
    if isinstance(got, FeedError):
        return got.message
    # Decoding takes CPU time: on the loop, one large picture would hold every other fetch.
    return await asyncio.get_running_loop().run_in_executor(
        cpu, process, got.body, wanted.kind, got.content_type
    )
