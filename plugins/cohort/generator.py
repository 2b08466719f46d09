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


def hub_config(settings: dict[str, Any]) -> HubConfig:
    """HUB settings, validated; relative paths are relative to the working directory."""
    return from_mapping(settings.get("HUB") or {}, Path.cwd())


def check_settings(pelican: Any) -> None:
    """Validate once at start-up, so a wrong setting stops the build before anything runs."""
    config = hub_config(pelican.settings)
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
        config = hub_config(self.settings)
        participants = load_registry(config.opml)
        if config.offline:
            log.info("course hub: offline, rendering the archive as it is")
        else:
            self._update(config, participants)
        cohort = build_cohort(participants, Archive(config.archive).load_all(), config.course)
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
        per_page = int(self.settings.get("COHORT_PER_PAGE", 20))
        paths = ["cohort/", "search/"]
        self._write(writer, "cohort/", "cohort")
        self._write(writer, "search/", "search")
        people = paginate(
            cohort.members, int(self.settings.get("PARTICIPANTS_PER_PAGE", 48)), "cohort/participants/"
        )
        for paged in people:
            paths.append(self._write(writer, paged.own_path, "participants", paged=paged))
        for member in cohort.members:
            path = f"cohort/people/{member.participant.id}/"
            paths.append(
                self._write(
                    writer, path, "person", member=member, weeks=cohort.by_member(member.participant.id)
                )
            )
        for cohort_week in cohort.weeks:
            base = f"cohort/{cohort_week.week.slug}/"
            for paged in paginate(cohort_week.entries, per_page, base):
                paths.append(
                    self._write(writer, paged.own_path, "cohort_week", cohort_week=cohort_week, paged=paged)
                )
            self._write(
                writer,
                f"{base}feed.atom",
                "atom.xml",
                entries=cohort_week.entries,
                feed_path=f"{base}feed.atom",
                title=f"Week {cohort_week.week.number}",
            )
        latest = cohort.latest(int(self.settings.get("COHORT_FEED_SIZE", 100)))
        self._write(
            writer,
            "cohort/feed.atom",
            "atom.xml",
            entries=latest,
            feed_path="cohort/feed.atom",
            title="All weeks",
        )
        self._write(writer, "cohort/blogroll.opml", "blogroll.opml")
        self._write(
            writer,
            "sitemap.xml",
            "sitemap.xml",
            paths=["", *(p.url for p in self.context.get("pages", [])), *paths],
        )

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
