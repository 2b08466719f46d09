"""Hostile feed content through the real pipeline and a real site build: nothing can run script."""

from __future__ import annotations

import json
from pathlib import Path

import html5lib

from tests.conftest import source_files, sources_digest
from tests.hostile import PAYLOADS
from tests.htmlcheck import problems_in_fragment, problems_in_page

CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
# The search page alone runs script: Pagefind's files from this site, and its WebAssembly.
SEARCH_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'"
)


def test_every_payload_reached_the_archive(hostile_site: Path) -> None:
    for name in ("rita-rss", "alan-atom", "jo-json"):
        posts = json.loads((hostile_site / "archive" / f"{name}.json").read_text())["posts"]
        assert len(posts) == len(PAYLOADS), name
        for post in posts:
            assert problems_in_fragment(post["content_html"]) == [], post["title"]
            assert problems_in_fragment(post["excerpt_html"]) == [], post["title"]
            assert post["url"] is None or post["url"].startswith("https://"), post["url"]


def test_no_built_page_holds_a_script_capable_construct(hostile_site: Path) -> None:
    pages = sorted((hostile_site / "output").rglob("*.html"))
    assert len(pages) >= 12
    for page in pages:
        assert problems_in_page(page.read_text(encoding="utf-8")) == [], page


def test_every_page_carries_the_csp_and_no_script(hostile_site: Path) -> None:
    for page in (hostile_site / "output").rglob("*.html"):
        if page.parts[-2] == "search" or "pagefind" in page.parts:
            continue
        document = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)
        metas = [
            m.get("content")
            for m in document.iter("meta")
            if m.get("http-equiv") == "Content-Security-Policy"
        ]
        assert metas == [CSP], page
        assert list(document.iter("script")) == [], page


def test_hostile_titles_names_and_tags_are_shown_as_text(hostile_site: Path) -> None:
    week1 = " ".join(
        p.read_text(encoding="utf-8") for p in (hostile_site / "output" / "cohort" / "week-1").rglob("*.html")
    )
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt; #0" in week1  # the title, escaped
    assert "\u202e" not in week1 and "\u200b" not in week1
    # Links out of the pages' main parts, where feed text goes (the footer's link to the course's
    # licence is the hub's own).
    links_out = [
        a
        for main in html5lib.parse(week1, namespaceHTMLElements=False).iter("main")
        for a in main.iter("a")
        if a.get("href", "").startswith("http")
    ]
    assert links_out
    assert all({"ugc", "noopener"} <= set(a.get("rel", "").split()) for a in links_out)


def test_embeds_become_plain_links(hostile_site: Path) -> None:
    posts = json.loads((hostile_site / "archive" / "rita-rss.json").read_text())["posts"]
    video = next(p for p in posts if "v.example" in p["content_html"])
    assert (
        '<a href="https://v.example/a.mp4" rel="ugc nofollow noopener noreferrer">Embedded media from v.example</a>'
        in video["content_html"]
    )


def test_the_build_never_writes_feed_text_into_sources(hostile_site: Path) -> None:
    assert sources_digest() == (hostile_site / "sources.sha256").read_text()
    for source in source_files():
        assert "__xss" not in source.read_text(encoding="utf-8", errors="replace"), source


def test_only_the_search_page_loads_script_and_only_our_own(hostile_site: Path) -> None:
    document = html5lib.parse(
        (hostile_site / "output" / "search" / "index.html").read_text(encoding="utf-8"),
        namespaceHTMLElements=False,
    )
    metas = [
        m.get("content") for m in document.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"
    ]
    assert metas == [SEARCH_CSP]
    assert [(s.get("src"), (s.text or "").strip()) for s in document.iter("script")] == [
        ("../theme/js/search.js", "")
    ]
