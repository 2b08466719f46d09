"""The characters the hub keeps: valid Unicode that XML 1.0 allows and HTML parsers take quietly.

Feeds send anything: a JSON string may hold a lone surrogate (JSON allows it; UTF-8 cannot encode
it, so the archive could not be written), and a character reference such as `&#x1;` or
`&#xFFFE;` decodes to a character that makes the cohort's Atom feeds ill-formed XML, which every
subscriber's reader then rejects. `xml_safe` is applied to every string the parser hands on and
again wherever references are decoded (the sanitizer's output, plain text).
"""

from __future__ import annotations

import re

_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)
)
# C0 controls but tab, newline and carriage return; DEL and the C1 controls; U+FDD0..U+FDEF and the
# last two code points of every plane, which are no characters at all.
_UNWANTED = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff{_NONCHARACTERS}\ud800-\udfff]"
)


def xml_safe(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD and the characters above removed (the same
    string, not a copy, when there is nothing to do: the usual case)."""
    return _UNWANTED.sub(_replacement, text)


def _replacement(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group(0) <= "\udfff" else ""
