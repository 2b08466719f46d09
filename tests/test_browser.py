"""The built site in real headless Chromium: links, layout, and hostile posts that cannot run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import StaticSite
from tests.tab import Tab

PAGES = [
    "/",
    "/weeks/week-1/",
    "/cohort/",
    "/cohort/week-1/",
    "/cohort/week-2/",
    "/cohort/participants/",
    "/join/",
]


@pytest.fixture(scope="module")
def site(hostile_site: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(hostile_site / "output"))
    yield served
    served.close()


def test_week_page_links_to_the_cohort_page_and_its_backlinks(browser: Any, site: StaticSite) -> None:
    visit = Tab(browser, site)
    visit.open("/weeks/week-2/")
    visit.page.get_by_role("link", name="What the cohort said this week: 2 posts").click()
    assert visit.page.url == site.url("/cohort/week-2/")
    # Each card's permalink: its title, or the date of a post without one (Ben's).
    permalinks = visit.page.locator("article.h-entry a.u-url")
    assert permalinks.count() == 2
    assert [permalinks.nth(i).get_attribute("href") for i in range(2)] == [
        "https://ada.example/2026/09/30/networks/",
        "https://ben.example/2026/09/14/hello",
    ]
    # "Read on" only where the title does not link the post already: Ben's untitled post.
    more = visit.page.locator("article.h-entry .card-more a")
    assert more.count() == 1 and more.inner_text() == "Read on Ben's microblog"
    arrow = more.evaluate("a => getComputedStyle(a, '::after').content")
    assert arrow.startswith('" →"')  # drawn by the style sheet, not read out
    visit.page.get_by_role("link", name="week 2: Networks and nodes").click()
    assert visit.page.url == site.url("/weeks/week-2/")
    assert visit.errors == []
    assert visit.elsewhere == []


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_no_script_runs_and_nothing_overflows(browser: Any, site: StaticSite, path: str, width: int) -> None:
    visit = Tab(browser, site, width)
    visit.open(path)
    assert visit.page.evaluate("window.__xss") is None
    assert visit.dialogs == []
    assert visit.csp_violations == []  # nothing even tried: the sanitizer removed it all
    assert visit.errors == []
    assert visit.elsewhere == []  # not even a participant's picture: the page shows the hub's copies
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
    visit.page.close()
