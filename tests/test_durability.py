"""Nothing lost: kill -9 at any moment, two runs at once, and ten stateless CI runs of churn."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import html5lib
import pytest

from aggregator.archive import Archive
from aggregator.config import FetchOptions, HubConfig
from aggregator.pipeline import update
from aggregator.registry import Participant
from tests.conftest import COURSE, ROOT
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, write_opml

SETTINGS = 'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London", "workers": 4}\n'


def feed(n: int, posts: int) -> bytes:
    items = "".join(
        f"<item><title>Post {i} of blog {n}</title><link>https://blog{n}.example/{i}</link>"
        f"<pubDate>Tue, {8 + i % 20:02d} Sep 2026 10:00:00 +0000</pubDate><description>{'words ' * 200}</description></item>"
        for i in range(posts)
    )
    return f'<rss version="2.0"><channel><title>Blog {n}</title>{items}</channel></rss>'.encode()


def start_update(project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "aggregator", "update", "--allow-private", "127.0.0.1"],
        cwd=project,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def project(server: LoopbackServer, tmp_path: Path) -> Path:
    (tmp_path / "pelicanconf.py").write_text(SETTINGS)
    rows = []
    for n in range(24):
        server.routes[f"/{n}.xml"] = Reply(body=feed(n, 5), delay=0.02 * (n % 6))
        rows.append((f"Person {n}", server.url(f"/{n}.xml"), f"https://blog{n}.example/"))
    write_opml(tmp_path / "feeds.opml", rows)
    return tmp_path


def post_ids(archive: Path) -> dict[str, set[str]]:
    return {pid: {p.id for p in record.posts} for pid, record in Archive(archive).load_all().items()}


@pytest.mark.parametrize("kill_after", [0.15, 0.3, 0.45, 0.6, 0.8, 1.0])
def test_kill_9_at_any_moment_leaves_the_previous_archive_intact(
    project: Path, server: LoopbackServer, kill_after: float
) -> None:
    assert start_update(project).wait(timeout=60) == 0
    before = post_ids(project / "archive")
    for n in range(24):  # every feed gains posts, so the next run rewrites every file
        server.routes[f"/{n}.xml"] = Reply(body=feed(n, 12), delay=0.05 * (n % 6))
    running = start_update(project)
    time.sleep(kill_after)
    os.kill(running.pid, signal.SIGKILL)
    running.wait(timeout=10)
    after = post_ids(project / "archive")  # every file still parses
    assert set(after) == set(before)
    for pid, ids in before.items():
        assert ids <= after[pid], pid
        assert len(after[pid]) in (5, 12)  # a file is either the old one or the new one, never half
    assert start_update(project).wait(timeout=60) == 0  # the lock died with the process
    assert all(len(ids) == 12 for ids in post_ids(project / "archive").values())
    assert not list((project / "archive").glob(".*.tmp"))


def test_two_runs_at_once_cannot_both_write(project: Path, server: LoopbackServer) -> None:
    server.routes["/0.xml"] = Reply(body=feed(0, 5), delay=3)
    first = start_update(project)
    time.sleep(1.0)
    second = start_update(project)
    assert second.wait(timeout=30) == 5
    assert "another update is writing" in second.stderr.read()  # type: ignore[union-attr]
    assert first.wait(timeout=60) == 0


def rss(items: list[tuple[str, str, str, dt.datetime]]) -> bytes:
    body = "".join(
        f'<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{email.utils.format_datetime(when)}</pubDate><description>{title}, the text.</description></item>"
        for guid, link, title, when in items
    )
    return f'<rss version="2.0"><channel><title>b</title>{body}</channel></rss>'.encode()


def test_ten_stateless_ci_runs_over_churning_feeds_lose_and_duplicate_nothing(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    start = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)
    people = [
        Participant(x, x.title(), server.url(f"/{x}.xml"), None)
        for x in ("rolling", "editor", "flaky", "mover")
    ]
    expected: dict[str, str] = {}  # every post ever served: its stable key -> its latest URL
    committed = tmp_path / "committed"
    for run in range(10):
        now = start + dt.timedelta(days=4 * run, hours=1)
        when = [start + dt.timedelta(days=4 * k) for k in range(run + 1)]
        # rolling: one new post a run, and only the three newest stay in the feed
        rolling = [
            (f"r{k}", f"https://rolling.example/{k}", f"Rolling {k}", when[k]) for k in range(run + 1)
        ][-3:]
        # editor: the same two posts, retitled now and then
        editor = [
            (f"e{k}", f"https://editor.example/{k}", f"Edit {k} v{run // 3}", when[0] + dt.timedelta(hours=k))
            for k in range(2)
        ]
        # flaky: down on runs 2, 3 and 6 (500 and a timeout), new posts whenever it is up
        flaky = [(f"f{k}", f"https://flaky.example/{k}", f"Flaky {k}", when[k]) for k in range(run + 1)]
        # mover: from run 5 on, http -> https, ?p=N guids -> slugs, and the feed itself answers 301
        moved = run >= 5
        mover = [
            (
                f"https://mover.example/{k}/" if moved else f"http://mover.example/?p={k}",
                f"https://mover.example/{k}/" if moved else f"http://mover.example/{k}/",
                f"Mover {k}",
                when[k],
            )
            for k in range(run + 1)
        ]
        server.routes["/rolling.xml"] = Reply(body=rss(rolling))
        server.routes["/editor.xml"] = Reply(body=rss(editor))
        server.routes["/flaky.xml"] = (
            Reply(500) if run in (2, 3) else Reply(body=rss(flaky), delay=3 if run == 6 else 0)
        )
        server.routes["/mover.xml"] = (
            Reply(301, headers={"Location": "/mover2.xml"}) if moved else Reply(body=rss(mover))
        )
        server.routes["/mover2.xml"] = Reply(body=rss(mover))
        for guid, link, _, _ in rolling + editor + mover + (flaky if run not in (2, 3, 6) else []):
            key = (
                guid
                if not guid.startswith(("http://mover", "https://mover"))
                else link.rstrip("/").rsplit("/", 1)[-1] + "@mover"
            )
            expected[key] = link

        runner = tmp_path / f"runner{run}"  # a fresh CI runner: the committed archive, no HTTP cache
        if committed.exists():
            shutil.copytree(committed, runner)
        config = HubConfig(
            course=COURSE,
            opml=tmp_path / "x.opml",
            archive=runner,
            offline=False,
            fetch=dataclasses.replace(options, timeout=1.0, deadline=2.0),
        )
        update(config, people, now=now)
        shutil.rmtree(committed, ignore_errors=True)
        shutil.copytree(runner, committed, ignore=shutil.ignore_patterns(".lock"))

    archived = [post for record in Archive(committed).load_all().values() for post in record.posts]
    assert sorted(p.url for p in archived if p.url) == sorted(expected.values())  # each post once
    assert len(archived) == len(expected) == 10 + 2 + 10 + 10

    site = tmp_path / "site"
    shutil.copytree(committed, site / "archive")
    opml = write_opml(site / "feeds.opml", [(p.name, p.feed_url, "https://blog.example/") for p in people])
    assert build(site, opml, offline=True, course_tag=None).returncode == 0
    on_pages = [
        a.get("href")
        for page in sorted((site / "output" / "cohort").glob("week-*/index.html"))
        for a in html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False).iter("a")
        if "u-url" in (a.get("class") or "")
    ]
    in_course = {p.url for p in archived if p.published.date() <= dt.date(2026, 10, 18)}
    assert sorted(on_pages) == sorted(in_course)  # each on its week page exactly once
