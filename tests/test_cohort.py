"""cohort: pure assembly of what the site shows from the registry, the archive and the calendar."""

from __future__ import annotations

import dataclasses
import datetime as dt

from aggregator.archive import FeedInfo, FeedState, Record
from aggregator.cohort import Entry, Member, build_cohort
from aggregator.normalize import Post
from aggregator.registry import Participant
from aggregator.weeks import Placement
from tests.conftest import COURSE, LONDON
from tests.posts import make_post

COURSE_TAGGED = dataclasses.replace(COURSE, tag="openlearning26")
ADA = Participant("ada", "Ada", "https://ada.example/feed", "https://ada.example/")
BEN = Participant("ben", "Ben", "https://ben.example/feed", None)


def post(slug: str, when: dt.datetime, *tags: str) -> Post:
    return make_post(slug, when, tags)


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 9, day, hour, tzinfo=LONDON)


def test_weeks_hold_shown_posts_newest_first_and_members_count_them() -> None:
    records = {
        "ada": Record(
            ADA,
            FeedInfo(title="Ada's notes"),
            posts=(
                post("a2", at(10), "openlearning26"),
                post("a1", at(8), "#OpenLearning26"),
                post("a0", at(9), "cake"),
            ),
        ),
        "ben": Record(
            BEN, posts=(post("b1", at(9), "openlearning26", "week-2"), post("b0", at(1), "openlearning26"))
        ),
        "gone": Record(
            Participant("gone", "Gone", "https://gone.example/feed", None),
            posts=(post("g", at(9), "openlearning26"),),
        ),
    }
    cohort = build_cohort([ADA, BEN], records, COURSE_TAGGED)
    week1 = cohort.week(1)
    week2 = cohort.week(2)
    assert week1 is not None and week2 is not None
    assert [e.post.id for e in week1.entries] == ["a2", "a1"]
    assert [(e.post.id, e.placement.placed_by) for e in week2.entries] == [("b1", "tag")]
    on_pages = {e.post.id for week in cohort.weeks for e in week.entries}
    assert "b0" not in on_pages  # tagged, but before the course
    assert [(m.participant.id, m.shown, m.archived) for m in cohort.members] == [("ada", 2, 3), ("ben", 1, 2)]
    assert cohort.shown == 3
    assert [e.post.id for e in cohort.latest(2)] == ["a2", "b1"]
    assert cohort.week(7) is None


def test_blog_name_and_url_fall_back_sensibly() -> None:
    cohort = build_cohort([ADA, BEN], {"ada": Record(ADA, FeedInfo(title="Ada's notes"))}, COURSE)
    ada, ben = cohort.members
    assert (ada.blog_name, ada.blog_url) == ("Ada's notes", "https://ada.example/")
    assert (ben.blog_name, ben.blog_url) == ("ben.example", None)


def test_avatar_is_the_opml_extra_else_the_feed_image_http_or_https_else_initials() -> None:
    # http is as good as https: the hub fetches the avatar and the pages show its own copy.
    with_extra = dataclasses.replace(ADA, extras=(("avatar", "https://cdn.example/ada.png"),))
    cy = dataclasses.replace(
        Participant("cy", "cy", "https://cy.example/feed", None),
        extras=(("avatar", "ftp://cy.example/a.png"),),
    )
    cohort = build_cohort(
        [with_extra, BEN, cy],
        {
            "ada": Record(with_extra, FeedInfo(image_url="https://ada.example/logo.png")),
            "ben": Record(BEN, FeedInfo(image_url="http://ben.example/logo.png")),
            "cy": Record(cy, FeedInfo(image_url="ftp://cy.example/logo.png")),
        },
        COURSE,
    )
    ada, ben, cy = cohort.members
    assert (ada.avatar_url, ben.avatar_url, cy.avatar_url) == (
        "https://cdn.example/ada.png",
        "http://ben.example/logo.png",
        None,
    )
    assert (ben.initials, cy.initials) == ("B", "C")
    assert (
        Member(
            Participant("x", "Zoë van der Berg", "https://x.example/f", None), FeedInfo(), FeedState(), 0, 0
        ).initials
        == "ZB"
    )
    assert 0 <= ada.hue < 8


def test_reading_time_rounds_to_whole_minutes_and_is_at_least_one() -> None:
    member = build_cohort([ADA], {}, COURSE).members[0]
    placement = Placement(1, "date", "tag")
    minutes = [
        Entry(dataclasses.replace(post("p", at(8)), words=w), member, placement, ()).reading_minutes
        for w in (0, 300, 1000)
    ]
    assert minutes == [1, 1, 5]
