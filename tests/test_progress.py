"""Long runs say how far they are: `update` and the build, in a terminal and in a log, and --quiet.

Every run is a real process: `python -m aggregator update` against feeds served on 127.0.0.1 (one
of them slow), Pelican building a small site, in a pseudo-terminal or with pipes as in a log.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from aggregator.config import FetchOptions, Term
from aggregator.progress import PAGES, UPDATE, Counts, duration, progress_text
from aggregator.registry import Participant
from aggregator.terms import fetched_count
from tests.conftest import COURSE, DATA, ROOT, hub_in
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build_command, serve_ada_and_ben, write_opml
from tests.terminal import in_terminal, plain

ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
# Two processes: the second participant (Cleo) is updated by a worker process, whose count the
# display shows as well.
SETTINGS = (
    'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
    '       "course_tag": "openlearning26", "timeout": 20, "health_report": "", "processes": 2}\n'
)
# The log's line after 10 s of a run in which Ada and Cleo are done and Dan's blog is slow.
LOG_LINE = re.compile(r"update: 2 of 3 participants, 2 new posts, 1 failed, 0\.2 feeds/s, about [56] s left")


def test_the_text_says_what_is_done_how_fast_and_how_long_is_left() -> None:
    counts = Counts(12_000, posts=48_211, failed=37)
    assert (
        progress_text(UPDATE, counts, 35_000, 29.27)
        == "12,000 of 35,000 participants, 48,211 new posts, 37 failed, 410 feeds/s, about 56 s left"
    )
    assert progress_text(UPDATE, Counts(0, 0, 0), 10, 0.0) == "0 of 10 participants, 0 new posts, 0 failed"
    assert progress_text(UPDATE, Counts(3, 2, 0), 500, 2.0) == (
        "3 of 500 participants, 2 new posts, 0 failed, 1.5 feeds/s, about 6 min left"
    )
    assert progress_text(PAGES, Counts(30_120), None, 10.21) == "30,120 cohort pages written, 2,950 pages/s"
    assert [duration(s) for s in (0.4, 56.2, 89, 90, 3_600)] == ["0 s", "56 s", "89 s", "2 min", "60 min"]


def test_the_total_is_everyone_an_update_reads(tmp_path: Path, options: FetchOptions) -> None:
    """Everyone in a course without terms; with terms, the members of the terms not frozen."""
    spring, autumn = Term("2026-spring", COURSE, frozen=True), Term("2026-autumn", COURSE)
    people = [
        Participant(f"p{n}", f"P {n}", f"https://p{n}.example/feed", None, term=term)
        for n, term in enumerate(["2026-spring", "2026-autumn", "2026-spring", "2026-autumn", "2026-autumn"])
    ]
    assert fetched_count(hub_in(tmp_path, options, terms=(spring, autumn), term=autumn), people) == 3
    everyone = [Participant(f"p{n}", f"P {n}", f"https://p{n}.example/feed", None) for n in range(4)]
    assert fetched_count(hub_in(tmp_path, options), everyone) == 4


def project(folder: Path, server: LoopbackServer, dan_waits: float) -> Path:
    """Three participants: Ada's feed (2 course posts), Cleo's gone (404), and Dan's, which
    answers after `dan_waits` seconds (within the fetch timeout)."""
    rss = (DATA / "ada.rss").read_bytes()
    server.routes["/ada.rss"] = Reply(body=rss)
    server.routes["/cleo.xml"] = Reply(404, b"<html>Not found</html>")
    server.routes[f"/dan-{dan_waits}.rss"] = Reply(
        body=rss.replace(b"ada.example", b"dan.example"), delay=dan_waits
    )
    folder.mkdir()
    write_opml(
        folder / "feeds.opml",
        [
            ("Ada Lovelace", server.url("/ada.rss"), ""),
            ("Cleo Moved", server.url("/cleo.xml"), ""),
            ("Dan Slow", server.url(f"/dan-{dan_waits}.rss"), ""),
        ],
    )
    (folder / "pelicanconf.py").write_text(SETTINGS)
    return folder


def report(server: LoopbackServer) -> list[str]:
    """What `update` prints of the three, with or without progress."""
    return [
        "updated    Ada Lovelace  2 new, 0 changed, 2 archived",
        f"failed     Cleo Moved    HTTP 404 Not Found ({server.url('/cleo.xml')})",
        "updated    Dan Slow      2 new, 0 changed, 2 archived",
        "3 feeds: 2 updated, 0 unchanged, 1 failed, 0 skipped; 4 new posts",
    ]


def update(*flags: str) -> list[str]:
    return [sys.executable, "-m", "aggregator", "update", "--allow-private", "127.0.0.1", *flags]


def test_in_a_terminal_update_shows_how_far_it_is_then_clears_it_for_the_report(
    server: LoopbackServer, tmp_path: Path
) -> None:
    code, shown = in_terminal(update(), project(tmp_path / "hub", server, 1.5), ENV)
    assert code == 0, shown
    assert re.search(
        r"update: [━╸╺]+ 2 of 3 participants, 2 new posts, 1 failed, \d+\.\d feeds/s, about \d s left",
        plain(shown),
    ), shown
    assert "update: ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 3 of 3 participants, 4 new posts, 1 failed" in plain(shown)
    cleared = "\x1b[2K"  # the display erases its line; then only the report is written
    assert shown.rpartition(cleared)[2] == "".join(f"{line}\r\n" for line in report(server))


def test_quiet_in_a_terminal_shows_the_report_alone(server: LoopbackServer, tmp_path: Path) -> None:
    code, shown = in_terminal(update("--quiet"), project(tmp_path / "hub", server, 1.5), ENV)
    assert code == 0, shown
    assert shown == "".join(f"{line}\r\n" for line in report(server))


class LogRun:
    """`command` run with pipes, as in a log: the lines of its standard error, each with the time
    it arrived (seconds after the start), and its standard output."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command, cwd=cwd, env=ENV, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        self.lines += [(time.monotonic() - self.started, line.rstrip("\n")) for line in self.process.stderr]

    def finish(self) -> list[str]:
        """Its exit status checked, the lines of its standard output."""
        assert self.process.stdout is not None
        output = self.process.stdout.read()
        assert self.process.wait(timeout=60) == 0
        self.reader.join(timeout=10)
        return output.splitlines()


def test_in_a_log_a_run_past_10_seconds_prints_a_line_every_10_seconds_and_a_shorter_one_nothing(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """Three runs at once: Dan's blog answers after 11.5 s in two of them (one --quiet), at once
    in the third."""
    slow = LogRun(update(), project(tmp_path / "slow", server, 11.5))
    quiet = LogRun(update("--quiet"), project(tmp_path / "quiet", server, 11.5))
    fast = LogRun(update(), project(tmp_path / "fast", server, 0.0))
    assert [run.finish() for run in (slow, quiet, fast)] == [report(server)] * 3
    assert time.monotonic() - slow.started > 11.5
    assert len(slow.lines) == 1, slow.lines  # a run of about 12 s: one line, 10 s in
    arrived, line = slow.lines[0]
    assert LOG_LINE.fullmatch(line), line
    assert arrived >= 10.0
    assert quiet.lines == []
    assert fast.lines == []


def build_in_terminal(tmp_path: Path, opml: Path, *flags: str, quiet: str = "") -> str:
    command, env = build_command(tmp_path, opml, allow_private=True)
    code, shown = in_terminal(
        [*command, *flags], tmp_path, {**env, "PYTHONPATH": str(ROOT), "HUB_QUIET": quiet}
    )
    assert code == 0, shown
    return plain(shown)


def test_a_build_in_a_terminal_shows_the_update_and_the_pages_written_unless_quiet(
    server: LoopbackServer, tmp_path: Path
) -> None:
    opml = write_opml(tmp_path / "feeds.opml", serve_ada_and_ben(server))
    shown = build_in_terminal(tmp_path, opml)
    output = tmp_path / "output"
    written = [
        *(output / "cohort").rglob("*.*"),
        output / "search" / "index.html",
        output / "sitemap.xml",
        output / "404.html",
    ]
    assert all(path.is_file() for path in written)
    assert "update: ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 2 of 2 participants, 3 new posts, 0 failed" in shown
    counts = re.findall(r"build: [━╸╺]+ (\d+) cohort pages written, [\d.,]+ pages/s", shown)
    assert counts and int(counts[-1]) == len(written), (counts, len(written))  # every file the plugin wrote
    assert shown.rindex("cohort pages written") < shown.index("Done: Processed")
    # invoke build --quiet sets HUB_QUIET; Pelican's own -q asks for silence too.
    for quiet in (build_in_terminal(tmp_path, opml, quiet="1"), build_in_terminal(tmp_path, opml, "-q")):
        assert "participants" not in quiet
        assert "pages written" not in quiet
    assert "Done: Processed" in quiet  # the build ran and said so
