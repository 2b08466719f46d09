"""A course written right to left (issue 21): hub.css names no physical side."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

HUB_CSS = ROOT / "themes" / "commons" / "static" / "css" / "hub.css"

# 1. The guard: hub.css says start and end, never left and right.

# A property that names a side (margin-left, left, border-top-right-radius ...), a side as a value
# (text-align: left, float: right, linear-gradient(to right ...)), a shift along the line.
SIDE_NAME = re.compile(r"(?:^|-)(?:left|right)(?:-|$)")
SIDE_WORD = re.compile(r"\b(?:left|right)\b")
SHIFT = re.compile(r"\btranslate(?:x|3d)?\(")
# Shorthands of four sides, top right bottom left: lopsided when the right and the left differ.
BOX_SHORTHANDS = {
    "margin",
    "padding",
    "inset",
    "border-width",
    "border-style",
    "border-color",
    "scroll-margin",
    "scroll-padding",
}
# Arrows are not mirrored by the browser in right-to-left text (brackets and guillemets are).
ARROWS = {"→": "←", "←": "→", "⇒": "⇐", "⇐": "⇒", "▶": "◀", "◀": "▶", "▸": "◂", "◂": "▸"}
RTL = '[dir="rtl"] '


@dataclass(frozen=True)
class Declaration:
    line: int
    selector: str
    name: str
    value: str


def declarations(css: str) -> list[Declaration]:
    """Every declaration of `css` with its line, read from the innermost blocks (rules, also those
    inside @media and @supports). Comments are blanked first, their lines kept."""
    css = re.sub(r"/\*.*?\*/", lambda comment: re.sub(r"[^\n]", " ", comment[0]), css, flags=re.S)
    found = []
    for rule in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
        selector = " ".join(rule[1].split())
        for part in re.finditer(r"[^;\s][^;]*", rule[2]):
            name, colon, value = part[0].partition(":")
            if colon:
                line = css.count("\n", 0, rule.start(2) + part.start()) + 1
                found.append(Declaration(line, selector, name.strip().lower(), value.strip()))
    return found


def words(value: str) -> list[str]:
    """A value's space-separated words, a function's parentheses kept whole: calc(1rem + 2px)."""
    return re.findall(r"(?:[^\s(]+|\([^)]*\))+", value.replace("!important", ""))


def lopsided(declaration: Declaration) -> bool:
    """A shorthand whose right and left sides (or corners) differ."""
    values = words(declaration.value)
    if declaration.name in BOX_SHORTHANDS:
        return len(values) == 4 and values[1] != values[3]
    if declaration.name != "border-radius":
        return False
    return any(top_left_right_and_bottom_right_left(words(radii)) for radii in declaration.value.split("/"))


def top_left_right_and_bottom_right_left(radii: list[str]) -> bool:
    """One to four corner radii, clockwise from the top left: true when a corner and its mirror
    image across the page's vertical axis differ."""
    top_left = radii[0]
    top_right = radii[1] if len(radii) > 1 else top_left
    bottom_right = radii[2] if len(radii) > 2 else top_left
    bottom_left = radii[3] if len(radii) > 3 else top_right
    return top_left != top_right or bottom_right != bottom_left


def unmirrored_arrow(declaration: Declaration, every: list[Declaration]) -> bool:
    """Drawn content with an arrow, and no rule for right-to-left pages that draws its mirror."""
    if declaration.name != "content" or declaration.selector.startswith(RTL):
        return False
    if not any(arrow in declaration.value for arrow in ARROWS):
        return False
    mirrored = "".join(ARROWS.get(char, char) for char in declaration.value)
    return Declaration(0, RTL + declaration.selector, "content", mirrored) not in {
        Declaration(0, d.selector, d.name, d.value) for d in every
    }


def faults(declaration: Declaration, every: list[Declaration]) -> Iterator[str]:
    value = re.sub(r"\"[^\"]*\"|'[^']*'", '""', declaration.value)  # words in quotes are text
    if SIDE_NAME.search(declaration.name):
        yield "names a side: use its inline-start or inline-end form"
    if SIDE_WORD.search(value):
        yield "a side as a value: say start or end (inline-start, inline-end for float and clear)"
    if SHIFT.search(value.lower()):
        yield "a shift along the line, the same way round in both directions"
    if lopsided(declaration):
        yield "its left and right differ: use the -block and -inline forms (or per-corner start/end radii)"
    if unmirrored_arrow(declaration, every):
        yield f"an arrow that points the same way on a right-to-left page: add {RTL}{declaration.selector}"


def physical_sides(css: str) -> list[str]:
    """Every declaration of `css` that lays something out by a physical side, with its line."""
    every = declarations(css)
    return [f"line {d.line}: {d.name}: {d.value} ({why})" for d in every for why in faults(d, every)]


def test_hub_css_lays_nothing_out_by_left_or_right() -> None:
    found = physical_sides(HUB_CSS.read_text(encoding="utf-8"))
    assert not found, "hub.css must say start and end, not left and right:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("css", "named"),
    [
        ("a { margin-left: 1rem }", "line 1: margin-left: 1rem"),
        ("a {\n  color: red;\n  padding-right: 0; }", "line 3: padding-right: 0"),
        ("a { position: absolute; left: 0 }", "line 1: left: 0"),
        ("@media print {\n  a { right: 1rem }\n}", "line 2: right: 1rem"),
        ("a { border-left: 4px solid }", "line 1: border-left: 4px solid"),
        ("a { border-top-right-radius: 4px }", "line 1: border-top-right-radius: 4px"),
        ("/* a\n comment */ th { text-align: left }", "line 2: text-align: left"),
        ("img { float: right }", "line 1: float: right"),
        ("a { clear: left }", "line 1: clear: left"),
        (
            "a { background: linear-gradient(to right, red, blue) }",
            "line 1: background: linear-gradient(to right, red, blue)",
        ),
        ("a { transform: translateX(2px) }", "line 1: transform: translateX(2px)"),
        ("a { margin: 0.2rem 0.4rem 0.2rem 0 }", "line 1: margin: 0.2rem 0.4rem 0.2rem 0"),
        ("a { padding: 0 calc(1rem + 2px) 0 1rem }", "line 1: padding: 0 calc(1rem + 2px) 0 1rem"),
        ("a { border-radius: 4px 0 }", "line 1: border-radius: 4px 0"),
        ("a { border-radius: 4px 4px 0 }", "line 1: border-radius: 4px 4px 0"),
        ('a::after { content: " →" / "" }', 'line 1: content: " →" / ""'),
    ],
)
def test_the_guard_names_each_physical_side_and_its_line(css: str, named: str) -> None:
    (found,) = physical_sides(css)
    assert found.startswith(named + " (")


def test_the_guard_passes_logical_sides_and_top_and_bottom() -> None:
    css = (
        "a { margin-inline-start: 1rem; margin-block: 0 1rem; margin: 0 1rem 2rem; top: 0; }\n"
        "b { padding: 1px 2px 3px 2px; border-radius: 4px 4px 0 0 / 2px; text-align: start; }\n"
        'c { float: inline-end; clear: both; inset-inline-end: 0; content: "left, right"; }\n'
        'a::after { content: " →" / ""; }\n[dir="rtl"] a::after { content: " ←" / ""; }\n'
    )
    assert physical_sides(css) == []
    assert len(declarations(HUB_CSS.read_text(encoding="utf-8"))) > 400  # the guard reads it all
