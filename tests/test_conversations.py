"""Conversations: who answers whom, however a link is spelled; threads; what the site shows of them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import html5lib
import pytest

from aggregator.archive import Record
from aggregator.cohort import build_cohort, find_threads
from aggregator.conversations import find_links
from aggregator.moderation import Moderation, Rule
from aggregator.normalize import Post
from aggregator.registry import Participant
from tests.conftest import COURSE
from tests.posts import make_post

ANA_POST = "https://ana.example/2026/09/networks/"


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 9, day, 12, tzinfo=dt.UTC)


def answer(*links: str) -> Post:
    return make_post("b1", at(9), url="https://ben.example/reply/", links=links)


@pytest.mark.parametrize(
    "link",
    [
        ANA_POST,
        "http://ana.example/2026/09/networks",
        "https://www.ana.example/2026/09/networks/index.html",
        "https://ANA.example/2026/09/networks/?utm_source=mastodon&utm_medium=social&fbclid=IwAR0x",
        "https://ana.example/2026/09/networks/amp/",
        "https://ana.example/2026/09/networks/?amp=1",
        "https://m.ana.example/2026/09/networks/",
        "https://ana.example/2026/09/networks/#comments",
    ],
)
def test_a_link_to_a_post_in_any_spelling_is_a_response(link: str) -> None:
    links = find_links([("ana", make_post("a1", at(8), url=ANA_POST)), ("ben", answer(link))])
    assert links.responses == {("ana", "a1"): (("ben", "b1"),)}
    assert links.responds_to == {("ben", "b1"): (("ana", "a1"),)}
    assert links.see_also == {}


@pytest.mark.parametrize(
    "link",
    [
        "https://ana.example/2026/09/networks-2/",
        "https://ana.example/2026/09/",
        "https://ana.example.evil.example/2026/09/networks/",
        "https://ana.example/2026/09/networks/?page=2",
        "mailto:ana@ana.example",
    ],
)
def test_links_near_a_post_are_no_response(link: str) -> None:
    links = find_links([("ana", make_post("a1", at(8), url=ANA_POST)), ("ben", answer(link))])
    assert (links.responses, links.responds_to) == ({}, {})


def test_a_link_to_ones_own_post_is_see_also_and_to_itself_nothing() -> None:
    first = make_post("a1", at(8), url=ANA_POST)
    second = make_post(
        "a2", at(10), url="https://ana.example/later/", links=(ANA_POST, "https://ana.example/later/")
    )
    links = find_links([("ana", first), ("ana", second)])
    assert links.see_also == {("ana", "a2"): (("ana", "a1"),)}
    assert (links.responses, links.responds_to) == ({}, {})


def test_namesakes_answer_each_other() -> None:
    """People are not names, nor are hosts: two participants on one host answer each other."""
    mine = make_post("a1", at(8), url="https://blogs.example/ana/hello/")
    theirs = make_post(
        "a1", at(9), url="https://blogs.example/ana-2/hi/", links=("https://blogs.example/ana/hello",)
    )
    links = find_links([("ana-lima-1", mine), ("ana-lima-2", theirs)])
    assert links.responses == {("ana-lima-1", "a1"): (("ana-lima-2", "a1"),)}


def person(slug: str, name: str) -> Participant:
    return Participant(slug, name, f"https://{slug}.example/feed.xml", f"https://{slug}.example/")


def test_only_posts_the_site_shows_take_part() -> None:
    """A hidden post neither answers nor is answered; an untagged one is not a course post."""
    course = dataclasses.replace(COURSE, tag="ol26")
    ana, ben, cy = person("ana", "Ana Lima"), person("ben", "Ben Okri"), person("cy", "Cy Twombly")
    records = {
        "ana": Record(ana, posts=(make_post("a1", at(8), ["ol26"], url=ANA_POST),)),
        "ben": Record(
            ben, posts=(make_post("b1", at(9), ["ol26"], url="https://ben.example/1/", links=(ANA_POST,)),)
        ),
        "cy": Record(cy, posts=(make_post("c1", at(9), [], url="https://cy.example/1/", links=(ANA_POST,)),)),
    }
    hide_ben = Moderation((Rule("hide", None, "https://ben.example/1/"),))
    talk = {
        e.key: e.talk
        for w in build_cohort([ana, ben, cy], records, course, hide_ben).weeks
        for e in w.entries
    }
    assert talk[("ana", "a1")].responses == ()
    shown = {e.key: e.talk for w in build_cohort([ana, ben, cy], records, course).weeks for e in w.entries}
    assert [e.key for e in shown[("ana", "a1")].responses] == [("ben", "b1")]


def test_threads_hold_a_post_and_every_answer_longest_first() -> None:
    people = [person(slug, slug.title()) for slug in ("ana", "ben", "cy", "dee", "eve")]
    url = {slug: f"https://{slug}.example/p/" for slug in ("ana", "ben", "cy", "dee", "eve")}
    posts = {
        "ana": make_post("p", at(8), url=url["ana"]),
        "ben": make_post("p", at(9), url=url["ben"], links=(url["ana"],)),
        "cy": make_post("p", at(10), url=url["cy"], links=(url["ben"],)),  # answers an answer
        "dee": make_post("p", at(11), url=url["dee"]),
        "eve": make_post("p", at(12), url=url["eve"], links=(url["dee"], url["ana"])),  # in both
    }
    records = {p.id: Record(p, posts=(posts[p.id],)) for p in people}
    cohort = build_cohort(people, records, COURSE)
    assert [[e.member.participant.id for e in t.entries] for t in cohort.threads] == [
        ["ana", "ben", "cy", "eve"],
        ["dee", "eve"],
    ]
    assert [len(t.entries) for t in cohort.week(1).threads] == [4, 2]
    assert [len(t.entries) for t in cohort.threads_of("dee")] == [2]
    assert cohort.threads_of("nobody") == ()
    assert [e.member.participant.id for e in cohort.week(1).most_discussed(5)] == ["ana", "dee", "ben"]
    assert find_threads(()) == ()


# --- the demo, as a reader meets it ------------------------------------------------------------------


def page(site: Path, path: str) -> object:
    return html5lib.parse(
        (site / "output" / path / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False
    )


def texts(document: object, css_class: str) -> list[str]:
    return [
        " ".join("".join(e.itertext()).split())
        for e in document.iter()  # type: ignore[attr-defined]
        if css_class in (e.get("class") or "").split()
    ]


def test_the_demo_week_shows_its_conversations_longest_first(demo_site: Path) -> None:
    week3 = page(demo_site, "2026-autumn/cohort/week-3")
    section = next(e for e in week3.iter("section") if e.get("class") == "conversations")
    threads = [
        [" ".join("".join(li.itertext()).split()) for li in ol.iter("li")] for ol in section.iter("ol")
    ]
    assert threads[0][:3] == [
        "Tomás Ibáñez’s “Reading feeds without drowning” (week 3)",
        "Maya Okafor’s “Seek, sense, share: a confession about 400 unread feeds” (week 3), answering Tomás Ibáñez",
        "Ellen Fairweather’s “My grandson showed me RSS” (week 3), answering Maya Okafor, Tomás Ibáñez",
    ]
    assert len(threads[0]) == 8 and [len(t) for t in threads] == sorted(map(len, threads), reverse=True)
    assert texts(week3, "lede")[1] == "One conversation between participants."
    assert (
        texts(page(demo_site, "2026-autumn/cohort/week-6"), "lede")[1]
        == "6 conversations between participants, the longest first."
    )


def test_demo_cards_say_who_answered_and_what_they_answer(demo_site: Path) -> None:
    talk = texts(page(demo_site, "2026-autumn/cohort/week-3"), "card-talk")
    assert (
        "5 responses from the cohort: Maya Okafor, Ellen Fairweather, Grace Mwangi, Jonas Müller, Liam O’Connor."
        in talk
    )
    assert "In response to Tomás Ibáñez’s “Reading feeds without drowning”." in talk
    week4 = texts(page(demo_site, "2026-autumn/cohort/week-4"), "card-talk")
    assert "See also: “I finally understand RSS”." in week4


def test_a_demo_post_is_filed_by_its_link_and_says_so(demo_site: Path) -> None:
    # Maya's welcome, dated the week before the course: the oldest of week 1, on its second page.
    assert texts(page(demo_site, "2026-autumn/cohort/week-1/page/2"), "card-placed") == [
        "Filed under week 1: it links to the week 1 prompt."
    ]
    # The date's week needs no note: Grace's "Week six" links to the week 6 page and is dated in it.
    assert texts(page(demo_site, "2026-autumn/cohort/week-6"), "card-placed") == [
        "Filed under week 6: its week tag says so.",
    ]


def test_a_demo_participant_page_lists_their_conversations(demo_site: Path) -> None:
    tomas = page(demo_site, "2026-autumn/cohort/people/tomas-ibanez")
    heads = texts(tomas, "conversations")
    assert heads and heads[0].startswith(
        "Conversations Tomás Ibáñez took part in 3 conversations with the cohort."
    )


def test_the_demo_home_shows_the_most_discussed_posts_of_the_week(demo_site: Path) -> None:
    home = html5lib.parse(
        (demo_site / "output" / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False
    )
    headings = [" ".join("".join(h.itertext()).split()) for h in home.iter("h2")]
    assert "Most discussed in week 6" in headings  # the course is over: its last week
