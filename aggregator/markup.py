"""HTML tags as a browser's tokenizer reads them, found in one linear pass, and what HTML would
cost too much to parse, rewrite or sanitize.

Feed HTML is untrusted and passes through HTML passes (the sanitizer, the excerpt, and for an
ill-formed feed feedparser's own parser), each built for ordinary posts. A post with an element of
540,000 attributes made a parser hold 840 MB and the sanitizer spend minutes (its time grows
with the square of one element's attributes); thousands of nested elements slow every HTML parser.
`costly` says so, measured from the tags alone, before any of those passes sees the fragment.
"""

from __future__ import annotations

import functools
import html
import re

from .limits import MAX_ATTRIBUTES, MAX_DEPTH, MAX_HTML_CHARACTERS, MAX_TAGS

# A start or end tag (the HTML standard, 13.2.5): its name, then attributes (a name, then "=" and a
# value, quoted or not: a quote counts only where a value begins); a tag without its ">" runs to
# the end of the input. Possessive throughout, so that one pass over any input is linear: "<a"
# written 5,000 times took the pattern used before 59 s.
_ATTRIBUTE = r"""=?[^\s/>=]++(?:\s*+=\s*+(?:"[^"]*+"?|'[^']*+'?|[^\s>]*+))?+"""
_NAME = r"[a-zA-Z][^\s/>]*+"
_ATTRIBUTES_OF_TAG = rf"(?:[\s/]++|{_ATTRIBUTE}|=)*+"
TAG = re.compile(rf"<(/?)({_NAME})({_ATTRIBUTES_OF_TAG})(?:>|\Z)")  # "/" or "", the name, the rest
_WHOLE_TAG = re.compile(rf"</?{_NAME}{_ATTRIBUTES_OF_TAG}(?:>|\Z)")  # findall gives strings: faster
_ATTRIBUTES = re.compile(_ATTRIBUTE)
_NAMED_ATTRIBUTE = re.compile(r"""(=?[^\s/>=]++)(?:\s*+=\s*+(?:"([^"]*+)"?|'([^']*+)'?|([^\s>]*+)))?+""")
VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)


def start_tags(*names: str) -> re.Pattern[str]:
    """The start tags of these elements only, what follows the name (the attributes) in group 1."""
    return re.compile(rf"<(?:{'|'.join(names)})(?=[\s/>])({_ATTRIBUTES_OF_TAG})(?:>|\Z)", re.IGNORECASE)


def attributes(rest: str) -> dict[str, str]:
    """The attributes of a start tag (what follows its name) as a browser reads them: names in
    lower case, the first of a name wins, values as written (character references not decoded)."""
    found: dict[str, str] = {}
    for name, double, single, bare in _NAMED_ATTRIBUTE.findall(rest):
        found.setdefault(name.lower(), double or single or bare)
    return found


@functools.lru_cache(maxsize=8)  # asked by the parser, by normalize (to say why), by the sanitizer
def costly(fragment: str) -> str | None:
    """Why parsing `fragment` as HTML would cost more than any post is worth, if it would."""
    if len(fragment) > MAX_HTML_CHARACTERS:
        return f"its HTML is {len(fragment):,} characters long (the limit is {MAX_HTML_CHARACTERS:,})"
    tags = _WHOLE_TAG.findall(fragment)
    if len(tags) > MAX_TAGS:
        return f"its HTML has {len(tags):,} tags (the limit is {MAX_TAGS:,})"
    if (crowded := most_attributes(tags)) > MAX_ATTRIBUTES:
        return f"an element of its HTML has {crowded:,} attributes (the limit is {MAX_ATTRIBUTES})"
    if len(tags) > MAX_DEPTH and _depth(TAG.findall(fragment)) > MAX_DEPTH:
        return f"its HTML nests elements more than {MAX_DEPTH} deep"
    return None


def crowded_document(text: str) -> str | None:
    """Why a whole feed document holds HTML too costly for feedparser, which reads the markup of
    its HTML fields itself (XHTML content, its loose parser): an element with too many
    attributes, written as markup (CDATA) or escaped (`&lt;p a b c ...&gt;`)."""
    for form in (text, html.unescape(text) if "&lt;" in text else ""):
        if (crowded := most_attributes(_WHOLE_TAG.findall(form))) > MAX_ATTRIBUTES:
            return f"an element of its HTML has {crowded:,} attributes (the limit is {MAX_ATTRIBUTES})"
    return None


def most_attributes(tags: list[str]) -> int:
    """The most attributes on one of `tags`, counted only in tags long enough to hold more than
    the limit (a tag's name counts as one more)."""
    long_tags = (tag for tag in tags if len(tag) > 2 * MAX_ATTRIBUTES)
    return max((len(_ATTRIBUTES.findall(tag)) - 1 for tag in long_tags), default=0)


def _depth(tags: list[tuple[str, str, str]]) -> int:
    deepest = depth = 0
    for closing, name, rest in tags:
        if closing:
            depth = max(depth - 1, 0)
        elif name.lower() not in VOID and not rest.endswith("/"):
            depth += 1
            deepest = max(deepest, depth)
    return deepest
