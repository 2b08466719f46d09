"""Tags that lead somewhere: which tags the cohort shares (pure), their pages, and a real build in
which two participants share a tag and one has a tag of their own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import html5lib
import pytest

from aggregator.archive import Record
from aggregator.cohort import Cohort, build_cohort
from aggregator.registry import Participant
from aggregator.tags import by_week, shared_tags, tag_key, tag_slugs
from plugins.cohort.tags import TagLinks, tag_pages
from tests.conftest import COURSE, LONDON
from tests.loopback import LoopbackServer, Reply
from tests.posts import make_post
from tests.sitebuild import build, write_opml

COURSE_TAGGED = dataclasses.replace(COURSE, tag="openlearning26")
PEOPLE = [Participant(name.lower(), name, f"https://{name.lower()}.example/feed", None) for name in "ABC"]


def cohort_of(posts: dict[str, list[tuple[str, int, tuple[str, ...]]]]) -> Cohort:
    """A cohort from (post id, day of September 2026, tags) for each participant id."""
    records = {
        person.id: Record(
            person,
            posts=tuple(
                make_post(slug, dt.datetime(2026, 9, day, 12, tzinfo=LONDON), ("openlearning26", *tags))
                for slug, day, tags in posts.get(person.id, [])
            ),
        )
        for person in PEOPLE
    }
    return build_cohort(PEOPLE, records, COURSE_TAGGED)


def summary(cohort: Cohort, limit: int = 10) -> list[tuple[str, str, int, list[str]]]:
    return [
        (tag.label, tag.slug, tag.people, [entry.post.id for entry in tag.entries])
        for tag in shared_tags(cohort, limit, "openlearning26")
    ]


def test_a_tag_is_shared_when_two_participants_use_it_however_they_spell_it() -> None:
    cohort = cohort_of(
        {
            "a": [
                ("a1", 8, ("Open Data", "knitting", "mine")),
                ("a2", 15, ("Open Data", "open_data", "mine")),  # one post, one tag
                ("a3", 16, ("#OpenData", "mine")),
            ],
            "b": [("b1", 9, ("open-data", "knitting"))],
            "c": [("c1", 10, ("Knitting",)), ("c2", 11, ("solo",))],
        }
    )
    assert summary(cohort) == [
        ("Open Data", "opendata", 2, ["a3", "a2", "b1", "a1"]),  # newest week first; most spell it so
        ("knitting", "knitting", 3, ["c1", "b1", "a1"]),  # on fewer posts, by more people
    ]  # "mine": three posts, but one participant's
    assert summary(cohort, 1) == summary(cohort)[:1]  # the limit keeps those on most posts


def test_the_course_tag_and_week_tags_never_get_a_page() -> None:
    cohort = cohort_of(
        {"a": [("a1", 8, ("Open-Learning_26", "week 1"))], "b": [("b1", 9, ("week-1", "Open Learning 26"))]}
    )
    assert summary(cohort) == []
    assert tag_key("Open-Learning_26") == tag_key("#openlearning26") == "openlearning26"


def test_slugs_are_ascii_for_any_script_and_never_shared() -> None:
    keys = ["mālō", "学习", "Ελληνικά".casefold(), "résumé", "resume", "c++", "c#x"]
    slugs = tag_slugs(keys)
    assert slugs["mālō"] == "malo"
    assert slugs["c++"] == "c"
    assert slugs["c#x"] == "c-x"
    for key in ("学习", "ελληνικά"):
        assert slugs[key].startswith("tag_") and len(slugs[key]) == len("tag_") + 8
    assert slugs["résumé"].startswith("resume_") and slugs["resume"].startswith("resume_")
    assert len(set(slugs.values())) == len(keys)
    assert all(slug.isascii() and "/" not in slug and slug.strip(".") == slug for slug in slugs.values())
    assert tag_slugs(keys) == slugs  # the same on every build


def test_tag_pages_are_paginated_by_week_and_bounded() -> None:
    cohort = cohort_of(
        {
            "a": [("a1", 8, ("maps",)), ("a2", 15, ("maps",)), ("a3", 16, ("maps",))],
            "b": [("b1", 9, ("maps",))],
        }
    )
    tags = shared_tags(cohort, 10)
    pages = list(tag_pages(tags, per_page=2, most=3))
    assert [page.path for page in pages] == ["cohort/tags/", "cohort/tags/maps/", "cohort/tags/maps/page/2/"]
    weeks = [[(n, [e.post.id for e in run]) for n, run in page.extra["weeks"]] for page in pages[1:]]
    assert weeks == [[(2, ["a3", "a2"])], [(1, ["b1"])]]  # the oldest, a1, is past `most`
    assert [page.extra["listed"] for page in pages[1:]] == [3, 3]
    links = TagLinks()
    assert links.path("Maps") is None  # before the cohort is read
    links.use(tags)
    assert (links.path("#MAPS"), links.path("atlas")) == ("cohort/tags/maps/", None)
    assert by_week([]) == []


# A real build: Ada and Ben share "Open Data" (spelled two ways); Ada alone writes about knitting.
def json_feed(name: str, items: list[tuple[str, str, list[str]]]) -> bytes:
    """A JSON Feed of (slug, date, tags), every post with the course tag."""
    posts = [
        {
            "id": f"https://{name}.example/{slug}",
            "url": f"https://{name}.example/{slug}",
            "title": f"{name.title()} on {slug}",
            "content_html": f"<p>{name.title()} writes about {slug}.</p>",
            "date_published": f"{day}T12:00:00+01:00",
            "tags": ["openlearning26", *tags],
        }
        for slug, day, tags in items
    ]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": name, "items": posts}).encode()


def build_tagged(tmp: Path, **pelican: object) -> Path:
    """Ada's and Ben's posts, three tagged "Open Data" in two spellings, built into tmp/output."""
    feeds = LoopbackServer()
    json_type = {"Content-Type": "application/feed+json"}
    ada = [("portals", "2026-09-09", ["Open Data", "knitting"]), ("licences", "2026-09-16", ["Open Data"])]
    feeds.routes["/ada.json"] = Reply(body=json_feed("ada", ada), headers=json_type)
    feeds.routes["/ben.json"] = Reply(
        body=json_feed("ben", [("census", "2026-09-10", ["open-data"])]), headers=json_type
    )
    rows = [
        ("Ada Lovelace", feeds.url("/ada.json"), "https://ada.example/"),
        ("Ben Okri", feeds.url("/ben.json"), "https://ben.example/"),
    ]
    result = build(tmp, write_opml(tmp / "feeds.opml", rows), pelican=pelican)
    feeds.close()
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp / "output"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tagged(tmp_path_factory.mktemp("tags"))


def parse(page: Path) -> ET.Element:
    return html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)


def card_tags(page: Path, title: str) -> list[tuple[str, str | None]]:
    """(tag, the address it links to, or None) on the card titled `title`."""
    card = next(a for a in parse(page).iter("article") if title in "".join(a.itertext()))
    found = card.find(".//ul[@class='tags']")
    assert found is not None
    return [
        ("".join(li.itertext()), li.find("a").get("href") if li.find("a") is not None else None)
        for li in found
    ]


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_a_shared_tag_links_to_its_page_and_a_lone_tag_is_plain_text(output: Path) -> None:
    week1 = output / "cohort" / "week-1" / "index.html"
    assert card_tags(week1, "Ada on portals") == [
        ("Open Data", "../../cohort/tags/opendata/"),
        ("knitting", None),
    ]
    assert card_tags(week1, "Ben on census") == [("open-data", "../../cohort/tags/opendata/")]
    assert sorted(p.name for p in (output / "cohort" / "tags").iterdir()) == ["index.html", "opendata"]


def test_the_tag_page_lists_both_participants_posts_newest_week_first(output: Path) -> None:
    page = parse(output / "cohort" / "tags" / "opendata" / "index.html")
    main = page.find(".//main")
    assert main is not None
    assert text(main.find(".//h1")) == "Tagged “Open Data”"
    sections = [
        (text(section.find("h2")), [text(h) for h in section.iter("h3")]) for section in main.iter("section")
    ]
    assert sections == [
        ("Week 2: Networks and nodes", ["Ada on licences"]),
        ("Week 1: Learning out loud", ["Ben on census", "Ada on portals"]),
    ]
    index = parse(output / "cohort" / "tags" / "index.html")
    assert [(text(a), a.get("href")) for a in index.iter("a") if a.get("rel") == "tag"] == [
        ("Open Data", "../../cohort/tags/opendata/")
    ]


def test_a_tag_page_listing_only_the_newest_posts_says_where_the_others_are(tmp_path: Path) -> None:
    page = parse(build_tagged(tmp_path, COHORT_TAG_POSTS=2) / "cohort" / "tags" / "opendata" / "index.html")
    lede = page.find(".//main//p[@class='lede']")
    assert text(lede) == (
        "3 posts by 2 participants, the newest week first. The newest 2 are listed here; the others"
        " are on the weeks' pages."
    )
    assert [a.get("href") for a in lede.iter("a")] == ["../../../cohort/"]


def test_tag_pages_are_in_the_sitemap(output: Path) -> None:
    sitemap = ET.parse(output / "sitemap.xml").getroot()
    locations = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {
        "https://learning-in-the-open.example/cohort/tags/",
        "https://learning-in-the-open.example/cohort/tags/opendata/",
    } <= locations


def test_every_internal_link_on_the_tag_pages_resolves(output: Path) -> None:
    pages = sorted((output / "cohort" / "tags").rglob("index.html"))
    assert len(pages) == 2
    checked = [link for page in pages for link in internal_links(output, page)]
    assert len(checked) > 20
    assert [link for link in checked if not resolves(output, link)] == []


def internal_links(output: Path, page: Path) -> list[str]:
    """Every address on `page` (links, stylesheets, scripts, images) within the site, as a path
    from the site's root with its fragment."""
    base = "/" + page.parent.relative_to(output).as_posix() + "/"
    found = []
    for element in parse(page).iter():
        address = element.get("href") or element.get("src")
        if address and not urlsplit(address).scheme and not address.startswith("//"):
            found.append(urljoin(base, address))
    return found


def resolves(output: Path, link: str) -> bool:
    path, _, fragment = link.partition("#")
    target = output / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    if not target.is_file():
        return False
    return not fragment or any(e.get("id") == fragment for e in parse(target).iter())
