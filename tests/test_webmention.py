"""Sending webmentions: `python -m aggregator webmention` against real servers on 127.0.0.1.

The posts' pages and their endpoints are loopback servers; the cards are written as the build
writes them (one test builds the real site and checks its list against the pages it rendered).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from aggregator.cli import EXIT_BUG, main
from aggregator.fetch import Page
from aggregator.markdown_text import text as md
from aggregator.registry import HUB_NS
from aggregator.webmention import STATE_FILE, endpoint, write_cards
from tests.conftest import ROOT, plant_bug, run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, demo_terms, serve_ada_and_ben
from tests.test_terms_site import save_posts, write_opml

HUB_URL = "https://hub.example/course"
HTML = {"Content-Type": "text/html; charset=utf-8"}
WEEK_1 = f"{HUB_URL}/cohort/week-1/"
PEOPLE = ("ada", "ben", "cy", "dee")


def html(head: str = "", body: str = "") -> bytes:
    return f"<!doctype html><html><head><title>A post</title>{head}</head><body>{body}</body></html>".encode()


def accepted(status: int = 202) -> Reply:
    return Reply(status, b"Accepted", etag=False)


@pytest.fixture
def blogs(server: LoopbackServer) -> LoopbackServer:
    """Four posts, each announcing its endpoint another way, and the endpoints."""
    routes = server.routes
    routes["/ada/post/"] = Reply(
        body=html(), headers={**HTML, "Link": f'<{server.url("/wm/ada")}>; rel="webmention"'}
    )
    routes["/ben/post/"] = Reply(
        body=html(
            '<!-- <link rel="webmention" href="/wm/commented-out"> -->'
            f'<link rel="stylesheet" href="/s.css"><link rel="webmention" href="{server.url("/wm/ben")}">',
            '<a rel="webmention" href="/wm/not-the-first">x</a>',
        ),
        headers=HTML,
    )
    # Moved: the relative endpoint is relative to where the redirect led, not to the card's link.
    routes["/cy/old/"] = Reply(301, headers={"Location": "/cy/posts/new/"})
    routes["/cy/posts/new/"] = Reply(
        body=html(body='<p>Mentions: <a href="../wm?via=cy" rel="nofollow webmention">here</a></p>'),
        headers=HTML,
    )
    routes["/dee/post/"] = Reply(
        body=html(f'<link rel="webmention" href="{server.url("/wm/dee")}">'), headers=HTML
    )
    for path in ("/wm/ada", "/wm/ben", "/cy/posts/wm?via=cy", "/wm/dee"):
        routes[path] = accepted()
    routes["/wm/ben"] = accepted(201)
    return server


def target(server: LoopbackServer, person: str) -> str:
    return server.url(
        {"ada": "/ada/post/", "ben": "/ben/post/", "cy": "/cy/old/", "dee": "/dee/post/"}[person]
    )


class Hub:
    """A hub's settings, registry, archive and the build's list of cards, in a temporary folder."""

    def __init__(self, root: Path, server: LoopbackServer, **hub: object) -> None:
        self.root = root
        self.server = server
        self.opted_out = {"dee"}
        self.settings = root / "settings.py"
        base = {
            "course_start": "2026-09-07",
            "course_weeks": 6,
            "course_timezone": "Europe/London",
            "opml": str(root / "feeds.opml"),
            "archive": str(root / "archive"),
            "health_report": str(root / "cache" / "health.md"),
            "cards_manifest": str(root / "cache" / "cards.json"),
            "allow_private": ["127.0.0.1"],
            "moderation": str(root / "moderation.yml"),
            **hub,
        }
        self.settings.write_text(f"HUB = {base!r}\n", encoding="utf-8")
        self.write_registry()

    def write_registry(self) -> None:
        outlines = "\n".join(
            f'<outline type="rss" text="{who.title()}" xmlUrl="https://{who}.example/feed/" hub:id="{who}"'
            + (' hub:webmention="no"' if who in self.opted_out else "")
            + "/>"
            for who in PEOPLE
        )
        (self.root / "feeds.opml").write_text(
            f'<opml version="2.0" xmlns:hub="{HUB_NS}"><head/><body>{outlines}</body></opml>',
            encoding="utf-8",
        )

    def cards(self, pages: dict[str, str]) -> None:
        """Each participant's post on the week page `pages[person]` (a path under the hub)."""
        placed = [(who, target(self.server, who), page) for who, page in pages.items()]
        write_cards(self.root / "cache" / "cards.json", HUB_URL, placed)

    def run(self, *extra: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["webmention", "--settings", str(self.settings), *extra], out=out)
        return code, out.getvalue()

    @property
    def health(self) -> str:
        return (self.root / "cache" / "health.md").read_text(encoding="utf-8")


def mentions(server: LoopbackServer) -> list[tuple[str, str, str]]:
    """(endpoint path, source, target) of every POST the servers received, in order."""
    found = []
    for request in server.requests:
        if request.method == "POST":
            form = parse_qs(request.body.decode())
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            found.append((request.path, *form["source"], *form["target"]))
    return found


EVERYONE_ON_WEEK_1 = dict.fromkeys(PEOPLE, "cohort/week-1/")


def test_each_post_gets_one_webmention_from_the_page_that_shows_its_card(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    hub = Hub(tmp_path, blogs)
    hub.cards(EVERYONE_ON_WEEK_1)
    code, out = hub.run()
    assert code == 0, out
    assert sorted(mentions(blogs)) == [
        (
            "/cy/posts/wm?via=cy",
            WEEK_1,
            target(blogs, "cy"),
        ),  # the address of the card's link, not of the redirect
        ("/wm/ada", WEEK_1, target(blogs, "ada")),  # the Link header
        ("/wm/ben", WEEK_1, target(blogs, "ben")),  # the first <link>, not the commented one or the <a>
    ]
    assert "3 sent, 0 failed, 0 without an endpoint, 1 opted out" in out
    state = (tmp_path / "archive" / STATE_FILE).read_text(encoding="utf-8")
    assert len(json.loads(state)["told"]) == 3
    assert "/ada/post/" not in state  # the posts' addresses are kept as hashes only

    blogs.requests.clear()
    code, out = hub.run()
    assert code == 0 and blogs.requests == []  # nothing new: not even a page is read
    assert (
        "0 sent, 0 failed, 0 without an endpoint, 1 opted out, 0 left for the next run, 3 already told" in out
    )


def test_a_card_that_moves_to_another_week_is_sent_again_from_there(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    hub = Hub(tmp_path, blogs)
    hub.cards(EVERYONE_ON_WEEK_1)
    assert hub.run()[0] == 0
    blogs.requests.clear()
    hub.cards({**EVERYONE_ON_WEEK_1, "ada": "cohort/week-1/page/2/"})  # pushed on by newer posts
    assert hub.run()[0] == 0
    assert mentions(blogs) == []
    hub.cards({**EVERYONE_ON_WEEK_1, "ada": "cohort/week-3/"})  # placed in another week
    assert hub.run()[0] == 0
    assert mentions(blogs) == [("/wm/ada", f"{HUB_URL}/cohort/week-3/", target(blogs, "ada"))]


def test_an_opted_out_participant_gets_nothing_and_the_report_says_so(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    hub = Hub(tmp_path, blogs)
    hub.opted_out = set(PEOPLE)
    hub.write_registry()
    hub.cards(EVERYONE_ON_WEEK_1)
    code, out = hub.run()
    assert code == 0
    assert blogs.requests == []  # not even their pages are read
    assert "0 sent, 0 failed, 0 without an endpoint, 4 opted out" in out
    assert "| Dee | 0 | 0 | 0 | 1 | 0 |" in hub.health


def test_no_more_than_the_limit_per_run_and_the_rest_next_time(tmp_path: Path, blogs: LoopbackServer) -> None:
    hub = Hub(tmp_path, blogs, webmention_limit=2)
    hub.cards(EVERYONE_ON_WEEK_1)
    code, out = hub.run()
    assert code == 0
    assert len(mentions(blogs)) == 2
    assert "2 sent, 0 failed, 0 without an endpoint, 1 opted out, 1 left for the next run" in out
    blogs.requests.clear()
    assert hub.run()[0] == 0
    assert len(mentions(blogs)) == 1
    blogs.requests.clear()
    assert hub.run()[0] == 0
    assert mentions(blogs) == []


def test_failing_endpoints_are_reported_and_stop_nobody(tmp_path: Path, blogs: LoopbackServer) -> None:
    blogs.routes["/wm/ada"] = Reply(500, b"oops", etag=False)
    blogs.routes["/wm/ben"] = Reply(202, delay=3)
    blogs.routes["/cy/posts/new/"] = Reply(
        200, b"\x00\xff garbage \x89PNG", headers={"Content-Type": "image/png"}
    )
    blogs.routes["/dee/post/"] = Reply(404, b"gone")
    hub = Hub(tmp_path, blogs, timeout=1.0, deadline=2.0)
    hub.opted_out = set()
    hub.write_registry()
    hub.cards(EVERYONE_ON_WEEK_1)
    code, out = hub.run()
    assert code == 0, out
    assert "0 sent, 3 failed, 1 without an endpoint" in out
    report = hub.health
    assert "## Webmentions" in report
    for who, why in [
        ("ada", f"endpoint {blogs.url('/wm/ada')} answered HTTP 500"),
        ("ben", f"endpoint {blogs.url('/wm/ben')}: no answer within 1 s"),
        ("dee", "could not read the post: HTTP 404 Not Found"),
    ]:
        assert f"| {who.title()} | `{target(blogs, who)}` | {md(why)} |" in report
        assert f"FAILED       {who.title()}  {WEEK_1} -> {target(blogs, who)}  {why}" in out
    assert "| Cy | 0 | 0 | 1 | 0 | 0 |" in report  # garbage announces no endpoint: nothing to send
    # A failure is tried again by the next run; an answer without an endpoint is not.
    blogs.routes["/wm/ada"] = accepted()
    blogs.requests.clear()
    assert hub.run()[0] == 0
    assert ("/wm/ada", WEEK_1, target(blogs, "ada")) in mentions(blogs)
    assert not blogs.requests_to("/cy/old/")


@pytest.mark.parametrize(
    "announced",
    [
        "http://10.0.0.1/wm",  # private
        "http://[::ffff:127.0.0.2]:{port}/wm",  # loopback, written as IPv6
        "http://0x7f000002:{port}/wm",  # loopback, written in hex: the resolver refuses it
        "http://127.0.0.1:{port}/to-private",  # allowed, but redirects to loopback: not followed for a POST
    ],
)
def test_an_endpoint_on_a_private_address_is_refused_before_connecting(
    tmp_path: Path, blogs: LoopbackServer, announced: str
) -> None:
    private = LoopbackServer("127.0.0.2")
    try:
        private.routes["/wm"] = accepted()
        blogs.routes["/to-private"] = Reply(307, headers={"Location": private.url("/wm")})
        endpoint_url = announced.format(
            port=private.port if "127.0.0.2" in announced or "0x" in announced else blogs.port
        )
        blogs.routes["/ada/post/"] = Reply(
            body=html(f'<link rel="webmention" href="{endpoint_url}">'), headers=HTML
        )
        hub = Hub(tmp_path, blogs)
        hub.cards({"ada": "cohort/week-1/"})
        code, out = hub.run()
        assert code == 0, out
        assert private.requests == []
        assert "0 sent, 1 failed" in out
        if "to-private" in announced:
            assert f"endpoint {endpoint_url} answered HTTP 307" in out
        else:
            assert "refused to connect to non-public address" in out
    finally:
        private.close()


def test_a_target_that_redirects_to_a_private_address_is_refused(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    private = LoopbackServer("127.0.0.2")
    try:
        private.routes["/post/"] = Reply(body=html('<link rel="webmention" href="/wm">'), headers=HTML)
        blogs.routes["/ada/post/"] = Reply(302, headers={"Location": private.url("/post/")})
        hub = Hub(tmp_path, blogs)
        hub.cards({"ada": "cohort/week-1/"})
        assert hub.run()[0] == 0
        assert private.requests == []
        hub.cards({"ada": "cohort/week-2/"})
        _code, out = hub.run()
        assert "could not read the post: refused to connect to non-public address 127.0.0.2" in out
    finally:
        private.close()


def test_an_endpoint_address_is_reported_without_control_characters(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    blogs.routes["/ada/post/"] = Reply(
        body=html('<link rel="webmention" href="/wm/\x1b[2J\x07x">'), headers=HTML
    )
    hub = Hub(tmp_path, blogs)
    hub.cards({"ada": "cohort/week-1/"})
    code, out = hub.run()
    assert code == 0
    assert f"endpoint {blogs.url('/wm/')}[2Jx answered HTTP 404" in out
    assert "\x1b" not in out + hub.health and "\x07" not in out + hub.health


def test_a_dry_run_reads_and_sends_nothing(tmp_path: Path, blogs: LoopbackServer) -> None:
    hub = Hub(tmp_path, blogs)
    hub.cards(EVERYONE_ON_WEEK_1)
    code, out = hub.run("--dry-run")
    assert code == 0
    assert f"would send   Ada  {WEEK_1} -> {target(blogs, 'ada')}  dry run: nothing sent" in out
    assert blogs.requests == []
    assert not (tmp_path / "archive" / STATE_FILE).exists()


def test_without_the_builds_list_of_cards_the_command_says_to_build(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    hub = Hub(tmp_path, blogs)
    assert hub.run()[0] == 8
    assert blogs.requests == []


BUG_ON_ADAS_POST = """
import aggregator.webmention

_endpoint = aggregator.webmention.endpoint


def endpoint(page):
    if "/ada/" in page.url:
        raise RuntimeError("a planted bug")
    return _endpoint(page)


aggregator.webmention.endpoint = endpoint
"""


def test_a_bug_in_the_hub_is_reported_loudly_and_the_others_are_sent(
    tmp_path: Path, blogs: LoopbackServer
) -> None:
    hub = Hub(tmp_path, blogs)
    hub.cards(EVERYONE_ON_WEEK_1)
    planted = plant_bug(tmp_path / "bug", BUG_ON_ADAS_POST)
    result = run_python(
        "-m", "aggregator", "webmention", "--settings", str(hub.settings), cwd=tmp_path, planted=planted
    )
    assert result.returncode == EXIT_BUG, result.stderr
    assert sorted(path for path, _, _ in mentions(blogs)) == ["/cy/posts/wm?via=cy", "/wm/ben"]
    assert "the hub hit a bug on 1" in result.stdout
    assert result.stderr.startswith(f"Bug in the hub while sending to {target(blogs, 'ada')}:\nTraceback")
    assert "RuntimeError: a planted bug" in hub.health
    # Not recorded as told: the next run (the bug fixed) sends it.
    assert hub.run()[0] == 0
    assert ("/wm/ada", WEEK_1, target(blogs, "ada")) in mentions(blogs)


# --- endpoint discovery, pure --------------------------------------------------------------------


def page(body: str = "", *links: str, final_url: str = "https://blog.example/2026/post/") -> Page:
    return Page("https://blog.example/p?id=1", final_url, links, body.encode())


@pytest.mark.parametrize(
    ("links", "found"),
    [
        (['<https://wm.example/a>; rel="webmention"'], "https://wm.example/a"),
        (["<https://wm.example/a>; rel=webmention"], "https://wm.example/a"),
        (['<https://wm.example/a>; rel="webmention me"'], "https://wm.example/a"),
        (['<https://wm.example/a>; REL="WebMention"'], "https://wm.example/a"),
        (['<https://x.example/>; rel="me", </wm?x=1>; rel="webmention"'], "https://blog.example/wm?x=1"),
        (['<https://x.example/>; rel="me"', '<wm>; rel="webmention"'], "https://blog.example/2026/post/wm"),
        (['<https://x.example/>; rel="not-webmention"'], None),
        (['<>; rel="webmention"'], "https://blog.example/2026/post/"),
    ],
)
def test_endpoint_from_the_link_header(links: list[str], found: str | None) -> None:
    assert endpoint(page("", *links)) == found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ('<link rel="webmention" href="/wm">', "https://blog.example/wm"),
        (
            '<a rel="webmention" href="wm">x</a><link rel="webmention" href="/later">',
            "https://blog.example/2026/post/wm",
        ),
        ('<link rel="webmention" href="">', "https://blog.example/2026/post/"),
        ('<link rel="webmention"><a rel="webmention" href="/wm">x</a>', "https://blog.example/wm"),
        ('<!-- <link rel="webmention" href="/no"> -->', None),
        ('<p>&lt;link rel="webmention" href="/no"&gt;</p>', None),
        ("", None),
    ],
)
def test_endpoint_from_the_html(body: str, found: str | None) -> None:
    assert endpoint(page(body)) == found


def test_the_link_header_comes_before_the_html() -> None:
    found = endpoint(
        page('<link rel="webmention" href="/html">', '<https://wm.example/header>; rel="webmention"')
    )
    assert found == "https://wm.example/header"


# --- the build's list --------------------------------------------------------------------------------


def test_the_build_lists_each_card_with_the_week_page_that_shows_it(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """The list is the build's own: every card's page, as rendered, links to the card's post. The
    demo's terms: Ada and Ben in the current one, and Ben's post of the frozen past term, whose
    posts were told about their pages while it ran, is on its page but not in the list."""
    ada_and_ben = serve_ada_and_ben(server)
    folders = {"2025-autumn": ada_and_ben[1:], "2026-autumn": ada_and_ben}
    opml = write_opml(tmp_path / "feeds.opml", folders, {t["slug"]: t["title"] for t in demo_terms()})
    save_posts(tmp_path / "archive", opml, "2025-autumn", "Ben Okri", [("ben-25", "2025-09-09")])
    pelican = {"COHORT_PER_PAGE": 1, "PUBLIC_URL": HUB_URL, "SEARCH": False}
    result = build(tmp_path, opml, content=ROOT / "content", terms=demo_terms(), pelican=pelican)
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "cache" / "cards.json").read_text(encoding="utf-8"))
    assert doc["public_url"] == f"{HUB_URL}/"
    sources = [card["source"] for card in doc["cards"]]
    assert "2026-autumn/cohort/week-2/page/2/" in sources  # week 2 holds two posts, one to a page
    # The newest week first; only the current term's pages.
    assert sources.index("2026-autumn/cohort/week-2/") < sources.index("2026-autumn/cohort/week-1/")
    assert all(source.startswith("2026-autumn/cohort/week-") for source in sources)
    for card in doc["cards"]:
        shown = (tmp_path / "output" / card["source"] / "index.html").read_text(encoding="utf-8")
        assert f'href="{card["target"]}"' in shown
    assert {card["participant"] for card in doc["cards"]} == {"ada-lovelace", "ben-okri"}
    past = (tmp_path / "output" / "2025-autumn" / "cohort" / "week-1" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'href="https://x.example/ben-25"' in past
    assert "https://x.example/ben-25" not in {card["target"] for card in doc["cards"]}
