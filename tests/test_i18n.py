"""A course in any language: the theme's catalogs, dates and numbers by Babel, and the demo built in
each shipped language with nothing of its interface left in English."""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import jinja2
import pytest
from babel import Locale
from babel.dates import format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from lxml import html

from aggregator import ConfigError, text_direction
from plugins.cohort.i18n import (
    DATE_SKELETONS,
    compiled,
    course_language,
    install,
    locale_filters,
    message_id,
    untranslated,
)
from tests.loopback import StaticSite
from tests.sitebuild import ROOT, build, demo_terms
from tests.tab import Tab, serious_violations

THEME = ROOT / "themes" / "commons"
TRANSLATIONS = THEME / "translations"
# Every catalog of the theme: a language added with `invoke translations --add` is checked too.
SHIPPED = tuple(sorted(folder.name for folder in TRANSLATIONS.iterdir() if folder.is_dir()))
TRANSLATED = tuple(lang for lang in SHIPPED if lang != "en")


def catalog_of(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def extracted() -> set[str]:
    """The strings of the theme and the plugin, as `invoke translations` collects them (a plural is
    named by its singular)."""
    with (TRANSLATIONS / "babel.cfg").open() as handle:
        methods, options = parse_mapping_cfg(handle)
    found = set()
    for folder in ("plugins", "themes"):
        for _file, _line, message, _comments, _context in extract_from_dir(ROOT / folder, methods, options):
            found.add(message[0] if isinstance(message, tuple) else message)  # a plural: its singular
    return found


def message_ids(catalog: Catalog) -> set[str]:
    return {message_id(message) for message in catalog if message.id}


# 1. Every catalog is whole


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_catalog_translates_every_string_of_the_theme_and_the_plugin(lang: str) -> None:
    """The strings a reader of `lang` would see in English: not in its catalog (run `invoke
    translations`), or in it but empty, partly empty (a plural form) or fuzzy."""
    catalog = catalog_of(lang)
    assert sorted(extracted() - message_ids(catalog)) == [], "missing: run `invoke translations`"
    assert untranslated(catalog) == []


def test_the_strings_are_found_in_the_templates_and_the_template_of_the_catalogs_holds_them() -> None:
    strings = extracted()
    assert {"What the cohort said", "%(num)s post", "%(num)s min read", "Older", "Search"} <= strings
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        assert message_ids(read_po(handle)) == strings


# 2. What is not translated stays English


def test_an_untranslated_fuzzy_or_partly_translated_message_shows_in_english(tmp_path: Path) -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Menu", "Menu principal")
    catalog.add("Search", "")
    catalog.add("Participants", "Les gens", flags=["fuzzy"])
    catalog.add(("%(num)s post", "%(num)s posts"), ("%(num)s billet", ""))
    catalog.add(
        ("%(num)s week", "%(num)s weeks"), ("%(num)s semaine", "%(num)s de semaines", "%(num)s semaines")
    )
    po = tmp_path / "messages.po"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    translations = compiled(po)
    assert [translations.gettext(text) for text in ("Menu", "Search", "Participants")] == [
        "Menu principal",
        "Search",
        "Participants",
    ]
    plurals = [translations.ngettext("%(num)s post", "%(num)s posts", n) for n in (1, 2)]
    assert plurals == ["%(num)s post", "%(num)s posts"]
    weeks = [translations.ngettext("%(num)s week", "%(num)s weeks", n) for n in (0, 1, 2, 10**6)]
    # French: 0 is singular, and a million "de semaines"
    assert weeks == ["%(num)s semaine", "%(num)s semaine", "%(num)s semaines", "%(num)s de semaines"]
    with po.open("rb") as handle:
        assert untranslated(read_po(handle)) == ["Search", "Participants", "%(num)s post"]


def test_a_language_without_a_catalog_has_an_english_interface_and_its_own_dates(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        german = course_language("de", "ltr", THEME)
    assert type(german.translations) is gettext.NullTranslations
    assert caplog.messages == [
        "course hub: the theme has no catalog for 'de': the interface is in English, dates in that "
        "language. README, 'Adding a language', says how to add one."
    ]
    local_date = locale_filters(german, lambda: dt.UTC)["local_date"]
    assert local_date(dt.datetime(2026, 9, 14, 23, 30, tzinfo=dt.UTC)) == "Mo., 14. Sept. 2026"


def test_a_regional_language_uses_its_languages_catalog_and_its_regions_conventions() -> None:
    brazil, mexico = course_language("pt-BR", "ltr", THEME), course_language("es_MX", "ltr", THEME)
    assert brazil.translations.gettext("Search") == catalog_of("pt").get("Search").string
    assert mexico.translations.gettext("Search") == catalog_of("es").get("Search").string
    assert locale_filters(mexico, lambda: dt.UTC)["number"](35000) == "35,000"  # Mexico's, not Spain's
    assert locale_filters(course_language("es", "ltr", THEME), lambda: dt.UTC)["number"](35000) == "35.000"


def test_a_language_babel_does_not_know_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"^DEFAULT_LANG 'klingon' is not a language tag Babel knows"):
        course_language("klingon", "ltr", THEME)


def test_a_date_is_in_the_terms_time_zone_and_formatted_once_per_day() -> None:
    english = course_language("en", "ltr", THEME)
    zone: list[dt.tzinfo] = [dt.timezone(dt.timedelta(hours=-5))]
    filters = locale_filters(english, lambda: zone[0])
    late = dt.datetime(2026, 9, 14, 2, 0, tzinfo=dt.UTC)  # still Sunday in New York
    assert filters["local_date"](late) == "Sun, Sep 13, 2026"
    zone[0] = dt.UTC
    assert filters["local_date"](late) == "Mon, Sep 14, 2026"
    first, last = dt.date(2026, 12, 28), dt.date(2027, 1, 3)
    assert str(filters["week_days"](first, last)) == (
        '<time datetime="2026-12-28">Mon, Dec 28, 2026</time>\u2009–\u2009'
        '<time datetime="2027-01-03">Sun, Jan 3, 2027</time>'
    )
    assert (
        filters["date_range"](dt.date(2026, 9, 28), dt.date(2026, 10, 4)) == "Sep 28\u2009–\u2009Oct 4, 2026"
    )


# 3. The demo in each shipped language


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo, built offline from its archive in each shipped language."""
    built = {}
    for lang in SHIPPED:
        tmp = tmp_path_factory.mktemp(f"demo-{lang}")
        shutil.copytree(ROOT / "archive", tmp / "archive", ignore=shutil.ignore_patterns(".lock"))
        result = build(
            tmp,
            ROOT / "feeds.opml",
            offline=True,
            content=ROOT / "content",
            terms=demo_terms(),
            pelican={"DEFAULT_LANG": lang},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        built[lang] = tmp / "output"
    return built


TERM = "2026-autumn"
PAGES = {
    "home": "index.html",
    "week": f"{TERM}/weeks/week-2/index.html",
    "cohort week": f"{TERM}/cohort/week-2/index.html",
    "participant": f"{TERM}/cohort/people/{{person}}/index.html",
    "participants": f"{TERM}/cohort/participants/index.html",
    "search": "search/index.html",
    "page not found": "404.html",
}
# What the course and its participants wrote, which keeps its own language: the participants' words
# (each in an element of dir="auto" or a <bdi>), the course's (the site's name, its week pages, the
# terms' names) and what names a thing (tags, blogs, licences).
CONTENT = (
    "//*[@dir='auto'] | //bdi | //code | //*[contains(@class, 'prose')]/*[not(contains(@class, 'kicker'))"
    " and not(contains(@class, 'cohort-link'))] | //*[contains(@class, 'tags')] | //*[contains(@class, 'u-url')]"
    " | //*[contains(@class, 'card-licence')]//a | //*[contains(@class, 'lede')][ancestor::*[contains(@class, 'hero')]]"
    " | //*[contains(@class, 'site-name')] | //*[contains(@class, 'term-name')] | //*[contains(@class, 'avatar')]"
)
# English words of an interface that no other shipped language spells the same way.
ENGLISH = re.compile(
    r"\b(the|of|and|to|in|for|by|with|is|are|this|that|from|your|you|week|weeks|post|posts|read|more|"
    r"page|pages|all|every|what|said|participant|participants|people|newer|older|search|menu|join|about|"
    r"next|previous|skip|content|found|results?|licence|conversations?|tags?|syllabus|terms?)\b",
    re.IGNORECASE,
)
MONTHS_AND_DAYS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
)


@functools.cache  # asked for each page of each test: the site does not change once built
def person_with_posts(site: Path) -> str:
    people = sorted((site / TERM / "cohort" / "people").iterdir())
    return next(p.name for p in people if 'class="h-entry"' in (p / "index.html").read_text("utf-8"))


def interface_text(site: Path, page: str) -> str:
    """The page's words that are the hub's own: its text, titles and labels, the course's and the
    participants' words taken out."""
    tree = html.parse(str(site / page.format(person=person_with_posts(site)))).getroot()
    for element in tree.xpath(CONTENT):
        element.drop_tree()
    labels = tree.xpath(LABELS)
    heading = tree.findtext(".//head/title") or ""
    text = " ".join([tree.body.text_content(), heading, *map(str, labels)])
    text = re.sub(r"\{\w+\}", " ", text)  # what search.js fills in: {term}, {count}
    return re.sub("|".join(map(re.escape, course_words())), " ", text)


LABELS = (
    "//@aria-label | //@alt | //@title | //@placeholder | //*[@id='search']/@*[starts-with(name(), 'data-')]"
)


def course_words() -> list[str]:
    """The course's own names, inside the hub's sentences: the site's, the weeks' and the terms',
    and the licence of its text."""
    return ["Learning in the Open", "Autumn 2026", "Autumn 2025", "CC BY 4.0", *week_titles()]


def week_titles() -> list[str]:
    files = (ROOT / "content" / "weeks").rglob("*.md")
    return [line.removeprefix("Title: ") for f in files for line in f.read_text("utf-8").splitlines()[:1]]


def english_left(site: Path, lang: str) -> dict[str, list[str]]:
    """The English words on each page that its language's catalog does not use itself ("Menu" is
    Portuguese too, and "feed" a word of many languages)."""
    native = words_of(catalog_of(lang)) if lang != "en" else set()
    left = {
        name: sorted(
            {word for word in ENGLISH.findall(interface_text(site, page)) if word.lower() not in native}
        )
        for name, page in PAGES.items()
    }
    return {name: words for name, words in left.items() if words}


def words_of(catalog: Catalog) -> set[str]:
    strings = (form for message in catalog if message.id for form in as_tuple(message.string))
    return {word.lower() for text in strings for word in re.findall(r"\w+", text)}


def as_tuple(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def test_the_english_demo_is_found_to_be_in_english_by_the_same_check(sites: dict[str, Path]) -> None:
    left = english_left(sites["en"], "en")
    assert set(left) == set(PAGES)
    assert {"What", "the", "said", "Menu", "Search", "Skip", "content"} <= set(left["cohort week"])


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_english_interface_string_is_left_on_the_demos_pages(sites: dict[str, Path], lang: str) -> None:
    assert english_left(sites[lang], lang) == {}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_date_on_the_demos_pages_is_in_the_courses_language(sites: dict[str, Path], lang: str) -> None:
    """Each <time> says its date as Babel writes it in that language, and no English month or day
    name is left anywhere in the interface."""
    locale = Locale.parse(lang)
    dated = set()
    for name, page in PAGES.items():
        tree = html.parse(str(sites[lang] / page.format(person=person_with_posts(sites[lang])))).getroot()
        times = tree.xpath("//time[@datetime]")
        dated |= {name} if times else set()
        for time in times:
            day = course_day(time.get("datetime"))
            spoken = {format_skeleton(skeleton, day, locale=locale) for skeleton in DATE_SKELETONS.values()}
            assert time.text_content() in spoken, (page, time.get("datetime"), time.text_content())
        assert MONTHS_AND_DAYS.findall(interface_text(sites[lang], page)) == [], page
    assert dated == {"home", "week", "cohort week", "participant"}


def course_day(datetime: str) -> dt.date:
    """The day of a <time>'s datetime, in the demo's time zone: a post's is its instant in UTC."""
    if len(datetime) == len("2026-09-14"):
        return dt.date.fromisoformat(datetime)
    return dt.datetime.fromisoformat(datetime).astimezone(ZoneInfo("Europe/London")).date()


@pytest.mark.parametrize("lang", SHIPPED)
def test_each_page_says_its_language_and_direction(sites: dict[str, Path], lang: str) -> None:
    for page in PAGES.values():
        root = html.parse(str(sites[lang] / page.format(person=person_with_posts(sites[lang])))).getroot()
        assert (root.get("lang"), root.get("dir")) == (lang, text_direction(lang)), page
    assert text_direction("ar") == "rtl"


# 4. Arabic in a browser: read right to left, accessible, searchable


@pytest.fixture(scope="module")
def arabic(sites: dict[str, Path]) -> Iterator[StaticSite]:
    served = StaticSite(str(sites["ar"]))
    yield served
    served.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_arabic_demos_pages_pass_the_browser_and_axe_checks(
    browser: Any, arabic: StaticSite, sites: dict[str, Path], width: int
) -> None:
    """On a phone and on a desktop: no script error, nothing the CSP refused, no page wider than the
    screen, and no serious or critical finding of axe."""
    person = person_with_posts(sites["ar"])
    for name, page_file in PAGES.items():
        path = "/" + page_file.format(person=person).removesuffix("index.html")
        tab = Tab(browser, arabic, width=width)
        page = tab.open(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        found = (tab.errors, tab.csp_violations, overflow, serious_violations(page))
        assert found == ([], [], 0, []), name
        page.close()


def test_the_arabic_search_says_its_counts_in_arabic(browser: Any, arabic: StaticSite) -> None:
    """The search box's words are the catalog's, and its count's sentence is the one of the count's
    plural category of Arabic's six."""
    catalog = catalog_of("ar")
    tab = Tab(browser, arabic, width=1280)
    page = tab.open("/search/")
    label = catalog.get("Search the course, the participants and their posts").string
    assert page.locator("label[for=search-input]").inner_text() == label
    page.locator("#search-input").fill("network")
    status = page.locator("#search-status")
    status.filter(has_text="«network»").wait_for(timeout=10_000)
    count = page.locator(".hit").count()
    more = page.locator("#search-more").is_visible()
    forms = catalog.get(SEARCH_FOUND_MORE if more else SEARCH_FOUND).string
    category = page.evaluate(f"new Intl.PluralRules('ar').select({count})")
    expected = dict(zip(ARABIC_PLURALS, forms, strict=True))[category]
    assert status.inner_text() == expected.replace("%(num)s", str(count)).replace("{term}", "network")
    # The posts' and names' words keep their own direction in the Arabic page, as on the cards.
    directions = page.eval_on_selector_all(".hit-title a, .hit-excerpt", "found => found.map(e => e.dir)")
    assert (count > 2, set(directions), tab.errors) == (True, {"auto"}, [])


SEARCH_FOUND = ("%(num)s result for “{term}”.", "%(num)s results for “{term}”.")
SEARCH_FOUND_MORE = ("%(num)s result for “{term}”, more below.", "%(num)s results for “{term}”, more below.")
ARABIC_PLURALS = ("zero", "one", "two", "few", "many", "other")  # the order of the catalog's forms


# 5. What the templates are given


@pytest.mark.parametrize("lang", SHIPPED)
def test_a_string_translated_as_the_template_compiles_reads_as_one_translated_on_each_page(lang: str) -> None:
    """`_("…")` of plain text is written into the compiled template (TranslatedConstants): every
    message of the catalog reads the same either way, escaped the same."""
    env = jinja2.Environment(autoescape=True)
    install(env, course_language(lang, text_direction(lang), THEME))
    runtime = env.globals["_"]
    for message in message_ids(catalog_of(lang)):
        source = "{{ _(%s) }}" % json.dumps(message)  # noqa: UP031 (the template's braces)
        try:
            expected = str(runtime(message))
        except KeyError:  # a string with values to fill in: given none, Jinja's gettext fails too
            continue
        assert env.from_string(source).render() == expected, message


def test_the_theme_s_gettext_escapes_what_it_fills_in_and_a_trans_block_works() -> None:
    env = jinja2.Environment(autoescape=True)
    install(env, course_language("fr", "ltr", THEME))
    french = catalog_of("fr")
    week = french.get("Week %(num)s").string
    posts = french.get(("%(num)s post", "%(num)s posts")).string
    template = env.from_string(
        '{{ _("Week %(num)s", num="<b>") }}|{% trans num=2 %}Week {{ num }}{% endtrans %}|'
        '{{ ngettext("%(num)s post", "%(num)s posts", 2) }}|{{ _("Menu") }}'
    )
    assert template.render() == "|".join(
        [week % {"num": "&lt;b&gt;"}, week % {"num": 2}, posts[2] % {"num": 2}, french.get("Menu").string]
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_cohorts_feeds_and_blogroll_are_titled_in_the_courses_language(
    sites: dict[str, Path], lang: str
) -> None:
    catalog, site = catalog_of(lang), "Learning in the Open"
    feeds = sites[lang] / TERM / "cohort"
    atom = "{http://www.w3.org/2005/Atom}"
    whole, week = (ET.parse(feeds / path / "feed.atom").getroot() for path in (".", "week-2"))
    assert [
        whole.findtext(f"{atom}title"),
        whole.findtext(f"{atom}subtitle"),
        week.findtext(f"{atom}title"),
    ] == [
        catalog.get("%(site)s: what the cohort said (all weeks)").string % {"site": site},
        catalog.get("Posts by the participants of %(site)s, linking to the originals.").string
        % {"site": site},
        catalog.get("%(site)s: what the cohort said (week %(num)s)").string % {"site": site, "num": 2},
    ]
    assert whole.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    blogroll = ET.parse(feeds / "blogroll.opml").getroot()
    assert blogroll.findtext("head/title") == catalog.get("%(site)s: the cohort's blogs").string % {
        "site": site
    }


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_arrows_of_next_and_previous_point_the_way_the_page_reads(
    sites: dict[str, Path], lang: str
) -> None:
    page = html.parse(str(sites[lang] / TERM / "cohort" / "week-2" / "index.html")).getroot()
    pager = page.xpath("//nav[@class='pager']")[-1]  # the weeks either side
    (back,), (on,) = pager.xpath("a[@rel='prev']"), pager.xpath("a[@rel='next']")
    forward, backward = ("←", "→") if text_direction(lang) == "rtl" else ("→", "←")
    assert (back.text_content()[0], on.text_content()[-1]) == (backward, forward)
