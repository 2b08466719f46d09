"""The synthetic project of the build benchmark is what the hub itself would read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aggregator.archive import Archive
from aggregator.registry import load_registry
from benchmarks import course, synth


def test_the_synthetic_archive_round_trips_through_the_archive(tmp_path: Path) -> None:
    settings = synth.write_project(tmp_path, participants=3, posts=4)
    registry = load_registry(tmp_path / "feeds.opml")
    assert [person.id for person in registry] == ["p000000", "p000001", "p000002"]
    assert {person.term for person in registry} == {"2026-autumn"}  # the demo's current term
    assert sorted(path.name for path in (tmp_path / "archive").iterdir()) == ["2026-autumn"]
    archive = Archive(tmp_path / "archive" / "2026-autumn")
    for n, person in enumerate(registry):
        assert archive.load(person.id) == synth.record(n, 4)
        assert archive.save(synth.record(n, 4)) is False  # byte for byte what save() writes
    assert "COHORT_PER_PAGE = 20" in settings.read_text()


def test_the_synthetic_posts_fall_in_the_weeks_of_the_demo_s_current_term() -> None:
    term = course.current_term()
    assert (term.slug, term.course.tag) == ("2026-autumn", synth.COURSE_TAG)
    assert synth.COURSE_START.astimezone(term.course.timezone).date() == term.course.start
    assert dt.timedelta(weeks=term.course.weeks).total_seconds() == synth.COURSE_SECONDS


def test_posts_are_newest_first_within_the_course_and_mostly_tagged_for_it() -> None:
    posts = [post for n in range(40) for post in synth.record(n, 10).posts]
    assert all(synth.COURSE_START <= post.published < synth.SYNCED for post in posts)
    assert synth.record(7, 10).posts == tuple(
        sorted(synth.record(7, 10).posts, key=lambda p: p.published, reverse=True)
    )
    tagged = sum(synth.COURSE_TAG in post.tags for post in posts)
    assert 0.8 * len(posts) < tagged < len(posts)
    assert any(post.image_url for post in posts) and not all(post.image_url for post in posts)
