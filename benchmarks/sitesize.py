"""What a built site weighs: its bytes and files, its largest parts, and what a card costs.

Bytes are the files' own sizes, as a host counts a site (a disk rounds each file up to its block:
on ours, 100,000 small files took 1.3 times their bytes).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aggregator.config import SiteBudget
from aggregator.site_size import measure_site

CARD = re.compile(rb"<article\b.*?</article>", re.DOTALL)


def site_size(output: Path) -> dict[str, Any]:
    """Bytes and files of the whole site, and its largest parts as a build over its budget names
    them (aggregator/site_size.py)."""
    return asdict(measure_site(output, SiteBudget()))


def card_size(output: Path, pattern: str = "*/cohort/week-*/**/index.html") -> dict[str, int]:
    """The cards on the cohort week pages: how many, their bytes, and the bytes of the pages
    around them (head, header, footer, pager)."""
    cards = card_bytes = page_bytes = pages = 0
    for page in output.glob(pattern):
        html = page.read_bytes()
        found = [len(card) for card in CARD.findall(html)]
        if found:  # a week page's old address holds no card
            cards, card_bytes = cards + len(found), card_bytes + sum(found)
            pages, page_bytes = pages + 1, page_bytes + len(html)
    return {"pages": pages, "cards": cards, "card_bytes": card_bytes, "page_bytes": page_bytes}


def size_lines(site: dict[str, Any], cards: dict[str, int]) -> list[str]:
    """The size figures as lines of the benchmark's table."""
    lines = [f"  site      {site['bytes'] / 1e6:>7.1f} MB in {site['files']:,} files"]
    lines += [
        f"    {part['name']:<28} {part['bytes'] / 1e6:>7.1f} MB {part['files']:>7,} files "
        f"({part['bytes'] / part['files'] / 1e3:.1f} KB each)"
        for part in site["parts"]
    ]
    if cards["cards"]:
        around = (cards["page_bytes"] - cards["card_bytes"]) / cards["pages"]
        lines.append(
            f"  cards     {cards['card_bytes'] / cards['cards']:>7.0f} B each on the week pages, "
            f"{around:.0f} B of page around them"
        )
    return lines
