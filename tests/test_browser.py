"""The built site in real headless Chromium: links, layout, no script, no outside requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.loopback import LoopbackServer, Reply, StaticSite
from tests.sitebuild import build, serve_ada_and_ben, write_opml

HOSTILE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Eve</title><link>https://eve.example/</link>
<item><title>&lt;img src=x onerror="window.__xss=1"&gt;Hello</title><link>https://eve.example/1</link>
<pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate><category>openlearning26</category>
<description><![CDATA[<p>Hi<img src=x onerror="window.__xss=2"><script>window.__xss=3</script><a href="javascript:window.__xss=4">x</a>
<!--><img src=x onerror="window.__xss=5">--></p><iframe src="https://evil.example/"></iframe>]]></description></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    tmp = tmp_path_factory.mktemp("browser")
    feeds = LoopbackServer()
    feeds.routes["/eve.rss"] = Reply(body=HOSTILE)
    eve = ("Eve Hostile", feeds.url("/eve.rss"), "https://eve.example/")
    opml = write_opml(tmp / "feeds.opml", [*serve_ada_and_ben(feeds), eve])
    result = build(tmp, opml)
    feeds.close()
    assert result.returncode == 0, result.stdout + result.stderr
    served = StaticSite(str(tmp / "output"))
    yield served
    served.close()


def open_page(
    browser: Any, site: StaticSite, path: str, width: int = 1280
) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def guard(route: Any) -> None:
        if route.request.url.startswith(site.url("/")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(site.url(path))
    return page, errors, outside


def test_week_page_links_to_the_cohort_page_and_its_backlinks(browser: Any, site: StaticSite) -> None:
    page, errors, outside = open_page(browser, site, "/weeks/week-1/")
    page.get_by_role("link", name="What the cohort said this week: 2 posts").click()
    assert page.url == site.url("/cohort/week-1/")
    titles = page.locator("article.h-entry .card-title a")
    assert titles.count() == 2
    assert {titles.nth(i).get_attribute("href") for i in range(2)} == {
        "https://ada.example/2026/09/13/sunday-night/",
        "https://eve.example/1",
    }
    assert page.locator("article.h-entry .card-more a").first.inner_text().startswith("Read on ")
    assert errors == [] and outside == []
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(
    "path", ["/", "/weeks/week-1/", "/cohort/", "/cohort/week-1/", "/cohort/participants/", "/join/"]
)
def test_no_horizontal_overflow_and_no_script(browser: Any, site: StaticSite, path: str, width: int) -> None:
    page, errors, outside = open_page(browser, site, path, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("window.__xss") is None
    assert outside == []
    assert [e for e in errors if "Content Security Policy" not in e] == []
    page.close()
