"""What the readers hand on: the feed and its entries as they state them, untrusted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from ..chars import xml_safe

MAX_ENTRIES = 200


@dataclass(frozen=True)
class RawEntry:
    """One entry as the feed states it: untrusted, unsanitized, URLs not yet checked."""

    guid: str | None
    link: str | None
    title: str | None
    title_is_html: bool
    content_html: str | None
    summary_html: str | None
    published: dt.datetime | None
    updated: dt.datetime | None
    tags: tuple[str, ...]
    author: str | None
    related: str | None = None  # an Atom rel="related" link: a linkblog's own permalink
    base: str | None = None  # the xml:base the HTML is written against, when the feed gives one
    language: str | None = None  # as the entry states it (xml:lang, JSON Feed "language"), unchecked


@dataclass(frozen=True)
class ParsedFeed:
    base_url: str
    format: str  # e.g. "rss20", "atom10", "json1.1"
    title: str | None
    home_url: str | None
    image_url: str | None
    entries: tuple[RawEntry, ...]
    self_url: str | None = None  # where the feed says it lives (rel="self"): no entry's own page
    language: str | None = None  # of the whole feed (RSS <language>, Atom xml:lang), unchecked


_Record = TypeVar("_Record", "ParsedFeed", RawEntry)
_TEXT_FIELDS = {
    RawEntry: ("guid", "link", "title", "content_html", "summary_html", "tags", "author", "related", "base"),
    ParsedFeed: ("base_url", "title", "home_url", "image_url", "self_url"),
}


def xml_safe_feed(feed: ParsedFeed) -> ParsedFeed:
    entries = tuple(_xml_safe_fields(entry) for entry in feed.entries)
    return _xml_safe_fields(replace(feed, entries=entries))


def _xml_safe_fields(value: _Record) -> _Record:
    """`value` with xml_safe applied to each of its strings, and to the strings of its tuples."""
    changes: dict[str, Any] = {}
    for name in _TEXT_FIELDS[type(value)]:
        old = getattr(value, name)
        if old is None:
            continue
        new = xml_safe(old) if isinstance(old, str) else tuple(xml_safe(each) for each in old)
        if new != old:
            changes[name] = new
    return replace(value, **changes) if changes else value


def clean_tags(tags: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for t in tags if t and t.strip()))


def newest_first(entries: Iterable[RawEntry]) -> tuple[RawEntry, ...]:
    """Keep at most MAX_ENTRIES, newest first; undated entries keep their feed order at the end."""
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = sorted(entries, key=lambda e: e.published or e.updated or floor, reverse=True)
    return tuple(ordered[:MAX_ENTRIES])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped_text(text: str) -> str:
    """Plain text as HTML: escaped, its paragraphs (blank-line separated) kept."""
    return "".join(f"<p>{escape(para)}</p>" for para in text.split("\n\n") if para.strip())
