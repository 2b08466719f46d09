"""A course with terms, in real builds: each term's pages under its folder for good, a frozen term's
pages the same byte for byte from build to build, the addresses of the course that ran before terms
kept working by static redirect pages, and every link of a two-term site leading somewhere."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from aggregator.archive import Archive, Record
from aggregator.registry import HUB_NS, load_registry
from plugins.cohort.search import indexed_week_pages, pagefind_command
from tests.conftest import LONDON
from tests.loopback import StaticSite
from tests.posts import make_post
from tests.sitebuild import build, course_without_terms
from tests.tab import Tab
from tests.test_navigation import PUBLIC_URL, addresses, broken_links, parse, site_file, text

AUTUMN_25 = {
    "slug": "2025-autumn",
    "title": "Autumn 2025",
    "start": "2025-09-08",
    "weeks": 5,
    "timezone": "America/New_York",  # its pages give its dates in its own time zone
    "tag": "openlearning25",
    "frozen": True,
}
AUTUMN_26 = {
    "slug": "2026-autumn",
    "title": "Autumn 2026",
    "start": "2026-09-07",
    "weeks": 6,
    "timezone": "Europe/London",
    "tag": "openlearning26",
}
SPRING_27 = {**AUTUMN_26, "slug": "2027-spring", "title": "Spring 2027", "start": "2027-03-01", "weeks": 4}
AUTUMN_27 = {**AUTUMN_26, "slug": "2027-autumn", "title": "Autumn 2027", "start": "2027-09-06"}
ADA = ("Ada Lovelace", "https://ada.example/feed.xml", "https://ada.example/")
BEN = ("Ben Okri", "https://ben.example/feed.xml", "https://ben.example/")
CLEO = ("Cleo Diaz", "https://cleo.example/feed.xml", "https://cleo.example/")
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')


def outline(name: str, feed: str, blog: str) -> str:
    return f'<outline type="rss" text="{name}" xmlUrl="{feed}" htmlUrl="{blog}"/>'


def write_opml(
    path: Path, folders: dict[str | None, list[tuple[str, str, str]]], titles: dict[str, str]
) -> Path:
    """feeds.opml with a folder of outlines per term slug (None: outlines outside every folder)."""
    body = [outline(*row) for row in folders.get(None, [])]
    for slug, rows in folders.items():
        if slug is not None:
            inner = "".join(outline(*row) for row in rows)
            body.append(f'<outline text="{titles[slug]}" hub:term="{slug}">{inner}</outline>')
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0" xmlns:hub="{HUB_NS}">'
        f"<head><title>t</title></head><body>{''.join(body)}</body></opml>\n",
        encoding="utf-8",
    )
    return path


def save_posts(
    archive: Path, opml: Path, term: str | None, name: str, posts: Iterable[tuple[str, str]], *tags: str
) -> None:
    """Archive `name`'s posts (slug, London time, noon unless given) in `term`, each with the
    term's tag and `tags`."""
    person = next(p for p in load_registry(opml) if p.name == name and p.term == term)
    tag = {None: "openlearning26", **{t["slug"]: t["tag"] for t in (AUTUMN_25, AUTUMN_26, SPRING_27)}}[term]
    made = [make_post(slug, london(when), (tag, *tags), title=slug) for slug, when in posts]
    Archive(archive / term if term else archive).save(Record(person, posts=tuple(made)))


def london(when: str) -> dt.datetime:
    return dt.datetime.fromisoformat(when if "T" in when else when + "T12:00").replace(tzinfo=LONDON)


def week_file(source: Path, target: Path, up: str) -> None:
    """A week page of the demo as a term's: no Url or Save_as, links to pages one folder further up."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = "".join(line for line in lines if not line.startswith(("Slug:", "Url:", "Save_as:")))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(kept.replace("{filename}../pages/", "{filename}" + up + "pages/"), encoding="utf-8")


def term_content(tmp: Path, terms: dict[str, Iterable[int]], syllabus_term: str) -> Path:
    """The demo content with its week pages in term folders (`terms`: slug -> week numbers)."""
    content = tmp / "content"
    shutil.copytree(course_without_terms() / "pages", content / "pages")
    for slug, numbers in terms.items():
        for n in numbers:
            week_file(
                course_without_terms() / "weeks" / f"week-{n}.md",
                content / "weeks" / slug / f"week-{n}.md",
                "../../",
            )
    syllabus = content / "pages" / "syllabus.md"
    text_ = syllabus.read_text(encoding="utf-8")
    syllabus.write_text(
        text_.replace("{filename}../weeks/", f"{{filename}}../weeks/{syllabus_term}/"), encoding="utf-8"
    )
    return content


def term_build(tmp: Path, content: Path, terms: list[dict[str, Any]], **pelican: Any) -> str:
    result = build(
        tmp,
        tmp / "feeds.opml",
        offline=True,
        content=content,
        pelican={"SEARCH": False, **pelican},
        terms=terms,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def files(output: Path, under: str = "") -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted((output / under).rglob("*"))
        if path.is_file()
    }


def redirect_target(page: Path) -> str | None:
    found = REFRESH.search(page.read_text(encoding="utf-8")) if page.suffix == ".html" else None
    return found[1] if found else None


# --- a two-term site: a frozen past term and the current one --------------------------------------


@pytest.fixture(scope="module")
def two_terms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Built twice: between the builds the current term's archive gains a post. Returns the first
    build's files of each term, the output folder and the build's folder."""
    tmp = tmp_path_factory.mktemp("terms")
    titles = {"2025-autumn": "Autumn 2025", "2026-autumn": "Autumn 2026"}
    opml = write_opml(tmp / "feeds.opml", {"2025-autumn": [ADA, BEN], "2026-autumn": [ADA, CLEO]}, titles)
    archive = tmp / "archive"
    ada_25 = [("ada-25-a", "2025-09-09"), ("ada-25-b", "2025-09-16")]
    save_posts(archive, opml, "2025-autumn", "Ada Lovelace", ada_25, "Maps")
    # Half past midnight in London on Wednesday: still Tuesday evening in the term's New York.
    save_posts(archive, opml, "2025-autumn", "Ben Okri", [("ben-25-a", "2025-09-10T00:30")], "maps")
    save_posts(archive, opml, "2026-autumn", "Ada Lovelace", [("ada-26-a", "2026-09-08")])
    content = term_content(tmp, {"2025-autumn": (1, 2), "2026-autumn": range(1, 7)}, "2026-autumn")
    terms = [AUTUMN_25, AUTUMN_26]
    term_build(tmp, content, terms)
    first = {slug: files(tmp / "output", slug) for slug in titles}
    save_posts(archive, opml, "2026-autumn", "Cleo Diaz", [("cleo-26-a", "2026-09-15")])
    printed = term_build(tmp, content, terms)
    return {"first": first, "output": tmp / "output", "tmp": tmp, "content": content, "printed": printed}


def test_a_frozen_terms_pages_are_the_same_bytes_while_the_current_term_changes(
    two_terms: dict[str, Any],
) -> None:
    output, first = two_terms["output"], two_terms["first"]
    assert files(output, "2025-autumn") == first["2025-autumn"]
    assert len(first["2025-autumn"]) > 20  # weeks, their feeds, people, participants, tags ...
    now = files(output, "2026-autumn")
    changed = sorted(name for name, data in now.items() if first["2026-autumn"].get(name) != data)
    assert "2026-autumn/cohort/week-2/index.html" in changed and "2026-autumn/cohort/feed.atom" in changed
    assert "2026-autumn/cohort/people/cleo-diaz/index.html" in changed
    frozen = (output / "2025-autumn" / "cohort" / "index.html").read_text(encoding="utf-8")
    assert "(this week)" not in frozen and 'class="current"' not in frozen and "aria-current" not in frozen


def test_each_term_has_its_own_pages_and_people(two_terms: dict[str, Any]) -> None:
    output = two_terms["output"]
    week = parse(output / "2025-autumn" / "cohort" / "week-1" / "index.html")
    assert [text(h) for h in week.iter("h2") if "card-title" in (h.get("class") or "")] == [
        "ben-25-a",
        "ada-25-a",
    ]
    assert next(e for e in week.iter("header") if e.get("data-pagefind-meta")).get("data-pagefind-meta") == (
        "week:Autumn 2025 · Week 1"
    )
    ben = next(e for e in week.iter("article") if "ben-25-a" in text(e))
    assert text(next(ben.iter("time"))) == "Tue, Sep 9, 2025"  # in the term's time zone, New York's
    tags = [(a.get("href"), text(a)) for a in ben.iter("a") if a.get("rel") == "tag"]
    assert tags == [("../../cohort/tags/maps/", "maps")]  # its own term's tag page, not via the root
    nav = next(e for e in week.iter("nav") if e.get("class") == "week-nav")
    assert nav.get("aria-label") == "Weeks of Autumn 2025"
    assert [a.get("href") for a in nav.iter("a")] == [f"../../weeks/week-{n}/" for n in range(1, 6)]
    ada = parse(output / "2025-autumn" / "cohort" / "people" / "ada-lovelace" / "index.html")
    assert "2 posts for the course" in text(ada.find(".//main"))
    ada_now = parse(output / "2026-autumn" / "cohort" / "people" / "ada-lovelace" / "index.html")
    assert "1 post for the course" in text(ada_now.find(".//main"))
    assert not (output / "2026-autumn" / "cohort" / "people" / "ben-okri").exists()
    assert not (output / "cohort" / "people").exists()  # no term moved from the root here


def test_every_link_on_a_terms_page_to_a_week_or_a_person_stays_in_its_term(
    two_terms: dict[str, Any],
) -> None:
    output = two_terms["output"]
    checked = 0
    for slug in ("2025-autumn", "2026-autumn"):
        for page in sorted((output / slug).rglob("*.html")):
            for address in addresses(parse(page)):
                file = site_file(output, page, address)
                where = file.relative_to(output).as_posix() if file else ""
                if "/weeks/" in "/" + where or "/cohort/" in "/" + where:
                    checked += 1
                    assert where.startswith(slug + "/"), f"{page.relative_to(output)} links {address}"
    assert checked > 500


def test_a_terms_week_file_gets_its_address_and_its_own_cohort(two_terms: dict[str, Any]) -> None:
    output = two_terms["output"]
    week = parse(output / "2025-autumn" / "weeks" / "week-1" / "index.html")
    prose = next(e for e in week.iter("article"))
    assert next(a for a in prose.iter("a") if text(a) == "what the cohort said").get("href") == (
        "../../../2025-autumn/cohort/week-1/"
    )
    cohort = next(a for a in prose.iter("a") if "What the cohort said this week" in text(a))
    assert (text(cohort), cohort.get("href")) == (
        "What the cohort said this week: 2 posts →",
        "../../../2025-autumn/cohort/week-1/",
    )
    assert "Week 1 · Mon, Sep 8 – Sun, Sep 14, 2025" in text(week.find(".//main"))
    unwritten = parse(output / "2025-autumn" / "weeks" / "week-3" / "index.html")
    assert "The facilitators have not published this week's material yet." in text(unwritten.find(".//main"))
    syllabus = next(parse(output / "syllabus" / "index.html").iter("article"))
    assert [a.get("href") for a in syllabus.iter("a") if "weeks/" in a.get("href")][:2] == [
        "../2026-autumn/weeks/week-1/",
        "../2026-autumn/weeks/week-2/",
    ]
    assert "Unable to find" not in two_terms["printed"]


def test_the_terms_page_and_the_home_page_list_every_term_newest_first(two_terms: dict[str, Any]) -> None:
    output = two_terms["output"]
    for page, nav in (("terms/index.html", "../"), ("index.html", "./")):
        items = [li for li in parse(output / page).iter("li") if "term" in (li.get("class") or "").split()]
        assert [text(li) for li in items] == [
            "Autumn 2026 (current term) Sep 7 – Oct 18, 2026 · 2 participants · 2 posts "
            "What the cohort said · Week 1",
            "Autumn 2025 Sep 8 – Oct 12, 2025 · 2 participants · 3 posts What the cohort said · Week 1",
        ]
        links = [a.get("href") for a in items[1].iter("a")]
        assert links == [f"{nav}2025-autumn/cohort/"] * 2 + [f"{nav}2025-autumn/weeks/week-1/"]
    header = next(parse(output / "2025-autumn" / "cohort" / "index.html").iter("nav"))
    assert "Past terms" in [text(a) for a in header.iter("a")]


def test_the_sitemap_lists_every_terms_pages_and_no_redirect(two_terms: dict[str, Any]) -> None:
    output = two_terms["output"]
    sitemap = ET.parse(output / "sitemap.xml").getroot()
    listed = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for path in (
        "2025-autumn/cohort/week-1/",
        "2025-autumn/weeks/week-1/",
        "2025-autumn/weeks/week-3/",
        "2026-autumn/cohort/people/cleo-diaz/",
        "terms/",
        "",
    ):
        assert f"{PUBLIC_URL}/{path}" in listed
    assert f"{PUBLIC_URL}/cohort/" not in listed
    redirect = (output / "cohort" / "index.html").read_text(encoding="utf-8")
    assert redirect_target(output / "cohort" / "index.html") == "../2026-autumn/cohort/"
    assert '<meta name="robots" content="noindex">' in redirect and "data-pagefind-body" not in redirect
    assert f'<link rel="canonical" href="{PUBLIC_URL}/2026-autumn/cohort/">' in redirect


def test_every_internal_link_of_a_two_term_site_leads_to_a_file(two_terms: dict[str, Any]) -> None:
    broken, per_page = broken_links(two_terms["output"])
    assert broken == []
    assert per_page > 20


def test_search_indexes_every_terms_pages_newest_term_first(two_terms: dict[str, Any]) -> None:
    output = two_terms["output"]
    roots = ("2025-autumn/", "2026-autumn/")
    assert indexed_week_pages(output, 3, roots) == [f"2026-autumn/cohort/week-{n}/" for n in (6, 5, 4)]
    assert indexed_week_pages(output, 13, roots)[-2:] == [
        "2025-autumn/cohort/week-2/",
        "2025-autumn/cohort/week-1/",
    ]
    glob = pagefind_command(output, 0, roots)[6]
    assert "2025-autumn/weeks/**/*.html,2025-autumn/cohort/participants/**/*.html" in glob


def test_a_withdrawal_reaches_a_frozen_terms_pages(two_terms: dict[str, Any], tmp_path: Path) -> None:
    for name in ("feeds.opml", "archive"):
        (shutil.copytree if name == "archive" else shutil.copy)(two_terms["tmp"] / name, tmp_path / name)
    (tmp_path / "moderation.yml").write_text(
        "withdraw:\n  - post: https://x.example/ada-25-a\n", encoding="utf-8"
    )
    term_build(tmp_path, two_terms["content"], [AUTUMN_25, AUTUMN_26])
    before, after = two_terms["output"], tmp_path / "output"
    for page in ("cohort/week-1/index.html", "cohort/people/ada-lovelace/index.html", "cohort/feed.atom"):
        assert "ada-25-a" in (before / "2025-autumn" / page).read_text(encoding="utf-8")
        assert "ada-25-a" not in (after / "2025-autumn" / page).read_text(encoding="utf-8")
    assert "ada-25-b" in (after / "2025-autumn" / "cohort/people/ada-lovelace/index.html").read_text(
        encoding="utf-8"
    )


def test_the_cohort_address_leads_to_the_current_term_in_a_browser(
    browser: Any, two_terms: dict[str, Any]
) -> None:
    served = StaticSite(str(two_terms["output"]))
    try:
        page = Tab(browser, served).page
        page.goto(served.url("/cohort/"))
        page.wait_for_url(served.url("/2026-autumn/cohort/"))
        assert page.locator("h1").inner_text() == "What the cohort said"
        assert page.locator("nav.week-nav").get_attribute("aria-label") == "Weeks of Autumn 2026"
    finally:
        served.close()


# --- the course that ran before terms, moved under its slug --------------------------------------


def no_terms_site(tmp: Path) -> Path:
    """The demo course as it was before terms, with an archive of two participants' posts."""
    opml = write_opml(tmp / "feeds.opml", {None: [ADA, BEN]}, {})
    save_posts(
        tmp / "archive", opml, None, "Ada Lovelace", [("ada-a", "2026-09-08"), ("ada-b", "2026-09-09")]
    )
    save_posts(tmp / "archive", opml, None, "Ben Okri", [("ben-a", "2026-09-15")])
    result = build(tmp, opml, offline=True, pelican={"SEARCH": False, "COHORT_PER_PAGE": 1})
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp / "output"


def with_terms(before: Path, tmp: Path, terms: list[dict[str, Any]]) -> Path:
    """The same course with terms: its cohort, archive and weeks moved to 2026-autumn, and `terms`."""
    titles = {term["slug"]: term["title"] for term in terms}
    write_opml(tmp / "feeds.opml", {"2026-autumn": [ADA, BEN], **{t["slug"]: [] for t in terms[1:]}}, titles)
    shutil.copytree(before / "archive", tmp / "archive" / "2026-autumn")
    content = term_content(tmp, {"2026-autumn": range(1, 7)}, "2026-autumn")
    term_build(tmp, content, terms, COHORT_PER_PAGE=1)
    return tmp / "output"


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    before = no_terms_site(tmp_path_factory.mktemp("before"))
    terms = [{**AUTUMN_26, "moved_from_root": True}, SPRING_27]
    after = with_terms(before.parent, tmp_path_factory.mktemp("after"), terms)
    later = with_terms(before.parent, tmp_path_factory.mktemp("later"), [*terms, AUTUMN_27])
    return {"before": before, "after": after, "later": later}


def old_pages(before: Path) -> Iterator[str]:
    for path in sorted(before.rglob("*")):
        if path.is_file() and path.relative_to(before).parts[0] != "theme":
            yield path.relative_to(before).as_posix()


def test_every_address_of_the_course_before_terms_is_still_there(moved: dict[str, Path]) -> None:
    before, after = moved["before"], moved["after"]
    old = list(old_pages(before))
    assert "cohort/week-1/page/2/index.html" in old and "cohort/people/ben-okri/index.html" in old
    missing = [path for path in old if not (after / path).is_file()]
    assert missing == []
    redirects = {path: redirect_target(after / path) for path in old if redirect_target(after / path)}
    assert redirects["cohort/week-1/page/2/index.html"] == "../../../../2026-autumn/cohort/week-1/page/2/"
    assert redirects["weeks/week-3/index.html"] == "../../2026-autumn/weeks/week-3/"
    assert redirects["cohort/index.html"] == "../2027-spring/cohort/"  # the current term's
    kept = [path for path in old if path.endswith(".html") and path not in redirects]
    assert kept == [
        "404.html",
        "about/index.html",
        "index.html",
        "join/index.html",
        "search/index.html",
        "syllabus/index.html",
    ]
    # A feed reader does not follow a redirect page: a week's feed keeps its address, and its bytes.
    assert (after / "cohort/week-1/feed.atom").read_bytes() == (
        before / "cohort/week-1/feed.atom"
    ).read_bytes()
    current = ET.parse(after / "cohort/feed.atom").getroot()
    assert current.find("{http://www.w3.org/2005/Atom}id").text == f"{PUBLIC_URL}/cohort/feed.atom"
    assert current.findall("{http://www.w3.org/2005/Atom}entry") == []  # Spring 2027's: no post yet


def test_each_old_address_leads_to_the_same_page_at_its_new_one_in_a_browser(
    browser: Any, moved: dict[str, Path]
) -> None:
    before, after = moved["before"], moved["after"]
    served = StaticSite(str(after))
    try:
        tab = Tab(browser, served)
        followed = 0
        for path in old_pages(before):
            target = redirect_target(after / path)
            if target is None:
                continue
            old_address = served.url("/" + path.removesuffix("index.html"))
            tab.page.goto(old_address)
            tab.page.wait_for_url(urljoin(old_address, target))
            assert urlsplit(tab.page.url).path == "/2026-autumn/" + path.removesuffix("index.html") or (
                path == "cohort/index.html"
            )
            old_h1 = text(next(parse(before / path).iter("h1")))
            assert tab.page.locator("h1").inner_text() == old_h1, path
            followed += 1
        assert followed > 15
        assert tab.errors == [] and tab.elsewhere == []
    finally:
        served.close()


def test_every_address_of_a_term_survives_the_next_terms_start(moved: dict[str, Path]) -> None:
    after, later = moved["after"], moved["later"]
    term = files(after, "2026-autumn")
    assert len(term) > 20
    assert [path for path in term if not (later / path).is_file()] == []
    assert [path for path in old_pages(moved["before"]) if not (later / path).is_file()] == []
    assert redirect_target(later / "cohort" / "index.html") == "../2027-autumn/cohort/"


def test_the_cohort_address_leads_to_the_current_term_under_a_repository(
    browser: Any, two_terms: dict[str, Any], tmp_path: Path
) -> None:
    """Published as GitHub Pages publishes a project: under /repo/, with absolute links."""
    for name in ("feeds.opml", "archive"):
        (shutil.copytree if name == "archive" else shutil.copy)(two_terms["tmp"] / name, tmp_path / name)
    served = StaticSite(str(tmp_path / "output"), prefix="/repo")
    try:
        site = served.url("/repo")
        term_build(tmp_path, two_terms["content"], [AUTUMN_25, AUTUMN_26], SITEURL=site, RELATIVE_URLS=False)
        assert redirect_target(tmp_path / "output" / "cohort" / "index.html") == f"{site}/2026-autumn/cohort/"
        page = Tab(browser, served).page
        page.goto(served.url("/repo/cohort/"))
        page.wait_for_url(served.url("/repo/2026-autumn/cohort/"))
        assert page.locator("h1").inner_text() == "What the cohort said"
    finally:
        served.close()


def test_a_past_terms_pages_say_it_has_ended_and_lead_to_every_term(two_terms: dict[str, Any]) -> None:
    output = two_terms["output"]
    past = [
        "2025-autumn/cohort/week-1",
        "2025-autumn/cohort/people/ada-lovelace",
        "2025-autumn/cohort/participants",
        "2025-autumn/weeks/week-2",
    ]
    for path in past:
        notice = [p for p in parse(output / path / "index.html").iter("p") if p.get("class") == "term-over"]
        assert [text(p) for p in notice] == [
            "Autumn 2025 ended on October 12, 2025. Every term of the course →"
        ]
        assert [a.get("href") for a in notice[0].iter("a")] == ["../" * path.count("/") + "../terms/"]
    for path in ("", "terms", "join"):  # pages of the whole course, not of a term
        assert 'class="term-over"' not in (output / path / "index.html").read_text(encoding="utf-8")
