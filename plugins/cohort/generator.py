"""The cohort generator: archive -> "What the cohort said" pages, participants, overview."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from aggregator import (
    Archive,
    Cohort,
    Entry,
    HubConfig,
    build_cohort,
    from_mapping,
    load_registry,
    outcome_lines,
    summary,
    update,
    write_health_report,
)

from .pages import paginate

log = logging.getLogger(__name__)


def check_settings(pelican: Any) -> None:
    """Validate once at start-up, so a wrong setting stops the build before anything runs.

    Relative paths in HUB are relative to the working directory. The validated settings are kept
    for the generator as HUB_CONFIG.
    """
    config = from_mapping(pelican.settings.get("HUB") or {}, Path.cwd())
    pelican.settings["HUB_CONFIG"] = config
    pelican.settings.setdefault("JINJA_FILTERS", {}).update(jinja_filters(config))


def jinja_filters(config: HubConfig) -> dict[str, Any]:
    zone = config.course.timezone

    def local_date(value: dt.datetime | dt.date, fmt: str = "%a %-d %b %Y") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(zone)
        return value.strftime(fmt)

    def iso_utc(value: dt.datetime | dt.date) -> str:
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time(), zone)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {"local_date": local_date, "iso_utc": iso_utc}


def week_pages(pages: list[Any]) -> dict[int, Any]:
    """Course week pages by number, from their `Week:` metadata."""
    return {
        int(page.metadata["week"]): page for page in pages if str(page.metadata.get("week", "")).isdigit()
    }


class CohortGenerator(Generator):  # type: ignore[misc]
    def generate_context(self) -> None:
        config: HubConfig = self.settings["HUB_CONFIG"]
        participants = load_registry(config.opml)
        if config.offline:
            log.info("course hub: offline, rendering the archive as it is")
        else:
            self._update(config, participants)
        records = Archive(config.archive).load_all(bodies=False)  # cards show excerpts only
        cohort = build_cohort(participants, records, config.course)
        self.context["cohort"] = cohort
        self.context["course"] = config.course
        self.context["today"] = dt.datetime.now(config.course.timezone).date()
        self.context["week_pages"] = week_pages(self.context.get("pages", []))

    def _update(self, config: HubConfig, participants: Any) -> None:
        report = update(config, participants)
        for outcome, line in zip(report.outcomes, outcome_lines(report), strict=True):
            (log.warning if outcome.status == "failed" else log.info)("feed %s", line)
        log.info("course hub: %s", summary(report))
        write_health_report(config, report)

    def generate_output(self, writer: Any) -> None:
        cohort: Cohort = self.context["cohort"]
        paths = [
            self._write(writer, "cohort/", "cohort"),
            self._write(writer, "search/", "search"),
            *self._write_people(writer, cohort),
            *self._write_weeks(writer, cohort),
        ]
        latest = cohort.latest(int(self.settings.get("COHORT_FEED_SIZE", 100)))
        self._write_feed(writer, "cohort/", latest, "All weeks")
        self._write(writer, "cohort/blogroll.opml", "blogroll.opml")
        pages = [page.url for page in self.context.get("pages", [])]
        self._write(writer, "sitemap.xml", "sitemap.xml", paths=["", *pages, *paths])

    def _write_people(self, writer: Any, cohort: Cohort) -> list[str]:
        per_page = int(self.settings.get("PARTICIPANTS_PER_PAGE", 48))
        paths = [
            self._write(writer, paged.own_path, "participants", paged=paged)
            for paged in paginate(cohort.members, per_page, "cohort/participants/")
        ]
        for member in cohort.members:
            weeks = cohort.by_member(member.participant.id)
            paths.append(
                self._write(
                    writer, f"cohort/people/{member.participant.id}/", "person", member=member, weeks=weeks
                )
            )
        return paths

    def _write_weeks(self, writer: Any, cohort: Cohort) -> list[str]:
        per_page = int(self.settings.get("COHORT_PER_PAGE", 20))
        paths = []
        for cohort_week in cohort.weeks:
            base = f"cohort/{cohort_week.week.slug}/"
            for paged in paginate(cohort_week.entries, per_page, base):
                paths.append(
                    self._write(writer, paged.own_path, "cohort_week", cohort_week=cohort_week, paged=paged)
                )
            self._write_feed(writer, base, cohort_week.entries, f"Week {cohort_week.week.number}")
        return paths

    def _write_feed(self, writer: Any, base: str, entries: tuple[Entry, ...], title: str) -> None:
        path = f"{base}feed.atom"
        self._write(writer, path, "atom.xml", entries=entries, feed_path=path, title=title)

    def _write(self, writer: Any, path: str, template: str, **extra: Any) -> str:
        """Render `template` to `path` (a folder path gets an index.html); return the path."""
        writer.write_file(
            path + "index.html" if path.endswith("/") else path,
            # Pelican looks up "name.html"; the feeds, blogroll and sitemap are named in full.
            self.env.get_template(template) if "." in template else self.get_template(template),
            self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
            page_path=path,
            **extra,
        )
        return path
