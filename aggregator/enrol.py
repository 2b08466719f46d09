"""Joining in one step: address -> feed -> a checked preview -> feeds.opml, added or updated.

`enrol` is the whole of `register` and `join` after their inputs are read: it cleans the address,
discovers the feed, reads what the feed holds (`summarize`, pure) and writes the participant into
feeds.opml (`opml_edit`, pure on bytes, then one atomic write). `report_lines` says what happened
in plain lines a participant understands.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from .config import HubConfig, written_tag
from .discover import PLATFORM_NAMES, Discovery, NoFeed, clean_address, discover
from .errors import EnrolmentError
from .files import write_atomically
from .normalize import normalize
from .opml_edit import Edit, Entry, upsert_participant
from .parse import ParsedFeed
from .registry import NAME_LIMIT, parse_opml
from .sanitize import plain_text
from .urls import url_key
from .weeks import EVERY_POST, normalize_tag

DISPLAYS = ("title", "excerpt", "full")
LATEST = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Request:
    """What a participant asks for; None leaves the setting as it is (or at its default)."""

    address: str  # as typed
    name: str | None = None
    tag: str | None = None  # the participant's own course tag
    display: str | None = None
    licence: str | None = None


@dataclass(frozen=True)
class PostLine:
    title: str
    url: str | None
    published: dt.datetime


@dataclass(frozen=True)
class FeedSummary:
    posts: int
    tag: str | None  # the tag that counts; None when the course has none
    tagged: int  # posts with the tag (every post, for a tag feed)
    tag_feed: bool
    latest: tuple[PostLine, ...]


@dataclass(frozen=True)
class Enrolled:
    discovery: Discovery
    summary: FeedSummary
    edit: Edit
    written: bool  # False for a dry run, or when nothing changed


def enrol(
    request: Request, config: HubConfig, now: dt.datetime, *, dry_run: bool = False
) -> Enrolled | NoFeed:
    """Find, check and register one participant. EnrolmentError for unusable input."""
    request = checked(request)
    tag = request.tag or config.course.tag
    found = discover(request.address, config.fetch, tag)
    if isinstance(found, NoFeed):
        return found
    current = _read_opml(config)
    entry = _entry(request, found, current)
    edit = upsert_participant(current, entry)
    write = not dry_run and edit.change != "unchanged"
    if write:
        write_atomically(config.opml, edit.opml)
    return Enrolled(found, summarize(found.feed, tag, found.tag_feed, now), edit, write)


def checked(request: Request) -> Request:
    """The request with its address and tag cleaned; EnrolmentError before any fetch if unusable."""
    return replace(
        request,
        address=clean_address(request.address),
        tag=clean_tag(request.tag),
        display=_display(request.display),
    )


def clean_tag(tag: str | None) -> str | None:
    if tag is None or not tag.strip().lstrip("#"):
        return None
    cleaned = written_tag(tag)
    if cleaned is None or _CONTROL.search(cleaned) or len(cleaned) > 60:
        raise EnrolmentError(f"the course tag must be one word such as openlearning26, got {tag.strip()!r}")
    return cleaned


def summarize(feed: ParsedFeed, tag: str | None, tag_feed: bool, now: dt.datetime) -> FeedSummary:
    """How many posts the feed holds, how many carry the course tag, and the latest few."""
    posts = sorted(normalize(feed, now).posts, key=lambda post: post.published, reverse=True)
    wanted = normalize_tag(tag) if tag else None
    tagged = sum(1 for post in posts if tag_feed or wanted in {normalize_tag(t) for t in post.tags})
    latest = tuple(PostLine(post.title, post.url, post.published) for post in posts[:LATEST])
    return FeedSummary(len(posts), tag, tagged if tag else len(posts), tag_feed, latest)


def _read_opml(config: HubConfig) -> bytes:
    try:
        return config.opml.read_bytes()
    except OSError as exc:
        raise EnrolmentError(f"cannot read {config.opml}: {exc.strerror}") from None


def _entry(request: Request, found: Discovery, current: bytes) -> Entry:
    hub = {
        "platform": found.platform,
        "display": request.display,
        "licence": _one_line(request.licence, 100) or None,
        "tag": EVERY_POST if found.tag_feed else request.tag,
    }
    return Entry(
        name=_name(request.name, found, current),
        feed_url=found.feed_url,
        blog_url=found.home_url,
        hub=tuple((key, value) for key, value in hub.items() if value),
    )


def _display(display: str | None) -> str | None:
    if display is not None and display not in DISPLAYS:
        raise EnrolmentError(f"display must be one of {', '.join(DISPLAYS)}, got {display!r}")
    return display


def _name(given: str | None, found: Discovery, current: bytes) -> str:
    """The name given, else the registered one, else the feed's title."""
    if given is not None and _one_line(given, NAME_LIMIT):
        return _one_line(given, NAME_LIMIT)
    key = url_key(found.feed_url)
    registered = next((p.name for p in parse_opml(current) if url_key(p.feed_url) == key), None)
    name = registered or _one_line(found.feed.title, NAME_LIMIT)
    if not name:
        raise EnrolmentError("the feed has no title to use as your name: give one with --name")
    return name


def _one_line(text: str | None, limit: int) -> str:
    return plain_text(text, limit, is_html=False)


# What to tell the participant, in plain lines.


def report_lines(result: Enrolled | NoFeed, *, dry_run: bool = False) -> Iterator[str]:
    found = result.discovery if isinstance(result, Enrolled) else result
    yield f"Looked at {found.address}{looked_at_kind(result)}"
    yield "Tried:"
    yield from (f"  {attempt.url} : {printable(attempt.result)}" for attempt in found.tried)
    if isinstance(result, NoFeed):
        yield from no_feed_lines(result)
        return
    yield chosen_line(result.discovery)
    yield found_line(result.summary)
    yield change_line(result, dry_run=dry_run)


def looked_at_kind(result: Enrolled | NoFeed) -> str:
    platform = result.discovery.platform if isinstance(result, Enrolled) else None
    if platform is None:
        return ""
    return f" (a {PLATFORM_NAMES[platform]} {'account' if platform == 'mastodon' else 'site'})"


def no_feed_lines(result: NoFeed) -> Iterator[str]:
    yield f"No feed found at {result.address}."
    yield (
        "What to do: paste your feed's address directly (it often ends in /feed/, /rss or .xml), "
        "or see the Join page for where each blog platform keeps its feed."
    )


def chosen_line(found: Discovery) -> str:
    if found.tag_feed:
        return f"Chose the tag feed {found.feed_url} (only your course posts; {found.why})"
    return f"Chose the feed {found.feed_url} ({found.why})"


def found_line(summary: FeedSummary) -> str:
    if summary.posts == 0:
        return "Found no posts yet: that is fine, your posts will appear once you publish them"
    count = f"Found {summary.posts} post{'s' if summary.posts != 1 else ''}"
    if summary.tag is not None:
        count += f", {summary.tagged} with the course tag {summary.tag}"
    latest = "; ".join(f"{printable(line.title)} ({line.published:%Y-%m-%d})" for line in summary.latest)
    return f"{count}; latest: {latest}"


def change_line(result: Enrolled, *, dry_run: bool = False) -> str:
    name, change = printable(result.edit.participant.name), result.edit.change
    if change == "unchanged":
        return "Already registered, nothing changed"
    what = f" ({', '.join(result.edit.what_changed)})" if change == "updated" else ""
    if dry_run:
        verb = "add" if change == "added" else "update"
        return f"Would {verb} {name} in feeds.opml{what} (dry run: nothing written)"
    return f"Added {name} to feeds.opml" if change == "added" else f"Updated {name} in feeds.opml{what}"


def printable(text: str) -> str:
    """Feed text for a terminal: no control characters (escape sequences) get through."""
    return _CONTROL.sub("", text)
