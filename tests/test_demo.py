"""The demo hub, built the way Quick start line 1 builds it: demo blogs served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import html5lib

from aggregator.parse import ParsedFeed, parse_feed
from aggregator.registry import load_registry
from demo.farm import BLOGS
from tests.conftest import ROOT, run_python

# The demo's two blogs whose feeds carry no tags, Thandiwe's Substack and Linh's Write.as: each
# course post, the rule that takes it (`included_by`) and its week. Their other posts, a book sale
# and a lunch, match no rule.
UNTAGGED_PLATFORMS = {
    "https://shelflife.substack.example/p/hello-from-the-issue-desk": ("hashtag", 1),
    "https://shelflife.substack.example/p/who-the-library-learns-from": ("hashtag", 2),
    "https://shelflife.substack.example/p/episode-3-reading-the-licence-out-loud": ("hashtag", 4),
    "https://shelflife.substack.example/p/whose-faces-whose-names": ("hashtag", 5),
    "https://write.example/nightshift/three-tabs-i-finally-closed": ("link", 3),  # the week 3 page
    "https://write.example/nightshift/before-you-post-from-the-ward": ("link", 5),  # the syllabus
}


def cards(page: Path) -> list[dict[str, str]]:
    document = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)
    found = []
    for article in document.iter("article"):
        # The permalink: the title's link, or the date's on a post without a title.
        permalink = next((a for a in article.iter("a") if "u-url" in a.get("class", "").split()), None)
        heading = article.find(".//h2")
        found.append(
            {
                "href": permalink.get("href") if permalink is not None else "",
                "title": "".join(heading.itertext()).strip() if heading is not None else "",
            }
        )
    return found


def demo_item_links() -> set[str]:
    links = set()
    for path in BLOGS.rglob("*"):
        if path.suffix in (".xml", ".rss", ".json"):
            parsed = parse_feed(
                path.read_bytes(), {}, "http://127.0.0.1:8606/" + str(path.relative_to(BLOGS))
            )
            assert isinstance(parsed, ParsedFeed), path
            links |= {entry.link for entry in parsed.entries if entry.link}
    return links


def test_the_demo_cohort_is_big_and_varied() -> None:
    people = load_registry(ROOT / "feeds.opml")
    assert len(people) >= 12
    assert {p.hub_attribute("platform") for p in people} >= {
        "wordpress",
        "ghost",
        "blogger",
        "medium",
        "jekyll",
        "hugo",
        "microblog",
        "mastodon",
    }


def test_every_week_has_demo_posts_with_backlinks_to_the_originals(demo_site: Path) -> None:
    originals = demo_item_links()
    for week in range(1, 7):
        found = cards(demo_site / "output" / "2026-autumn" / "cohort" / f"week-{week}" / "index.html")
        assert len(found) >= 5, f"week {week}"
        for card in found:
            assert card["href"] in originals, card


def test_the_build_fetched_conditionally_and_left_the_archive_byte_identical(demo_site: Path) -> None:
    committed = sorted((ROOT / "archive").rglob("*.json"))
    assert len(committed) == 22  # 7 records of the frozen term, 15 of the current one
    for path in committed:
        name = path.relative_to(ROOT / "archive")
        assert (demo_site / "archive" / name).read_bytes() == path.read_bytes(), name


def test_untagged_posts_stay_off_the_site(demo_site: Path) -> None:
    site = " ".join(p.read_text(encoding="utf-8") for p in (demo_site / "output").rglob("*.html"))
    assert "Jollof for twelve" not in site
    assert "Sourdough, attempt nine" not in site
    assert "Book sale this Saturday" not in site  # no tags in the feed, no hashtag, no link
    assert "Bánh xèo" not in site


def test_blogs_whose_feeds_carry_no_tags_take_part_by_hashtag_and_by_link(demo_site: Path) -> None:
    export = run_python("-m", "aggregator", "export", "--settings", "settings.py", cwd=demo_site)
    assert export.returncode == 0, export.stderr
    theirs = [
        post
        for post in json.loads(export.stdout)
        if post["participant_id"] in ("thandiwe-dlamini", "linh-pham")
    ]
    assert {post["url"]: (post["included_by"], post["week"]) for post in theirs} == UNTAGGED_PLATFORMS
    assert all(post["shown"] for post in theirs)
    shown = {
        card["href"]: week
        for week in range(1, 7)
        for page in (demo_site / "output" / "2026-autumn" / "cohort" / f"week-{week}").rglob("index.html")
        for card in cards(page)
    }
    assert {url: shown.get(url) for url in UNTAGGED_PLATFORMS} == {
        url: week for url, (_, week) in UNTAGGED_PLATFORMS.items()
    }


def test_every_internal_link_is_relative_and_reaches_a_file(demo_site: Path) -> None:
    """So the site works wherever it is published, GitHub Pages' /<repository>/ sub-path included.
    The 404 page alone, served at any depth, links from the root (SITEURL when it is absolute)."""
    output = demo_site / "output"
    broken = []
    for page in sorted(output.rglob("*.html")):
        tree = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        from_root = page == output / "404.html"
        for element in tree.iter():
            target = element.get("href") or element.get("src")
            if not target or target.startswith(("https:", "http:", "mailto:", "#", "data:")):
                continue
            path = target.split("#")[0].split("?")[0]
            resolved = ((output if from_root else page.parent) / path.removeprefix("/")).resolve()
            if (
                target.startswith("/") != from_root
                or not (resolved / "index.html" if path.endswith("/") else resolved).exists()
            ):
                broken.append(f"{page.relative_to(output)}: {target}")
    assert broken == []
