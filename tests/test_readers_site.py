"""The demo hub as readers meet it, in headless Chromium: paths through it, layout on a
phone and a desktop, accessibility in light and dark mode, microformats, feeds and metadata."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import mf2py
import pytest

from aggregator.archive import Archive
from aggregator.registry import load_registry
from tests.conftest import ROOT
from tests.loopback import StaticSite
from tests.tab import Tab, serious_violations

PAGE_TYPES = [
    "/",
    "/syllabus/",
    "/join/",
    "/2026-autumn/weeks/week-1/",
    "/2026-autumn/cohort/",
    "/2026-autumn/cohort/week-1/",
    "/2026-autumn/cohort/week-1/page/2/",
    "/2026-autumn/cohort/participants/",
    "/2026-autumn/cohort/people/maya-okafor/",
    "/2026-autumn/cohort/tags/",
    "/2026-autumn/cohort/tags/reflection/",
    "/terms/",
    "/2025-autumn/cohort/week-2/",
    "/2025-autumn/cohort/people/hamid-rahimi/",
    "/search/",
]


@pytest.fixture(scope="module")
def site(demo_site: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(demo_site / "output"))
    yield served
    served.close()


def test_week_to_cohort_to_participant_to_the_original_post(browser: Any, site: StaticSite) -> None:
    reader = Tab(browser, site)
    page = reader.open("/2026-autumn/weeks/week-2/")
    page.get_by_role("link", name="What the cohort said this week: 12 posts").click()  # Thandiwe's too
    assert page.url == site.url("/2026-autumn/cohort/week-2/")
    page.locator("article.h-entry .byline").filter(has_text="Ellen Fairweather").first.click()
    assert page.url == site.url("/2026-autumn/cohort/people/ellen-fairweather/")
    assert page.locator("h1").inner_text() == "Ellen Fairweather"
    title = page.locator("li.h-entry a.u-url").first
    original = title.get_attribute("href")
    assert original.startswith("https://ellenfairweather.example/")
    title.click()
    page.wait_for_url(original)
    assert reader.elsewhere[-1] == ("document", original)  # the backlink leads to the original post
    assert reader.errors == []


def test_everything_but_search_works_without_javascript(browser: Any, site: StaticSite) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url("/2026-autumn/cohort/week-1/"))
    assert page.locator("article.h-entry").count() == 10
    page.get_by_role("link", name="Older →").click()
    assert page.url == site.url("/2026-autumn/cohort/week-1/page/2/")
    assert page.locator("article.h-entry").count() == 7
    page.goto(site.url("/search/"))
    assert page.locator("#no-search").is_visible()
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_every_page_type_fits_the_screen(
    browser: Any, site: StaticSite, path: str, width: int, tmp_path: Path
) -> None:
    reader = Tab(browser, site, width)
    page = reader.open(path)
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert reader.errors == []
    assert all(kind == "image" and url.startswith("https://") for kind, url in reader.elsewhere), (
        reader.elsewhere
    )


@pytest.mark.parametrize(("width", "height", "at_least"), [(1280, 800, 3.0), (390, 844, 2.5)])
def test_a_busy_week_shows_several_cards_a_screen(
    browser: Any, site: StaticSite, width: int, height: int, at_least: float
) -> None:
    """Week 1 holds 16 posts. Cards per screen: the screen's height over the mean distance from one
    card's top to the next. Before the cards were made dense: 2.1 at 1280x800, 1.5 at 390x844."""
    page = Tab(browser, site, width).page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(site.url("/2026-autumn/cohort/week-1/"))
    tops = page.locator("article.h-entry").evaluate_all(
        "cards => cards.map(card => card.getBoundingClientRect().top)"
    )
    assert len(tops) == 10
    pitch = (tops[-1] - tops[0]) / (len(tops) - 1)
    assert height / pitch >= at_least


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_serious_accessibility_violations(browser: Any, site: StaticSite, path: str, dark: bool) -> None:
    reader = Tab(browser, site, dark=dark)
    assert serious_violations(reader.open(path)) == []


def author_chose_full(name: str) -> bool:
    """Participants who chose hub:display="full" in the demo's feeds.opml (Keiko: short posts)."""
    return any(p.name == name and p.display == "full" for p in load_registry(ROOT / "feeds.opml"))


def test_every_card_is_an_h_entry_linking_to_the_original(demo_site: Path) -> None:
    records = Archive(demo_site / "archive" / "2026-autumn").load_all().values()
    posts = {p.url: p for r in records for p in r.posts}
    cards = untitled = 0
    for page in sorted((demo_site / "output" / "2026-autumn" / "cohort").rglob("week-*/**/index.html")):
        html = page.read_text(encoding="utf-8")
        entries = [i for i in mf2py.parse(doc=html)["items"] if "h-entry" in i["type"]]
        assert len(entries) == html.count('class="card h-entry"'), page
        for entry in entries:
            props = entry["properties"]
            post = posts[props["url"][0]]
            # A note (a post its feed gave no title) has no name, as microformats2 says of notes.
            assert props.get("name") == (None if post.untitled else [post.title])
            untitled += post.untitled
            assert props["published"][0].endswith("Z") or "+" in props["published"][0]
            full = author_chose_full(props["author"][0]["properties"]["name"][0])
            assert ("content" if full else "summary") in props
            author = props["author"][0]
            assert "h-card" in author["type"] and author["properties"]["name"][0]
            assert author["properties"]["url"][0].startswith("https://")  # their blog, not the hub
            cards += 1
    assert (cards, untitled) == (72, 7)  # 6 of them from the two blogs whose feeds carry no tags


def test_every_participant_is_an_h_card(demo_site: Path) -> None:
    html = (demo_site / "output" / "2026-autumn" / "cohort" / "participants" / "index.html").read_text(
        encoding="utf-8"
    )
    people = [i for i in mf2py.parse(doc=html)["items"] if "h-card" in i["type"]]
    assert len(people) == 15  # Linh and Thandiwe among them, whose feeds carry no tags
    assert all(
        p["properties"]["name"][0] and p["properties"]["url"][0].startswith("https://") for p in people
    )


def test_feeds_blogroll_sitemap_and_metadata(demo_site: Path) -> None:
    output = demo_site / "output"
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(output / "2026-autumn" / "cohort" / "week-3" / "feed.atom").getroot()
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 10
    first = entries[0]
    assert first.find(f"{atom}link").get("href").startswith("https://")
    assert first.find(f"{atom}author/{atom}name").text
    assert (
        ET.parse(output / "2026-autumn" / "cohort" / "feed.atom").getroot().find(f"{atom}id").text
        == "https://learning-in-the-open.example/2026-autumn/cohort/feed.atom"
    )
    blogroll = ET.parse(output / "2026-autumn" / "cohort" / "blogroll.opml").getroot()
    assert len(blogroll.findall(".//outline[@type='rss']")) == 15
    participants = html5lib.parse(
        (output / "2026-autumn" / "cohort" / "participants" / "index.html").read_text(encoding="utf-8"),
        namespaceHTMLElements=False,
    )
    assert [link.get("href") for link in participants.iter("link") if link.get("rel") == "outline"] == [
        "../../cohort/blogroll.opml"
    ]
    sitemap = ET.parse(output / "sitemap.xml").getroot()
    locations = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {
        "https://learning-in-the-open.example/",
        "https://learning-in-the-open.example/2026-autumn/weeks/week-1/",
        "https://learning-in-the-open.example/2026-autumn/cohort/people/maya-okafor/",
        "https://learning-in-the-open.example/2026-autumn/cohort/week-1/page/2/",
    } <= locations
    week = html5lib.parse(
        (output / "2026-autumn" / "weeks" / "week-1" / "index.html").read_text(encoding="utf-8"),
        namespaceHTMLElements=False,
    )
    head = {(m.get("property") or m.get("name")): m.get("content") for m in week.iter("meta")}
    assert head["og:url"] == "https://learning-in-the-open.example/2026-autumn/weeks/week-1/"
    assert head["og:title"] == "Week 1: Learning out loud · Learning in the Open"
    assert head["twitter:card"] == "summary"
    assert [link.get("href") for link in week.iter("link") if link.get("rel") == "canonical"] == [
        "https://learning-in-the-open.example/2026-autumn/weeks/week-1/"
    ]
    assert not any("fonts.googleapis" in p.read_text(encoding="utf-8") for p in output.rglob("*.html"))
    assert str(ROOT)  # the repository itself is untouched by the build (checked in test_demo)
