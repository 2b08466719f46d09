"""Webmentions (W3C Webmention): tell each featured post that a week page of the hub shows it.

The build lists every card it rendered, and on which week page (`write_cards`, a file in cache/
that is never published). After a publish, `send` reads that list and, for each post not yet told
about the page that now shows it, discovers the post's endpoint and posts `source` (the week page's
public address) and `target` (the post's own address). What was sent is kept in the archive
folder (`_webmentions.json`), as hashes of the posts' addresses, so a post is told once, and again
only when its card moves to another week (not when new posts push it to the week's next page:
in a busy week that would tell every post again and again). Every request goes through fetch.py:
the same address policy (an endpoint on a private address is refused before connecting), deadline
and size cap.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from .archive import Archive, format_time
from .chars import xml_safe
from .config import FetchOptions, HubConfig
from .errors import ArchiveError, FeedError, WebmentionError
from .fetch import FetchSession, Page, run_to_completion
from .files import write_atomically
from .limits import URL_LIMIT
from .registry import Participant

CARDS_FORMAT = 1
STATE_FILE = "_webmentions.json"  # in the archive folder; participant ids never start with "_"
MAX_TRIES = 3  # runs that may fail on one post's endpoint before it waits for its card to move
IN_FLIGHT = 8  # posts being told at once
_LINK = re.compile(r"<([^>]*)>([^<]*)")  # one link of a Link header, and its parameters
_REL = re.compile(r"""(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)

Result = Literal["sent", "no-endpoint", "failed", "opted-out", "later", "bug", "would-send"]


@dataclass(frozen=True)
class Card:
    """A post's card, as the build placed it."""

    participant: str  # hub id
    target: str  # the post's own address, which the card links to
    source: str  # the public address of the week page that shows the card


@dataclass(frozen=True)
class Told:
    """What the hub last did for one post (stored under a hash of the post's address)."""

    source: str
    at: dt.datetime
    result: str  # "sent", "no-endpoint" or "failed"
    tries: int = 1  # runs in a row that tried this source


@dataclass(frozen=True)
class Delivery:
    card: Card
    result: Result
    detail: str  # the endpoint and its answer, or why nothing was sent


@dataclass(frozen=True)
class WebmentionReport:
    at: dt.datetime
    deliveries: tuple[Delivery, ...]  # every card that was due, opted out or left for later
    unchanged: int  # cards whose post was already told about their page
    names: Mapping[str, str]  # participant id -> name, for the report

    def count(self, result: Result) -> int:
        return sum(1 for delivery in self.deliveries if delivery.result == result)


# --- the build's list of cards ------------------------------------------------------------------


def write_cards(path: Path, public_url: str, placed: Iterable[tuple[str, str, str]]) -> None:
    """(participant id, post address, week page path) of every rendered card, newest week first,
    with the site's public address: what `send` needs, as the build decided it."""
    cards = [
        {"participant": person, "source": page_path, "target": target} for person, target, page_path in placed
    ]
    doc = {"format": CARDS_FORMAT, "public_url": public_url.rstrip("/") + "/", "cards": cards}
    write_atomically(path, json.dumps(doc, ensure_ascii=False).encode("utf-8"))  # no indent: the C encoder


def read_cards(path: Path) -> tuple[Card, ...]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["format"] != CARDS_FORMAT:
            raise WebmentionError(f"{path}: unknown format {doc['format']!r}; build the site again")
        base = doc["public_url"]
        return tuple(Card(c["participant"], c["target"], urljoin(base, c["source"])) for c in doc["cards"])
    except FileNotFoundError:
        raise WebmentionError(f"{path} not found: build the site first, it lists the cards there") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WebmentionError(f"{path} is damaged ({exc}); build the site again") from None


# --- what was sent: the archive's state -----------------------------------------------------------


def post_key(target: str) -> str:
    """A post's address is kept as a hash: the archive keeps no address of a post it no longer shows."""
    return hashlib.sha256(f"webmention {target}".encode()).hexdigest()


def load_state(archive: Archive) -> dict[str, Told]:
    path = archive.directory / STATE_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {
            item["key"]: Told(item["source"], _time(item["at"]), item["result"], item["tries"])
            for item in doc["told"]
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{path} is damaged ({exc}); restore it from the archive branch") from None


def save_state(archive: Archive, state: Mapping[str, Told]) -> None:
    lines = ",\n".join(
        json.dumps(
            {
                "at": format_time(told.at),
                "key": key,
                "result": told.result,
                "source": told.source,
                "tries": told.tries,
            },
            sort_keys=True,
        )
        for key, told in sorted(state.items())
    )
    write_atomically(archive.directory / STATE_FILE, f'{{"told": [\n{lines}\n]}}\n'.encode())


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def next_state(
    state: Mapping[str, Told], cards: Iterable[Card], deliveries: Iterable[Delivery], now: dt.datetime
) -> dict[str, Told]:
    """The state after a run: this run's results, and what stands for posts still on the site
    (a post no longer shown leaves nothing behind). Pure."""
    shown = {post_key(card.target) for card in cards}
    kept = {key: told for key, told in state.items() if key in shown}
    for delivery in deliveries:
        if delivery.result not in ("sent", "no-endpoint", "failed"):
            continue
        key, source = post_key(delivery.card.target), delivery.card.source
        before = kept.get(key)
        tries = before.tries + 1 if before and before.source == source and delivery.result == "failed" else 1
        kept[key] = Told(source, now, delivery.result, tries)
    return kept


# --- what to send: pure ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    due: tuple[Card, ...]  # to be told this run
    skipped: tuple[Delivery, ...]  # opted out, or past the run's limit
    unchanged: int


def plan(
    cards: Iterable[Card], participants: Iterable[Participant], state: Mapping[str, Told], limit: int
) -> Plan:
    """Which posts to tell this run: those whose page is new to them (or failed fewer than
    MAX_TRIES times), of participants who did not opt out, at most `limit`, in the cards' order."""
    people = {person.id: person for person in participants}
    due: list[Card] = []
    skipped: list[Delivery] = []
    unchanged = 0
    seen: set[str] = set()
    for card in cards:
        person = people.get(card.participant)
        if person is None or card.target in seen:  # no longer registered, or one post on two cards
            continue
        seen.add(card.target)
        if not wants_webmentions(person):
            skipped.append(Delivery(card, "opted-out", 'hub:webmention="no" in feeds.opml'))
        elif _told(state.get(post_key(card.target)), card.source):
            unchanged += 1
        elif len(due) < limit:
            due.append(card)
        else:
            skipped.append(
                Delivery(card, "later", f"past this run's limit of {limit} (HUB['webmention_limit'])")
            )
    return Plan(tuple(due), tuple(skipped), unchanged)


def wants_webmentions(person: Participant) -> bool:
    return (person.hub_attribute("webmention") or "yes").strip().lower() != "no"


def _told(before: Told | None, source: str) -> bool:
    if before is None or _week_page(before.source) != _week_page(source):
        return False
    return before.result != "failed" or before.tries >= MAX_TRIES


_LATER_PAGE = re.compile(r"page/[0-9]+/$")


def _week_page(source: str) -> str:
    """The week a source page belongs to: its first page's address."""
    return _LATER_PAGE.sub("", source)


# --- endpoint discovery: pure ------------------------------------------------------------------------


def endpoint(page: Page) -> str | None:
    """The post's webmention endpoint: a Link header with rel="webmention" first, then the first
    <link> or <a> with it in the HTML; relative to the page's address after redirects, and an
    empty href is the page itself."""
    for header in page.links:
        for target, params in _LINK.findall(header):
            if any(_has_webmention(a or b) for a, b in _REL.findall(params)):
                return urljoin(page.final_url, str(target).strip())
    try:
        doc = lxml.html.document_fromstring(page.body)
    except (lxml.etree.ParserError, ValueError):
        return None
    for element in doc.iter("link", "a"):
        href: str | None = element.get("href")
        if href is not None and _has_webmention(element.get("rel") or ""):
            return urljoin(page.final_url, href.strip())
    return None


def _has_webmention(rel: str) -> bool:
    return "webmention" in rel.lower().split()


# --- sending: the I/O edge ---------------------------------------------------------------------------


def send(due: Iterable[Card], options: FetchOptions) -> tuple[Delivery, ...]:
    """Tell each post; a post's problem is a value, and a bug in the hub is one too (with its
    traceback), so one post never stops the others."""

    async def run() -> tuple[Delivery, ...]:
        slots = asyncio.Semaphore(IN_FLIGHT)  # the deadline starts when a post's turn comes
        async with FetchSession(options, connections=IN_FLIGHT) as session:
            return tuple(await asyncio.gather(*(_guarded(session, slots, card) for card in due)))

    return run_to_completion(run())


async def _guarded(session: FetchSession, slots: asyncio.Semaphore, card: Card) -> Delivery:
    async with slots:
        try:
            return await _deliver(session, card)
        except Exception:
            return Delivery(card, "bug", traceback.format_exc())


async def _deliver(session: FetchSession, card: Card) -> Delivery:
    page = await session.page(card.target)
    if isinstance(page, FeedError):
        return Delivery(card, "failed", f"could not read the post: {page.message}")
    found = endpoint(page)
    if found is None:
        return Delivery(card, "no-endpoint", "the post announces no webmention endpoint")
    status = await session.post_form(found, {"source": card.source, "target": card.target})
    shown = _one_line(found)  # the blog wrote it: printed and reported, so one clean line
    if isinstance(status, FeedError):
        return Delivery(card, "failed", f"endpoint {shown}: {status.message}")
    if 200 <= status < 300:
        return Delivery(card, "sent", f"endpoint {shown} answered HTTP {status}")
    return Delivery(card, "failed", f"endpoint {shown} answered HTTP {status}")


def _one_line(text: str) -> str:
    return " ".join(xml_safe(text).split())[:URL_LIMIT]


def webmentions(config: HubConfig, participants: Iterable[Participant], *, dry_run: bool) -> WebmentionReport:
    """One run: read the build's cards and the state, tell the posts that are due, save the state
    (not in a dry run, which sends nothing)."""
    people = tuple(participants)
    cards = read_cards(config.cards_manifest)
    archive = Archive(config.archive)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    names = {person.id: person.name for person in people}
    if dry_run:
        planned = plan(cards, people, load_state(archive), config.webmention_limit)
        would = tuple(Delivery(card, "would-send", "dry run: nothing sent") for card in planned.due)
        return WebmentionReport(now, would + planned.skipped, planned.unchanged, names)
    with archive.lock():
        state = load_state(archive)
        planned = plan(cards, people, state, config.webmention_limit)
        deliveries = send(planned.due, config.fetch)
        save_state(archive, next_state(state, cards, deliveries, now))
    return WebmentionReport(now, deliveries + planned.skipped, planned.unchanged, names)
