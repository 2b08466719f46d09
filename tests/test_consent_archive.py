"""What the public archive keeps: course posts only, bodies only for participants shown in full, and
an archive of the previous format migrated with no course post lost and no id changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections import Counter

import pytest

from aggregator.archive import FORMAT_VERSION, Archive
from aggregator.config import Course, HubConfig, hub_config, load_settings
from aggregator.consent import kept_posts
from aggregator.inclusion import included_by, inclusion_for
from aggregator.pipeline import update
from aggregator.registry import Participant, load_registry
from aggregator.terms import members_of
from aggregator.urls import site_at
from tests.conftest import COURSE, DATA, ROOT
from tests.loopback import LoopbackServer, Reply
from tests.test_identity import post

NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
FORMAT_1 = DATA / "archive-format-1"
TAGGED = (
    "https://ada.example/2026/09/30/networks/",
    "https://ada.example/2026/09/13/sunday-night/",
)  # newest first


def ada(server: LoopbackServer, **choices: str) -> Participant:
    return Participant("ada", "Ada", server.url("/ada.rss"), None, extras=tuple(choices.items()))


@pytest.fixture
def config(config: HubConfig) -> HubConfig:
    """The course of the demo: its posts carry the tag openlearning26."""
    return dataclasses.replace(config, course=dataclasses.replace(COURSE, tag="openlearning26"))


@pytest.fixture
def feed(server: LoopbackServer) -> LoopbackServer:
    server.routes["/ada.rss"] = Reply(body=(DATA / "ada.rss").read_bytes())
    return server


def archived(config: HubConfig) -> dict[str, dict[str, object]]:
    doc = json.loads((config.archive / "ada.json").read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT_VERSION
    return {str(p["url"]): p for p in doc["posts"]}


def test_with_a_course_tag_only_course_posts_are_archived_and_no_bodies(
    config: HubConfig, feed: LoopbackServer
) -> None:
    report = update(config, [ada(feed)], now=NOW)
    assert report.outcomes[0].new_posts == 2
    posts = archived(config)
    assert tuple(posts) == TAGGED  # the sourdough post, tagged "baking", is not kept at all
    assert [p["content_html"] for p in posts.values()] == ["", ""]
    sunday = posts[TAGGED[1]]
    assert sunday["excerpt_html"].startswith("<p>Written at 23:30 London time")  # type: ignore[union-attr]
    assert sunday["links"] == ["https://ada.example/weeks/week-1/"]  # relative to the post's own page
    raw = (config.archive / "ada.json").read_text(encoding="utf-8")
    assert "sourdough" not in raw and "?p=15" not in raw


def test_posts_outside_the_course_are_listed_but_never_read(
    config: HubConfig, server: LoopbackServer
) -> None:
    """The HTML of a post the archive does not keep is never parsed or sanitized: a non-course
    post too costly to read is not even reported, and it still counts as listed by the feed."""
    costly = "<b>" * 30_000
    body = (DATA / "ada.rss").read_text(encoding="utf-8")
    body = body.replace("Nothing to do with the course.", f"<![CDATA[{costly}]]>")
    server.routes["/ada.rss"] = Reply(body=body.encode())
    (outcome,) = update(config, [ada(server)], now=NOW).outcomes
    assert (outcome.new_posts, outcome.kept_out) == (2, ())
    assert len(outcome.state.listed) == 3  # the two course posts and the sourdough one
    assert "sourdough" not in (config.archive / "ada.json").read_text(encoding="utf-8")


def test_a_participant_shown_in_full_keeps_bodies_and_gets_them_when_they_switch(
    config: HubConfig, feed: LoopbackServer
) -> None:
    update(config, [ada(feed)], now=NOW)
    update(config, [ada(feed, display="full")], now=NOW + dt.timedelta(hours=4))  # the feed is unchanged
    posts = archived(config)
    assert posts[TAGGED[1]]["content_html"] == (
        '<p>Written at 23:30 London time on the last evening of <a href="https://ada.example/weeks/week-1/" '
        'rel="ugc nofollow noopener noreferrer">week one</a>. </p>'
    )
    update(config, [ada(feed)], now=NOW + dt.timedelta(hours=8))  # and back: the bodies go
    assert [p["content_html"] for p in archived(config).values()] == ["", ""]


def test_the_course_tag_the_participants_own_tag_and_star_decide() -> None:
    """A participant's own tag counts beside the course's (it no longer replaces it)."""
    tagged, other = post("a", "https://a.example/a", "A"), post("b", "https://a.example/b", "B")
    tagged = dataclasses.replace(tagged, tags=("OpenLearning26",))
    other = dataclasses.replace(other, tags=("#mytag",))
    course = dataclasses.replace(COURSE, tag="openlearning26")
    person = Participant("p", "P", "https://a.example/feed", None)

    def kept(own_tag: str | None, in_course: Course = course) -> list[str]:
        return [p.id for p in kept_posts([tagged, other], person, inclusion_for(in_course, own_tag, None))]

    assert kept(None) == ["a"]
    assert kept("mytag") == ["a", "b"]
    assert kept("*") == ["a", "b"]
    assert kept(None, dataclasses.replace(COURSE, tag=None)) == ["a", "b"]
    assert kept("mytag", dataclasses.replace(COURSE, tag=None)) == ["b"]


def test_an_archive_of_the_previous_format_is_migrated_with_no_course_post_lost(
    config: HubConfig, server: LoopbackServer
) -> None:
    """The demo's own archive as format 1 wrote it: Maya's feed is down, Keiko (shown in full) has
    left feeds.opml. Both files are migrated by the next update."""
    shutil.copytree(FORMAT_1, config.archive)
    before = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in FORMAT_1.glob("*.json")}
    server.routes["/maya"] = Reply(503, b"down")
    maya = Participant("maya-okafor", "Maya Okafor", server.url("/maya"), "https://maya-okafor.example/")
    update(
        dataclasses.replace(config, course=dataclasses.replace(config.course, tag="openlearning26")),
        [maya],
        now=NOW,
    )
    for name, old in before.items():
        new = json.loads((config.archive / f"{name}.json").read_text(encoding="utf-8"))
        assert new["format"] == FORMAT_VERSION
        course_ids = [p["id"] for p in old["posts"] if "openlearning26" in {t.lower() for t in p["tags"]}]
        assert [p["id"] for p in new["posts"]] == course_ids  # every course post, under its id
        assert all(p["content_html"] == "" for p in new["posts"])
        assert [p["excerpt_html"] for p in new["posts"]] == [
            p["excerpt_html"] for p in old["posts"] if p["id"] in course_ids
        ]
        assert new.get("withdrawn") == old.get("withdrawn")
    maya_state = json.loads((config.archive / "maya-okafor.json").read_text(encoding="utf-8"))["state"]
    assert maya_state["consecutive_failures"] == 1 and maya_state["last_error"]["status"] == 503
    assert len(before["maya-okafor"]["posts"]) == 7 and len(before["keiko-tanaka"]["posts"]) == 6


def test_a_migrated_archive_is_left_alone_afterwards(config: HubConfig, feed: LoopbackServer) -> None:
    update(config, [ada(feed)], now=NOW)
    first = (config.archive / "ada.json").read_bytes()
    assert update(config, [ada(feed)], now=NOW + dt.timedelta(hours=4)).outcomes[0].status == "unchanged"
    assert (config.archive / "ada.json").read_bytes() == first


def test_a_post_that_gains_the_tag_later_is_taken_in(config: HubConfig, server: LoopbackServer) -> None:
    feed = (DATA / "ada.rss").read_bytes()
    server.routes["/ada.rss"] = Reply(body=feed)
    update(config, [ada(server)], now=NOW)
    assert "https://ada.example/2026/09/15/sourdough/" not in archived(config)
    server.routes["/ada.rss"] = Reply(
        body=feed.replace(b"<category>baking</category>", b"<category>openlearning26</category>")
    )
    assert update(config, [ada(server)], now=NOW + dt.timedelta(hours=4)).outcomes[0].new_posts == 1
    assert "https://ada.example/2026/09/15/sourdough/" in archived(config)


def test_the_demos_committed_archive_holds_course_posts_and_bodies_only_where_chosen() -> None:
    """Every kept post is a course post of its term by the one rule, with the demo's own settings;
    how each came in is counted, so that the demo keeps showing every rule but `*`."""
    full = {"keiko-tanaka"}  # hub:display="full" in feeds.opml
    config = hub_config(load_settings(ROOT / "pelicanconf.py"), ROOT)
    rules: dict[str | None, Counter[str | None]] = {}
    for term in config.course_terms:
        term_config = config.for_term(term)
        people = {person.id: person for person in members_of(term, load_registry(ROOT / "feeds.opml"))}
        rules[term.slug] = Counter()
        for path in sorted(term_config.archive.glob("*.json")):
            assert json.loads(path.read_text(encoding="utf-8"))["format"] == FORMAT_VERSION, path.name
            record = Archive(term_config.archive).load(path.stem)
            assert record is not None
            inclusion = inclusion_for(term.course, people[path.stem].tag, site_at(config.public_url))
            for kept in record.posts:
                rules[term.slug][included_by(kept, inclusion)] += 1
                assert bool(kept.content_html) == (path.stem in full), (path.name, kept.title)
    assert rules == {"2025-autumn": {"tag": 17}, "2026-autumn": {"tag": 69, "hashtag": 4, "link": 2}}
