"""What keeps a large cohort's site within bounds: sitemap files, the search index's scope. Pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2

from plugins.cohort.pages import newest_pages, sitemap_files
from plugins.cohort.search import ALWAYS_INDEXED, indexed_week_pages, pagefind_command
from tests.conftest import ROOT

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_one_sitemap_up_to_the_limit() -> None:
    assert sitemap_files(["", "a/", "b/"], limit=3) == [("sitemap.xml", ("", "a/", "b/"))]


def test_numbered_sitemaps_over_the_limit() -> None:
    paths = [f"p{n}/" for n in range(7)]
    files = sitemap_files(paths, limit=3)
    assert [name for name, _ in files] == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]
    assert [len(listed) for _, listed in files] == [3, 3, 1]
    assert [path for _, listed in files for path in listed] == paths


def test_the_sitemap_index_is_valid_and_lists_every_sitemap() -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "themes/commons/templates"), autoescape=True
    )
    xml = env.get_template("sitemap_index.xml").render(
        PUBLIC_URL="https://hub.example", sitemaps=["sitemap-1.xml", "sitemap-2.xml"]
    )
    root = ET.fromstring(xml.encode())
    assert root.tag == f"{SITEMAP}sitemapindex"
    assert [loc.text for loc in root.iter(f"{SITEMAP}loc")] == [
        "https://hub.example/sitemap-1.xml",
        "https://hub.example/sitemap-2.xml",
    ]


def test_the_newest_pages_are_the_last_weeks_first_pages_first() -> None:
    weeks = [("cohort/week-1/", 3), ("cohort/week-2/", 2), ("cohort/week-3/", 1)]
    assert newest_pages(weeks, 4) == [
        "cohort/week-3/",
        "cohort/week-2/",
        "cohort/week-2/page/2/",
        "cohort/week-1/",
    ]
    assert len(newest_pages(weeks, 100)) == 6


def test_search_indexes_the_newest_week_pages_written_and_the_course_pages(tmp_path: Path) -> None:
    for folder in ("week-1/page/2", "week-1/page/3", "week-2", "week-10/page/2", "feed-archive"):
        (tmp_path / "cohort" / folder).mkdir(parents=True)
    assert indexed_week_pages(tmp_path, 3) == ["cohort/week-10/", "cohort/week-10/page/2/", "cohort/week-2/"]
    glob = pagefind_command(tmp_path, 2)[pagefind_command(tmp_path, 2).index("--glob") + 1]
    assert glob == "{" + ALWAYS_INDEXED + ",cohort/week-10/index.html,cohort/week-10/page/2/index.html}"
