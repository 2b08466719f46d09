"""Navigation that never leads nowhere, in real builds: a page for every course week, written or
not; a 404 page that works at any depth; links in the content that work under GitHub Pages'
/<repository>/; the picture shown with a shared link; and the cohort's pages announced to other
Pelican plugins."""

from __future__ import annotations

import collections
import shutil
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import html5lib
import pytest

from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Reply, StaticSite
from tests.sitebuild import build, course_without_terms, serve_ada_and_ben, write_opml
from tests.tab import PIXEL, Tab

PUBLIC_URL = "https://learning-in-the-open.example"  # pelicanconf.py's
UNWRITTEN = (2, 6)  # week 2 has two posts of Ada's and Ben's feeds, week 6 none
MISPLACED = 5  # written, but without the Url and Save_as that put it where the site links weeks

# A plugin of someone else's, as Pelican loads it: it notes every file it is told was written, and
# by which process, in a file (a note made in a forked child would reach it too).
COUNTING_PLUGIN = """
import os
from pelican import signals

def note(path, context):
    with open(context["PAGES_NOTED_IN"], "a", encoding="utf-8") as notes:
        notes.write(f"{os.getpid()}\\t{path}\\t{context['output_file']}\\n")

def register():
    signals.content_written.connect(note)
"""


def content_without_weeks(tmp: Path, weeks: tuple[int, ...], misplaced: int | None = None) -> Path:
    content = tmp / "content"
    shutil.copytree(course_without_terms(), content)
    for number in weeks:
        (content / "weeks" / f"week-{number}.md").unlink()
    if misplaced:
        page = content / "weeks" / f"week-{misplaced}.md"
        lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
        page.write_text("".join(line for line in lines if not line.startswith(("Url:", "Save_as:"))))
    return content


def ada_with_an_avatar(opml: Path, feeds: LoopbackServer) -> Path:
    """Ada's hub:avatar, a picture on the feeds' server, of which the update keeps a copy."""
    feeds.routes["/ada.png"] = Reply(body=PIXEL, headers={"Content-Type": "image/png"})
    text = opml.read_text(encoding="utf-8")
    avatar = feeds.url("/ada.png")
    opml.write_text(text.replace('text="Ada Lovelace"', f'text="Ada Lovelace" hub:avatar="{avatar}"'))
    return opml


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo course with weeks 2 and 6 not written yet and week 5 saved elsewhere, built as pelicanconf.py builds it
    (relative links), with a counting plugin; (the build folder, what the build printed)."""
    tmp = tmp_path_factory.mktemp("partial")
    (tmp / "plugins").mkdir()
    (tmp / "plugins" / "count_pages.py").write_text(COUNTING_PLUGIN, encoding="utf-8")
    feeds = LoopbackServer()
    opml = ada_with_an_avatar(write_opml(tmp / "feeds.opml", serve_ada_and_ben(feeds)), feeds)
    plugins = {
        "PLUGINS": ["cohort", "count_pages"],
        "PLUGIN_PATHS": [str(ROOT / "plugins"), str(tmp / "plugins")],
        "PAGES_NOTED_IN": str(tmp / "noted.tsv"),
    }
    result = build(tmp, opml, content=content_without_weeks(tmp, UNWRITTEN, MISPLACED), pelican=plugins)
    feeds.close()
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp, result.stdout + result.stderr


def parse(page: Path) -> Any:
    return html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)


def text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def addresses(document: Any) -> list[str]:
    """Every address the page makes a browser follow or load, and the picture it shares."""
    found = [e.get(name) for e in document.iter() for name in ("href", "src") if e.get(name)]
    return found + [m.get("content") for m in document.iter("meta") if m.get("property") == "og:image"]


def site_file(output: Path, page: Path, address: str) -> Path | None:
    """The file of the site that `address`, on `page`, leads to; None for another site's address."""
    if address.startswith(PUBLIC_URL + "/"):
        address = address.removeprefix(PUBLIC_URL)
    base = "http://site.test/" + page.relative_to(output).as_posix()
    target = urlsplit(urljoin(base, address))
    if target.netloc != "site.test":
        return None
    path = target.path.removeprefix("/")
    return output / (path + "index.html" if path == "" or path.endswith("/") else path)


def broken_links(output: Path) -> tuple[list[str], float]:
    """Every internal link of every page of the site in `output` that leads to no file, and how
    many links each page has on average."""
    pages = sorted(output.rglob("*.html"))
    checked, broken = 0, []
    for page in pages:
        for address in addresses(parse(page)):
            file = site_file(output, page, address)
            if file is not None:
                checked += 1
                broken += [] if file.is_file() else [f"{page.relative_to(output)}: {address}"]
    return broken, checked / len(pages)


def test_every_internal_link_of_every_page_leads_to_a_file(partial: tuple[Path, str]) -> None:
    broken, per_page = broken_links(partial[0] / "output")
    assert broken == []
    assert per_page > 20  # the header alone links every week and section from every page


def test_a_week_not_written_yet_has_a_page_with_its_dates_and_the_cohorts_posts(
    partial: tuple[Path, str],
) -> None:
    output = partial[0] / "output"
    week = parse(output / "weeks" / "week-2" / "index.html")
    article = next(e for e in week.iter("article") if "week" in (e.get("class") or "").split())
    assert text(next(article.iter("h1"))) == "Week 2"
    kicker = next(e for e in article.iter("p") if e.get("class") == "kicker")
    assert text(kicker) == "Week 2 · Mon, Sep 14 – Sun, Sep 20, 2026"
    assert [t.get("datetime") for t in kicker.iter("time")] == ["2026-09-14", "2026-09-20"]
    assert "The facilitators have not published this week's material yet." in text(article)
    cohort = next(a for a in article.iter("a") if "What the cohort said" in text(a))
    assert (text(cohort), cohort.get("href")) == (
        "What the cohort said this week: 2 posts →",
        "../../cohort/week-2/",
    )
    cards = [e for e in week.iter("article") if "h-entry" in (e.get("class") or "").split()]
    # The second post has no title: its card says its words once, its heading is for search only.
    headings = [[(text(h), h.get("aria-hidden")) for h in c.iter("h3")] for c in cards]
    assert headings == [
        [("Catching up on networks", None)],
        [("Ten past midnight, Monday of week two! Reading Ada later.", "true")],
    ]
    assert text(next(e for e in cards[1].iter("div") if "card-excerpt" in (e.get("class") or ""))) == (
        "Ten past midnight, Monday of week two! Reading Ada later."
    )
    empty = parse(output / "weeks" / "week-6" / "index.html")
    assert "What the cohort said this week: 0 posts →" in text(empty.find(".//main"))
    assert not [e for e in empty.iter("article") if "h-entry" in (e.get("class") or "").split()]


def test_the_syllabus_links_to_weeks_not_written_yet_and_the_sitemap_lists_them(
    partial: tuple[Path, str],
) -> None:
    output = partial[0] / "output"
    prose = next(parse(output / "syllabus" / "index.html").iter("article"))
    weeks = [a.get("href") for a in prose.iter("a") if "week-" in a.get("href")]
    # {filename} links: to the pages of weeks 2 and 6, not written yet, and where week 5 was saved
    assert weeks == [f"../weeks/week-{n}/" for n in range(1, 5)] + ["../week-5/", "../weeks/week-6/"]
    sitemap = ET.parse(output / "sitemap.xml").getroot()
    listed = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert sorted(address for address in listed if "/weeks/" in address) == [
        f"{PUBLIC_URL}/weeks/week-{n}/" for n in range(1, 7)
    ]


def test_the_build_warns_about_each_week_with_posts_but_no_page_and_a_week_page_astray(
    partial: tuple[Path, str],
) -> None:
    printed = partial[1]
    assert (
        "course hub: week 2 has 2 post(s) from the cohort but no written page: its page at weeks/week-2/ "
        "says the material is not published yet (write content/weeks/week-2.md)"
    ) in printed
    assert printed.count("but no written page") == 1  # week 6 has no posts to speak of
    assert (
        "course hub: weeks/week-5.md is week 5's page but is saved as week-5/index.html, and the site "
        "links the week at weeks/week-5/: give it `Url: weeks/week-5/` and `Save_as: weeks/week-5/index.html`"
    ) in printed
    assert "Unable to find" not in printed  # the syllabus's {filename} links to weeks 2 and 6 resolved


def test_every_written_file_is_announced_once_from_the_build_process(partial: tuple[Path, str]) -> None:
    tmp, _ = partial
    output = tmp / "output"
    noted = [line.split("\t") for line in (tmp / "noted.tsv").read_text(encoding="utf-8").splitlines()]
    assert len({pid for pid, _, _ in noted}) == 1  # the child's pages too: receivers all saw them here
    staging = tmp / ".output.building"  # where the build writes, until the site is whole (publish.py)
    assert all(path == str(staging / name) for _, path, name in noted)
    counts = collections.Counter(Path(path).relative_to(staging).as_posix() for _, path, _ in noted)
    assert set(counts.values()) == {1}
    written = {
        path.relative_to(output).as_posix()
        for path in output.rglob("*")
        # Copied, not written: the theme's files, the search index and the pictures.
        if path.is_file() and path.relative_to(output).parts[0] not in ("theme", "pagefind", "pictures")
    }
    assert set(counts) == written
    assert {"cohort/people/ada-lovelace/index.html", "weeks/week-2/index.html", "404.html"} <= written


def test_every_page_shares_the_course_picture_and_a_participant_their_own(partial: tuple[Path, str]) -> None:
    output = partial[0] / "output"

    def shared(page: Path) -> tuple[str, str]:
        meta = {m.get("property"): m.get("content") for m in parse(page).iter("meta")}
        return meta["og:image"], meta["og:image:alt"]

    course = (
        f"{PUBLIC_URL}/theme/images/course.png",
        "Circles of many colours joined by lines: the blogs of a cohort, linked to each other",
    )
    for page in ("index.html", "weeks/week-1/index.html", "cohort/week-1/index.html", "404.html"):
        assert shared(output / page) == course
    assert shared(output / "cohort/people/ben-okri/index.html") == course  # no picture of his own
    # Ada's, the hub's copy of her avatar: a link preview asks the site for it, not her host.
    (copy,) = (output / "pictures").glob("*.webp")
    ada = (f"{PUBLIC_URL}/pictures/{copy.name}", "Ada Lovelace’s picture")
    assert shared(output / "cohort/people/ada-lovelace/index.html") == ada
    png = (output / "theme" / "images" / "course.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1200, 630)


@pytest.fixture(scope="module")
def under_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StaticSite, Path, str]]:
    """A site published as GitHub Pages publishes a project: under /repo/, absolute links from
    SITEURL (publishconf.py), 404.html for any missing address; its content holds broken links."""
    tmp = tmp_path_factory.mktemp("repo")
    served = StaticSite(str(tmp / "output"), prefix="/repo", pages_404=True)
    content = content_without_weeks(tmp, ())
    (content / "pages" / "notes.md").write_text(
        "Title: Notes\n\nSee [week one](/cohort/week-1/), [the reading]({filename}reading.md), "
        "[week nine]({cohort}week-9/) and [the archive](../archive/).\n",
        encoding="utf-8",
    )
    site_url = served.url("/repo")
    settings = {"SITEURL": site_url, "PUBLIC_URL": site_url, "RELATIVE_URLS": False, "SEARCH": False}
    result = build(tmp, write_opml(tmp / "feeds.opml", []), content=content, pelican=settings)
    assert result.returncode == 0, result.stdout + result.stderr
    yield served, tmp / "output", result.stdout + result.stderr
    served.close()


def test_a_cohort_link_in_the_content_leads_under_the_repository(
    browser: Any, under_repo: tuple[StaticSite, Path, str]
) -> None:
    served, output, _ = under_repo
    prose = next(e for e in parse(output / "weeks" / "week-1" / "index.html").iter("article"))
    link = next(a for a in prose.iter("a") if text(a) == "what the cohort said")
    assert link.get("href") == served.url("/repo/cohort/week-1/")
    reader = Tab(browser, served)
    page = reader.open("/repo/weeks/week-1/")
    with page.expect_navigation() as went:
        page.locator("article.prose").get_by_role("link", name="what the cohort said", exact=True).click()
    assert went.value.status == 200 and page.url == served.url("/repo/cohort/week-1/")
    assert page.locator("h1").inner_text() == "What the cohort said"


def test_the_build_names_each_broken_or_root_absolute_link_and_its_file(
    under_repo: tuple[StaticSite, Path, str],
) -> None:
    served, _, printed = under_repo
    assert "course hub: pages/notes.md links to /cohort/week-1/, from the root of the domain" in printed
    for link in ("{filename}reading.md", served.url("/repo/cohort/week-9/"), "../archive/"):
        assert f"course hub: pages/notes.md links to {link}, a page the site does not have" in printed
    assert printed.count("a page the site does not have") == 3  # the demo content's own links are sound


def missing_address_in_a_browser(browser: Any, served: StaticSite, missing: str, home: str) -> None:
    """`missing` answers 404 with the site's 404 page, styled, whose links lead to real pages."""
    reader = Tab(browser, served)
    failed: list[str] = []
    reader.page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    response = reader.page.goto(served.url(missing))
    reader.page.wait_for_load_state("networkidle")
    assert response.status == 404 and failed == [served.url(missing)]  # no stylesheet, icon or favicon.ico
    page = reader.page
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(253, 252, 249)"
    icon = page.locator("link[rel=icon]").get_attribute("href")
    answer = page.request.get(urljoin(page.url, icon))
    assert answer.status == 200 and answer.headers["content-type"] == "image/svg+xml"
    for name, title in (("What the cohort said", "What the cohort said"), ("Week 3", "Seek, sense, share")):
        page.goto(served.url(missing))
        with page.expect_navigation() as went:
            page.locator("main").get_by_role("link", name=name).first.click()
        assert went.value.status == 200 and page.locator("h1").inner_text() == title
    page.goto(served.url(missing))
    page.locator("main").get_by_role("link", name="The course home page").click()
    assert page.url == served.url(home)
    assert set(failed) == {served.url(missing)}  # the missing page alone, each time it was asked for
    assert set(reader.errors) == {
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    }
    assert reader.elsewhere == []


def test_a_missing_address_under_the_repository_gets_a_working_404_page(
    browser: Any, under_repo: tuple[StaticSite, Path, str]
) -> None:
    missing_address_in_a_browser(browser, under_repo[0], "/repo/weeks/week-1/no/such/page/", "/repo/")


def test_a_missing_address_at_any_depth_of_a_site_at_the_root_gets_a_working_404_page(
    browser: Any, partial: tuple[Path, str]
) -> None:
    served = StaticSite(str(partial[0] / "output"), pages_404=True)
    try:
        missing_address_in_a_browser(browser, served, "/a/b/c/d.html", "/")
    finally:
        served.close()


def test_search_does_not_index_the_404_page_or_unwritten_weeks(partial: tuple[Path, str]) -> None:
    output = partial[0] / "output"
    for page in ("404.html", "weeks/week-2/index.html"):
        assert "data-pagefind-body" not in (output / page).read_text(encoding="utf-8")
    # Pagefind indexes only the pages marked so: the written week is, its posts' own page is.
    assert "data-pagefind-body" in (output / "weeks" / "week-1" / "index.html").read_text(encoding="utf-8")
    assert "data-pagefind-body" in (output / "cohort" / "week-2" / "index.html").read_text(encoding="utf-8")
