"""The demo hub, built the way Quick start line 1 builds it: demo blogs served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import html5lib

from aggregator.parse import ParsedFeed, parse_feed
from aggregator.registry import load_registry
from demo.farm import BLOGS
from tests.conftest import ROOT


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
        found = cards(demo_site / "output" / "cohort" / f"week-{week}" / "index.html")
        assert len(found) >= 5, f"week {week}"
        for card in found:
            assert card["href"] in originals, card


def test_the_build_fetched_conditionally_and_left_the_archive_byte_identical(demo_site: Path) -> None:
    for committed in (ROOT / "archive").glob("*.json"):
        assert (demo_site / "archive" / committed.name).read_bytes() == committed.read_bytes(), committed.name


def test_untagged_posts_stay_off_the_site(demo_site: Path) -> None:
    site = " ".join(p.read_text(encoding="utf-8") for p in (demo_site / "output").rglob("*.html"))
    assert "Jollof for twelve" not in site
    assert "Sourdough, attempt nine" not in site


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
