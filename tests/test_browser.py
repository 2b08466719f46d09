"""The built site in real headless Chromium: links, layout, and hostile posts that cannot run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import StaticSite

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


class Visit:
    """One page in a fresh browser tab, with everything it tried recorded."""

    def __init__(self, browser: Any, site: StaticSite, path: str, width: int = 1280) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.errors: list[str] = []
        self.csp_violations: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[tuple[str, str]] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.route("**/*", lambda route: self._guard(route, site))
        self.page.goto(site.url(path))
        self.page.wait_for_load_state("networkidle")

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)
        elif message.type == "error" and "net::ERR_FAILED" not in message.text:
            self.errors.append(message.text)

    def _guard(self, route: Any, site: StaticSite) -> None:
        if route.request.url.startswith(site.url("/")):
            route.continue_()
        else:
            self.outside.append((route.request.resource_type, route.request.url))
            route.abort()


def test_week_page_links_to_the_cohort_page_and_its_backlinks(browser: Any, site: StaticSite) -> None:
    visit = Visit(browser, site, "/weeks/week-2/")
    visit.page.get_by_role("link", name="What the cohort said this week: 2 posts").click()
    assert visit.page.url == site.url("/cohort/week-2/")
    titles = visit.page.locator("article.h-entry .card-title a")
    assert titles.count() == 2
    assert [titles.nth(i).get_attribute("href") for i in range(2)] == [
        "https://ada.example/2026/09/30/networks/",
        "https://ben.example/2026/09/14/hello",
    ]
    assert (
        visit.page.locator("article.h-entry .card-more a").first.inner_text() == "Read on Ada thinks aloud →"
    )
    visit.page.get_by_role("link", name="week 2: Networks and nodes").click()
    assert visit.page.url == site.url("/weeks/week-2/")
    assert visit.errors == []
    assert visit.outside == []


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_no_script_runs_and_nothing_overflows(browser: Any, site: StaticSite, path: str, width: int) -> None:
    visit = Visit(browser, site, path, width)
    assert visit.page.evaluate("window.__xss") is None
    assert visit.dialogs == []
    assert visit.csp_violations == []  # nothing even tried: the sanitizer removed it all
    assert visit.errors == []
    assert {kind for kind, _ in visit.outside} <= {"image"}  # only participants' https images leave the site
    assert all(url.startswith("https://") for _, url in visit.outside)
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
    visit.page.close()
