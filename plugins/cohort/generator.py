"""The cohort generator: archive -> "What the cohort said" pages, participants, overview."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pelican.generators import Generator
from pelican.log import console

from aggregator import (
    CohortWeek,
    ConfigError,
    Entry,
    HubConfig,
    Key,
    Member,
    Participant,
    PictureStore,
    Term,
    check_inputs,
    fetched_count,
    frame_sources,
    hub_config,
    licence_url,
    load_cohort,
    members_of,
    outcome_lines,
    pages_progress,
    picture_summary,
    shared_tags,
    shown_pictures,
    summary,
    text_direction,
    update_progress,
    update_terms,
    write_cards,
    write_health_report,
    write_participation,
)

from .i18n import CourseLanguage, course_language, install, locale_filters
from .links import Published, check_content_links
from .navigation import (
    not_found_pages,
    published_files,
    stand_in_for,
    unwritten_week_pages,
    unwritten_weeks,
    warn_unwritten,
)
from .output import Claims, Page, PageWriter, Written, long_lived_objects, start_in_child, wait_for
from .pages import Paged, newest_pages, page_of, page_path, paginate, sitemap_files
from .publish import KEPT
from .redirects import at_old_addresses, current_cohort
from .search import search_limit
from .stop import stops_with_message
from .tags import TAG_POSTS, TAGS, tag_pages
from .terms import Focus, TermView, in_term, pages_of, today_in

log = logging.getLogger(__name__)


@stops_with_message("The build stopped before changing anything: the output folder is as it was.")
def check_settings(pelican: Any) -> None:
    """Validate once at start-up, before anything is written: a wrong setting, or a mistake in
    feeds.opml or moderation.yml, stops the build at once (the last site stays in any case).

    Relative paths in HUB are relative to the working directory. The validated settings and the
    registry are kept for the generator as HUB_CONFIG and HUB_PARTICIPANTS.
    """
    config = hub_config(pelican.settings, Path.cwd())
    pelican.settings["HUB_PARTICIPANTS"] = check_inputs(config)
    pelican.settings["HUB_CONFIG"] = config
    # Every generator's templates may show cards (the home page's are Pelican's own): they all get
    # the filters, and the cohort generator points them at a term's zone and tags before it
    # renders the term's pages.
    focus = pelican.settings["COHORT_FOCUS"] = Focus(config.course.timezone)
    pelican.settings.update(theme_settings(pelican.settings))
    language = pelican.settings["HUB_LANGUAGE"] = course_language(
        pelican.settings.get("DEFAULT_LANG"), pelican.settings["DEFAULT_DIR"], Path(pelican.settings["THEME"])
    )
    pelican.settings.setdefault("JINJA_FILTERS", {}).update(jinja_filters(focus, language))


def install_language(generator: Any) -> None:
    """`generator_init`: every generator's templates speak the course's language (i18n.py)."""
    install(generator.env, generator.settings["HUB_LANGUAGE"])


COURSE_LICENCE = "CC BY 4.0"  # of the course's own text, unless COURSE_LICENCE says otherwise
# The picture shown with a link to the site (Open Graph), unless the course sets one: a PNG, which
# every link preview accepts (many refuse SVG). Its text, unless set, is the theme's, translated.


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
        "COURSE_IMAGE_ALT": settings.get("COURSE_IMAGE_ALT"),
    }


def jinja_filters(focus: Focus, language: CourseLanguage) -> dict[str, Any]:
    """Dates in the time zone of the term being rendered and the course's locale; a tag's page in
    that term."""

    def iso_utc(value: dt.datetime | dt.date) -> str:
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time(), focus.zone)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        **locale_filters(language, lambda: focus.zone),
        "iso_utc": iso_utc,
        "frame_sources": players_on,
        "tag_path": focus.tag_path,
        "in_term": in_term,
        # The copies of a member's avatar and of a card's thumbnail that the term's pages show.
        "avatar_picture": lambda member: focus.pictures.avatar(member),
        "thumb_picture": lambda entry: focus.pictures.thumb(entry),
        "local_pictures": focus.local_pictures,
    }


def players_on(entries: Iterable[Entry]) -> tuple[str, ...]:
    """Where the players of the embeds on these cards load from, for the page's CSP. Only a post
    shown whole (hub:display "full") can hold an embed's placeholder: an excerpt keeps none."""
    return frame_sources(entry.post.content_html for entry in entries if entry.member.display == "full")


def person_path(person: Participant, root: str = "") -> str:
    return f"{root}cohort/people/{person.id}/"


def person_page(view: TermView, member: Member, cards: Mapping[Key, str]) -> Page:
    """A participant's page: their posts listed by week, each linked to its card (`cards`, see
    card_places) and to the original."""
    person, cohort = member.participant.id, view.cohort
    extra = {
        "member": member,
        "weeks": cohort.by_member(person),
        "threads": cohort.threads_of(person),
        "cards": cards,
    }
    return Page(person_path(member.participant, view.root), "person", extra)


def week_base(cohort_week: CohortWeek) -> str:
    """The path of a cohort week's first page in its term's folder."""
    return f"cohort/{cohort_week.week.slug}/"


def card_places(view: TermView, per_page: int) -> dict[Key, str]:
    """The path in the term's folder of the week page that shows each post's card, where
    `paginate` will put it: the participants' pages are written before the week pages are split
    (see generate_context)."""
    shared = functools.cache(page_path)  # one string a page, not one a post
    return {
        entry.key: shared(week_base(cw), page_of(index, per_page))
        for cw in view.cohort.weeks
        for index, entry in enumerate(cw.entries)
    }


def week_pages(pages: list[Any]) -> dict[int, Any]:
    """Course week pages by number, from their `Week:` metadata."""
    return {
        int(page.metadata["week"]): page for page in pages if str(page.metadata.get("week", "")).isdigit()
    }


def quiet() -> bool:
    """No progress display: asked for by `invoke build --quiet` (HUB_QUIET) or Pelican's -q."""
    return os.environ.get("HUB_QUIET", "") not in ("", "0") or not log.isEnabledFor(logging.WARNING)


class CohortGenerator(Generator):  # type: ignore[misc]
    @stops_with_message(KEPT)
    def generate_context(self) -> None:
        config: HubConfig = self.settings["HUB_CONFIG"]
        participants = self.settings["HUB_PARTICIPANTS"]
        if config.offline:
            log.info("course hub: offline, rendering the archive as it is")
        else:
            self._update(config, participants)
        # The theme does not change during a build: no check of each template's file on every page.
        self.env.auto_reload = False
        self.pictures = PictureStore.load(config.pictures)  # each term shows some (picture_choice.py)
        # Withdrawn, hidden and forgotten participants get no page at all; moderated posts are left
        # out of every page, feed and so of the search index.
        with long_lived_objects():
            self.views = [self._view(config, term, participants) for term in config.course_terms]
        self.current = next(view for view in self.views if view.current)
        self.focus: Focus = self.settings["COHORT_FOCUS"]
        self.focus.use(self.current)
        # Pages of no term (the home page, /join/) show the current term's.
        self.context.update(self.current.context)
        self.context["term_views"] = {view.term.slug: view for view in self.views}
        write_participation(config, self.current.participation, self.current.current_week)
        # A participant's page shows the conversations they took part in, which cross people: it is
        # rendered from the whole cohort of their term, built above. A forked child shares the
        # cohorts and writes the participants' pages while this process writes the rest, then takes
        # its share of those left.
        self.people = [(view, member) for view in self.views for member in view.cohort.members]
        self.claims = Claims(len(self.people))
        self.cards = {id(view): card_places(view, self._per_page) for view in self.views}
        self.published = published_files(self.context)
        self.written = Written()  # by both processes: the build's progress
        self.person_pages = start_in_child(self._write_person_pages)

    def _view(self, config: HubConfig, term: Term, participants: Any) -> TermView:
        cohort, _ = load_cohort(config.for_term(term), members_of(term, participants))
        weeks = week_pages(pages_of(term, self.context.get("pages", [])))
        unwritten = unwritten_weeks(cohort.weeks, published_files(self.context), term.root)
        stand_in_for(unwritten, self.context["generated_content"], term.root)
        warn_unwritten(unwritten, weeks, term.root)
        tags = shared_tags(cohort, int(self.settings.get("COHORT_TAGS", TAGS)), term.course.tag)
        current = term == (config.term or term)
        pictures = shown_pictures(self.pictures, cohort, config.picture_budget)
        return TermView(term, cohort, weeks, tuple(unwritten), tags, today_in(term), current, pictures)

    def _update(self, config: HubConfig, participants: Any) -> None:
        with update_progress(fetched_count(config, participants), console, quiet()) as tally:
            report = update_terms(config, participants, tally=tally)
        for outcome, line in zip(report.outcomes, outcome_lines(report), strict=True):
            (log.warning if outcome.status == "failed" else log.info)("feed %s", line)
            if outcome.bug:  # a warning, not an error: everyone else is still built and published
                log.warning("course hub: bug while updating %s\n%s", outcome.participant.name, outcome.bug)
        log.info("course hub: %s", summary(report))
        if report.pictures and not report.pictures.idle:
            (log.warning if report.pictures.bug else log.info)(
                "course hub: %s", picture_summary(report.pictures)
            )
        write_health_report(config, report)

    def _write_person_pages(self) -> None:
        """The pages of the participants this process claims first. Announced to other plugins once
        both processes are done (see output.py)."""
        writers = {id(view): self._writer(view, announce=False) for view in self.views}
        for n in self.claims:
            view, member = self.people[n]
            writers[id(view)].write_all(self._person_files(view, member))

    def _person_files(self, view: TermView, member: Member) -> list[Page]:
        """A participant's page, and where their term moved from the site's root, the page at its
        old address: written together, so that both processes share the redirects' cost too."""
        page = person_page(view, member, self.cards[id(view)])
        if not view.term.moved_from_root:
            return [page]
        return [page, *at_old_addresses([page], view.root, self.published)]

    def generate_output(self, _writer: Any) -> None:
        with pages_progress(lambda: self.written.count, console, quiet()):
            self._write_site()

    def _write_site(self) -> None:
        for view in self.views:  # before the pages that show them, and the check of their links
            self.pictures.publish(view.pictures.files, Path(self.output_path) / view.root / "pictures")
        per_page = self._per_page
        paged = {id(view): self._paged_weeks(view, per_page) for view in self.views}
        self._list_cards([paged[id(view)] for view in self.views if not view.term.frozen])
        self.indexed = self._indexed([*paged.values()])
        listed: list[Page] = []
        for view in self.views:
            pages = self._term_pages(view, paged[id(view)], per_page)
            self._writer(view).write_all(pages)
            listed += pages
        site = [self._search_page([*paged.values()]), *self._terms_page()]
        self._writer(self.current).write_all(site)
        self._write_person_pages()
        wait_for(self.person_pages)
        for view in self.views:
            self._writer(view).announce(
                file for member in view.cohort.members for file in self._person_files(view, member)
            )
        self._write_moved_addresses(listed)
        html = [page.path for page in (*listed, *site, *self._people()) if page.path.endswith("/")]
        course_pages = [page.url for page in self.context.get("pages", [])]
        self._writer(self.current).write_all(self._sitemaps(["", *course_pages, *html]))
        self._write_404_and_check_links()

    @property
    def _per_page(self) -> int:
        """How many cards a cohort week page shows."""
        return int(self.settings.get("COHORT_PER_PAGE", 20))

    def _paged_weeks(self, view: TermView, per_page: int) -> list[list[Paged]]:
        return [paginate(cw.entries, per_page, view.root + week_base(cw)) for cw in view.cohort.weeks]

    def _term_pages(self, view: TermView, paged_weeks: list[list[Paged]], per_page: int) -> list[Page]:
        """Every page of a term but its participants' own."""
        root = view.root
        overviews = [Page(f"{root}cohort/", "cohort")]
        if self.settings["HUB_CONFIG"].participation_page:  # about people: only when the course opts in
            overviews.append(
                Page(f"{root}cohort/participation/", "participation", {"rows": view.participation})
            )
        participants = [*self._participant_pages(view)]
        weeks = [*self._week_pages(view, paged_weeks), *unwritten_week_pages(view.unwritten, root)]
        most = int(self.settings.get("COHORT_TAG_POSTS", TAG_POSTS))
        tags = [*tag_pages(view.tags, per_page, most, root)]
        return [*overviews, *self._shared_files(view), *participants, *weeks, *tags]

    def _people(self) -> Iterator[Page]:
        """Every participant's page, by its address alone (for the sitemap and redirects)."""
        for view, member in self.people:
            yield Page(person_path(member.participant, view.root), "person")

    def _write_moved_addresses(self, listed: list[Page]) -> None:
        """With terms: /cohort/ leads to the current term, and the term that moved from the site's
        root keeps its old addresses working."""
        if not self.settings["HUB_CONFIG"].terms:
            return
        current = self.current.root
        self._writer(self.current).write_all(current_cohort(listed, current))
        for view in self.views:
            if view.term.moved_from_root:  # its participants' pages have theirs (_person_files)
                root = view.root
                pages = [page for page in listed if page.path.startswith(root)]
                written = [Page(page.url, "week") for page in view.week_pages.values()]
                self._writer(view).write_all(at_old_addresses([*pages, *written], root, self.published))

    def _write_404_and_check_links(self) -> None:
        """Last: the content's links are checked once every page but the static files is written."""
        published = published_files(self.context)
        writer = self._writer(self.current, relative_urls=False)
        writer.write_all(not_found_pages(self.settings, published))
        check_content_links(self.context, Published.of(self.context, self.output_path, self.theme))

    def _list_cards(self, terms: list[list[list[Paged]]]) -> None:
        """Which week page shows each post's card, newest week first, for the webmention sender:
        the pages as rendered here, so that it never places a post by a rule of its own. Only the
        terms still fetched: a frozen term's posts were told about their pages while it ran."""
        config: HubConfig = self.settings["HUB_CONFIG"]
        placed = (
            (entry.member.participant.id, entry.post.url, paged.own_path)
            for paged_weeks in reversed(terms)
            for pages in reversed(paged_weeks)
            for paged in pages
            for entry in paged.items
            if entry.post.url
        )
        public_url = config.public_url or self.settings["SITEURL"]
        write_cards(config.cards_manifest, public_url, placed)

    def _writer(self, view: TermView, announce: bool = True, relative_urls: bool | None = None) -> PageWriter:
        """A writer of the pages of `view`'s term, rendered with its cohort, calendar and tags."""
        relative = self.settings["RELATIVE_URLS"] if relative_urls is None else relative_urls
        context = {**self.context, **view.context}
        return PageWriter(
            context,
            self.output_path,
            relative,
            self._template,
            announce,
            lambda: self.focus.use(view),
            self.written,
        )

    def _participant_pages(self, view: TermView) -> Iterator[Page]:
        per_page = int(self.settings.get("PARTICIPANTS_PER_PAGE", 48))
        for paged in paginate(view.cohort.members, per_page, f"{view.root}cohort/participants/"):
            yield Page(paged.own_path, "participants", {"paged": paged})

    def _week_pages(self, view: TermView, paged_weeks: list[list[Paged]]) -> Iterator[Page]:
        # A feed holds the newest posts only: a week of 58,000 posts would make a 50 MB feed.
        newest = int(self.settings.get("COHORT_FEED_SIZE", 100))
        for cohort_week, pages in zip(view.cohort.weeks, paged_weeks, strict=True):
            for paged in pages:
                extra = {
                    "cohort_week": cohort_week,
                    "paged": paged,
                    "indexed": paged.own_path in self.indexed,
                }
                yield Page(paged.own_path, "cohort_week", extra)
            yield self._feed(pages[0].base, cohort_week.entries[:newest], cohort_week.week.number)

    def _indexed(self, terms: list[list[list[Paged]]]) -> set[str]:
        """The paths of the cohort week pages the search index reads (of every term)."""
        weeks = [pages for paged_weeks in terms for pages in paged_weeks]  # oldest term first
        return set(
            newest_pages([(pages[0].base, len(pages)) for pages in weeks], search_limit(self.settings))
        )

    def _search_page(self, terms: list[list[list[Paged]]]) -> Page:
        """The search page, which says how many of the posts the index covers (of every term)."""
        weeks = [pages for paged_weeks in terms for pages in paged_weeks]
        covered = sum(len(page.items) for pages in weeks for page in pages if page.own_path in self.indexed)
        shown = sum(view.cohort.shown for view in self.views)
        return Page("search/", "search", {"indexed_posts": covered, "shown_posts": shown})

    def _terms_page(self) -> list[Page]:
        """The list of every term, with terms only."""
        return [Page("terms/", "terms")] if self.settings["HUB_CONFIG"].terms else []

    def _shared_files(self, view: TermView) -> Iterator[Page]:
        latest = view.cohort.latest(int(self.settings.get("COHORT_FEED_SIZE", 100)))
        yield self._feed(f"{view.root}cohort/", latest)
        yield Page(f"{view.root}cohort/blogroll.opml", "blogroll.opml")

    def _feed(self, base: str, entries: tuple[Entry, ...], week: int | None = None) -> Page:
        """The feed of a week's newest posts, or (`week` None) of the term's."""
        path = f"{base}feed.atom"
        return Page(path, "atom.xml", {"entries": entries, "feed_path": path, "week": week})

    def _sitemaps(self, paths: list[str]) -> Iterator[Page]:
        files = sitemap_files(paths)
        for name, listed in files:
            yield Page(name, "sitemap.xml", {"paths": listed})
        if len(files) > 1:
            yield Page("sitemap.xml", "sitemap_index.xml", {"sitemaps": [name for name, _ in files]})

    def _template(self, name: str) -> Any:
        # Pelican looks up "name.html"; the feeds, blogroll and sitemaps are named in full.
        return self.env.get_template(name) if "." in name else self.get_template(name)
