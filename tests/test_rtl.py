"""A course written right to left (issue 21): hub.css names no physical side, and a real site built
with DEFAULT_LANG "ar" is, in headless Chromium, the mirror image of the same site in English,
while each participant's words keep their own direction.

Positions are measured along the line from the page's start edge (`along`): from the left in
English, from the right in Arabic. Each layout check is one assertion for both builds, so that a
mirror image passes it and anything else fails it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aggregator.picture_store import Kind, PictureStore
from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Reply, StaticSite
from tests.sitebuild import build, write_opml
from tests.tab import Tab, serious_violations
from tests.test_picture_site import picture

HUB_CSS = ROOT / "themes" / "commons" / "static" / "css" / "hub.css"

# 1. The guard: hub.css says start and end, never left and right.

# A property that names a side (margin-left, left, border-top-right-radius ...), a side as a value
# (text-align: left, float: right, linear-gradient(to right ...)), a shift along the line.
SIDE_NAME = re.compile(r"(?:^|-)(?:left|right)(?:-|$)")
SIDE_WORD = re.compile(r"\b(?:left|right)\b")
SHIFT = re.compile(r"\btranslate(?:x|3d)?\(")
# Shorthands of four sides, top right bottom left: lopsided when the right and the left differ.
BOX_SHORTHANDS = {
    "margin",
    "padding",
    "inset",
    "border-width",
    "border-style",
    "border-color",
    "scroll-margin",
    "scroll-padding",
}
# Arrows are not mirrored by the browser in right-to-left text (brackets and guillemets are).
ARROWS = {"→": "←", "←": "→", "⇒": "⇐", "⇐": "⇒", "▶": "◀", "◀": "▶", "▸": "◂", "◂": "▸"}
RTL = '[dir="rtl"] '


@dataclass(frozen=True)
class Declaration:
    line: int
    selector: str
    name: str
    value: str


def declarations(css: str) -> list[Declaration]:
    """Every declaration of `css` with its line, read from the innermost blocks (rules, also those
    inside @media and @supports). Comments are blanked first, their lines kept."""
    css = re.sub(r"/\*.*?\*/", lambda comment: re.sub(r"[^\n]", " ", comment[0]), css, flags=re.S)
    found = []
    for rule in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
        selector = " ".join(rule[1].split())
        for part in re.finditer(r"[^;\s][^;]*", rule[2]):
            name, colon, value = part[0].partition(":")
            if colon:
                line = css.count("\n", 0, rule.start(2) + part.start()) + 1
                found.append(Declaration(line, selector, name.strip().lower(), value.strip()))
    return found


def words(value: str) -> list[str]:
    """A value's space-separated words, a function's parentheses kept whole: calc(1rem + 2px)."""
    return re.findall(r"(?:[^\s(]+|\([^)]*\))+", value.replace("!important", ""))


def lopsided(declaration: Declaration) -> bool:
    """A shorthand whose right and left sides (or corners) differ."""
    values = words(declaration.value)
    if declaration.name in BOX_SHORTHANDS:
        return len(values) == 4 and values[1] != values[3]
    if declaration.name != "border-radius":
        return False
    return any(top_left_right_and_bottom_right_left(words(radii)) for radii in declaration.value.split("/"))


def top_left_right_and_bottom_right_left(radii: list[str]) -> bool:
    """One to four corner radii, clockwise from the top left: true when a corner and its mirror
    image across the page's vertical axis differ."""
    top_left = radii[0]
    top_right = radii[1] if len(radii) > 1 else top_left
    bottom_right = radii[2] if len(radii) > 2 else top_left
    bottom_left = radii[3] if len(radii) > 3 else top_right
    return top_left != top_right or bottom_right != bottom_left


def unmirrored_arrow(declaration: Declaration, every: list[Declaration]) -> bool:
    """Drawn content with an arrow, and no rule for right-to-left pages that draws its mirror."""
    if declaration.name != "content" or declaration.selector.startswith(RTL):
        return False
    if not any(arrow in declaration.value for arrow in ARROWS):
        return False
    mirrored = "".join(ARROWS.get(char, char) for char in declaration.value)
    return Declaration(0, RTL + declaration.selector, "content", mirrored) not in {
        Declaration(0, d.selector, d.name, d.value) for d in every
    }


def faults(declaration: Declaration, every: list[Declaration]) -> Iterator[str]:
    value = re.sub(r"\"[^\"]*\"|'[^']*'", '""', declaration.value)  # words in quotes are text
    if SIDE_NAME.search(declaration.name):
        yield "names a side: use its inline-start or inline-end form"
    if SIDE_WORD.search(value):
        yield "a side as a value: say start or end (inline-start, inline-end for float and clear)"
    if SHIFT.search(value.lower()):
        yield "a shift along the line, the same way round in both directions"
    if lopsided(declaration):
        yield "its left and right differ: use the -block and -inline forms (or per-corner start/end radii)"
    if unmirrored_arrow(declaration, every):
        yield f"an arrow that points the same way on a right-to-left page: add {RTL}{declaration.selector}"


def physical_sides(css: str) -> list[str]:
    """Every declaration of `css` that lays something out by a physical side, with its line."""
    every = declarations(css)
    return [f"line {d.line}: {d.name}: {d.value} ({why})" for d in every for why in faults(d, every)]


def test_hub_css_lays_nothing_out_by_left_or_right() -> None:
    found = physical_sides(HUB_CSS.read_text(encoding="utf-8"))
    assert not found, "hub.css must say start and end, not left and right:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("css", "named"),
    [
        ("a { margin-left: 1rem }", "line 1: margin-left: 1rem"),
        ("a {\n  color: red;\n  padding-right: 0; }", "line 3: padding-right: 0"),
        ("a { position: absolute; left: 0 }", "line 1: left: 0"),
        ("@media print {\n  a { right: 1rem }\n}", "line 2: right: 1rem"),
        ("a { border-left: 4px solid }", "line 1: border-left: 4px solid"),
        ("a { border-top-right-radius: 4px }", "line 1: border-top-right-radius: 4px"),
        ("/* a\n comment */ th { text-align: left }", "line 2: text-align: left"),
        ("img { float: right }", "line 1: float: right"),
        ("a { clear: left }", "line 1: clear: left"),
        (
            "a { background: linear-gradient(to right, red, blue) }",
            "line 1: background: linear-gradient(to right, red, blue)",
        ),
        ("a { transform: translateX(2px) }", "line 1: transform: translateX(2px)"),
        ("a { margin: 0.2rem 0.4rem 0.2rem 0 }", "line 1: margin: 0.2rem 0.4rem 0.2rem 0"),
        ("a { padding: 0 calc(1rem + 2px) 0 1rem }", "line 1: padding: 0 calc(1rem + 2px) 0 1rem"),
        ("a { border-radius: 4px 0 }", "line 1: border-radius: 4px 0"),
        ("a { border-radius: 4px 4px 0 }", "line 1: border-radius: 4px 4px 0"),
        ('a::after { content: " →" / "" }', 'line 1: content: " →" / ""'),
    ],
)
def test_the_guard_names_each_physical_side_and_its_line(css: str, named: str) -> None:
    (found,) = physical_sides(css)
    assert found.startswith(named + " (")


def test_the_guard_passes_logical_sides_and_top_and_bottom() -> None:
    css = (
        "a { margin-inline-start: 1rem; margin-block: 0 1rem; margin: 0 1rem 2rem; top: 0; }\n"
        "b { padding: 1px 2px 3px 2px; border-radius: 4px 4px 0 0 / 2px; text-align: start; }\n"
        'c { float: inline-end; clear: both; inset-inline-end: 0; content: "left, right"; }\n'
        'a::after { content: " →" / ""; }\n[dir="rtl"] a::after { content: " ←" / ""; }\n'
    )
    assert physical_sides(css) == []
    assert len(declarations(HUB_CSS.read_text(encoding="utf-8"))) > 400  # the guard reads it all


# 2. The same small cohort, built in English and in Arabic.

DIRECTIONS = {"en": "ltr", "ar": "rtl"}
DESKTOP = 1280
PHONE = 390
LAYLA = "ليلى حداد"
IN_ARABIC = "أتعلّم بصوت عالٍ"
IN_ENGLISH = "Learning out loud, in two languages"
ADA_S = "Reading the cohort's blogs"
ADA = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Ada thinks aloud</title><link>https://ada.example/</link><description>d</description>
<image><url>{base}/ada/avatar.png</url><title>Ada thinks aloud</title><link>https://ada.example/</link></image>
<item><title>{title}</title><link>https://ada.example/reading/</link><guid>ada-1</guid>
<pubDate>Thu, 10 Sep 2026 09:00:00 +0000</pubDate><category>openlearning26</category>
<category>reflection</category><category>networks</category><category>open practice</category>
<content:encoded><![CDATA[<p>Three of the cohort's blogs a day, read slowly, with a note on each.</p>
<img src="{base}/ada/reading.jpg" alt="">]]></content:encoded></item>
</channel></rss>"""
# Layla's blog is in Arabic, one post in English; Sam's status has no title (its card says "Read on").
LAYLA_S = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar"><title>دفتر ليلى</title>
<link rel="alternate" href="https://layla.example/"/><id>https://layla.example/</id><updated>2026-09-09T18:00:00Z</updated>
<entry xml:lang="en"><title>{in_english}</title><link rel="alternate" href="https://layla.example/two/"/>
<id>https://layla.example/two/</id><published>2026-09-09T18:00:00Z</published><updated>2026-09-09T18:00:00Z</updated>
<category term="openlearning26"/><content type="html">&lt;p&gt;I write most posts in Arabic. This one is in English, for the cohort.&lt;/p&gt;</content></entry>
<entry><title>{in_arabic}</title><link rel="alternate" href="https://layla.example/one/"/>
<id>https://layla.example/one/</id><published>2026-09-08T17:00:00Z</published><updated>2026-09-08T17:00:00Z</updated>
<category term="openlearning26"/><content type="html">&lt;p&gt;أكتب هذه التدوينة لأشارككم ما تعلمته في الأسبوع الأول.&lt;/p&gt;</content></entry>
</feed>"""
SAM_S = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Sam Taylor</title><link>https://social.example/@sam</link><description>d</description>
<item><link>https://social.example/@sam/1</link><guid>https://social.example/@sam/1</guid>
<pubDate>Fri, 11 Sep 2026 07:45:00 +0000</pubDate><category>openlearning26</category>
<category>reflection</category><category>networks</category>
<description>Handover notes are a kind of blogging too, and the cohort reads them.</description></item>
</channel></rss>"""


def serve_the_cohort(server: LoopbackServer) -> list[tuple[str, str, str]]:
    """Ada, Layla and Sam's feeds on `server`: four posts in week 1, newest first Sam's, Ada's
    (with her picture and a thumbnail), Layla's in English and Layla's in Arabic."""
    base = server.url("").rstrip("/")
    feeds = {
        "/ada.rss": ADA.format(base=base, title=ADA_S),
        "/layla.atom": LAYLA_S.format(in_english=IN_ENGLISH, in_arabic=IN_ARABIC),
        "/sam.rss": SAM_S,
    }
    for path, text in feeds.items():
        server.routes[path] = Reply(body=text.encode(), headers={"Content-Type": "application/xml"})
    blogs = ("https://ada.example/", "https://layla.example/", "https://social.example/@sam")
    names = ("Ada Lovelace", LAYLA, "Sam Taylor")
    return [(name, server.url(path), blog) for name, path, blog in zip(names, feeds, blogs, strict=True)]


def store_ada_s_pictures(folder: Path, base: str) -> Path:
    """The hub's copies of Ada's avatar and of her post's picture, as an update would keep them."""
    store = PictureStore(folder)
    kept: tuple[tuple[Kind, str, str], ...] = (
        ("avatar", "avatar.png", "red"),
        ("thumb", "reading.jpg", "green"),
    )
    for kind, path, colour in kept:
        data, stored = picture(colour)
        store.add(kind, f"{base}/ada/{path}", "ada-lovelace", data, stored)
    store.save()
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cohort built as an English course (en/) and an Arabic one (ar/), one card a page."""
    tmp = tmp_path_factory.mktemp("rtl")
    feeds = LoopbackServer()
    rows = serve_the_cohort(feeds)
    for lang in DIRECTIONS:
        folder = tmp / lang
        folder.mkdir()
        opml = write_opml(folder / "feeds.opml", rows, licence="CC BY 4.0")
        pictures = store_ada_s_pictures(folder / "pictures", feeds.url("").rstrip("/"))
        settings = {"DEFAULT_LANG": lang, "COHORT_PER_PAGE": 1}
        result = build(folder, opml, pelican=settings, pictures=str(pictures), allow_private=True)
        assert result.returncode == 0, result.stdout + result.stderr
    feeds.close()
    return tmp


@pytest.fixture(scope="module")
def sites(built: Path) -> Iterator[dict[str, StaticSite]]:
    served = {lang: StaticSite(str(built / lang / "output")) for lang in DIRECTIONS}
    yield served
    for site in served.values():
        site.close()


def open_page(browser: Any, site: StaticSite, lang: str, path: str, width: int = DESKTOP) -> Any:
    """The page, once it is known to be laid out in its course's direction."""
    tab = Tab(browser, site, width)
    page = tab.open(path)
    assert (
        page.evaluate("[document.documentElement.dir, getComputedStyle(document.body).direction]")
        == [DIRECTIONS[lang]] * 2
    )
    return page


ALONG = """(e, text) => {
  const range = document.createRange();
  range.selectNodeContents(e);
  const box = (text ? range : e).getBoundingClientRect();
  const width = document.documentElement.clientWidth;
  const rtl = getComputedStyle(document.documentElement).direction === 'rtl';
  return rtl ? [width - box.right, width - box.left] : [box.left, box.right];
}"""


def along(locator: Any, text: bool = False) -> tuple[float, float]:
    """Where an element (or, with `text`, the text inside it) starts and ends along the line, from
    the page's start edge: from the left of the window in English, from its right in Arabic."""
    start, end = locator.evaluate(ALONG, text)
    return round(start, 1), round(end, 1)


def starts(locator: Any) -> list[float]:
    return [along(locator.nth(n))[0] for n in range(locator.count())]


def start_of(page: Any, selector: str = "main h1") -> float:
    """Where the main column's lines start: a block's box is as wide as the column."""
    return along(page.locator(selector).first)[0]


in_both = pytest.mark.parametrize("lang", list(DIRECTIONS))


# 3. The layout, mirrored


@in_both
def test_the_header_starts_at_the_start_edge_and_its_links_follow_each_other(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/week-1/")
    column = start_of(page)
    assert along(page.locator(".site-name a"))[0] == column
    for nav in (".menu nav:not(.week-nav)", "nav.week-nav"):  # the course's links, its weeks'
        links = starts(page.locator(f"{nav} a"))
        assert links[0] == column and links == sorted(links) and len(set(links)) == len(links)


@in_both
def test_on_a_phone_the_menu_button_ends_the_line_the_site_s_name_starts(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/week-1/", PHONE)
    name, menu = along(page.locator(".site-name a")), along(page.locator(".menu > summary"))
    column = along(page.locator("main .cards"))
    assert name[0] == column[0] and menu[1] == column[1] and name[1] < menu[0]
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE


@in_both
def test_the_skip_link_waits_off_screen_and_shows_in_the_start_corner(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/week-1/", PHONE)
    skip = page.locator(".skip")
    assert along(skip)[1] < 0  # beyond the start edge, where no scrolling reaches
    page.keyboard.press("Tab")
    assert skip.evaluate("e => e === document.activeElement")
    assert along(skip)[0] == 16  # 1rem in from the start edge


@in_both
def test_a_card_reads_from_its_start_side_to_its_end(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/week-1/page/2/")
    ada = page.locator("article.h-entry")
    assert ada.locator("h2").inner_text() == ADA_S
    column = along(ada.locator("h2"))  # a block: the card's lines from start to end
    avatar, name = along(ada.locator(".byline .avatar")), along(ada.locator(".byline .p-name"))
    assert avatar[0] == column[0] and avatar[1] < name[0]  # her picture first, then her name
    assert name[1] < along(ada.locator(".meta-line"))[0]  # then the date
    thumb = along(ada.locator("img.thumb"))
    assert thumb[1] == column[1] and thumb[0] > name[1]  # the thumbnail at the end of the lines
    tags = starts(ada.locator(".tags li"))
    assert tags[0] == column[0] and tags == sorted(tags) and len(set(tags)) == 3  # the tags in reading order
    assert along(ada.locator(".tags"))[1] < along(ada.locator(".card-licence"))[0]  # the licence after them


@in_both
def test_the_pager_leads_to_newer_posts_from_the_start_side(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/week-1/page/2/")
    pager, weeks = (
        page.locator("nav.pager").first,
        page.locator("nav.pager").last,
    )  # the week's pages, the weeks
    newer, where, older = (along(pager.locator(part)) for part in ("a[rel=prev]", "span", "a[rel=next]"))
    column = along(pager)
    assert newer[0] == column[0] and newer[1] < where[0] < where[1] < older[0] and older[1] == column[1]
    assert along(weeks.locator("a[rel=next]"))[1] == along(weeks)[1]  # week 2 is ahead: at the end


@in_both
def test_the_home_page_s_buttons_and_weeks_start_at_the_start_side(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/")
    column = start_of(page)
    syllabus, join = (along(page.locator(".actions .button").nth(n)) for n in (0, 1))
    assert syllabus[0] == column and syllabus[1] < join[0]
    week = page.locator(".weeks li").first
    row = along(week)
    assert along(week.locator("a").first)[0] == row[0] and along(week.locator(".count"))[1] == row[1]


@in_both
def test_participants_and_their_posts_are_listed_from_the_start_side(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    listed = open_page(browser, sites[lang], lang, "/cohort/participants/")
    person = listed.locator(".people li").first
    assert along(person)[0] == start_of(listed)
    assert along(person.locator(".avatar"))[1] < along(person.locator(".person-name a"))[0]
    ada = open_page(browser, sites[lang], lang, "/cohort/people/ada-lovelace/")
    assert along(ada.locator(".page-head .avatar"))[0] == start_of(ada, ".page-head")
    assert along(ada.locator(".page-head .avatar"))[1] < along(ada.locator("h1"))[0]
    posts = along(ada.locator(".posts"))[0]
    assert along(ada.locator(".posts li"))[0] == posts + 19.2  # indented 1.2rem from the start side


@pytest.mark.parametrize(("lang", "name"), [("en", LAYLA), ("ar", "Ada Lovelace"), ("ar", "Sam Taylor")])
def test_a_name_written_the_other_way_lines_up_beside_its_picture(
    browser: Any, sites: dict[str, StaticSite], lang: str, name: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/participants/")
    heading = page.locator(".person-name").filter(has_text=name)
    assert along(heading, text=True)[0] == along(heading)[0]  # the name's first letter by the picture
    heading.locator("a").click()
    page.wait_for_url("**/cohort/people/*/")  # their own page
    own = page.locator("h1")
    assert own.inner_text() == name and along(own, text=True)[0] == along(own)[0]


@in_both
def test_the_read_on_arrow_points_the_way_the_line_reads(
    browser: Any, sites: dict[str, StaticSite], lang: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/cohort/week-1/")  # Sam's post: no title, a "Read on"
    drawn = page.locator(".card-more a").evaluate("a => getComputedStyle(a, '::after').content")
    ahead, back = ("→", "←") if lang == "en" else ("←", "→")
    assert ahead in drawn and back not in drawn


# 4. Accessibility of the Arabic pages


@pytest.mark.parametrize(
    "path", ["/", "/cohort/week-1/", "/cohort/people/ada-lovelace/", "/cohort/participants/", "/search/"]
)
def test_the_arabic_pages_have_no_serious_accessibility_violations(
    browser: Any, sites: dict[str, StaticSite], path: str
) -> None:
    assert serious_violations(open_page(browser, sites["ar"], "ar", path)) == []


# 5. Participants' words keep their own direction


FIRST_TWO_WORDS = """e => {
  // Where the first two words of the excerpt are drawn: a left-to-right line draws the first at
  // the left of the second, a right-to-left line at its right.
  const text = e.querySelector('p').firstChild;
  const [first, second] = [...text.data.matchAll(/\\S+/g)];
  const left = word => {
    const range = document.createRange();
    range.setStart(text, word.index);
    range.setEnd(text, word.index + word[0].length);
    return range.getBoundingClientRect().left;
  };
  return [left(first), left(second)];
}"""


@pytest.mark.parametrize(
    ("lang", "title", "own"),
    [("ar", IN_ENGLISH, "ltr"), ("ar", ADA_S, "ltr"), ("en", IN_ARABIC, "rtl")],
    ids=["stated-english-on-arabic", "unstated-english-on-arabic", "arabic-on-english"],
)
def test_a_post_is_written_its_own_way_inside_the_course_s_interface(
    browser: Any, sites: dict[str, StaticSite], lang: str, title: str, own: str
) -> None:
    page = open_page(browser, sites[lang], lang, "/")  # the latest posts: all four
    card = page.locator("article.h-entry").filter(has_text=title)
    excerpt = card.locator(".card-excerpt")
    direction = "e => getComputedStyle(e).direction"
    assert [excerpt.evaluate(direction), card.locator("h3").evaluate(direction)] == [own, own]
    assert [card.evaluate(direction), card.locator(".card-meta").evaluate(direction)] == [
        DIRECTIONS[lang]
    ] * 2
    first, second = excerpt.evaluate(FIRST_TWO_WORDS)
    assert (first < second) == (own == "ltr")
