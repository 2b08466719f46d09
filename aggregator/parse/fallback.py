"""The last resort: feedparser reads what the lxml reader cannot (ill-formed XML, old formats).

Every import of feedparser is here. It is given bytes and lower-cased headers, never a URL or a
str, so it never opens files or the network, and it hands over each HTML field as the feed wrote
it (no sanitizing, no rewritten URLs): the HTML pass in normalize does that for every reader.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import time
from typing import Any

import feedparser
from feedparser.datetimes import _parse_date

from ..errors import FeedError, NotAFeedError
from ..markup import crowded_document
from .model import ParsedFeed, RawEntry, clean_tags, escaped_text, newest_first

_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def read(body: bytes, url: str) -> ParsedFeed | FeedError:
    if crowded := crowded_document(body.decode("utf-8", errors="replace")):
        return NotAFeedError(url, f"the feed is too costly to read: {crowded}")
    response_headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (ValueError, OverflowError, UnicodeError, RecursionError) as exc:
        # Its loose parser is the last resort for broken documents, and some break it in turn.
        return NotAFeedError(url, f"the feed is too broken to read ({type(exc).__name__})")
    if not parsed.get("version") and not parsed.entries:
        return NotAFeedError(url, _not_a_feed_reason(body, parsed))
    feed = parsed.feed
    image = feed.get("image", {}).get("href") or feed.get("logo") or feed.get("icon")
    entries = newest_first(_xml_entry(entry, url) for entry in parsed.entries)
    own = next((link.get("href") for link in feed.get("links") or [] if link.get("rel") == "self"), None)
    return ParsedFeed(
        url,
        parsed.get("version") or "xml",
        feed.get("title"),
        feed.get("link"),
        image,
        entries,
        own or None,
        language=feed.get("language"),
    )


def _not_a_feed_reason(body: bytes, parsed: Any) -> str:
    if _HTML_START.match(body[:4096]):
        return "the address serves an HTML page, not a feed (is it the blog's home page?)"
    problem = parsed.get("bozo_exception")
    return f"not an RSS, Atom or JSON feed ({problem})" if problem else "not an RSS, Atom or JSON feed"


def _xml_entry(entry: Any, url: str) -> RawEntry:
    contents = [_html(detail) for detail in entry.get("content") or []]
    content = max(contents, key=lambda pair: len(pair[0])) if contents else None
    summary = _html(entry["summary_detail"]) if entry.get("summary_detail") else None
    title_detail = entry.get("title_detail") or {}
    base = (content or summary or ("", None, None))[1]
    # The xml:lang in effect where each was read, as the lxml reader takes it: the content's first.
    title_language = title_detail.get("language")
    languages = (content[2] if content else None, summary[2] if summary else None, title_language)
    return RawEntry(
        guid=entry.get("id") or None,
        link=entry.get("link") or None,
        title=entry.get("title"),
        title_is_html="html" in title_detail.get("type", "text/html"),
        content_html=content[0] if content else None,
        summary_html=summary[0] or None if summary else None,
        published=_struct_to_utc(entry.get("published_parsed")),
        # dict.get: feedparser's own get() would answer with published_parsed, and warn.
        updated=_struct_to_utc(dict.get(entry, "updated_parsed")),
        tags=clean_tags(t.get("term") or t.get("label") for t in entry.get("tags") or []),
        author=entry.get("author") or None,
        related=next((link.get("href") for link in entry.get("links") or [] if _is_related(link)), None),
        base=base if base and base != url else None,  # feedparser's base is the feed's own address
        language=next((language for language in languages if language), None),
    )


def _html(detail: Any) -> tuple[str, str | None, str | None]:
    """A text construct as HTML (plain text escaped), the base address it is written against, and
    its language."""
    value = detail.get("value", "")
    html = value if "html" in detail.get("type", "text/html") else escaped_text(value)
    return html, detail.get("base"), detail.get("language")


def _struct_to_utc(value: time.struct_time | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def parse_date(text: str) -> dt.datetime | None:
    """A date in any of the many forms feeds write them, as feedparser knows them, in UTC."""
    return _struct_to_utc(_parse_date(text))


def _is_related(link: Any) -> bool:
    """A link to a page of the same blog about the entry: on linkblogs, the post's permalink."""
    return link.get("rel") == "related" and bool(link.get("href"))
