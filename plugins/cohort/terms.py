"""A course's terms on the site: what the pages of one term are rendered from, and which term a
page of the course's content belongs to.

A course without terms has one term without a slug, whose pages are at the site's root as they
always were. With terms, each term's pages are under its slug for good ("2026-autumn/cohort/").
A frozen term's pages depend on its archive, its content and moderation.yml only: no "today", no
current week, nothing of another term, so that they are the same, byte for byte, at every build.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from aggregator import (
    Cohort,
    CohortWeek,
    HubConfig,
    Row,
    SharedTag,
    ShownPictures,
    Term,
    current_week,
    participation,
    with_pictures,
)

from .tags import TagLinks


@dataclass(frozen=True)
class TermView:
    """One term as its pages show it: its cohort, read from its own archive and folder of feeds.opml."""

    term: Term
    cohort: Cohort
    week_pages: Mapping[int, Any]  # the term's written week pages, by number
    unwritten: tuple[CohortWeek, ...]  # the weeks that have a generated page instead
    tags: tuple[SharedTag, ...]
    today: dt.date | None  # None for a frozen term: its pages never say which week is now
    current: bool = False  # the term /cohort/ leads to
    pictures: ShownPictures = field(default_factory=ShownPictures)  # the stored pictures its pages show

    @property
    def root(self) -> str:
        return self.term.root

    @property
    def current_week(self) -> int | None:
        return current_week(self.today, self.term.course) if self.today else None

    @functools.cached_property
    def participation(self) -> tuple[Row, ...]:
        return participation(self.cohort)

    @functools.cached_property
    def tag_links(self) -> TagLinks:
        links = TagLinks()
        links.use(self.tags)
        return links

    @property
    def context(self) -> dict[str, Any]:
        """What the templates read of the term a page belongs to."""
        return {
            "term": self.term,
            "cohort": self.cohort,
            "course": self.term.course,
            "today": self.today,
            "current_week": self.current_week,
            "week_pages": self.week_pages,
        }


def today_in(term: Term) -> dt.date | None:
    """Today in the term's time zone; None for a frozen term, whose pages never change."""
    return None if term.frozen else dt.datetime.now(term.course.timezone).date()


class Focus:
    """The term whose pages are being rendered, for the filters, which cannot see a page's context
    (a card's macro sees only its arguments): its time zone, where its shared tags' pages are, and
    the pictures it shows."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.links = TagLinks()
        self.pictures = ShownPictures()

    def use(self, view: TermView) -> None:
        self.zone = view.term.course.timezone
        self.links = view.tag_links
        self.pictures = view.pictures

    def tag_path(self, tag: str) -> str | None:
        return self.links.path(tag)

    def local_pictures(self, safe_html: str, site: str) -> str:
        """A post shown whole, its pictures shown from the term's copies (see `with_pictures`)."""

        def copy(url: str) -> str | None:
            picture = self.pictures.inline(url)
            return f"{site}/pictures/{picture.file}" if picture else None

        return with_pictures(safe_html, copy)


def in_term(site_url: str, term: Term, page: str = "") -> str:
    """The address under which the term's pages are, from SITEURL ("../.." becomes "../../2026-autumn").

    From a `page` of the term itself with relative URLs, the shorter way, which does not climb to
    the site's root and back into the term's folder ("../.." becomes ".."): tens of thousands of
    pages hold a dozen such links each.
    """
    if not term.slug:
        return site_url
    if page.startswith(term.root) and set(site_url.split("/")) == {".."}:
        return site_url.rpartition("/")[0] or "."
    return f"{site_url}/{term.slug}"


def term_of_source(source_path: str, config: HubConfig) -> Term | None:
    """The term whose folder holds a content file ("weeks/2025-autumn/week-1.md"), if any."""
    folder = PurePosixPath(source_path).parent.name
    return next((term for term in config.terms if term.slug == folder), None)


def place_in_term(content: Any) -> None:
    """`content_object_init`: a week page in a term's folder is that term's, at <slug>/weeks/week-N/
    (unless it says otherwise with Url and Save_as)."""
    config: HubConfig | None = content.settings.get("HUB_CONFIG")
    if config is None or not config.terms or not hasattr(content, "get_relative_source_path"):
        return
    term = term_of_source(content.get_relative_source_path(), config)
    content.hub_term = term.slug if term else None
    week = str(content.metadata.get("week", ""))
    if term and week.isdigit():
        # The same course runs again: two terms' week pages may share a title, whose slug Pelican
        # would take for one page in two languages.
        content.slug = f"{term.slug}-week-{int(week)}"
        if not hasattr(content, "override_url"):
            content.override_url = f"{term.root}weeks/week-{int(week)}/"
            content.override_save_as = content.override_url + "index.html"


def pages_of(term: Term, pages: Iterable[Any]) -> list[Any]:
    """The content pages of `term`; for a course without terms, every page."""
    return [page for page in pages if getattr(page, "hub_term", None) == term.slug]


def newest_first(views: Iterable[TermView]) -> list[TermView]:
    return sorted(views, key=lambda view: view.term.course.start, reverse=True)
