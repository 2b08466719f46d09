"""The pull-request check of feeds.opml: who is new or changed, and what their feeds hold now.

`registry_changes` compares the base and the proposed registry (pure); `preview_changes` fetches
each new or changed feed with our fetch.py and summarizes it as `register` would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from .config import HubConfig
from .enrol import FeedSummary, summarize
from .errors import FeedError
from .fetch import Fetched, FetchSession, Validators, run_to_completion
from .inclusion import EVERY_POST
from .names import namesakes
from .opml_edit import differences
from .parse import parse_feed
from .registry import Participant
from .urls import feed_identity


@dataclass(frozen=True)
class Change:
    kind: str  # "new", "changed", "moved" (the same feed under another id) or "removed"
    participant: Participant  # as proposed (as it was, when removed)
    what: tuple[str, ...] = ()  # for "changed": which settings differ; for "moved": the old id
    namesakes: tuple[Participant, ...] = ()  # others a reader could take a new participant for

    @property
    def new_feed(self) -> bool:
        """A feed address the hub has not read before: it must work before it is merged."""
        return self.kind == "new" or "feed address" in self.what


@dataclass(frozen=True)
class Preview:
    change: Change
    summary: FeedSummary | None
    error: str | None  # why the feed could not be read


def registry_changes(base: tuple[Participant, ...], head: tuple[Participant, ...]) -> tuple[Change, ...]:
    """Who is new, changed, moved or removed, within each term: a participant who returns in the
    next term is new to it (and so previewed), not a duplicate of their earlier self."""
    before = {(person.term, person.id): person for person in base}
    by_feed = {(person.term, feed_identity(person.feed_url)): person for person in base}
    after = {(person.term, person.id) for person in head}
    changes = [
        _compared(
            before.get((person.term, person.id)),
            by_feed.get((person.term, feed_identity(person.feed_url))),
            person,
            head,
        )
        for person in head
    ]
    moved = {
        (change.participant.term, change.what[0])
        for change in changes
        if change is not None and change.kind == "moved"
    }
    removed = [Change("removed", person) for person in base if (person.term, person.id) not in after | moved]
    return (*(c for c in changes if c is not None), *removed)


def _compared(
    old: Participant | None, same_feed: Participant | None, new: Participant, head: tuple[Participant, ...]
) -> Change | None:
    if old is None and same_feed is not None:
        # Their archive and page are kept under the old id: a hand edit (a namesake added without
        # hub:id, a rename) must not move them.
        return Change("moved", new, (same_feed.id,))
    if old is None:
        return Change("new", new, namesakes=namesakes(new.name, head, besides=new.id))
    what = differences(old, new)
    return Change("changed", new, what) if what else None


def preview_changes(changes: tuple[Change, ...], config: HubConfig, now: dt.datetime) -> tuple[Preview, ...]:
    """A preview of every new or changed participant's feed, fetched at once."""

    async def run() -> tuple[Preview, ...]:
        async with FetchSession(config.fetch, connections=8) as session:
            return tuple(
                await asyncio.gather(
                    *(
                        _preview(session, change, config, now)
                        for change in changes
                        if change.kind in ("new", "changed")
                    )
                )
            )

    return run_to_completion(run())


async def _preview(session: FetchSession, change: Change, config: HubConfig, now: dt.datetime) -> Preview:
    person = change.participant
    fetched = await session.fetch(person.feed_url, Validators())
    if not isinstance(fetched, Fetched):
        reason = fetched.message if isinstance(fetched, FeedError) else "not modified"
        return Preview(change, None, reason)
    parsed = parse_feed(fetched.body, fetched.headers, fetched.final_url)
    if isinstance(parsed, FeedError):
        return Preview(change, None, parsed.message)
    every_post = person.tag == EVERY_POST  # said as a tag feed: its every post counts
    return Preview(
        change, summarize(parsed, config, None if every_post else person.tag, every_post, now), None
    )
