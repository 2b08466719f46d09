"""Bytes in whatever encoding a feed came in -> one UTF-8 XML document."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

import charset_normalizer

_SNIFF_BYTES = 64 * 1024
_XML_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_DECLARATION = re.compile(r"^\s*<\?xml\s[^>]*\?>")
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


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
