"""JSON Feed (jsonfeed.org, any version) -> ParsedFeed. feedparser does not read it."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Mapping
from typing import Any

from ..errors import FeedError, NotAFeedError
from .model import ParsedFeed, RawEntry, clean_tags, escaped_text, newest_first

_JSON_FEED_VERSION = re.compile(r"https?://(?:www\.)?jsonfeed\.org/version/([0-9][0-9.]*)/?\Z", re.IGNORECASE)
_JSON_ITEM_TEXT = {"content_html", "content_text", "summary", "title"}


def looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start == b"{" or ("json" in headers.get("content-type", "") and start != b"<")


def read(body: bytes, url: str) -> ParsedFeed | FeedError:
    try:
        doc = json.loads(body.decode("utf-8-sig", errors="replace"))
    except RecursionError:
        return NotAFeedError(url, "the body is not valid JSON (nested too deep)")
    except ValueError as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        return NotAFeedError(url, f"the body is not valid JSON{where}: cut off or damaged")
    version = _json_feed_version(doc)
    if version is None:
        return NotAFeedError(url, "JSON, but not a JSON Feed (no jsonfeed.org version, no feed items)")
    items = doc.get("items")
    entries = (
        [_json_entry(item) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    )
    image = _text(doc.get("icon")) or _text(doc.get("favicon"))
    return ParsedFeed(
        url,
        f"json{version}",
        _text(doc.get("title")),
        _text(doc.get("home_page_url")),
        image,
        newest_first(entries),
        _text(doc.get("feed_url")),
        language=_text(doc.get("language")),
    )


def _json_feed_version(doc: Any) -> str | None:
    """The JSON Feed version `doc` declares, in any spelling seen in the wild (WordPress writes
    `http://jsonfeed.org/version/1`); "1" when it declares none but its items are feed items."""
    if not isinstance(doc, dict):
        return None
    declared = _JSON_FEED_VERSION.match(str(doc.get("version", "")).strip())
    if declared:
        return declared.group(1)
    items = doc.get("items")
    if "version" in doc or not isinstance(items, list) or not items:
        return None
    looks_like_items = all(isinstance(item, dict) and ("id" in item or "url" in item) for item in items)
    return "1" if looks_like_items and any(_JSON_ITEM_TEXT & item.keys() for item in items) else None


def _json_entry(item: Mapping[str, Any]) -> RawEntry:
    content = _text(item.get("content_html")) or escaped_text(_text(item.get("content_text")) or "") or None
    return RawEntry(
        guid=_text(item.get("id")) if not isinstance(item.get("id"), int | float) else str(item["id"]),
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=_text(item.get("title")),
        title_is_html=False,
        content_html=content,
        summary_html=escaped_text(_text(item.get("summary")) or "") or None,
        published=_iso_to_utc(item.get("date_published")),
        updated=_iso_to_utc(item.get("date_modified")),
        tags=clean_tags(t for t in item.get("tags") or [] if isinstance(t, str)),
        author=_json_author(item),
        language=_text(item.get("language")),
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
