"""A killed update is really stopped: `kill -9` of the update takes its worker processes with it,
nothing writes the archive afterwards, and the next update runs as usual."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aggregator import workers
from aggregator.archive import Archive
from aggregator.errors import ArchiveError
from tests.conftest import DATA, ROOT
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import write_opml

FEEDS = 300
SETTINGS = (
    'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",'
    ' "processes": 2, "workers": 4, "health_report": ""}\n'
)


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (zombies are dead: only their exit status is left)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                children.setdefault(int(parent), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def snapshot(archive: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(archive.iterdir()) if path.is_file()}


def update(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "aggregator", "update", "--allow-private", "127.0.0.1"],
        cwd=folder,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_stops_every_process_of_the_update_and_the_next_one_runs(
    server: LoopbackServer, tmp_path: Path
) -> None:
    rss = (DATA / "ada.rss").read_bytes()
    for n in range(FEEDS):  # slow blogs: the run takes about 10 s, the kill comes after 2
        server.routes[f"/b{n}"] = Reply(
            body=rss.replace(b"ada.example", f"b{n}.example".encode()), delay=0.25
        )
    write_opml(tmp_path / "feeds.opml", [(f"B {n}", server.url(f"/b{n}"), "") for n in range(FEEDS)])
    (tmp_path / "pelicanconf.py").write_text(SETTINGS)
    archive = tmp_path / "archive"

    run = update(tmp_path)
    deadline = time.monotonic() + 30
    while len(list(archive.glob("*.json"))) < 20 or len(descendants(run.pid)) < 2:
        assert time.monotonic() < deadline and run.poll() is None, "the update never got going"
        time.sleep(0.05)
    family = descendants(run.pid)  # the worker process, and multiprocessing's resource tracker
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    for _ in range(100):
        if not any(alive(pid) for pid in family):
            break
        time.sleep(0.02)
    assert [pid for pid in family if alive(pid)] == []
    after_kill = snapshot(archive)
    assert 20 <= len(after_kill) < FEEDS + 1  # mid-run: some participants written, not all
    time.sleep(1.5)
    assert snapshot(archive) == after_kill  # nothing of that update writes any more

    for reply in server.routes.values():
        reply.delay = 0  # type: ignore[union-attr]  # no need to wait any more
    again = update(tmp_path)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out.splitlines()[-1].startswith(f"{FEEDS} feeds: ") and " 0 failed" in out.splitlines()[-1]
    assert len(list(archive.glob("*.json"))) == FEEDS


def shares_the_lock(path: str) -> tuple[bool, bool]:
    """In a worker: is the lock file locked by someone, and is that someone this process's copy?"""
    from aggregator.workers import _held

    with open(path) as fresh:
        try:
            fcntl.flock(fresh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = False
        except BlockingIOError:
            locked = True
    fcntl.flock(_held[0], fcntl.LOCK_EX | fcntl.LOCK_NB)  # the same open file: ours already
    return locked, True


def test_a_worker_holds_the_lock_of_the_update_that_started_it(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    with archive.lock() as lock:
        pool = workers.pool(1, lock)
        assert pool.submit(shares_the_lock, str(tmp_path / ".lock")).result(timeout=60) == (True, True)
    # The parent has let go of the lock, but the worker has not.
    with pytest.raises(ArchiveError, match="another update is writing"), archive.lock():
        pass
    pool.shutdown()
    with archive.lock():
        pass
