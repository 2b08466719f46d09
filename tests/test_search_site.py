"""Search as readers use it, in headless Chromium over real builds: each post and each participant
is a result of its own, says whose and which week it is, and leads to the card or the person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import html5lib
import pytest

from tests.loopback import StaticSite
from tests.tab import Tab, serious_violations


@pytest.fixture(scope="module")
def site(demo_site: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(demo_site / "output"))
    yield served
    served.close()


def search(page: Any, term: str) -> list[dict[str, str]]:
    """Type `term` into the search box; the results as the reader sees them."""
    page.locator("#search-input").fill(term)
    page.locator("#search-status").filter(has_text=f"“{term}”").wait_for(timeout=10_000)
    hits = page.locator(".hit")
    return [hit_text(hits.nth(n)) for n in range(hits.count())]


def hit_text(hit: Any) -> dict[str, str]:
    shown = {name: hit.locator(f".hit-{name}") for name in ("by", "week", "kind")}
    link = hit.locator(".hit-title a")
    return {
        "title": link.inner_text(),
        "href": link.get_attribute("href"),
        **{name: found.inner_text() for name, found in shown.items() if found.count()},
    }


def follow_first(page: Any) -> Any:
    """Click the first result; the page it lands on."""
    link = page.locator(".hit-title a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda url: url.endswith(href))
    return page


def card_text(output: Path, href: str) -> str:
    """The text of the card that `href` (a week page and a card's id) leads to, in the built file."""
    path, _, anchor = href.partition("#")
    document = html5lib.parse(
        (output / path.strip("/") / "index.html").read_bytes(), namespaceHTMLElements=False
    )
    card = next(a for a in document.iter("article") if any(e.get("id") == anchor for e in a.iter()))
    return "".join(card.itertext())


def landed_card(page: Any) -> dict[str, str]:
    """The card whose heading the address's fragment names: its title and author."""
    fragment = urlsplit(page.url).fragment
    assert fragment.startswith("post-")
    heading = page.locator(f"[id='{fragment}']")
    assert heading.count() == 1
    # A post without a title is named by its first words, in a heading only the index reads.
    assert heading.evaluate("e => e.tagName + '.' + e.className") in (
        "H2.card-title",
        "H2.card-title visually-hidden",
    )
    card = page.locator(f"article.h-entry:has([id='{fragment}'])")
    return {"title": heading.text_content().strip(), "by": card.locator(".p-author .p-name").inner_text()}


def test_a_word_from_an_excerpt_finds_its_card(browser: Any, site: StaticSite) -> None:
    reader = Tab(browser, site)
    page = reader.open("/search/")
    assert page.locator("#no-search").is_hidden()
    title = "Last thought before week one ends: on the ward we already learn out loud…"
    hits = search(page, "handover")
    assert [(h["title"], h["by"], h["week"]) for h in hits] == [
        (title, "Amara Nwosu", "Autumn 2026 · Week 1")
    ]
    assert hits[0]["href"].startswith("/2026-autumn/cohort/week-1/#post-")
    assert page.locator(".hit-excerpt mark").all_inner_texts() == ["Handover"]
    assert reader.elsewhere == []  # the results load nothing from elsewhere
    assert landed_card(follow_first(page)) == {"title": title, "by": "Amara Nwosu"}
    assert reader.errors == []


def test_a_title_finds_its_post_first(browser: Any, site: StaticSite) -> None:
    reader = Tab(browser, site)
    page = reader.open("/search/")
    hits = search(page, "Seventy-one and starting a blog")
    assert {k: hits[0][k] for k in ("title", "by", "week")} == {
        "title": "Seventy-one and starting a blog",
        "by": "Ellen Fairweather",
        "week": "Autumn 2026 · Week 1",
    }
    assert all("#post-" in hit["href"] for hit in hits)  # every result a card, none a whole page
    assert serious_violations(page) == []  # the results as built by search.js
    assert landed_card(follow_first(page)) == {
        "title": "Seventy-one and starting a blog",
        "by": "Ellen Fairweather",
    }
    assert reader.errors == []


def test_a_name_finds_the_participant_and_their_page(browser: Any, site: StaticSite, demo_site: Path) -> None:
    reader = Tab(browser, site)
    page = reader.open("/search/")
    hits = search(page, "Ellen Fairweather")
    # She joined both terms: her page in each comes first, saying which term's cohort it is.
    assert sorted(hits[:2], key=lambda hit: hit["href"]) == [
        {
            "title": "Ellen Fairweather",
            "href": site.url(f"/{slug}/cohort/people/ellen-fairweather/"),
            "kind": "Participant",
            "week": title,
        }
        for slug, title in (("2025-autumn", "Autumn 2025"), ("2026-autumn", "Autumn 2026"))
    ]
    # The others are the cards that answer her posts or name her, never an anonymous week page,
    # nor the card before one of hers (her name on her own card precedes its heading).
    assert len(hits) > 2 and all("#post-" in hit["href"] for hit in hits[2:])
    assert all("Ellen" in card_text(demo_site / "output", hit["href"]) for hit in hits[2:])
    page.locator(".hit-title a", has_text="Ellen Fairweather").nth(
        [hit["week"] for hit in hits[:2]].index("Autumn 2026")
    ).click()
    page.wait_for_url(site.url("/2026-autumn/cohort/people/ellen-fairweather/"))
    assert page.locator("h1").inner_text() == "Ellen Fairweather"
    assert reader.errors == []


def test_a_post_off_the_course_tag_is_not_found(browser: Any, site: StaticSite) -> None:
    reader = Tab(browser, site)
    page = reader.open("/search/")
    assert search(page, "jollof") == []
    assert page.locator("#search-status").inner_text() == "No results for “jollof”."


@pytest.fixture(scope="module")
def hostile(hostile_site: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(hostile_site / "output"))
    yield served
    served.close()


def test_hostile_titles_and_excerpts_are_shown_as_text(browser: Any, hostile: StaticSite) -> None:
    reader = Tab(browser, hostile)
    page = reader.open("/search/")
    hits = search(page, "script")
    assert "<script>window.__xss=1;alert(1)</script> #0" in {hit["title"] for hit in hits}
    assert page.evaluate("document.scripts.length") == 1  # search.js; Pagefind is a module it imported
    assert (
        page.evaluate("[...document.querySelectorAll('.hit-excerpt *')].map(e => e.tagName)")
        == ["MARK"] * page.locator(".hit-excerpt mark").count()
    )
    assert page.locator(".hit-excerpt mark").count() > 0
    assert page.evaluate("window.__xss") is None
    assert reader.dialogs == [] and reader.csp_violations == [] and reader.errors == []


def test_more_results_come_a_batch_of_pages_at_a_time(browser: Any, site: StaticSite) -> None:
    reader = Tab(browser, site)
    page = reader.open("/search/")
    counts = [len(search(page, "the"))]
    assert page.locator("#search-status").inner_text() == f"{counts[0]} results for “the”, more below."
    more = page.locator("#search-more")
    while more.is_visible():
        more.click()
        page.locator(".hit").nth(counts[-1]).wait_for()
        counts.append(page.locator(".hit").count())
    assert len(counts) > 1 and counts == sorted(set(counts))
    assert page.locator("#search-status").inner_text() == f"{counts[-1]} results for “the”."
    links = page.locator(".hit-title a")
    assert len({links.nth(n).get_attribute("href") for n in range(links.count())}) == counts[-1]
    page.locator("#search-input").fill("")
    page.locator(".hit").first.wait_for(state="detached")
    assert page.locator("#search-status").inner_text() == ""
    assert more.is_hidden()
    assert reader.errors == []


def test_ids_are_unique_on_every_page(demo_site: Path) -> None:
    """Results land on ids: on a page that shows a post twice (the home page), its cards have none."""
    pages = sorted((demo_site / "output").rglob("*.html"))
    for page in pages:
        ids = [e.get("id") for e in html5lib.parse(page.read_bytes()).iter() if e.get("id")]
        assert len(ids) == len(set(ids)), (page, [i for i, n in Counter(ids).items() if n > 1])
    cards = sum(html.count('id="post-') for html in (p.read_text(encoding="utf-8") for p in pages))
    assert cards > 66  # on the week pages, and again on the people's pages and the tags'
