"""bytes -> ParsedFeed: which reader reads a feed. The readers are the modules beside this one.

- `json_feed`: JSON Feed, which feedparser does not read;
- `xml_reader`: RSS, RDF and Atom with lxml, for every document lxml can parse (nearly all);
- `fallback`: feedparser, for the rest (ill-formed XML, old formats); the only module that
  imports feedparser.

Each hands over the HTML of every field as the feed wrote it, and metadata addresses joined to
the feed's base. Nothing is sanitized yet, and no address inside HTML is resolved: normalize does
that, once, for every reader alike.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping

from ..errors import FeedError, NotAFeedError
from . import fallback, json_feed, xml_reader
from .encoding import utf8_document
from .model import MAX_ENTRIES, ParsedFeed, RawEntry, xml_safe_feed

__all__ = ["MAX_ENTRIES", "ParsedFeed", "RawEntry", "parse_feed", "utf8_document"]

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(rb"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));?")


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed | FeedError:
    """The feed, every string of it valid Unicode of characters XML allows (chars.py)."""
    headers = {key.lower(): value for key, value in headers.items()}
    if json_feed.looks_like_json(body, headers):
        parsed = json_feed.read(body, url)
    else:
        parsed = _parse_xml_feed(utf8_document(body, headers), url)
    return parsed if isinstance(parsed, FeedError) else xml_safe_feed(parsed)


def _parse_xml_feed(body: bytes, url: str) -> ParsedFeed | FeedError:
    if _ENTITY_DECLARATION.search(body):
        return NotAFeedError(url, "the document declares XML entities, which feeds never need; refused")
    body = _impossible_references_replaced(body)
    return xml_reader.read(body, url) or fallback.read(body, url)


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
