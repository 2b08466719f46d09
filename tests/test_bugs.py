"""One participant never hurts the others: a bug in the hub, met while updating one participant,
is reported loudly (the log, the health report with its traceback, exit status 7) while everyone
else is updated, and the worker process that dies takes no one else with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aggregator import pipeline
from aggregator.config import HubConfig
from aggregator.errors import FeedError
from aggregator.fetch import Fetched
from aggregator.pipeline import ReadFeed, update
from aggregator.registry import Participant
from aggregator.report import health_markdown, outcome_lines, summary
from tests.conftest import DATA, plant_bug, run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import write_opml

T0 = dt.datetime(2026, 9, 12, 12, 0, tzinfo=dt.UTC)
BUG_IN_BENS_FEED = """
import aggregator.pipeline

_read_feed = aggregator.pipeline.read_feed


def read_feed(fetched, now, *rest):
    if "/ben" in fetched.url:
        raise RuntimeError("a planted bug")
    return _read_feed(fetched, now, *rest)


aggregator.pipeline.read_feed = read_feed
"""
WORKER_DIES_ON_BEN = """
import multiprocessing, os
import aggregator.pipeline

_read_feed = aggregator.pipeline.read_feed


def read_feed(fetched, now, *rest):
    if "/ben" in fetched.url and multiprocessing.parent_process() is not None:
        os._exit(9)  # as the kernel's OOM killer would end it
    return _read_feed(fetched, now, *rest)


aggregator.pipeline.read_feed = read_feed
"""


BUG_IN_PICTURES = """
import aggregator.picture_update
def fetch_plan(*args):
    raise RuntimeError("a planted bug in the pictures stage")
aggregator.picture_update.fetch_plan = fetch_plan
"""


def serve(server: LoopbackServer) -> list[Participant]:
    server.routes["/ada.rss"] = Reply(body=(DATA / "ada.rss").read_bytes())
    server.routes["/ben.json"] = Reply(body=(DATA / "ben.json").read_bytes())
    server.routes["/cleo.rss"] = Reply(
        body=(DATA / "ada.rss").read_bytes().replace(b"ada.example", b"cleo.example")
    )
    return [
        Participant("ada", "Ada", server.url("/ada.rss"), None),
        Participant("ben", "Ben", server.url("/ben.json"), None),
        Participant("cleo", "Cleo", server.url("/cleo.rss"), None),
    ]


def test_a_bug_on_one_participant_is_reported_and_the_others_are_updated(
    config: HubConfig, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = serve(server)
    update(config, people, now=T0)
    bens_archive = (config.archive / "ben.json").read_bytes()
    real = pipeline.read_feed

    def buggy(fetched: Fetched, now: dt.datetime, *rest: Any) -> ReadFeed | FeedError:
        if "/ben" in fetched.url:
            raise RuntimeError("a planted bug")
        return real(fetched, now, *rest)

    monkeypatch.setattr(pipeline, "read_feed", buggy)
    server.routes["/ben.json"] = Reply(
        body=(DATA / "ben.json").read_bytes().replace(b"Ten past", b"Eleven past")
    )
    server.routes["/ada.rss"] = Reply(
        body=(DATA / "ada.rss").read_bytes().replace(b"Catching up", b"Caught up")
    )
    report = update(config, people, now=T0 + dt.timedelta(hours=6))

    assert [o.status for o in report.outcomes] == ["updated", "bug", "unchanged"]
    assert (config.archive / "ben.json").read_bytes() == bens_archive  # nothing lost, nothing half-done
    assert outcome_lines(report)[1] == (
        "bug        Ben   the hub hit a bug (RuntimeError: a planted bug); the health report has the traceback"
    )
    assert summary(report) == (
        "3 feeds: 1 updated, 1 unchanged, 0 failed, 0 skipped; 0 new posts; the hub hit a bug on 1"
    )
    markdown = health_markdown(report)
    bugs = markdown[markdown.index("## Bugs in the hub") : markdown.index("Every feed is healthy.")]
    assert bugs.startswith(
        "## Bugs in the hub\n\nThe hub itself failed on these participants. Their archive is as it was; "
        "everyone else was updated. Please report the traceback to the hub's maintainers.\n\n### Ben\n\n```\n"
        "Traceback (most recent call last):\n"
    )
    assert bugs.endswith('    raise RuntimeError("a planted bug")\nRuntimeError: a planted bug\n```\n\n')


def project(server: LoopbackServer, tmp_path: Path, processes: int = 1) -> Path:
    tmp_path.mkdir()
    people = serve(server)
    write_opml(tmp_path / "feeds.opml", [(p.name, p.feed_url, f"https://{p.id}.example/") for p in people])
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
        f'       "processes": {processes}}}\n'
    )
    return tmp_path


def test_the_update_command_exits_7_and_logs_the_traceback(server: LoopbackServer, tmp_path: Path) -> None:
    folder = project(server, tmp_path / "hub")
    planted = plant_bug(tmp_path / "bug", BUG_IN_BENS_FEED)
    result = run_python(
        "-m", "aggregator", "update", "--allow-private", "127.0.0.1", cwd=folder, planted=planted
    )
    assert result.returncode == 7, result.stderr
    assert result.stdout.splitlines() == [
        "updated    Ada   3 new, 0 changed, 3 archived",
        "bug        Ben   the hub hit a bug (RuntimeError: a planted bug); the health report has the traceback",
        "updated    Cleo  3 new, 0 changed, 3 archived",
        "3 feeds: 2 updated, 0 unchanged, 0 failed, 0 skipped; 6 new posts; the hub hit a bug on 1",
    ]
    assert result.stderr.startswith(
        "Bug in the hub while updating Ben:\nTraceback (most recent call last):\n"
    )
    assert result.stderr.endswith("RuntimeError: a planted bug\n\n")
    assert sorted(path.name for path in (folder / "archive").glob("*.json")) == ["ada.json", "cleo.json"]
    assert "## Bugs in the hub" in (folder / "cache" / "health.md").read_text(encoding="utf-8")


def test_a_bug_in_the_pictures_stage_exits_7_after_every_feed_is_updated(
    server: LoopbackServer, tmp_path: Path
) -> None:
    folder = project(server, tmp_path / "hub")
    planted = plant_bug(tmp_path / "bug", BUG_IN_PICTURES)
    result = run_python(
        "-m", "aggregator", "update", "--allow-private", "127.0.0.1", cwd=folder, planted=planted
    )
    assert result.returncode == 7, result.stderr
    assert result.stdout.splitlines()[3] == (
        "pictures: the hub hit a bug (RuntimeError: a planted bug in the pictures stage); "
        "the feeds were updated all the same"
    )
    assert result.stderr.startswith("Bug in the hub's pictures stage:\nTraceback (most recent call last):\n")
    assert sorted(path.name for path in (folder / "archive").glob("*.json")) == [
        "ada.json",
        "ben.json",
        "cleo.json",
    ]
    assert "The pictures stage failed" in (folder / "cache" / "health.md").read_text(encoding="utf-8")


def test_a_worker_process_that_dies_takes_no_one_else_with_it(server: LoopbackServer, tmp_path: Path) -> None:
    folder = project(server, tmp_path / "hub", processes=2)  # Ada and Cleo here, Ben in a worker
    planted = plant_bug(tmp_path / "bug", WORKER_DIES_ON_BEN)
    result = run_python(
        "-m", "aggregator", "update", "--allow-private", "127.0.0.1", cwd=folder, planted=planted
    )
    assert result.returncode == 7, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "updated    Ada   3 new, 0 changed, 3 archived"
    assert lines[1].startswith(
        "bug        Ben   the hub hit a bug (concurrent.futures.process.BrokenProcessPool: "
    )
    assert lines[2] == "updated    Cleo  3 new, 0 changed, 3 archived"
    assert sorted(path.name for path in (folder / "archive").glob("*.json")) == ["ada.json", "cleo.json"]
