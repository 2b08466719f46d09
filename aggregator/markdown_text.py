"""Untrusted text as Markdown that GitHub renders inert. Pure.

GitHub renders Markdown in issues, pull requests and job summaries. Whatever a participant or a
feed wrote (a name, a title, an HTTP reason phrase, a redirect's address) is escaped here so that
it cannot open a link, an image, HTML, a table cell or a heading, and mention-like words (`@user`,
`#12`) go into code spans, where GitHub neither notifies anyone nor links anything.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_REFERENCE = re.compile(r"@[A-Za-z0-9_][\w.-]*(?:@[\w.-]+)?|\b[\w.-]+/[\w.-]+#\d+|#\d+|\bGH-\d+")
# What markdown reads as syntax (":" and "." also start autolinks); & < > become entities instead.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:^=$])")


def text(value: str | None) -> str:
    """Untrusted text as inert markdown: one line, punctuation escaped, references in code spans."""
    line = " ".join((value or "").split())
    pieces, done = [], 0
    for match in _REFERENCE.finditer(line):
        pieces += [_escaped(line[done : match.start()]), code(match.group(0))]
        done = match.end()
    return "".join([*pieces, _escaped(line[done:])])


def _escaped(value: str) -> str:
    value = _PUNCTUATION.sub(r"\\\1", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: str) -> str:
    """A code span: shown as typed, never a link or a mention."""
    return "`" + " ".join(value.replace("`", "'").split()) + "`"


def link(label: str, url: str | None) -> str:
    if not url:
        return text(label)
    safe = quote(url, safe="/:?&=#%~+,;@!$*.-_")  # no spaces, brackets or quotes left to break out
    return f"[{text(label)}]({safe})"


def cell_code(value: str) -> str:
    """A code span inside a table row, where GitHub splits cells at every "|", even in code."""
    return code(value).replace("|", "\\|")
