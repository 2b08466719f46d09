"""A participant's page lists each of their posts once, in a line: its title, week and date, a
link to its card on the exact week page that shows it, and one to the original."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import html5lib
import mf2py
import pytest

from tests.loopback import LoopbackServer, StaticSite
from tests.sitebuild import build, serve_ada_and_ben, write_opml
from tests.tab import Tab

# One card a page: week 2 holds Ada's post (newest, page 1) and Ben's (page 2). The search index
# would read the newest five week pages: those of weeks 6 to 3, and week 2's first.
ONE_A_PAGE = {"COHORT_PER_PAGE": 1, "SEARCH": False, "SEARCH_COHORT_PAGES": 5}


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("people")
    server = LoopbackServer()
    try:
        opml = write_opml(tmp / "feeds.opml", serve_ada_and_ben(server))
        result = build(tmp, opml, pelican=ONE_A_PAGE)
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        server.close()
    return tmp / "output"


def parse(page: Path) -> Any:
    return html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)


def text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def listed_posts(output: Path, person: str) -> list[tuple[str, str, str, list[str]]]:
    """(week heading, the line's text, its date's datetime, its links) of each post on the page."""
    page = parse(output / "cohort" / "people" / person / "index.html")
    return [
        (
            text(section.find("h2")),
            text(item),
            item.find(".//time").get("datetime"),
            [a.get("href") for a in item.iter("a")],
        )
        for section in page.iter("section")
        for item in section.iter("li")
        if "h-entry" in (item.get("class") or "").split()
    ]


def test_each_post_is_one_line_with_its_week_date_card_and_original(output: Path) -> None:
    assert listed_posts(output, "ada-lovelace") == [
        (
            "Week 1: Learning out loud",
            "Sunday night, still week one · Sun, Sep 13, 2026 · card in week 1",
            "2026-09-13T22:30:00Z",
            ["https://ada.example/2026/09/13/sunday-night/", "../../../cohort/week-1/#post-5921e3f0f9ee"],
        ),
        (
            "Week 2: Networks and nodes",
            "Catching up on networks · Wed, Sep 30, 2026 · card in week 2",
            "2026-09-30T09:00:00Z",
            ["https://ada.example/2026/09/30/networks/", "../../../cohort/week-2/#post-736d377a9f6b"],
        ),
    ]
    # A post without a title is listed by its first words; its card is on week 2's second page.
    assert listed_posts(output, "ben-okri") == [
        (
            "Week 2: Networks and nodes",
            "Ten past midnight, Monday of week two! Reading Ada later. · Mon, Sep 14, 2026 · card in week 2",
            "2026-09-13T23:10:00Z",
            ["https://ben.example/2026/09/14/hello", "../../../cohort/week-2/page/2/#post-6e0c5ea753fe"],
        )
    ]


def test_every_card_link_lands_on_a_card_of_that_very_page(output: Path) -> None:
    people = sorted((output / "cohort" / "people").glob("*/index.html"))
    links = [links[-1] for person in people for *_, links in listed_posts(output, person.parent.name)]
    assert len(links) == 3
    for link in links:
        path, anchor = link.removeprefix("../../../").split("#")
        card = parse(output / path / "index.html").find(f".//*[@id='{anchor}']")
        assert card is not None and "card-title" in card.get("class").split(), link


def test_the_page_repeats_no_card(output: Path) -> None:
    html = (output / "cohort" / "people" / "ada-lovelace" / "index.html").read_text(encoding="utf-8")
    assert 'class="card ' not in html and "card-excerpt" not in html
    assert "Written at 23:30" not in html  # the excerpt is on the week page only


def test_following_a_card_link_lands_on_the_card(browser: Any, output: Path) -> None:
    site = StaticSite(str(output))
    try:
        page = Tab(browser, site).open("/cohort/people/ben-okri/")
        page.get_by_role("link", name="card in week 2").click()
        page.wait_for_load_state()
        assert page.url == site.url("/cohort/week-2/page/2/#post-6e0c5ea753fe")
        card = page.locator("article.card:has(> .card-title:target)")
        assert card.count() == 1
        assert "Ten past midnight" in card.inner_text()
        assert card.evaluate("c => c.getBoundingClientRect().top < window.innerHeight")
    finally:
        site.close()


def test_the_posts_are_an_h_feed_of_h_entries_linking_to_the_originals(output: Path) -> None:
    def entries(person: str) -> list[dict[str, list[str]]]:
        html = (output / "cohort" / "people" / person / "index.html").read_text(encoding="utf-8")
        (feed,) = [item for item in mf2py.parse(doc=html)["items"] if item["type"] == ["h-feed"]]
        return [child["properties"] for child in feed["children"]]

    assert entries("ada-lovelace") == [
        {
            "name": ["Sunday night, still week one"],
            "url": ["https://ada.example/2026/09/13/sunday-night/"],
            "published": ["2026-09-13T22:30:00Z"],
        },
        {
            "name": ["Catching up on networks"],
            "url": ["https://ada.example/2026/09/30/networks/"],
            "published": ["2026-09-30T09:00:00Z"],
        },
    ]
    # A note has no name (microformats2): its first words are its summary.
    assert entries("ben-okri") == [
        {
            "summary": ["Ten past midnight, Monday of week two! Reading Ada later."],
            "url": ["https://ben.example/2026/09/14/hello"],
            "published": ["2026-09-13T23:10:00Z"],
        }
    ]


def test_a_card_files_its_author_for_search_only_on_a_page_the_index_reads(output: Path) -> None:
    def headings(path: str) -> list[dict[str, str | None]]:
        page = parse(output / path / "index.html")
        return [
            {name: h.get(name) for name in ("id", "data-author", "data-pagefind-meta")}
            for h in page.iter("h2")
            if "card-title" in (h.get("class") or "")
        ]

    assert headings("cohort/week-2") == [
        {
            "id": "post-736d377a9f6b",
            "data-author": "Ada Lovelace",
            "data-pagefind-meta": "by-post-736d377a9f6b[data-author]",
        }
    ]
    assert headings("cohort/week-2/page/2") == [
        {"id": "post-6e0c5ea753fe", "data-author": None, "data-pagefind-meta": None}
    ]
    assert headings("cohort/week-1") == [
        {"id": "post-5921e3f0f9ee", "data-author": None, "data-pagefind-meta": None}
    ]
