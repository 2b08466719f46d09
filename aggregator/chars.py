"""The characters the hub keeps: valid Unicode that XML 1.0 allows and HTML parsers take quietly.

Feeds send anything: a JSON string may hold a lone surrogate (JSON allows it; UTF-8 cannot encode
it, so the archive could not be written), and a character reference such as `&#x1;` or
`&#xFFFE;` decodes to a character that makes the cohort's Atom feeds ill-formed XML, which every
subscriber's reader then rejects. `xml_safe` is applied to every string the parser hands on and
again wherever references are decoded (the sanitizer's output, plain text).
"""

from __future__ import annotations

import re
import unicodedata

_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)
)
# C0 controls but tab, newline and carriage return; DEL and the C1 controls; U+FDD0..U+FDEF and the
# last two code points of every plane, which are no characters at all.
_UNWANTED = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff{_NONCHARACTERS}\ud800-\udfff]"
)


# The same characters found in UTF-8, where C scans for them: searching a post for the class above
# costs 1.7 ms a 45 KB feed (a class spanning all planes is matched character by character), these
# tests 0.08 ms. C0 controls and DEL are single bytes; each other kind has a byte pattern of its own.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_UNWANTED_UTF8 = tuple(
    re.compile(pattern)
    for pattern in (
        rb"\xc2[\x80-\x9f]",  # C1 controls
        rb"\xed[\xa0-\xbf]",  # surrogates (encoded with "surrogatepass")
        rb"\xef\xb7[\x90-\xaf]",  # U+FDD0..U+FDEF
        rb"\xbf[\xbe\xbf]",  # U+FFFE, U+FFFF and the last two code points of every plane
    )
)


def xml_safe(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD and the characters above removed (the same
    string, not a copy, when there is nothing to do: the usual case)."""
    return _UNWANTED.sub(_replacement, text) if _may_hold_unwanted(text) else text


def _may_hold_unwanted(text: str) -> bool:
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return True
    return len(data) != len(text) and any(pattern.search(data) for pattern in _UNWANTED_UTF8)


def _replacement(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group(0) <= "\udfff" else ""


# --- how wide text is on a terminal --------------------------------------------------------------

ELLIPSIS = "…"


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: two for wide characters (CJK, fullwidth forms), none
    for combining marks, one for the rest. Names and addresses of any script line up in a table."""
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def clip(text: str, width: int) -> str:
    """`text` in at most `width` columns: cut, with an ellipsis, when it is longer."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += _char_width(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` columns."""
    return text + " " * (width - display_width(text))


def wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    """`text` as lines of at most `width` columns, broken between words; lines after the first
    begin with `indent`. A word longer than a line has a line of its own."""
    lines = [""]
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines[-1].strip() else lines[-1] + word
        if display_width(joined) <= width or not lines[-1].strip():
            lines[-1] = joined
        else:
            lines.append(indent + word)
    return lines
