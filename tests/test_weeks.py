"""weeks: pure placement of posts in the course calendar."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from aggregator.weeks import course_weeks, explicit_week, place, topic_tags, week_of_date
from tests.conftest import COURSE, LONDON
from tests.posts import make_post

UTC = dt.UTC


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
    placement = place(make_post("p", local(2026, 9, 30, 9, 0), ["Week 2"]), COURSE)
    assert (placement.week, placement.placed_by) == (2, "tag")


def test_a_week_tag_places_a_post_from_after_the_course() -> None:
    assert place(make_post("p", local(2026, 11, 20, 9, 0), ["week-6"]), COURSE).week == 6


def test_outside_the_course_dates_means_no_week() -> None:
    placement = place(make_post("p", local(2026, 8, 30, 9, 0), []), COURSE)
    assert (placement.week, placement.placed_by, placement.shown) == (None, None, True)


@pytest.mark.parametrize(
    ("tags", "shown"),
    [(["OpenLearning26"], True), (["#openlearning26"], True), (["openlearning"], False), ([], False)],
)
def test_course_tag_filter_is_case_insensitive_and_ignores_hash(tags: list[str], shown: bool) -> None:
    course = dataclasses.replace(COURSE, tag="openlearning26")
    assert place(make_post("p", local(2026, 9, 8, 9, 0), tags), course).shown is shown


def test_without_a_course_tag_every_post_is_shown() -> None:
    assert place(make_post("p", local(2026, 9, 8, 9, 0), []), COURSE).shown is True


def test_topic_tags_hide_the_course_tag_and_week_tags() -> None:
    course = dataclasses.replace(COURSE, tag="openlearning26")
    assert topic_tags(["#OpenLearning26", "week-2", "networks", "RSS"], course) == ("networks", "RSS")
