"""Pages that keep every link of the site working: a page for each course week the facilitators
have not written yet (every page links every week), and the 404 page GitHub Pages serves for any
missing address."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aggregator import CohortWeek

from .output import Page

log = logging.getLogger(__name__)

NOT_FOUND = "404.html"


def week_path(week: CohortWeek, root: str = "") -> str:
    """Where the theme links a course week of the term under `root` ("" or "2026-autumn/"): its
    written page, or the one generated for it."""
    return f"{root}weeks/{week.week.slug}/"


def published_files(context: Mapping[str, Any]) -> set[str]:
    """The files Pelican writes from the content: the pages, listed or hidden."""
    return {page.save_as for kind in ("pages", "hidden_pages") for page in context.get(kind, [])}


def unwritten_weeks(weeks: Iterable[CohortWeek], published: set[str], root: str = "") -> list[CohortWeek]:
    return [week for week in weeks if week_path(week, root) + "index.html" not in published]


@dataclass(frozen=True)
class UnwrittenWeek:
    """Stands in for content/weeks/week-N.md (content/weeks/<slug>/week-N.md in a term) until it is
    written: Pelican makes a `{filename}` link to it (the syllabus links every week) the address of
    the generated page, not a broken link."""

    url: str


def stand_in_for(
    weeks: Iterable[CohortWeek], generated_content: MutableMapping[str, Any], root: str = ""
) -> None:
    for week in weeks:
        generated_content.setdefault(f"weeks/{root}{week.week.slug}.md", UnwrittenWeek(week_path(week, root)))


def warn_unwritten(weeks: Iterable[CohortWeek], week_pages: Mapping[int, Any], root: str = "") -> None:
    """Say at every build which week the cohort writes about has no page yet, and which week page
    is saved where the site's links do not lead (`week_pages`: the term's pages by their `Week:`)."""
    for week in weeks:
        number, path = week.week.number, week_path(week, root)
        if (page := week_pages.get(number)) is not None:
            log.warning(
                "course hub: %s is week %d's page but is saved as %s, and the site links the week at "
                "%s: give it `Url: %s` and `Save_as: %sindex.html`",
                page.get_relative_source_path(),
                number,
                page.save_as,
                path,
                path,
                path,
            )
        elif week.entries:
            log.warning(
                "course hub: week %d has %d post(s) from the cohort but no written page: its page at "
                "%s says the material is not published yet (write content/weeks/%s%s.md)",
                number,
                len(week.entries),
                path,
                root,
                week.week.slug,
            )


def unwritten_week_pages(weeks: Iterable[CohortWeek], root: str = "") -> list[Page]:
    return [Page(week_path(week, root), "week_unwritten", {"cohort_week": week}) for week in weeks]


def not_found_pages(settings: Mapping[str, Any], published: set[str]) -> list[Page]:
    """The 404 page, unless the content has its own.

    GitHub Pages serves it for a missing address at any depth, so its links cannot be relative to
    where it is: they start from SITEURL when it is absolute (publishconf.py), else from the root
    path of PUBLIC_URL ("/" for the demo served locally, "/<repository>" under GitHub Pages).
    """
    if NOT_FOUND in published:
        return []
    root = settings["SITEURL"] or urlsplit(settings.get("PUBLIC_URL", "")).path.rstrip("/")
    return [Page(NOT_FOUND, "404", {"SITEURL": root})]
