"""The demo course's terms, as the benchmarks' projects lay them out.

A benchmark's settings import the demo's (pelicanconf.py), terms included, so its cohort is the
current term's: its outlines go in that term's folder of feeds.opml and the update writes, and the
build reads, archive/<slug>/. The other terms' folders stay empty, their archives too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from aggregator.config import HubConfig, Term, hub_config, load_settings
from aggregator.registry import HUB_NS

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def demo_config() -> HubConfig:
    return hub_config(load_settings(ROOT / "pelicanconf.py"), ROOT)


def current_term() -> Term:
    """The term an update fetches and a build shows first, as the hub itself chooses it."""
    term = demo_config().term
    assert term is not None, "the demo course has terms"
    return term


def archive_folder(project: Path) -> Path:
    """Where the current term's records are in a project whose archive is project/archive."""
    return project / "archive" / str(current_term().slug)


def opml(title: str, outlines: Iterable[str]) -> str:
    """feeds.opml with a folder for each of the demo's terms; `outlines` in the current one's."""
    current = current_term().slug
    folders = "\n".join(
        f"    <outline text={quoteattr(term.name)} hub:term={quoteattr(str(term.slug))}>\n"
        + "".join(f"      {line}\n" for line in (outlines if term.slug == current else ()))
        + "    </outline>"
        for term in demo_config().terms
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0" xmlns:hub="{HUB_NS}">\n'
        f"  <head><title>{title}</title></head>\n  <body>\n{folders}\n  </body>\n</opml>\n"
    )
