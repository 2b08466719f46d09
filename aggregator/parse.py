"""bytes -> ParsedFeed. The only module that imports the feed parser.

RSS, RDF and Atom go through feedparser (given bytes and lower-cased headers, never a URL or a
str, so it never opens files or the network). JSON Feed, which feedparser does not read, is parsed
here. Nothing is sanitized yet: that is the next stage's job.
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import io
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import charset_normalizer
import feedparser

from .errors import FeedError, NotAFeedError

MAX_ENTRIES = 200
_SNIFF_BYTES = 64 * 1024
_XML_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


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


@dataclass(frozen=True)
class ParsedFeed:
    base_url: str
    format: str  # e.g. "rss20", "atom10", "json1.1"
    title: str | None
    home_url: str | None
    image_url: str | None
    entries: tuple[RawEntry, ...]


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed | FeedError:
    if _looks_like_json(body, headers):
        return _parse_json_feed(body, url)
    if _ENTITY_DECLARATION.search(body):
        return NotAFeedError(url, "the document declares XML entities, which feeds never need; refused")
    return _parse_xml_feed(body, headers, url)


def _looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start == b"{" or ("json" in headers.get("content-type", "") and start != b"<")


def _parse_xml_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed | FeedError:
    body, headers = _readable_encoding(body, {k.lower(): v for k, v in headers.items()})
    response_headers = {**headers, "content-location": url}
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers=response_headers, sanitize_html=False, resolve_relative_uris=True
    )
    if not parsed.get("version") and not parsed.entries:
        return NotAFeedError(url, _not_a_feed_reason(body, parsed))
    feed = parsed.feed
    image = feed.get("image", {}).get("href") or feed.get("logo") or feed.get("icon")
    entries = _newest_first(_xml_entry(entry) for entry in parsed.entries)
    return ParsedFeed(
        url, parsed.get("version") or "xml", feed.get("title"), feed.get("link"), image, entries
    )


def _readable_encoding(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """Make wrong or missing charset declarations harmless before feedparser sees the bytes.

    A document's own non-UTF-8 declaration is trusted. Valid UTF-8 wins over a wrong HTTP charset.
    Bytes that are not UTF-8 and declare nothing usable are guessed (feedparser would publish
    windows-1252 mojibake) and re-encoded; bytes that still do not fit become U+FFFD.
    """
    in_document = _XML_ENCODING.match(body[:_SNIFF_BYTES])
    declared = in_document.group(1).decode("ascii").lower() if in_document else None
    utf8_headers = {**headers, "content-type": "application/xml; charset=utf-8"}
    if declared not in (None, "utf-8", "utf8"):
        return body, headers
    if _is_utf8(body):
        return body, utf8_headers
    in_http = _CHARSET.search(headers.get("content-type", "").encode())
    if declared is None and in_http and in_http.group(1).lower() not in (b"utf-8", b"utf8"):
        return body, headers
    text = body.decode(_guess_encoding(body), errors="replace")
    return _XML_DECLARATION.sub("", text, count=1).encode("utf-8"), utf8_headers


def _guess_encoding(body: bytes) -> str:
    """charset_normalizer's guess; among near-equal guesses, windows-1252, the web's usual legacy."""
    matches = list(charset_normalizer.from_bytes(body[:_SNIFF_BYTES]))
    if not matches:
        return "utf-8"
    best = min(match.chaos for match in matches)
    close = [match.encoding for match in matches if match.chaos <= best + 0.05]
    return "cp1252" if "cp1252" in close else close[0]


def _is_utf8(body: bytes) -> bool:
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte order mark: feedparser reads it
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _not_a_feed_reason(body: bytes, parsed: Any) -> str:
    if _HTML_START.match(body[:4096]):
        return "the address serves an HTML page, not a feed (is it the blog's home page?)"
    problem = parsed.get("bozo_exception")
    return f"not an RSS, Atom or JSON feed ({problem})" if problem else "not an RSS, Atom or JSON feed"


def _xml_entry(entry: Any) -> RawEntry:
    content = entry.get("content") or []
    html_content = [c.get("value", "") for c in content if "html" in c.get("type", "text/html")]
    summary = entry.get("summary")
    title_detail = entry.get("title_detail") or {}
    return RawEntry(
        guid=entry.get("id") or None,
        link=entry.get("link") or None,
        title=entry.get("title"),
        title_is_html="html" in title_detail.get("type", "text/html"),
        content_html=max(html_content, key=len) if html_content else None,
        summary_html=summary or None,
        published=_struct_to_utc(entry.get("published_parsed")),
        # dict.get: feedparser's own get() would answer with published_parsed, and warn.
        updated=_struct_to_utc(dict.get(entry, "updated_parsed")),
        tags=_clean_tags(t.get("term") or t.get("label") for t in entry.get("tags") or []),
        author=entry.get("author") or None,
    )


def _struct_to_utc(value: time.struct_time | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed | FeedError:
    try:
        doc = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return NotAFeedError(url, "the body is not valid JSON")
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        return NotAFeedError(url, "JSON, but not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    entries = (
        [_json_entry(item) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    )
    version = str(doc["version"]).rsplit("/", 1)[-1]
    image = _text(doc.get("icon")) or _text(doc.get("favicon"))
    return ParsedFeed(
        url,
        f"json{version}",
        _text(doc.get("title")),
        _text(doc.get("home_page_url")),
        image,
        _newest_first(entries),
    )


def _json_entry(item: Mapping[str, Any]) -> RawEntry:
    text = _text(item.get("content_text"))
    content = _text(item.get("content_html")) or (_escape_text(text) if text else None)
    return RawEntry(
        guid=_text(item.get("id")) if not isinstance(item.get("id"), int | float) else str(item["id"]),
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=_text(item.get("title")),
        title_is_html=False,
        content_html=content,
        summary_html=_escape_text(_text(item.get("summary"))),
        published=_iso_to_utc(item.get("date_published")),
        updated=_iso_to_utc(item.get("date_modified")),
        tags=_clean_tags(t for t in item.get("tags") or [] if isinstance(t, str)),
        author=_json_author(item),
    )


def _json_author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
    return next((name for name in names if name), None)


def _iso_to_utc(value: Any) -> dt.datetime | None:
    """RFC 3339 as the spec says; RFC 822 as some generators write anyway."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _escape_text(text: str | None) -> str | None:
    if not text:
        return None
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"<p>{para}</p>" for para in escaped.split("\n\n") if para.strip())


def _clean_tags(tags: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for t in tags if t and t.strip()))


def _newest_first(entries: Iterable[RawEntry]) -> tuple[RawEntry, ...]:
    """Keep at most MAX_ENTRIES, newest first; undated entries keep their feed order at the end."""
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = sorted(entries, key=lambda e: e.published or e.updated or floor, reverse=True)
    return tuple(ordered[:MAX_ENTRIES])
