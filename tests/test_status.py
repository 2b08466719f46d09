"""`python -m aggregator status`: a table that fits 100 columns, every column whole with --wide,
and the posts on the site counted beside those in the archive. Run as a real process on an
archive written for the test, so that every line can be read exactly."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from aggregator.archive import Archive, FeedState, LastError, Record, format_time
from aggregator.chars import display_width
from aggregator.registry import load_registry
from tests.conftest import invoke, run_python
from tests.posts import make_post
from tests.sitebuild import write_opml

TAG = "openlearning26"
READ = dt.datetime(2026, 9, 21, 14, 5, tzinfo=dt.UTC)
FAILED = dt.datetime(2026, 9, 22, 10, 0, tzinfo=dt.UTC)
# When the hub waits for the failing feed: ahead of any day the test runs on.
WAIT = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=6)
PEOPLE = [
    ("Ada Lovelace", "https://ada.example/feed/", "https://ada.example/"),
    ("王小明", "https://wang.example/feed.xml", "https://wang.example/"),
    (
        "Maximiliane Könnecke-Wolfsburg",
        "https://maximiliane-koennecke-wolfsburg.example/blog/feed/",
        "https://maximiliane-koennecke-wolfsburg.example/",
    ),
    ("山田太郎と鈴木花子の教室ブログ", "https://yamada.example/rss", "https://yamada.example/"),
]


def day(n: int) -> dt.datetime:
    return dt.datetime(2026, 9, n, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """Four participants: Ada has three course posts archived, one of them hidden and one dated
    before the course, so one is on the site; 王小明 has one, and a failing feed the hub waits for."""
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
        f'       "course_tag": "{TAG}"}}\n',
        encoding="utf-8",
    )
    (tmp_path / "moderation.yml").write_text("hide:\n  - post: ada.example/a2\n", encoding="utf-8")
    ada, wang, maxi, yamada = load_registry(write_opml(tmp_path / "feeds.opml", PEOPLE))
    ada_posts = (
        make_post("a1", day(8), [TAG], url="https://ada.example/a1"),
        make_post("a2", day(9), [TAG], url="https://ada.example/a2"),
        make_post("a0", day(1) - dt.timedelta(days=30), [TAG], url="https://ada.example/a0"),
    )
    error = LastError(FAILED, "http-status", "HTTP 503 Service Unavailable", 503)
    archive = Archive(tmp_path / "archive")
    archive.save(Record(ada, state=FeedState(last_success=READ), posts=ada_posts))
    wang_state = FeedState(last_success=READ, last_error=error, consecutive_failures=3, retry_at=WAIT)
    archive.save(Record(wang, state=wang_state, posts=(make_post("w1", day(10), [TAG]),)))
    archive.save(Record(maxi, state=FeedState(last_success=READ)))
    archive.save(Record(yamada))
    return tmp_path


def status(course: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "aggregator", "status", *flags, cwd=course)


def test_status_fits_100_columns_and_counts_the_posts_on_the_site(course: Path) -> None:
    result = status(course)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "participant           feed                              last success       failures  shown  archived",
        "Ada Lovelace          https://ada.example/feed/         2026-09-21 14:05Z  0         1      3",
        "王小明                https://wang.example/feed.xml     2026-09-21 14:05Z  3         1      1",
        "Maximiliane Könneck…  https://maximiliane-koennecke-w…  2026-09-21 14:05Z  0         0      0",
        "山田太郎と鈴木花子…   https://yamada.example/rss        never              0         0      0",
        "",
        "What to do:",
        f"王小明: HTTP 503 Service Unavailable (3 failures in a row; waiting until {format_time(WAIT)}). The",
        "  server is busy; the hub leaves it alone until then and tries again by itself.",
    ]
    assert max(display_width(line) for line in result.stdout.splitlines()) == 100


def test_status_wide_shows_every_column_whole(course: Path) -> None:
    result = status(course, "--wide")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "participant                     feed                                                        "
        "last success          last error                                         failures  shown  archived",
        "Ada Lovelace                    https://ada.example/feed/                                   "
        "2026-09-21T14:05:00Z  -                                                  0         1      3",
        "王小明                          https://wang.example/feed.xml                               "
        "2026-09-21T14:05:00Z  2026-09-22T10:00:00Z HTTP 503 Service Unavailable  3         1      1",
        "Maximiliane Könnecke-Wolfsburg  https://maximiliane-koennecke-wolfsburg.example/blog/feed/  "
        "2026-09-21T14:05:00Z  -                                                  0         0      0",
        "山田太郎と鈴木花子の教室ブログ  https://yamada.example/rss                                  "
        "never                 -                                                  0         0      0",
        "",
        "What to do:",
        f"王小明: HTTP 503 Service Unavailable (3 failures in a row; waiting until {format_time(WAIT)}). The "
        "server is busy; the hub leaves it alone until then and tries again by itself.",
    ]


def test_invoke_status_wide_runs_the_wide_table(course: Path) -> None:
    result = invoke("status", "--wide", cwd=course)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith(
        "Ada Lovelace                    https://ada.example/feed/  "
    )
