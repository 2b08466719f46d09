"""weeks: pure placement of posts in the course calendar."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from aggregator.inclusion import inclusion_for
from aggregator.normalize import Post
from aggregator.urls import address_keys
from aggregator.weeks import (
    course_weeks,
    current_week,
    explicit_week,
    place,
    topic_tags,
    week_of_date,
    week_page_signals,
)
from tests.conftest import COURSE, LONDON
from tests.posts import make_post

UTC = dt.UTC
EVERY = inclusion_for(COURSE, None, None)  # the course has no tag: every post is a course post


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON).astimezone(UTC)


def test_the_calendar_has_monday_to_sunday_weeks() -> None:
    weeks = course_weeks(COURSE)
    assert [w.number for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert (weeks[0].first_day, weeks[0].last_day) == (dt.date(2026, 9, 7), dt.date(2026, 9, 13))
    assert (weeks[5].first_day, weeks[5].last_day) == (dt.date(2026, 10, 12), dt.date(2026, 10, 18))
    assert weeks[2].slug == "week-3"


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        (local(2026, 9, 7, 0, 0), 1),  # the first minute of the course
        (local(2026, 9, 6, 23, 59), None),  # the minute before
        (local(2026, 9, 13, 23, 30), 1),  # 23:30 local on the last day of week 1 (22:30 UTC)
        (local(2026, 9, 14, 0, 10), 2),  # ten past midnight local is week 2, though UTC is still Sunday
        (dt.datetime(2026, 9, 13, 23, 30, tzinfo=UTC), 2),  # 23:30 UTC Sunday is 00:30 Monday in London
        (local(2026, 10, 18, 23, 59), 6),  # the last minute of the course
        (local(2026, 10, 19, 0, 0), None),  # the course is over
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), None),
    ],
)
def test_week_of_date_uses_the_course_time_zone(moment: dt.datetime, week: int | None) -> None:
    assert week_of_date(moment, COURSE) == week


def test_a_week_boundary_after_the_clocks_change() -> None:
    course = dataclasses.replace(COURSE, start=dt.date(2026, 10, 19), weeks=2)
    # 25 Oct 2026: BST ends. 23:30 GMT on Sunday 1 Nov is still week 2, 00:30 Monday is not.
    assert week_of_date(local(2026, 11, 1, 23, 30), course) == 2
    assert week_of_date(local(2026, 11, 2, 0, 30), course) is None


@pytest.mark.parametrize("tag", ["week-3", "week3", "Week 3", "WEEK_03", "#week-3", "  week 3 "])
def test_explicit_week_tags_in_every_spelling(tag: str) -> None:
    assert explicit_week([tag], COURSE) == 3


@pytest.mark.parametrize("tag", ["week-0", "week-7", "weekly", "week-three", "3", "midweek 3"])
def test_things_that_are_not_week_tags(tag: str) -> None:
    assert explicit_week([tag], COURSE) is None


def test_a_week_tag_overrides_the_date() -> None:
    placement = place(make_post("p", local(2026, 9, 30, 9, 0), ["Week 2"]), COURSE, EVERY)
    assert (placement.week, placement.placed_by) == (2, "tag")


def test_a_week_tag_places_a_post_from_after_the_course() -> None:
    assert place(make_post("p", local(2026, 11, 20, 9, 0), ["week-6"]), COURSE, EVERY).week == 6


def test_outside_the_course_dates_means_no_week() -> None:
    placement = place(make_post("p", local(2026, 8, 30, 9, 0), []), COURSE, EVERY)
    assert (placement.week, placement.placed_by, placement.shown) == (None, None, True)


@pytest.mark.parametrize(
    ("tags", "shown"),
    [(["OpenLearning26"], True), (["#openlearning26"], True), (["openlearning"], False), ([], False)],
)
def test_course_tag_filter_is_case_insensitive_and_ignores_hash(tags: list[str], shown: bool) -> None:
    course = dataclasses.replace(COURSE, tag="openlearning26")
    post = make_post("p", local(2026, 9, 8, 9, 0), tags)
    assert place(post, course, inclusion_for(course, None, None)).shown is shown


def test_without_a_course_tag_every_post_is_shown() -> None:
    assert place(make_post("p", local(2026, 9, 8, 9, 0), []), COURSE, EVERY).shown is True


def test_topic_tags_hide_the_course_tag_and_week_tags() -> None:
    course = dataclasses.replace(COURSE, tag="openlearning26")
    assert topic_tags(["#OpenLearning26", "week-2", "networks", "RSS"], course) == ("networks", "RSS")


# --- placement by several signals ---------------------------------------------------------------

SITE = "https://course.example"
WEEK_PAGES = week_page_signals(SITE, [(n, f"weeks/week-{n}/") for n in range(1, 7)])


def linking(*links: str, when: dt.datetime | None = None, tags: tuple[str, ...] = ()) -> Post:
    return make_post("p", when or local(2026, 9, 30, 9, 0), tags, url="https://ana.example/p/", links=links)


@pytest.mark.parametrize(
    "link",
    [
        "https://course.example/weeks/week-2/",
        "http://course.example/weeks/week-2",
        "https://www.course.example/weeks/week-2/index.html",
        "https://course.example/weeks/week-2/?utm_source=newsletter",
        "https://course.example/weeks/week-2/#readings",
    ],
)
def test_a_link_to_a_week_page_in_any_spelling_files_the_post_there(link: str) -> None:
    placement = place(linking(link), COURSE, EVERY, WEEK_PAGES)  # dated in week 4
    assert (placement.week, placement.placed_by, placement.dated, placement.moved) == (2, "link", 4, True)


@pytest.mark.parametrize(
    "link",
    [
        "https://course.example/syllabus/",
        "https://course.example/weeks/week-9/",
        "https://other.example/weeks/week-2/",
        "https://course.example/weeks/week-2/extra/",
    ],
)
def test_other_links_leave_the_post_to_its_date(link: str) -> None:
    placement = place(linking(link), COURSE, EVERY, WEEK_PAGES)
    assert (placement.week, placement.placed_by, placement.moved) == (4, "date", False)


def test_a_post_linking_to_several_weeks_goes_to_the_nearest_to_its_date() -> None:
    links = [f"{SITE}/weeks/week-{n}/" for n in (1, 3, 6)]
    assert (
        place(linking(*links), COURSE, EVERY, WEEK_PAGES).week == 3
    )  # 30 Sep is in week 4: week 3 ends 27 Sep
    assert place(linking(*links, when=local(2026, 10, 3, 9, 0)), COURSE, EVERY, WEEK_PAGES).week == 3
    assert place(linking(*links, when=local(2026, 10, 10, 9, 0)), COURSE, EVERY, WEEK_PAGES).week == 6
    assert place(linking(*links, when=local(2026, 8, 1, 9, 0)), COURSE, EVERY, WEEK_PAGES).week == 1
    tie = [f"{SITE}/weeks/week-{n}/" for n in (5, 3)]  # Thu 1 Oct: 4 days after week 3, 4 before week 5
    assert place(linking(*tie, when=local(2026, 10, 1, 9, 0)), COURSE, EVERY, WEEK_PAGES).week == 3


def test_without_a_public_address_links_place_nothing() -> None:
    signals = week_page_signals(None, [(2, "weeks/week-2/")])
    assert place(linking(f"{SITE}/weeks/week-2/"), COURSE, EVERY, signals).placed_by == "date"


def test_the_signals_apply_in_order_override_tag_link_date() -> None:
    post = linking(f"{SITE}/weeks/week-2/", tags=("week-5",))
    override = dataclasses.replace(
        WEEK_PAGES, overrides={k: 6 for k in address_keys("https://ana.example/p")}
    )
    assert (place(post, COURSE, EVERY, override).week, place(post, COURSE, EVERY, override).placed_by) == (
        6,
        "override",
    )
    assert (
        place(post, COURSE, EVERY, WEEK_PAGES).week,
        place(post, COURSE, EVERY, WEEK_PAGES).placed_by,
    ) == (5, "tag")
    untagged = linking(f"{SITE}/weeks/week-2/")
    assert (
        place(untagged, COURSE, EVERY, WEEK_PAGES).week,
        place(untagged, COURSE, EVERY, WEEK_PAGES).placed_by,
    ) == (
        2,
        "link",
    )
    assert place(untagged, COURSE, EVERY).placed_by == "date"


def test_current_week_is_todays_or_the_last_once_over() -> None:
    assert current_week(dt.date(2026, 9, 6), COURSE) is None
    assert current_week(dt.date(2026, 9, 7), COURSE) == 1
    assert current_week(dt.date(2026, 9, 30), COURSE) == 4
    assert current_week(dt.date(2027, 1, 1), COURSE) == 6
