"""The demo in a real browser: every page of every type loads nothing from elsewhere, and every
picture it shows is the hub's own copy, and loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import StaticSite
from tests.tab import Tab

# Every picture of the page, lazy ones too: the src of each that fails to load.
BROKEN_PICTURES = """async () => {
  const failed = [];
  await Promise.all([...document.images].map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch { failed.push(img.getAttribute("src")); }
  }));
  return failed;
}"""
# The blogs of the demo whose feeds name a picture for the blog (demo/blogs/README.md). Rosa's
# Blogger feed names one for its author only (gd:image), which the hub does not read.
WITH_AVATARS = (
    "amara-nwosu",
    "deniz-sahin",
    "grace-mwangi",
    "keiko-tanaka",
    "priya-raman",
    "thandiwe-dlamini",
)


def site_pages(output: Path) -> list[str]:
    """Every page but the redirects to another (whose CSP lets them load nothing at all)."""
    pages = sorted(
        path.relative_to(output).as_posix()
        for path in output.rglob("*.html")
        if 'http-equiv="refresh"' not in path.read_text(encoding="utf-8")
    )
    return ["/" + page.removesuffix("index.html") for page in pages]


@pytest.fixture(scope="module")
def visited(browser: Any, demo_site: Path) -> dict[str, Any]:
    """Every page of the demo, opened once: what each asked of other sites, and its broken pictures."""
    output = demo_site / "output"
    tab = Tab(browser, StaticSite(str(output)))
    seen: dict[str, Any] = {"elsewhere": {}, "broken": {}, "shown": set()}
    for path in site_pages(output):
        page = tab.page
        page.goto(tab.site.url(path), wait_until="load")  # the pictures are awaited below
        seen["broken"][path] = page.evaluate(BROKEN_PICTURES)
        seen["shown"] |= {
            Path(src).name for src in page.eval_on_selector_all("img", "els => els.map(e => e.src)")
        }
        seen["elsewhere"][path], tab.elsewhere = tab.elsewhere, []
    tab.page.close()
    return seen


def test_no_page_of_the_demo_asks_another_site_for_anything(visited: dict[str, Any]) -> None:
    assert len(visited["elsewhere"]) > 70  # every page: the weeks, cohort, people, tags, terms...
    assert {path: asked for path, asked in visited["elsewhere"].items() if asked} == {}


def test_no_picture_of_the_demo_is_broken_and_every_copy_is_shown(
    visited: dict[str, Any], demo_site: Path
) -> None:
    assert {path: broken for path, broken in visited["broken"].items() if broken} == {}
    published = {path.name for path in (demo_site / "output").glob("*/pictures/*.webp")}
    assert published and visited["shown"] == published


def test_the_demo_shows_every_blogs_picture_as_its_avatar(browser: Any, demo_site: Path) -> None:
    tab = Tab(browser, StaticSite(str(demo_site / "output")))
    for person in WITH_AVATARS:
        page = tab.open(f"/2026-autumn/cohort/people/{person}/")
        avatar = page.locator(".page-head img.avatar")
        assert avatar.count() == 1, person
        assert avatar.evaluate("img => img.complete && img.naturalWidth") == 96, person
    thumbs = json.loads((demo_site / "cache" / "pictures" / "index.json").read_text())["pictures"]
    assert {item["kind"] for item in thumbs} == {"avatar", "thumb", "inline"}
    tab.page.close()
