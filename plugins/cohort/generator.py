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

    def iso_utc(value: dt.datetime) -> str:
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
        self._write(writer, "cohort/index.html", "cohort", page_name="cohort/index")
        self._write(writer, "cohort/participants/index.html", "participants", page_name="cohort/participants")
        for cohort_week in cohort.weeks:
            slug = cohort_week.week.slug
            self._write(writer, f"cohort/{slug}/index.html", "cohort_week", cohort_week=cohort_week)

    def _write(self, writer: Any, path: str, template: str, **extra: Any) -> None:
        writer.write_file(
            path,
            self.get_template(template),
            self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
            **extra,
        )
