"""The cohort generator: archive -> "What the cohort said" pages, participants, overview."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from aggregator import (
    Cohort,
    ConfigError,
    Entry,
    HubConfig,
    Member,
    Participant,
    check_inputs,
    current_week,
    frame_sources,
    hub_config,
    licence_url,
    load_cohort,
    outcome_lines,
    participation,
    shared_tags,
    summary,
    text_direction,
    update_terms,
    write_cards,
    write_health_report,
    write_participation,
)

from .links import Published, check_content_links
from .navigation import (
    not_found_pages,
    published_files,
    stand_in_for,
    unwritten_week_pages,
    unwritten_weeks,
    warn_unwritten,
)
from .output import Claims, Page, PageWriter, long_lived_objects, start_in_child, wait_for
from .pages import Paged, newest_pages, paginate, sitemap_files
from .search import search_limit
from .stop import stops_with_message
from .tags import TAG_POSTS, TAGS, TagLinks, tag_pages

log = logging.getLogger(__name__)


@stops_with_message("The build stopped before changing anything: the output folder is as it was.")
def check_settings(pelican: Any) -> None:
    """Validate once at start-up, before Pelican empties the output folder: a wrong setting, or a
    mistake in feeds.opml or moderation.yml, stops the build with the last site still there.

    Relative paths in HUB are relative to the working directory. The validated settings and the
    registry are kept for the generator as HUB_CONFIG and HUB_PARTICIPANTS.
    """
    config = hub_config(pelican.settings, Path.cwd())
    pelican.settings["HUB_PARTICIPANTS"] = check_inputs(config)
    pelican.settings["HUB_CONFIG"] = config
    # Every generator's templates may show cards (the home page's are Pelican's own): they all get
    # the filter, and the cohort generator fills in the links once it has read the cohort.
    links = pelican.settings["COHORT_TAG_LINKS"] = TagLinks()
    pelican.settings.setdefault("JINJA_FILTERS", {}).update({**jinja_filters(config), "tag_path": links.path})
    pelican.settings.update(theme_settings(pelican.settings))


COURSE_LICENCE = "CC BY 4.0"  # of the course's own text, unless COURSE_LICENCE says otherwise
# The picture shown with a link to the site (Open Graph), unless the course sets one: a PNG, which
# every link preview accepts (many refuse SVG).
COURSE_IMAGE_ALT = "Circles of many colours joined by lines: the blogs of a cohort, linked to each other"


def theme_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The course's text direction, licence and picture for the theme, from the settings or their
    defaults: the direction of DEFAULT_LANG, the deed of a Creative Commons licence, the theme's
    own picture."""
    direction = settings.get("DEFAULT_DIR") or text_direction(settings.get("DEFAULT_LANG"))
    if direction not in ("ltr", "rtl"):
        raise ConfigError(f'DEFAULT_DIR must be "ltr" or "rtl", not {direction!r}')
    licence = settings.get("COURSE_LICENCE", COURSE_LICENCE)
    url = settings.get("COURSE_LICENCE_URL") or licence_url(licence or "")
    image = settings.get("COURSE_IMAGE", f"{settings['THEME_STATIC_DIR']}/images/course.png")
    return {
        "DEFAULT_DIR": direction,
        "COURSE_LICENCE": licence,
        "COURSE_LICENCE_URL": url,
        "COURSE_IMAGE": image,
        "COURSE_IMAGE_ALT": settings.get("COURSE_IMAGE_ALT", COURSE_IMAGE_ALT),
    }


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

    return {"local_date": local_date, "iso_utc": iso_utc, "frame_sources": players_on}


def players_on(entries: Iterable[Entry]) -> tuple[str, ...]:
    """Where the players of the embeds on these cards load from, for the page's CSP. Only a post
    shown whole (hub:display "full") can hold an embed's placeholder: an excerpt keeps none."""
    return frame_sources(entry.post.content_html for entry in entries if entry.member.display == "full")


def person_path(person: Participant) -> str:
    return f"cohort/people/{person.id}/"


def person_page(cohort: Cohort, member: Member) -> Page:
    person = member.participant.id
    extra = {"member": member, "weeks": cohort.by_member(person), "threads": cohort.threads_of(person)}
    return Page(person_path(member.participant), "person", extra)


def week_pages(pages: list[Any]) -> dict[int, Any]:
    """Course week pages by number, from their `Week:` metadata."""
    return {
        int(page.metadata["week"]): page for page in pages if str(page.metadata.get("week", "")).isdigit()
    }


class CohortGenerator(Generator):  # type: ignore[misc]
    @stops_with_message("The build stopped: the site in the output folder is not complete.")
    def generate_context(self) -> None:
        config: HubConfig = self.settings["HUB_CONFIG"]
        participants = self.settings["HUB_PARTICIPANTS"]
        if config.offline:
            log.info("course hub: offline, rendering the archive as it is")
        else:
            self._update(config, participants)
        self.context["course"] = config.course
        self.context["today"] = dt.datetime.now(config.course.timezone).date()
        self.context["current_week"] = current_week(self.context["today"], config.course)
        self.context["week_pages"] = week_pages(self.context.get("pages", []))
        # The theme does not change during a build: no check of each template's file on every page.
        self.env.auto_reload = False
        # Withdrawn, hidden and forgotten participants get no page at all; moderated posts are left
        # out of every page, feed and so of the search index.
        with long_lived_objects():
            cohort, _ = load_cohort(config, participants)
        self.context["cohort"] = cohort
        self.unwritten = unwritten_weeks(cohort.weeks, published_files(self.context))
        stand_in_for(self.unwritten, self.context["generated_content"])
        warn_unwritten(self.unwritten, self.context["week_pages"])
        self.tags = shared_tags(cohort, int(self.settings.get("COHORT_TAGS", TAGS)), config.course.tag)
        self.settings["COHORT_TAG_LINKS"].use(self.tags)
        self.participation = participation(cohort)
        write_participation(config, self.participation, self.context["current_week"])
        # A participant's page shows the conversations they took part in, which cross people: it is
        # rendered from the whole cohort, built above. A forked child shares that cohort and writes
        # the participants' pages while this process writes the rest, then takes its share of those
        # left.
        self.people = Claims(len(cohort.members))
        self.person_pages = start_in_child(lambda: self._write_person_pages(cohort))

    def _update(self, config: HubConfig, participants: Any) -> None:
        report = update_terms(config, participants)
        for outcome, line in zip(report.outcomes, outcome_lines(report), strict=True):
            (log.warning if outcome.status == "failed" else log.info)("feed %s", line)
            if outcome.bug:  # a warning, not an error: everyone else is still built and published
                log.warning("course hub: bug while updating %s\n%s", outcome.participant.name, outcome.bug)
        log.info("course hub: %s", summary(report))
        write_health_report(config, report)

    def _write_person_pages(self, cohort: Cohort) -> None:
        """The pages of the participants this process claims first. Announced to other plugins once
        both processes are done (see output.py)."""
        self._writer(announce=False).write_all(person_page(cohort, cohort.members[n]) for n in self.people)

    def generate_output(self, _writer: Any) -> None:
        cohort: Cohort = self.context["cohort"]
        out = self._writer()
        per_page = int(self.settings.get("COHORT_PER_PAGE", 20))
        paged_weeks = [paginate(cw.entries, per_page, f"cohort/{cw.week.slug}/") for cw in cohort.weeks]
        self._list_cards(paged_weeks)
        overviews = [Page("cohort/", "cohort"), self._search_page(paged_weeks)]
        if self.settings["HUB_CONFIG"].participation_page:  # about people: only when the course opts in
            overviews.append(Page("cohort/participation/", "participation", {"rows": self.participation}))
        participants = [*self._participant_pages(cohort)]
        weeks = [*self._week_pages(cohort, paged_weeks), *unwritten_week_pages(self.unwritten)]
        most = int(self.settings.get("COHORT_TAG_POSTS", TAG_POSTS))
        tags = [*tag_pages(self.tags, per_page, most)]
        out.write_all([*overviews, *self._shared_files(cohort), *participants, *weeks, *tags])
        self._write_person_pages(cohort)
        wait_for(self.person_pages)
        out.announce(person_page(cohort, member) for member in cohort.members)
        people = [Page(person_path(member.participant), "person") for member in cohort.members]
        listed = (*overviews, *participants, *people, *weeks, *tags)
        html = [page.path for page in listed if page.path.endswith("/")]
        course_pages = [page.url for page in self.context.get("pages", [])]
        out.write_all(self._sitemaps(["", *course_pages, *html]))
        self._write_404_and_check_links()

    def _write_404_and_check_links(self) -> None:
        """Last: the content's links are checked once every page but the static files is written."""
        published = published_files(self.context)
        self._writer(relative_urls=False).write_all(not_found_pages(self.settings, published))
        check_content_links(self.context, Published.of(self.context, self.output_path, self.theme))

    def _list_cards(self, paged_weeks: list[list[Paged]]) -> None:
        """Which week page shows each post's card, newest week first, for the webmention sender:
        the pages as rendered here, so that it never places a post by a rule of its own."""
        config: HubConfig = self.settings["HUB_CONFIG"]
        placed = (
            (entry.member.participant.id, entry.post.url, paged.own_path)
            for pages in reversed(paged_weeks)
            for paged in pages
            for entry in paged.items
            if entry.post.url
        )
        public_url = config.public_url or self.settings["SITEURL"]
        write_cards(config.cards_manifest, public_url, placed)

    def _writer(self, announce: bool = True, relative_urls: bool | None = None) -> PageWriter:
        relative = self.settings["RELATIVE_URLS"] if relative_urls is None else relative_urls
        return PageWriter(self.context, self.output_path, relative, self._template, announce)

    def _participant_pages(self, cohort: Cohort) -> Iterator[Page]:
        per_page = int(self.settings.get("PARTICIPANTS_PER_PAGE", 48))
        for paged in paginate(cohort.members, per_page, "cohort/participants/"):
            yield Page(paged.own_path, "participants", {"paged": paged})

    def _week_pages(self, cohort: Cohort, paged_weeks: list[list[Paged]]) -> Iterator[Page]:
        # A feed holds the newest posts only: a week of 58,000 posts would make a 50 MB feed.
        newest = int(self.settings.get("COHORT_FEED_SIZE", 100))
        for cohort_week, pages in zip(cohort.weeks, paged_weeks, strict=True):
            for paged in pages:
                yield Page(paged.own_path, "cohort_week", {"cohort_week": cohort_week, "paged": paged})
            title = f"Week {cohort_week.week.number}"
            yield self._feed(pages[0].base, cohort_week.entries[:newest], title)

    def _search_page(self, paged_weeks: list[list[Paged]]) -> Page:
        """The search page, which says how many of the posts the index covers."""
        limit = search_limit(self.settings)
        indexed = set(newest_pages([(pages[0].base, len(pages)) for pages in paged_weeks], limit))
        covered = sum(len(page.items) for pages in paged_weeks for page in pages if page.own_path in indexed)
        return Page("search/", "search", {"indexed_posts": covered})

    def _shared_files(self, cohort: Cohort) -> Iterator[Page]:
        latest = cohort.latest(int(self.settings.get("COHORT_FEED_SIZE", 100)))
        yield self._feed("cohort/", latest, "All weeks")
        yield Page("cohort/blogroll.opml", "blogroll.opml")

    def _feed(self, base: str, entries: tuple[Entry, ...], title: str) -> Page:
        path = f"{base}feed.atom"
        return Page(path, "atom.xml", {"entries": entries, "feed_path": path, "title": title})

    def _sitemaps(self, paths: list[str]) -> Iterator[Page]:
        files = sitemap_files(paths)
        for name, listed in files:
            yield Page(name, "sitemap.xml", {"paths": listed})
        if len(files) > 1:
            yield Page("sitemap.xml", "sitemap_index.xml", {"sitemaps": [name for name, _ in files]})

    def _template(self, name: str) -> Any:
        # Pelican looks up "name.html"; the feeds, blogroll and sitemaps are named in full.
        return self.env.get_template(name) if "." in name else self.get_template(name)
