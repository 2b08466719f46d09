"""bytes -> ParsedFeed. The only module that imports the feed parsers (feedparser and lxml).

RSS, RDF and Atom are read by a fast lxml reader when the feed is well-formed and uses only what
blog platforms emit; it yields exactly what feedparser would, and declines anything else, which
then goes through feedparser (given bytes and lower-cased headers, never a URL or a str, so it
never opens files or the network). JSON Feed, which feedparser does not read, is parsed here.
Nothing is sanitized yet: that is the next stage's job.
"""

from __future__ import annotations

import calendar
import codecs
import contextlib
import datetime as dt
import email.utils
import functools
import html.entities
import io
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import charset_normalizer
import feedparser
from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.urls import RelativeURIResolver, _urljoin, make_safe_absolute_uri
from lxml import etree

from .chars import xml_safe
from .errors import FeedError, NotAFeedError
from .markup import costly, crowded_document

MAX_ENTRIES = 200
_SNIFF_BYTES = 64 * 1024
_XML_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_DECLARATION = re.compile(r"^\s*<\?xml\s[^>]*\?>")
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(rb"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));?")
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
    related: str | None = None  # an Atom rel="related" link: a linkblog's own permalink


@dataclass(frozen=True)
class ParsedFeed:
    base_url: str
    format: str  # e.g. "rss20", "atom10", "json1.1"
    title: str | None
    home_url: str | None
    image_url: str | None
    entries: tuple[RawEntry, ...]
    self_url: str | None = None  # where the feed says it lives (rel="self"): no entry's own page


_Record = TypeVar("_Record", "ParsedFeed", RawEntry)
_TEXT_FIELDS = {
    RawEntry: ("guid", "link", "title", "content_html", "summary_html", "tags", "author", "related"),
    ParsedFeed: ("base_url", "title", "home_url", "image_url", "self_url"),
}


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed | FeedError:
    """The feed, every string of it valid Unicode of characters XML allows (chars.py)."""
    headers = {key.lower(): value for key, value in headers.items()}
    if _looks_like_json(body, headers):
        parsed = _parse_json_feed(body, url)
    else:
        parsed = _parse_xml_feed(utf8_document(body, headers), url)
    return parsed if isinstance(parsed, FeedError) else _xml_safe_feed(parsed)


def _xml_safe_feed(feed: ParsedFeed) -> ParsedFeed:
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


def _looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start == b"{" or ("json" in headers.get("content-type", "") and start != b"<")


def _parse_xml_feed(body: bytes, url: str) -> ParsedFeed | FeedError:
    if _ENTITY_DECLARATION.search(body):
        return NotAFeedError(url, "the document declares XML entities, which feeds never need; refused")
    body = _impossible_references_replaced(body)
    return _parse_xml_fast(body, url) or _parse_with_feedparser(body, url)


def _impossible_references_replaced(body: bytes) -> bytes:
    """References to what no XML document can hold: a surrogate or a number past Unicode becomes
    U+FFFD, a control character nothing. lxml refuses such a document, and feedparser's loose
    parser raises on `&#xD800;` instead of reading the feed."""
    return _CHARACTER_REFERENCE.sub(_possible_reference, body) if b"&#" in body else body


def _possible_reference(match: re.Match[bytes]) -> bytes:
    digits, hexadecimal = (match.group(2), 16) if match.group(2) else (match.group(1), 10)
    code = int(digits, hexadecimal) if len(digits) <= 8 else sys.maxunicode + 1
    if code > sys.maxunicode or 0xD800 <= code <= 0xDFFF:
        return b"&#xFFFD;"
    if (code < 0x20 and code not in (0x9, 0xA, 0xD)) or code in (0xFFFE, 0xFFFF):
        return b""
    return match.group(0)


def _parse_with_feedparser(body: bytes, url: str) -> ParsedFeed | FeedError:
    if crowded := crowded_document(body.decode("utf-8", errors="replace")):
        return NotAFeedError(url, f"the feed is too costly to read: {crowded}")
    response_headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=True,
        )
    except (ValueError, OverflowError, UnicodeError, RecursionError) as exc:
        # Its loose parser is the last resort for broken documents, and some break it in turn.
        return NotAFeedError(url, f"the feed is too broken to read ({type(exc).__name__})")
    if not parsed.get("version") and not parsed.entries:
        return NotAFeedError(url, _not_a_feed_reason(body, parsed))
    feed = parsed.feed
    image = feed.get("image", {}).get("href") or feed.get("logo") or feed.get("icon")
    entries = _newest_first(_xml_entry(entry) for entry in parsed.entries)
    own = next((link.get("href") for link in feed.get("links") or [] if link.get("rel") == "self"), None)
    return ParsedFeed(
        url, parsed.get("version") or "xml", feed.get("title"), feed.get("link"), image, entries, own or None
    )


def utf8_document(body: bytes, headers: Mapping[str, str]) -> bytes:
    """The XML document in UTF-8, without its encoding declaration.

    Decoded here, once, so that the entity check and both parsers read the same characters: in
    UTF-7 or UTF-16, "<!ENTITY" is other bytes. A document's own declaration is trusted, unless it
    names UTF-16 or UTF-32 in bytes that are not (we read it as ASCII). Valid UTF-8 wins over a
    wrong HTTP charset. Bytes that are not UTF-8 and declare nothing usable are guessed (feedparser
    would publish windows-1252 mojibake); bytes that still do not fit become U+FFFD.
    """
    encoding = _document_encoding(body, headers)
    if encoding == "utf-8":
        return body
    text = body.decode(encoding, errors="replace").lstrip("\ufeff")
    return _XML_DECLARATION.sub("", text, count=1).encode("utf-8")


def _document_encoding(body: bytes, headers: Mapping[str, str]) -> str:
    wide = _wide_encoding(body)
    if wide is not None:
        return wide
    in_document = _XML_ENCODING.match(body[:_SNIFF_BYTES])
    declared = _text_codec(in_document.group(1).decode("ascii")) if in_document else None
    if declared is not None and declared != "utf-8" and not declared.startswith(("utf-16", "utf-32")):
        return declared
    if _is_utf8(body):
        return "utf-8"
    in_http = _CHARSET.search(headers.get("content-type", "").encode())
    if in_document is None and in_http and (codec := _text_codec(in_http.group(1).decode("ascii"))):
        return codec if codec != "utf-8" else _guess_encoding(body)
    return _guess_encoding(body)


# XML's own way to tell an encoding from the first bytes (XML 1.0, appendix F): a byte order mark,
# or where the NUL bytes fall in the first character, "<" or the whitespace before it.
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_NUL_PATTERNS: dict[tuple[bool, ...], str] = {
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be",
    (False, True, False, True): "utf-16-le",
}
# Python codecs that are not character sets a document could be written in.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "palmos"})


def _wide_encoding(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return _NUL_PATTERNS.get(tuple(byte == 0 for byte in body[:4])) if len(body) >= 4 else None


def _text_codec(name: str) -> str | None:
    """The Python codec for a charset name, or None for a name it does not know as a charset."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    canonical = info.name.replace("_", "-")
    if not getattr(info, "_is_text_encoding", True) or canonical in _NOT_CHARSETS:
        return None
    return "utf-8" if canonical in ("utf-8", "utf-8-sig") else canonical


def _guess_encoding(body: bytes) -> str:
    """charset_normalizer's guess; among near-equal guesses, windows-1252, the web's usual legacy."""
    matches = list(charset_normalizer.from_bytes(body[:_SNIFF_BYTES]))
    if not matches:
        return "utf-8"
    best = min(match.chaos for match in matches)
    close = [match.encoding for match in matches if match.chaos <= best + 0.05]
    return "cp1252" if "cp1252" in close else close[0]


def _is_utf8(body: bytes) -> bool:
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
        related=next((link.get("href") for link in entry.get("links") or [] if _is_related(link)), None),
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
        _newest_first(entries),
        _text(doc.get("feed_url")),
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


# The fast path. feedparser spends about 4 ms on a typical 15-entry feed, most of it in pure-Python
# SAX callbacks and an sgmllib pass over every HTML field; lxml builds the tree in C. The reader
# below reproduces feedparser's results for what blog platforms emit (its rules, quirks included,
# are restated here and checked against it by tests/test_parse.py) and raises _Unsupported for
# anything else, so that feedparser reads it instead: correctness first, speed where it is safe.

_RSS1 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_JSON_FEED_VERSION = re.compile(r"https?://(?:www\.)?jsonfeed\.org/version/([0-9][0-9.]*)/?\Z", re.IGNORECASE)
_JSON_ITEM_TEXT = {"content_html", "content_text", "summary", "title"}
_ATOM = "http://www.w3.org/2005/Atom"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
# feedparser's table of namespaces, by lower-cased URI, to the prefix its handlers are named by.
_PREFIXES: dict[str, str] = {uri.lower(): prefix for uri, prefix in StrictFeedParser.namespaces.items()}
_CANONICAL_PREFIXES = set(_PREFIXES.values()) - {""}
_READ_KEYS = {"title", "title_detail", "link", "id", "summary", "content", "author", "tags", "image"}
_READ_KEYS |= {"logo", "icon", "published_parsed", "updated_parsed"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_CONTENT_TYPES = {
    "text": "text/plain",
    "plain": "text/plain",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
}
# Elements feedparser has handlers for that touch none of the fields read here.
_HARMLESS = {
    *("cloud", "copyright", "created", "dc_language", "dc_publisher", "dc_rights", "dcterms_created"),
    *("enclosure", "expirationdate", "feedburner_browserfriendly", "generator", "height", "info"),
    *("itunes_block", "itunes_explicit", "itunes_subtitle", "language", "media_content", "media_credit"),
    *("media_group", "media_license", "media_player", "media_rating", "media_restriction"),
    *("media_thumbnail", "rights", "webmaster", "width", "cc_license", "creativecommons_license"),
}
_FEED_HARMLESS = _HARMLESS | {
    *("author", "category", "dc_creator", "dc_date", "dc_subject", "dcterms_issued", "dcterms_modified"),
    *("description", "email", "homepage", "issued", "itunes_author", "itunes_category", "itunes_email"),
    *("itunes_keywords", "itunes_name", "itunes_owner", "itunes_summary", "keywords", "lastbuilddate"),
    *("managingeditor", "modified", "name", "pubdate", "published", "subtitle", "summary", "tagline"),
    *("updated", "uri", "url"),
}
_ENTRY_NESTED = _HARMLESS - {"itunes_subtitle"}
_IMAGE_PARTS = {"url", "title", "link", "width", "height", "description"}
_AUTHOR_PARTS = {"name", "email", "uri", "url", "homepage"}
_SINGLE = {"title": "title", "guid": "guid", "id": "guid", "description": "summary", "summary": "summary"}
_SINGLE |= {"content": "content", "content_encoded": "content", "author": "author"}
_SINGLE |= {"dc_creator": "author", "dc_author": "author"}
_PUBLISHED = {"pubdate", "published", "issued", "dcterms_issued"}
_UPDATED = {"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"}
_CATEGORIES = {"category", "dc_subject", "keywords"}
_QUERY_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_MAYBE_HTML = re.compile(r"</\w+>|&#?\w+;")
_PREFIX_DECLARATION = re.compile(rb"""xmlns:([A-Za-z_][-\w.]*)\s*=\s*["']([^"']*)["']""")
_CP1252 = {
    c: bytes([c]).decode("cp1252") for c in range(0x80, 0xA0) if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


class _Unsupported(Exception):
    """Something the fast reader does not reproduce exactly: feedparser reads this feed."""


def _parse_xml_fast(body: bytes, url: str) -> ParsedFeed | None:
    """The feed as feedparser would read it, or None when only feedparser can be trusted to."""
    prefixes = _prefixes(body)
    if prefixes is None:
        return None
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(body, parser)
        docinfo: Any = root.getroottree().docinfo  # lxml-stubs lacks DocInfo.doctype
        if docinfo.doctype or str(docinfo.encoding or "").lower() not in ("utf-8", "utf8"):
            return None  # feedparser strips doctypes and may read entities they define
        return _FastReader(url, prefixes).read(root)
    except (etree.XMLSyntaxError, ValueError, _Unsupported):
        return None


@dataclass(frozen=True)
class _Prefixes:
    renamed: frozenset[str]  # feedparser's own prefix names the document binds to another namespace
    prefixed: frozenset[str]  # namespaces declared with a prefix


def _prefixes(body: bytes) -> _Prefixes | None:
    """The document's prefix declarations, or None when feedparser would resolve them differently
    from the XML rules: a prefix bound to two namespaces, an unknown namespace under two prefixes."""
    declared = {
        (p.decode("ascii"), uri.decode("utf-8", "replace")) for p, uri in _PREFIX_DECLARATION.findall(body)
    }
    unknown = [uri for _, uri in declared if uri.lower() not in _PREFIXES]
    if len({prefix for prefix, _ in declared}) != len(declared) or len(set(unknown)) != len(unknown):
        return None
    renamed = {
        prefix
        for prefix, uri in declared
        if prefix in _CANONICAL_PREFIXES and _PREFIXES.get(uri.lower(), prefix) != prefix
    }
    return _Prefixes(frozenset(renamed), frozenset(uri for _, uri in declared))


@functools.cache
def _has_handler(key: str) -> bool:
    return hasattr(StrictFeedParser, f"_start_{key}") or hasattr(StrictFeedParser, f"_end_{key}")


def _attributes(element: etree._Element) -> dict[str, str]:
    """Attributes as feedparser's handlers see them: lower-cased names, rel and type lower-cased."""
    result: dict[str, str] = {}
    for qualified, value in element.attrib.items():
        name = str(qualified)
        if name.startswith("{"):
            namespace, local = name[1:].split("}", 1)
            prefix = _PREFIXES.get(namespace.lower(), "")
            name = f"{prefix}:{local}" if prefix else local
        name = name.lower()
        if name in result:
            raise _Unsupported("attributes that differ only in case")
        result[name] = str(value).lower() if name in ("rel", "type") else str(value)
    return result


def _content_type(attributes: Mapping[str, str], default: str) -> str:
    kind = _map_content_type(attributes.get("type", default))
    if kind not in ("text/plain", "text/html") or attributes.get("mode") == "base64":
        raise _Unsupported(f"content of type {kind}")
    return kind


def _link_href(attributes: Mapping[str, str]) -> str | None:
    """The href feedparser takes from a link element, or None for a link given as text."""
    chosen = attributes.get("url", attributes.get("uri", attributes.get("href")))
    return chosen or attributes.get("href")


def _feedparser_fixups(text: str) -> str:
    """What feedparser does to every text value last: undo UTF-8 read as Latin-1, map C1 controls
    to the windows-1252 characters they usually stand for."""
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_CP1252)


def _date(text: str) -> dt.datetime | None:
    return _struct_to_utc(_parse_date(text))


@dataclass
class _Entry:
    """One entry's fields while its elements are read in document order, as feedparser keeps them."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    title_type: str = "text/html"  # feedparser's answer when an entry has no title
    summary: str | None = None
    content: tuple[str, str] | None = None  # (type, value)
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    tags: list[list[str | None]] = field(default_factory=list)  # [term, scheme, label]
    author: str | None = None
    related: str | None = None

    def raw(self) -> RawEntry:
        html = self.content[1] if self.content and "html" in self.content[0] else None
        return RawEntry(
            guid=self.guid or None,
            link=self.link or None,
            title=self.title,
            title_is_html="html" in self.title_type,
            content_html=html,
            summary_html=(self.summary if self.summary is not None else self._content_value()) or None,
            published=self.published,
            updated=self.updated,
            tags=_clean_tags(term or label for term, _, label in self.tags),
            author=self.author or None,
            related=self.related,
        )

    def _content_value(self) -> str | None:
        return self.content[1] if self.content else None

    def add_tag(self, term: str | None, scheme: str | None, label: str | None) -> None:
        if (term or scheme or label) and [term, scheme, label] not in self.tags:
            self.tags.append([term, scheme, label])

    def end_category(self, value: str) -> None:
        if value and self.tags and not self.tags[-1][0]:
            self.tags[-1][0] = value
        elif value:
            self.add_tag(value, None, None)


@dataclass
class _Feed:
    title: str | None = None
    link: str | None = None
    image: dict[str, str] | None = None
    logo: str | None = None
    icon: str | None = None
    self_url: str | None = None
    entries: list[RawEntry] = field(default_factory=list)

    def image_url(self) -> str | None:
        return (self.image or {}).get("href") or self.logo or self.icon


class _FastReader:
    def __init__(self, url: str, prefixes: _Prefixes) -> None:
        self.url = url
        self.prefixes = prefixes
        self.version = ""
        self._bases: dict[tuple[str, str | None], str] = {}

    def read(self, root: etree._Element) -> ParsedFeed:
        self.version = self._version(root)
        feed = _Feed()
        base = self.base(root, self.url)
        if root.tag == _RDF:
            self._read_rdf(root, base, feed)
        elif self.version == "atom10":
            self._read_channel(root, base, feed)
        else:
            self._read_rss(root, base, feed)
        entries = _newest_first(feed.entries)
        return ParsedFeed(
            self.url, self.version, feed.title, feed.link, feed.image_url(), entries, feed.self_url
        )

    def _version(self, root: etree._Element) -> str:
        """feedparser's format name: from the root element, or the namespaces the root declares."""
        declared = {uri.lower() for uri in root.nsmap.values()}
        if root.tag == _RDF:
            default = (root.nsmap.get(None) or "").lower()
            versions = {"rss10"} if _RSS1 in declared else set()
            versions |= {"rss090"} if default == _RSS090 else set()
            versions |= {"atom10"} if _ATOM.lower() in declared else set()
            if len(versions) != 1:
                raise _Unsupported("RDF without exactly one feed namespace")
            return versions.pop()
        if declared & {_RSS1, _RSS090}:
            raise _Unsupported("an RSS 1.0 namespace on a non-RDF root")
        if root.tag == f"{{{_ATOM}}}feed":
            return "atom10"
        if self.key(root) == "rss":
            version = root.get("version", "")
            return _RSS_VERSIONS.get(version) or ("rss20" if version.startswith("2.") else "rss")
        raise _Unsupported("not RSS, RDF or Atom 1.0")

    def key(self, element: etree._Element) -> str:
        """The name feedparser dispatches an element by: prefix_localname, lower-cased."""
        if not isinstance(element.tag, str):
            raise _Unsupported("entity reference")
        if not element.tag.startswith("{"):
            return element.tag.lower()
        namespace, local = element.tag[1:].split("}", 1)
        lowered = namespace.lower()
        prefix = "" if "backend.userland.com/rss" in lowered else _PREFIXES.get(lowered)
        if prefix is None:
            # feedparser names an unknown namespace's elements by the prefix it was declared with
            prefix = (element.prefix or "").lower()
            if not prefix and namespace in self.prefixes.prefixed:
                raise _Unsupported("an unknown namespace both default and prefixed")
        elif prefix in self.prefixes.renamed:
            raise _Unsupported(f"{prefix} elements, which feedparser would rename")
        return f"{prefix}_{local}".lower() if prefix else local.lower()

    def _read_rss(self, root: etree._Element, base: str, feed: _Feed) -> None:
        channels = [child for child in root if self.key(child) == "channel"]
        if len(channels) != 1 or len(root) != 1:
            raise _Unsupported("an RSS root without exactly one channel")
        self._read_channel(channels[0], self.base(channels[0], base), feed)

    def _read_rdf(self, root: etree._Element, base: str, feed: _Feed) -> None:
        """RSS 1.0 puts items and the image beside the channel, where feedparser stores nothing
        about the feed: only the entries count there."""
        for child in root:
            key = self.key(child)
            if key == "channel":
                self._read_channel(child, self.base(child, base), feed)
            elif key == "item":
                feed.entries.append(self._entry(child, self.base(child, base)))
            elif key == "image":
                feed.image = feed.image if feed.image is not None else {}
            else:
                self._check_inert(child, _HARMLESS, _ENTRY_NESTED)

    def _read_channel(self, channel: etree._Element, base: str, feed: _Feed) -> None:
        _check_cdf(channel)
        titles = 0
        for child in channel:
            key, child_base = self.key(child), self.base(child, base)
            if key in ("item", "entry"):
                feed.entries.append(self._entry(child, child_base))
            elif key == "title":
                titles += 1
                feed.title = self.content(child, child_base, "text/plain")[1]
            else:
                self._feed_element(key, child, child_base, feed)
        if titles > 1:
            raise _Unsupported("several feed titles")

    def _feed_element(self, key: str, element: etree._Element, base: str, feed: _Feed) -> None:
        if key == "link":
            self._feed_link(element, base, feed)
        elif key in ("id", "guid"):
            value = self._guid(element, base)
            if value is not None and feed.link is None:
                feed.link = value
        elif key == "image":
            self._image(element, base, feed)
        elif key in ("itunes_image", "itunes_link"):
            attributes = _attributes(element)
            href = attributes.get("href") or attributes.get("url")
            feed.image = {"href": href} if href else feed.image
        elif key in ("logo", "icon"):
            if element.attrib:
                raise _Unsupported("a logo with attributes")
            setattr(feed, key, self.text(element, base, url=True))
        else:
            self._check_inert(element, _FEED_HARMLESS, _FEED_HARMLESS)

    def _feed_link(self, element: etree._Element, base: str, feed: _Feed) -> None:
        attributes = _attributes(element)
        href = _link_href(attributes)
        if href is None:
            feed.link = _QUERY_ENTITY.sub(r"&\1", self.text(element, base, url=True))
        elif len(element):
            raise _Unsupported("a link with children")
        elif _is_alternate(attributes):
            feed.link = _join(base, href)
        elif attributes.get("rel") == "self" and href and feed.self_url is None:
            feed.self_url = _join(base, href)

    def _image(self, element: etree._Element, base: str, feed: _Feed) -> None:
        image = feed.image if feed.image is not None else {}
        for part in element:
            key = self.key(part)
            if key not in _IMAGE_PARTS or len(part):
                raise _Unsupported(f"{key} in an image")
            if key == "url":
                image["href"] = self.text(part, self.base(part, base), url=True)
        feed.image = image

    def _guid(self, element: etree._Element, base: str) -> str | None:
        """A guid is the link too, unless it says it is no permalink: its value then, else None."""
        is_link = _attributes(element).get("ispermalink", "true") == "true"
        value = self.text(element, base, url=is_link)
        return value if is_link else None

    def _check_inert(self, element: etree._Element, harmless: set[str], nested: set[str]) -> None:
        """An element feedparser files where nothing read here can see it, and so is all it holds."""
        for descendant in element.iter():
            key = self.key(descendant)
            allowed = harmless if descendant is element else nested
            if _has_handler(key) and key not in allowed:
                raise _Unsupported(f"{key} where the fast reader does not follow it")
            if not _has_handler(key) and key in _READ_KEYS:
                raise _Unsupported(f"{key} without a handler")

    def _entry(self, item: etree._Element, base: str) -> RawEntry:
        _check_cdf(item)
        entry = _Entry(guid=_attributes(item).get("rdf:about") or None)
        counts: dict[str, int] = {}
        for child in item:
            key = self.key(child)
            group = _SINGLE.get(key)
            if group is not None:
                counts[group] = counts.get(group, 0) + 1
            self._entry_element(key, child, self.base(child, base), entry)
        if any(count > 1 for count in counts.values()):
            raise _Unsupported("an entry with several titles, summaries, contents, guids or authors")
        return entry.raw()

    def _entry_element(self, key: str, element: etree._Element, base: str, entry: _Entry) -> None:
        if key == "title":
            entry.title_type, entry.title = self.content(element, base, "text/plain")
        elif key in ("description", "summary"):
            default = "text/html" if key == "description" else "text/plain"
            entry.summary = self.content(element, base, default)[1]
        elif key in ("content", "content_encoded"):
            self._entry_content(key, element, base, entry)
        elif key in ("guid", "id"):
            self._entry_guid(element, base, entry)
        elif key == "link":
            self._entry_link(element, base, entry)
        elif key in ("author", "dc_creator", "dc_author"):
            entry.author = self._author(element, base)
        elif key in _CATEGORIES:
            attributes = _attributes(element)
            scheme = attributes.get("scheme", attributes.get("domain"))
            entry.add_tag(attributes.get("term"), scheme, attributes.get("label"))
            entry.end_category(self.text(element, base))
        elif key in _PUBLISHED:
            entry.published = _date(self.text(element, base))
        elif key in _UPDATED:
            entry.updated = _date(self.text(element, base))
        else:
            self._check_inert(element, _HARMLESS, _ENTRY_NESTED)

    def _entry_content(self, key: str, element: etree._Element, base: str, entry: _Entry) -> None:
        if key == "content" and "src" in _attributes(element):
            raise _Unsupported("content by reference")
        default = "text/html" if key == "content_encoded" else "text/plain"
        entry.content = self.content(element, base, default)

    def _entry_guid(self, element: etree._Element, base: str, entry: _Entry) -> None:
        is_link = _attributes(element).get("ispermalink", "true") == "true"
        entry.guid = self.text(element, base, url=is_link)
        if is_link and entry.link is None:
            entry.link = entry.guid

    def _entry_link(self, element: etree._Element, base: str, entry: _Entry) -> None:
        attributes = _attributes(element)
        href = _link_href(attributes)
        if href is None:
            text = self.text(element, base, url=True).replace("&amp;", "&")
            entry.link = _QUERY_ENTITY.sub(r"&\1", text)
        elif len(element):
            raise _Unsupported("a link with children")
        elif _is_alternate(attributes):
            entry.link = _join(base, href)
        elif _is_related(attributes) and entry.related is None:
            entry.related = _join(base, href)

    def _author(self, element: etree._Element, base: str) -> str:
        """An RSS author is its text; an Atom author is "name (email)", or what of it is given."""
        if not len(element):
            return self.text(element, base)
        detail: dict[str, str] = {}
        for part in element:
            key = self.key(part)
            if key in _AUTHOR_PARTS and not len(part):
                detail[key] = (part.text or "").strip()
            else:
                self._check_inert(part, set(), set())
            if (part.tail or "").strip() or (part.attrib and (part.text or "").strip()):
                raise _Unsupported("text beside an author's parts")
        if (element.text or "").strip():
            raise _Unsupported("text beside an author's parts")
        name, email = detail.get("name"), detail.get("email")
        return f"{name} ({email})" if name and email else name or email or ""

    def content(self, element: etree._Element, base: str, default: str) -> tuple[str, str]:
        """A text construct (title, summary, content): its type and its value as feedparser gives it."""
        kind = _content_type(_attributes(element), default)
        text = self._own_text(element)
        if kind == "text/plain" and not self.version.startswith("atom") and _MAYBE_HTML.search(text):
            raise _Unsupported("plain text that feedparser would guess is HTML")
        if kind in _HTML_TYPES and not costly(text):  # else kept out at once by normalize
            text = _resolve_like_feedparser(text, base)
        return kind, _feedparser_fixups(text)

    def text(self, element: etree._Element, base: str, *, url: bool = False) -> str:
        text = self._own_text(element)
        if url and text:
            text = _join(base, text)
        return _feedparser_fixups(text)

    @staticmethod
    def _own_text(element: etree._Element) -> str:
        if len(element):
            raise _Unsupported("markup inside a text element")
        return (element.text or "").strip()

    def base(self, element: etree._Element, parent: str) -> str:
        """feedparser's base URI inside an element: the parent's, moved by xml:base."""
        given = None
        if element.attrib:
            attributes = _attributes(element)
            given = attributes.get("xml:base", attributes.get("base"))
        key = (parent, given)
        if key not in self._bases:
            moved = given or parent
            joined = make_safe_absolute_uri(parent, moved) or parent if parent else _urljoin(parent, moved)
            self._bases[key] = str(joined)
        return self._bases[key]


# Most URLs in feeds are already absolute and plain; feedparser's urljoin gives them back unchanged.
_PLAIN_URL = re.compile(
    r"(https?)://[A-Za-z0-9][-A-Za-z0-9.]*(?::[0-9]{1,5})?(?:/[-A-Za-z0-9._~%!$&'()*+,=:@/]*)?"
)


def _join(base: str, uri: str) -> str:
    """feedparser's urljoin of a URL against the base, with a shortcut for plain absolute URLs."""
    if _PLAIN_URL.fullmatch(uri) and base.startswith(("http:", "https:")):
        return uri
    return str(_urljoin(base, uri))


def _safe_absolute(base: str, uri: str) -> str:
    """feedparser's make_safe_absolute_uri, with the same shortcut."""
    if base and _PLAIN_URL.fullmatch(uri) and base.startswith(("http:", "https:")):
        return uri
    return str(make_safe_absolute_uri(base, uri))


def _is_alternate(attributes: Mapping[str, str]) -> bool:
    rel = attributes.get("rel", "alternate")
    kind = attributes.get("type", "application/atom+xml" if rel == "self" else "text/html")
    return rel == "alternate" and _map_content_type(kind) in _HTML_TYPES


def _is_related(attributes: Mapping[str, str]) -> bool:
    """A link to a page of the same blog about the entry: on linkblogs, the post's permalink."""
    return attributes.get("rel") == "related" and bool(attributes.get("href"))


def _map_content_type(kind: str) -> str:
    kind = kind.lower()
    return _CONTENT_TYPES.get(kind, kind)


def _check_cdf(element: etree._Element) -> None:
    if "href" in element.attrib or "lastmod" in element.attrib:
        raise _Unsupported("CDF attributes")


# feedparser passes every HTML field through sgmllib to make its URLs absolute, which also rewrites
# the markup: attributes sorted and double-quoted, void elements closed with " />", some entities
# changed. _resolve_like_feedparser does the same to markup made of plain tags, text, entities
# and comments, and declines anything stranger.
_VOID = frozenset(RelativeURIResolver.elements_no_end_tag)
_URL_ATTRIBUTES = frozenset(RelativeURIResolver.relative_uris)
_BANG = re.compile(r"<!((?!DOCTYPE|--|\[))", re.IGNORECASE)
_SELF_CLOSING = re.compile(r"<([^<>\s]+?)\s*/>")
_ATTRIBUTE_VALUE = r"""(?:"[^"<>]*"|'[^'<>]*'|[-a-zA-Z0-9./,:;+*%?!&$()_#=~@]+)"""
_ATTRIBUTE_NAME = r"[a-zA-Z_][-:.a-zA-Z_0-9]*"
_ATTRIBUTE = re.compile(rf"\s+({_ATTRIBUTE_NAME})(?:\s*=\s*({_ATTRIBUTE_VALUE}))?")
_HTML_MARKUP = re.compile(
    rf"<(?P<start>[a-zA-Z][-_.:a-zA-Z0-9]*)(?!/)(?P<attributes>(?:\s+{_ATTRIBUTE_NAME}(?:\s*=\s*{_ATTRIBUTE_VALUE})?)*)\s*/?>"
    r"|</(?P<end>[a-zA-Z][-_.:a-zA-Z0-9]*)\s*>"
    r"|<!--(?P<comment>.*?)--\s*>"
    r"|&\#(?P<charref>[0-9]+|[xX][0-9a-fA-F]+);"
    r"|&(?P<entity>[a-zA-Z][-.a-zA-Z0-9]*);"
    r"|(?P<bare>&(?![a-zA-Z\#])|<(?![a-zA-Z/!?>]))"
    r"|(?P<strange>[<&])",
    re.DOTALL,
)
_MARKUP_START = re.compile("[<&]")
_DECIMAL_REFERENCE = re.compile(r"&#([0-9]+);?")
_BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|\w+;)")


def _resolve_like_feedparser(fragment: str, base: str) -> str:
    if "<" not in fragment and "&" not in fragment:
        return fragment
    fragment = _BANG.sub(r"&lt;!\1", fragment)
    fragment = _SELF_CLOSING.sub(_expand_self_closing, fragment)
    fragment = fragment.replace("&#39;", "'").replace("&#34;", '"')
    pieces: list[str] = []
    done = 0
    for hit in _MARKUP_START.finditer(fragment):  # a scan for two characters beats one for the grammar
        if hit.start() >= done:
            token = _HTML_MARKUP.match(fragment, hit.start())
            assert token is not None  # "strange" matches any "<" or "&"
            pieces += (fragment[done : hit.start()], _rewrite_token(token, base))
            done = token.end()
    pieces.append(fragment[done:])
    return "".join(pieces)


def _expand_self_closing(match: re.Match[str]) -> str:
    tag = match.group(1)
    return f"<{tag} />" if tag in _VOID else f"<{tag}></{tag}>"


def _rewrite_token(token: re.Match[str], base: str) -> str:
    kind = token.lastgroup  # "attributes" for a start tag: the group that closed last
    if kind == "attributes":
        tag, attributes = token.group("start", "attributes")
        if not attributes and tag.islower() and tag not in _VOID:
            return f"<{tag}>"
        return _start_tag(tag.lower(), attributes, base)
    if kind == "end":
        tag = token.group("end").lower()
        return "" if tag in _VOID else f"</{tag}>"
    if kind == "comment":
        return f"<!--{token.group('comment')}-->"
    if kind == "charref":
        return _charref(token.group("charref").lower())
    if kind == "entity":
        name = token.group("entity")
        return f"&{name};" if name in html.entities.name2codepoint or name == "apos" else f"&amp;{name}"
    if kind == "strange":
        raise _Unsupported("markup sgmllib would read its own way")
    return token.group(0)  # a bare "&" or "<"


def _charref(ref: str) -> str:
    value = int(ref[1:], 16) if ref.startswith("x") else int(ref)
    return f"&#{hex(ord(_CP1252[value]))[1:]};" if value in _CP1252 else f"&#{ref};"


def _start_tag(tag: str, source: str, base: str) -> str:
    attributes: dict[str, str] = {}
    for name, raw in _ATTRIBUTE.findall(source):
        value = raw[1:-1] if raw[:1] in ("'", '"') else raw or name
        attributes[name.lower()] = _DECIMAL_REFERENCE.sub(r"&#\1;", value) if "&#" in value else value
    rendered = "".join(
        f' {name}="{_attribute_value(tag, name, value, base)}"' for name, value in sorted(attributes.items())
    )
    return f"<{tag}{rendered} />" if tag in _VOID else f"<{tag}{rendered}>"


def _attribute_value(tag: str, name: str, value: str, base: str) -> str:
    if name in ("rel", "type"):
        value = value.lower() or value
    if (tag, name) in _URL_ATTRIBUTES:
        value = _safe_absolute(base, value.strip()) or value
    value = value.replace(">", "&gt;").replace("<", "&lt;").replace('"', "&quot;")
    return _BARE_AMPERSAND.sub("&amp;", value) if "&" in value else value
