"""Edits of pelicanconf.py's HUB['terms'], made by `freeze` and `new-term`.

The settings file is Python that people write, with comments worth keeping: an edit finds the
HUB dict's nodes with `ast` and rewrites only the text of the terms list (or, the first time, of
the course_* entries it replaces), in one stable layout. A file whose HUB or terms are not
literals (built by code) is refused: the facilitator edits it by hand.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from .config import CALENDAR, TERM_KEYS
from .errors import ConfigError

INDENT = "    "
TERMS_COMMENT = (
    "# The course's terms, oldest first: each has its own calendar, course tag and folder of feeds.opml."
)


def hub_terms(text: str, source: str) -> list[dict[str, Any]] | None:
    """HUB['terms'] as written in the settings file; None when HUB has no terms."""
    node = _terms_node(_hub_node(text, source))
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise ConfigError(f"{source}: HUB['terms'] is not a literal list of dicts; edit it by hand") from None
    if not isinstance(value, list) or not all(isinstance(each, dict) for each in value):
        raise ConfigError(f"{source}: HUB['terms'] is not a literal list of dicts; edit it by hand")
    return value


def hub_calendar(text: str, source: str) -> dict[str, Any]:
    """The course_* settings of a course without terms, as written."""
    hub = _hub_node(text, source)
    found = {}
    for key, value in _entries(hub):
        if key in CALENDAR:
            try:
                found[key] = ast.literal_eval(value)
            except ValueError:
                raise ConfigError(f"{source}: HUB['{key}'] is not a literal value; edit it by hand") from None
    return found


def with_terms(text: str, terms: list[dict[str, Any]], source: str) -> str:
    """`text` with HUB['terms'] rewritten as `terms`; the first time, in place of the course_*
    entries (and the comment lines just above each), which the terms replace."""
    hub = _hub_node(text, source)
    node = _terms_node(hub)
    if node is not None:
        start, end = (
            _offset(text, node.lineno, node.col_offset),
            _offset(text, node.end_lineno, node.end_col_offset),
        )
        indent = _indent_at(text, start)
        return text[:start] + render_terms(terms, indent) + text[end:]
    return _replacing_calendar(text, hub, terms, source)


def render_terms(terms: list[dict[str, Any]], indent: str) -> str:
    """The list in one layout: a dict per term, a key per line in the settings' order."""
    lines = ["["]
    for term in terms:
        lines.append(f"{indent}{INDENT}{{")
        ordered = sorted(term, key=lambda key: TERM_KEYS.index(key) if key in TERM_KEYS else len(TERM_KEYS))
        lines += [f"{indent}{INDENT * 2}{json.dumps(key)}: {_literal(term[key])}," for key in ordered]
        lines.append(f"{indent}{INDENT}}},")
    lines.append(f"{indent}]")
    return "\n".join(lines)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    raise ConfigError(f"a term's setting must be text, a number or True/False, got {value!r}")


def _hub_node(text: str, source: str) -> ast.Dict:
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise ConfigError(f"{source} is not valid Python ({exc.msg}, line {exc.lineno})") from None
    found = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "HUB" for t in node.targets)
    ]
    if len(found) != 1 or not isinstance(found[0], ast.Dict):
        raise ConfigError(f"{source}: HUB is not one literal dict (HUB = {{...}}); edit its terms by hand")
    return found[0]


def _entries(hub: ast.Dict) -> list[tuple[str, ast.expr]]:
    return [
        (key.value, value)
        for key, value in zip(hub.keys, hub.values, strict=True)
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    ]


def _terms_node(hub: ast.Dict) -> ast.expr | None:
    return next((value for key, value in _entries(hub) if key == "terms"), None)


def _replacing_calendar(text: str, hub: ast.Dict, terms: list[dict[str, Any]], source: str) -> str:
    lines = text.splitlines(keepends=True)
    keys = {id(value): key for key, value in zip(hub.keys, hub.values, strict=True)}
    spans = [
        _entry_lines(lines, keys[id(value)], value, source) for key, value in _entries(hub) if key in CALENDAR
    ]
    if not spans:
        raise ConfigError(f"{source}: HUB has neither terms nor a course calendar (course_start ...)")
    first = min(start for start, _ in spans)
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    entry = f'{indent}{TERMS_COMMENT}\n{indent}"terms": {render_terms(terms, indent)},\n'
    gone = {number for start, end in spans for number in range(start, end)}
    kept = [
        (entry if number == first else "") + ("" if number in gone else line)
        for number, line in enumerate(lines)
    ]
    return "".join(kept)


def _entry_lines(lines: list[str], key: ast.expr | None, value: ast.expr, source: str) -> tuple[int, int]:
    """The lines of one `"course_x": value,` entry and the comment lines just above it."""
    if key is None or value.end_lineno is None:
        raise ConfigError(f"{source}: HUB is laid out in a way this edit cannot follow; edit it by hand")
    start, end = key.lineno - 1, value.end_lineno
    before = lines[start][: key.col_offset]
    after = lines[end - 1].encode()[value.end_col_offset :].decode().strip()
    if before.strip() or after not in ("", ","):
        raise ConfigError(f"{source}: HUB is laid out in a way this edit cannot follow; edit it by hand")
    while start > 0 and lines[start - 1].strip().startswith("#"):
        start -= 1
    return start, end


def _offset(text: str, line: int | None, column: int | None) -> int:
    """The character offset of an ast position (its column counts UTF-8 bytes)."""
    lines = text.splitlines(keepends=True)
    before = sum(len(each) for each in lines[: (line or 1) - 1])
    return before + len(lines[(line or 1) - 1].encode()[: column or 0].decode())


def _indent_at(text: str, offset: int) -> str:
    line = text[text.rfind("\n", 0, offset) + 1 : offset]
    return line[: len(line) - len(line.lstrip())]
