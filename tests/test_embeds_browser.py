"""Click-to-load embeds in real headless Chromium, on a site built by a real Pelican run.

Every request that is not for the site is recorded and aborted: nothing is sent to a provider (or
anywhere else), and a player loaded before the click would show up in the record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import html5lib
import pytest

from tests.loopback import LoopbackServer, Reply, StaticSite
from tests.tab import Tab, serious_violations

UUID = "9c9de5e8-0a1e-484a-b099-e80766180a6d"
# provider: (the embed as the blog wrote it, its week, the player the click must load)
PLAYERS = {
    "youtube": (
        "https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc",
        2,
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
    ),
    "vimeo": (
        "https://player.vimeo.com/video/76979871",
        2,
        "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1",
    ),
    "soundcloud": (
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293&amp;color=%23ff5500",
        1,
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293&auto_play=true",
    ),
    "peertube": (
        f"https://framatube.org/videos/embed/{UUID}",
        1,
        f"https://framatube.org/videos/embed/{UUID}?p2p=0&autoplay=1",
    ),
    "codepen": (
        "https://codepen.io/pat/embed/abXYZq?default-tab=html",
        1,
        "https://codepen.io/pat/embed/abXYZq?default-tab=result",
    ),
    "flickr": (
        "https://www.flickr.com/photos/12345678@N00/53012345678/player/",
        1,
        "https://www.flickr.com/photos/12345678@N00/53012345678/player/",
    ),
}
PROVIDER_HOSTS = {urlsplit(player).hostname for _, _, player in PLAYERS.values()} | {
    urlsplit(src).hostname for src, _, _ in PLAYERS.values()
}
DEFAULT_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
RECORD_CSP_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


def feed() -> bytes:
    """Pat's blog: one course post a provider, each with its player, titled, in the week given."""
    items = [
        {
            "id": f"https://pat.example/{name}",
            "url": f"https://pat.example/{name}",
            "title": f"Pat on {name}",
            "content_html": f'<p>Have a look.</p><iframe src="{src}" title="A {name} thing" allowfullscreen></iframe>',
            "date_published": f"2026-09-{1 + 7 * week + number:02d}T12:00:00+01:00",
            "tags": ["openlearning26"],
        }
        for number, (name, (src, week, _)) in enumerate(PLAYERS.items())
    ]
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Pat", "items": items}
    ).encode()


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.sitebuild import build, serve_ada_and_ben, write_opml

    tmp = tmp_path_factory.mktemp("embeds")
    feeds = LoopbackServer()
    rows = serve_ada_and_ben(feeds)
    feeds.routes["/pat.json"] = Reply(body=feed(), headers={"Content-Type": "application/feed+json"})
    rows.append(("Pat Player", feeds.url("/pat.json"), "https://pat.example/"))
    result = build(tmp, write_opml(tmp / "feeds.opml", rows, display="full"))
    feeds.close()
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp / "output"


@pytest.fixture(scope="module")
def site(output: Path) -> Iterator[StaticSite]:
    served = StaticSite(str(output))
    yield served
    served.close()


class Offline(Tab):
    """A tab that records and aborts every request not for the site, and records every
    `securitypolicyviolation` event of the page."""

    def __init__(self, browser: Any, site: StaticSite, **options: Any) -> None:
        super().__init__(browser, site, **options)
        self.page.add_init_script(RECORD_CSP_VIOLATIONS)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.site.url("/")):
            route.continue_()
            return
        self.elsewhere.append((route.request.resource_type, route.request.url))
        route.abort()

    @property
    def violations(self) -> list[str]:
        return list(self.page.evaluate("window.__violations"))

    def script_errors(self) -> list[str]:
        return [error for error in self.errors if "Failed to load resource" not in error]  # the aborts


def week_of(name: str) -> str:
    """The week page that shows Pat's post with the player of `name`."""
    return f"/cohort/week-{PLAYERS[name][1]}/"


def test_nothing_is_asked_of_a_provider_before_the_click(browser: Any, site: StaticSite) -> None:
    placeholders = 0
    for path in sorted({week_of(name) for name in PLAYERS}):
        tab = Offline(browser, site)
        page = tab.open(path)
        placeholders += page.locator("figure[data-embed] button").count()
        assert page.locator("iframe").count() == 0
        assert {urlsplit(url).hostname for _, url in tab.elsewhere} & PROVIDER_HOSTS == set()
        assert tab.violations == [] and tab.csp_violations == []
        assert tab.script_errors() == []
    assert placeholders == len(PLAYERS)


@pytest.mark.parametrize("name", PLAYERS)
def test_a_click_loads_the_providers_privacy_enhanced_player(
    browser: Any, site: StaticSite, name: str
) -> None:
    player = PLAYERS[name][2]
    tab = Offline(browser, site)
    page = tab.open(week_of(name))
    figure = page.locator(f'figure[data-embed^="{name}:"]')
    with page.expect_request(player):
        figure.get_by_role("button").click()
    frame = figure.locator("iframe")
    assert frame.get_attribute("src") == player
    title = frame.get_attribute("title")  # what the placeholder says: "YouTube video: A youtube thing"
    assert title == figure.locator("p").inner_text().strip() and title.endswith(f": A {name} thing")
    assert set(frame.get_attribute("sandbox").split()) == {
        "allow-scripts",
        "allow-same-origin",
        "allow-popups",
        "allow-popups-to-escape-sandbox",
    }
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
    assert [url for _, url in tab.elsewhere if urlsplit(url).hostname in PROVIDER_HOSTS] == [player]
    assert tab.violations == [] and tab.csp_violations == []  # the page's CSP let this player in
    assert tab.script_errors() == []


def test_the_csp_lets_in_only_the_players_a_page_embeds(browser: Any, site: StaticSite) -> None:
    tab = Offline(browser, site)
    page = tab.open("/cohort/week-2/")
    assert csp_of(page.content()) == (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        "frame-src https://player.vimeo.com https://www.youtube-nocookie.com; base-uri 'none'; form-action 'none'"
    )
    page.evaluate(
        """() => { const f = document.createElement("iframe");
                   f.src = "https://w.soundcloud.com/player/?url=x"; document.body.append(f); }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert tab.violations == ["frame-src https://w.soundcloud.com"]
    assert tab.elsewhere == []  # refused by the browser before any request


@pytest.mark.parametrize("path", ["/cohort/week-3/", "/cohort/", "/join/", "/cohort/people/ada-lovelace/"])
def test_pages_without_embeds_keep_the_csp_without_script(output: Path, path: str) -> None:
    html = (output / path.strip("/") / "index.html").read_text(encoding="utf-8")
    assert csp_of(html) == DEFAULT_CSP
    assert "<script" not in html


def test_without_javascript_the_placeholder_is_a_link_to_the_original(browser: Any, site: StaticSite) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    page.goto(site.url(week_of("youtube")))
    figure = page.locator('figure[data-embed^="youtube:"]')
    assert figure.get_by_role("button").count() == 0
    link = figure.get_by_role("link", name="A youtube thing")
    assert link.get_attribute("href") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert figure.inner_text().strip() == "YouTube video: A youtube thing"
    assert all(url.startswith(site.url("/")) for url in requests)
    context.close()


@pytest.mark.parametrize("clicked", [False, True], ids=["placeholders", "a player loaded"])
def test_no_serious_accessibility_violations(browser: Any, site: StaticSite, clicked: bool) -> None:
    tab = Offline(browser, site)
    page = tab.open(week_of("youtube"))
    if clicked:
        page.locator('figure[data-embed^="youtube:"] button').click()
    assert serious_violations(page) == []


def csp_of(html: str) -> str:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    (csp,) = [
        m.get("content") for m in document.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"
    ]
    return str(csp)


def test_the_demos_embed_loads_on_click(browser: Any, demo_site: Path) -> None:
    """Keiko's "Remixing a remix" embeds a YouTube video (demo/blogs/keiko/feed.json)."""
    served = StaticSite(str(demo_site / "output"))
    tab = Offline(browser, served)
    page = tab.open("/cohort/week-4/")
    assert "frame-src https://www.youtube-nocookie.com;" in csp_of(page.content())
    assert tab.elsewhere == []  # nothing, not even a participant's picture, until the click
    with page.expect_request("https://www.youtube-nocookie.com/embed/Kx3wQ9rT2mA?autoplay=1"):
        page.get_by_role("button", name="Show the video here (loads from YouTube)").click()
    assert page.locator("iframe").get_attribute("title") == (
        "YouTube video: Attribution in remix chains: a ten-minute guide"
    )
    assert tab.violations == [] and tab.script_errors() == []
    served.close()
