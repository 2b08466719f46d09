"""The reader's page in real headless Chromium, on sites built by real Pelican runs: the header on a
phone, posts without a title, who wrote a card, languages and directions, the licence, the Join
page. Measured as a person meets them: what is on the screen, and how far one has to scroll."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import lxml.etree
import mf2py
import pytest

from aggregator.errors import ConfigError
from plugins.cohort.generator import theme_settings
from tests.conftest import DATA
from tests.loopback import LoopbackServer, Reply, StaticSite
from tests.sitebuild import build, serve_ada_and_ben, write_opml
from tests.tab import Tab, serious_violations

ATOM = "{http://www.w3.org/2005/Atom}"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
FEEDS = DATA / "reader"
LAYLA = "ليلى حداد"  # her blog is in Arabic, one post in English
# Sam's Mastodon status has no title: its first words stand in for one, and are shown once.
SAM_SAYS = "Week one of #openlearning26 and the cohort's blogs have already taught me"
ARABIC_COURSE = {
    "DEFAULT_LANG": "ar",
    "COURSE_LICENCE": "Licence Ouverte 2.0",
    "COURSE_LICENCE_URL": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cohort (Ada, Ben, Layla, Sam) built twice: for an English course with the default
    settings (en/), and for a course in Arabic with a licence of its own (ar/)."""
    tmp = tmp_path_factory.mktemp("reader")
    feeds = LoopbackServer()
    rows = serve_ada_and_ben(feeds)
    for name, file, blog in ((LAYLA, "layla.atom", "https://layla.example/"), ("Sam Taylor", "sam.rss", "")):
        feeds.routes[f"/{file}"] = Reply(body=(FEEDS / file).read_bytes())
        rows.append((name, feeds.url(f"/{file}"), blog))
    for course, site in (("en", None), ("ar", ARABIC_COURSE)):
        (tmp / course).mkdir()
        result = build(tmp / course, write_opml(tmp / course / "feeds.opml", rows), pelican=site)
        assert result.returncode == 0, result.stdout + result.stderr
    feeds.close()
    return tmp


@pytest.fixture(scope="module")
def english(built: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(built / "en" / "output"))
    yield served
    served.close()


@pytest.fixture(scope="module")
def arabic(built: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(built / "ar" / "output"))
    yield served
    served.close()


def open_at(browser: Any, site: StaticSite, path: str, viewport: dict[str, int]) -> Tab:
    tab = Tab(browser, site, viewport["width"])
    tab.page.set_viewport_size(viewport)
    tab.open(path)
    return tab


def card(page: Any, text: str) -> Any:
    return page.locator("article.h-entry").filter(has_text=text)


# 1. The header


def test_on_a_phone_the_header_is_one_line_and_every_link_one_tap_away(
    browser: Any, english: StaticSite
) -> None:
    tab = open_at(browser, english, "/cohort/week-1/", PHONE)
    page = tab.page
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 0.12 * PHONE["height"]  # it was 179 px, 21% of the screen
    links = page.locator(".site-header nav a")
    assert links.count() == 6 + 6  # the course's pages and its six weeks
    assert not any(links.nth(n).is_visible() for n in range(links.count()))
    page.locator(".site-header summary", has_text="Menu").click()
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert links.nth(n).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.get_by_role("link", name="Participants").click()
    assert page.url == english.url("/cohort/participants/")
    assert serious_violations(page) == []
    assert tab.errors == tab.csp_violations == []


def test_on_a_desktop_every_link_shows_without_a_menu(browser: Any, english: StaticSite) -> None:
    page = open_at(browser, english, "/cohort/week-1/", DESKTOP).page
    assert page.locator(".site-header summary").is_hidden()
    links = page.locator(".site-header nav a")
    assert [links.nth(n).is_visible() for n in range(links.count())] == [True] * 12
    page.get_by_role("link", name="Week 2", exact=True).click()
    assert page.url == english.url("/weeks/week-2/")


# 2. A post without a title


def test_a_post_without_a_title_says_its_words_once_and_its_date_links_to_it(
    browser: Any, english: StaticSite, built: Path
) -> None:
    page = open_at(browser, english, "/cohort/week-1/", DESKTOP).page
    sam = card(page, "Sam Taylor")
    # Twice before, as its title and its excerpt. Its heading now names it for the search index
    # only: out of sight, and out of what a screen reader reads.
    assert sam.aria_snapshot().count(SAM_SAYS.split(" #")[0]) == 1  # "Week one of", then a link
    hidden = sam.locator("h2")
    assert hidden.inner_text().startswith(SAM_SAYS) and hidden.get_attribute("aria-hidden") == "true"
    assert hidden.bounding_box()["width"] <= 1 and hidden.bounding_box()["height"] <= 1
    permalink = sam.locator("a.u-url")
    assert (permalink.inner_text(), permalink.get_attribute("href")) == (
        "Wed, Sep 9, 2026",
        "https://social.example/@sam/113100000000000001",
    )
    assert card(page, "Sunday night, still week one").locator("h2 a").get_attribute("href") == (
        "https://ada.example/2026/09/13/sunday-night/"  # a post with a title keeps its heading
    )
    entry = h_entry(built / "en" / "output" / "cohort" / "week-1" / "index.html", "Sam Taylor")
    assert entry["url"] == ["https://social.example/@sam/113100000000000001"]
    assert "name" not in entry  # a note: its text is all it says
    assert entry["summary"][0].startswith(SAM_SAYS)


def h_entry(page: Path, author: str) -> dict[str, Any]:
    entries = [
        i for i in mf2py.parse(doc=page.read_text(encoding="utf-8"))["items"] if "h-entry" in i["type"]
    ]
    (found,) = [
        e["properties"] for e in entries if e["properties"]["author"][0]["properties"]["name"] == [author]
    ]
    return found


# 4. Who wrote it


def test_a_name_leads_to_the_participant_s_page_which_links_their_blog(
    browser: Any, english: StaticSite, built: Path
) -> None:
    page = open_at(browser, english, "/cohort/week-1/", DESKTOP).page
    card(page, "Sunday night, still week one").get_by_role("link", name="Ada Lovelace", exact=True).click()
    assert page.url == english.url("/cohort/people/ada-lovelace/")
    page.get_by_role("link", name="Ada thinks aloud", exact=True).click()  # her blog, one click further
    assert page.url == "https://ada.example/"
    author = h_entry(built / "en" / "output" / "cohort" / "week-1" / "index.html", "Ada Lovelace")["author"][
        0
    ]
    assert author["type"] == ["h-card"]
    assert author["properties"] == {"name": ["Ada Lovelace"], "url": ["https://ada.example/"]}


# 5. Languages and directions


def test_each_card_says_its_post_s_language_and_is_written_its_own_way(
    browser: Any, english: StaticSite
) -> None:
    page = open_at(browser, english, "/cohort/week-1/", DESKTOP).page
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["en", "ltr"]
    layla = card(page, "أتعلّم بصوت عالٍ")
    for part in (layla.locator("h2"), layla.locator(".card-excerpt")):
        assert (part.get_attribute("lang"), direction(part)) == ("ar", "rtl")
    name = layla.get_by_role("link", name=LAYLA, exact=True).locator(".p-name")  # beside her picture
    assert direction(name) == "rtl"  # her name, too
    in_english = card(page, "Learning out loud, in two languages")  # her entry's own xml:lang
    for part in (in_english.locator("h2"), in_english.locator(".card-excerpt")):
        assert (part.get_attribute("lang"), direction(part)) == ("en-GB", "ltr")
    ada = card(page, "Sunday night, still week one")  # her feed states no language
    assert (ada.locator("h2").get_attribute("lang"), direction(ada.locator(".card-excerpt"))) == (None, "ltr")
    assert direction(page.locator(".site-header")) == "ltr"


def test_a_name_in_another_script_is_laid_out_its_own_way_on_every_page(
    browser: Any, english: StaticSite
) -> None:
    """Names are participants' words too: on the participants' list and on their own page."""
    listed = open_at(browser, english, "/cohort/participants/", DESKTOP).page
    assert direction(listed.locator("h2.person-name").filter(has_text=LAYLA)) == "rtl"
    assert direction(listed.locator("h2.person-name").filter(has_text="Ada Lovelace")) == "ltr"
    own = open_at(browser, english, "/cohort/people/" + layla_id(listed) + "/", DESKTOP).page
    assert (own.locator("h1").inner_text(), direction(own.locator("h1"))) == (LAYLA, "rtl")


def layla_id(page: Any) -> str:
    href = page.locator("h2.person-name a").filter(has_text=LAYLA).get_attribute("href")
    return str(href).rstrip("/").rsplit("/", 1)[-1]


def test_the_cohort_s_feed_says_each_entry_s_language(built: Path) -> None:
    feed = lxml.etree.parse(built / "en" / "output" / "cohort" / "feed.atom").getroot()
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    titles = {e.findtext(f"{ATOM}title"): e.get(lang) for e in feed.iter(f"{ATOM}entry")}
    assert feed.get(lang) == "en"
    assert titles["أتعلّم بصوت عالٍ"] == "ar"
    assert titles["Learning out loud, in two languages"] == "en-GB"
    assert titles["Sunday night, still week one"] is None  # the course's


def direction(element: Any) -> str:
    return str(element.evaluate("e => getComputedStyle(e).direction"))


def test_a_course_in_arabic_is_laid_out_right_to_left(browser: Any, arabic: StaticSite) -> None:
    tab = open_at(browser, arabic, "/cohort/week-1/", PHONE)
    page = tab.page
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    assert direction(page.locator("main")) == "rtl"
    menu = page.locator(".site-header summary").bounding_box()
    assert menu["x"] < PHONE["width"] / 2  # the button at the end of the line: the left
    assert direction(card(page, "Learning out loud, in two languages").locator("h2")) == "ltr"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert tab.errors == []


# 6. The licence


def test_the_footer_says_the_course_s_licence_and_that_posts_are_their_authors(
    browser: Any, english: StaticSite, arabic: StaticSite
) -> None:
    for site, name, deed, says in (
        (english, "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", ENGLISH_FOOTER),
        (
            arabic,
            "Licence Ouverte 2.0",
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            ARABIC_FOOTER,
        ),
    ):
        footer = open_at(browser, site, "/", DESKTOP).page.locator(".site-footer")
        assert footer.locator("p").first.inner_text() == says.format(name)
        licence = footer.get_by_role("link", name=name)
        assert (licence.get_attribute("href"), licence.get_attribute("rel")) == (deed, "license")


def test_the_licence_direction_and_picture_settings_and_their_defaults() -> None:
    # The picture's text, unless the course sets one, is the theme's, in the course's language.
    picture = {"COURSE_IMAGE": "theme/images/course.png", "COURSE_IMAGE_ALT": None}
    assert theme_settings({"DEFAULT_LANG": "en", "THEME_STATIC_DIR": "theme"}) == {
        "DEFAULT_DIR": "ltr",
        "COURSE_LICENCE": "CC BY 4.0",
        "COURSE_LICENCE_URL": "https://creativecommons.org/licenses/by/4.0/",
        **picture,
    }
    hebrew = {"DEFAULT_LANG": "he", "COURSE_LICENCE": "CC BY-SA 4.0", "THEME_STATIC_DIR": "theme"}
    assert theme_settings(hebrew) == {
        "DEFAULT_DIR": "rtl",
        "COURSE_LICENCE": "CC BY-SA 4.0",
        "COURSE_LICENCE_URL": "https://creativecommons.org/licenses/by-sa/4.0/",
        **picture,
    }
    chosen = {
        "DEFAULT_LANG": "ar",
        "DEFAULT_DIR": "ltr",
        "COURSE_LICENCE": "",
        "COURSE_LICENCE_URL": None,
        "COURSE_IMAGE": "images/ours.jpg",
        "COURSE_IMAGE_ALT": "Our course",
        "THEME_STATIC_DIR": "theme",
    }
    assert theme_settings(chosen) == {
        "DEFAULT_DIR": "ltr",
        "COURSE_LICENCE": "",
        "COURSE_LICENCE_URL": None,
        "COURSE_IMAGE": "images/ours.jpg",
        "COURSE_IMAGE_ALT": "Our course",
    }
    with pytest.raises(ConfigError, match='DEFAULT_DIR must be "ltr" or "rtl", not \'right\''):
        theme_settings({"DEFAULT_LANG": "ar", "DEFAULT_DIR": "right", "THEME_STATIC_DIR": "theme"})


ENGLISH_FOOTER = (
    "The course text of Learning in the Open is published under {}. Each participant’s post belongs to"
    " its author, under the licence they chose (shown on its card when they gave one), and links back"
    " to their blog."
)
# In the course's language (the Arabic catalog's words).
ARABIC_FOOTER = (
    "نصوص مساق Learning in the Open منشورة بترخيص {}. كل تدوينة ملكٌ لكاتبها، بالترخيص الذي اختاره"
    " (ويظهر على بطاقتها إن حدّده)، وتحيل إلى مدونته."
)


# 7. The Join page

NO_WORD_BROKEN = """() => {
  // Each word of a table cell (but the addresses, in code) on one line: its letters' boxes share a top.
  const broken = [];
  for (const cell of document.querySelectorAll('.prose td, .prose th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code')) continue;
      for (const word of node.data.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


def test_the_join_page_says_how_to_join_and_leave_first_and_breaks_no_word(
    browser: Any, english: StaticSite, built: Path
) -> None:
    html5lib.HTMLParser(strict=True).parse((built / "en" / "output" / "join" / "index.html").read_bytes())
    page = open_at(browser, english, "/join/", PHONE).page
    screen = PHONE["height"]
    assert page.evaluate("document.documentElement.scrollHeight") <= 3 * screen  # 13.7 screens before
    join = page.get_by_role("heading", name="How to join").bounding_box()
    leave = page.locator("h2:text('How to leave') + p").bounding_box()
    assert join["y"] < screen and leave["y"] + leave["height"] <= 2 * screen
    assert 'open a "Withdraw my posts" issue' in page.locator("h2:text('How to leave') + p").inner_text()
    sections = page.locator(".prose details > summary")
    assert sections.count() == 7
    for n in range(sections.count()):
        sections.nth(n).click()
    table = page.locator(".prose table")
    assert table.locator("tbody tr").count() == 13  # every platform, those without tags too
    assert page.evaluate(NO_WORD_BROKEN) == []  # "Mediu m" before
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
