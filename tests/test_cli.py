"""python -m aggregator update|status|export, run as a real process against a loopback server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import write_opml


def aggregator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "aggregator", *args, cwd=cwd)


@pytest.fixture
def project(server: LoopbackServer, tmp_path: Path) -> Path:
    server.routes["/ada.rss"] = Reply(
        body=(DATA / "ada.rss").read_bytes(), headers={"Content-Type": "application/rss+xml"}
    )
    server.routes["/ben.json"] = Reply(body=(DATA / "ben.json").read_bytes())
    server.routes["/cleo.xml"] = Reply(404, b"<html>Not found</html>")
    write_opml(
        tmp_path / "feeds.opml",
        [
            ("Ada Lovelace", server.url("/ada.rss"), "https://ada.example/"),
            ("Ben Okri", server.url("/ben.json"), "https://ben.example/"),
            ("Cleo Moved", server.url("/cleo.xml"), "https://cleo.example/"),
        ],
    )
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
        '       "course_tag": "openlearning26"}\n'
    )
    return tmp_path


def test_update_reports_each_participant_and_exits_0_despite_failures(project: Path) -> None:
    result = aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "updated    Ada Lovelace  2 new, 0 changed, 2 archived"  # her course posts
    assert lines[1] == "updated    Ben Okri      1 new, 0 changed, 1 archived"
    assert lines[2].startswith("failed     Cleo Moved    HTTP 404 Not Found (http://127.0.0.1:")
    assert lines[3] == "3 feeds: 2 updated, 0 unchanged, 1 failed, 0 skipped; 3 new posts"
    assert sorted(p.name for p in (project / "archive").glob("*.json")) == [
        "ada-lovelace.json",
        "ben-okri.json",
        "cleo-moved.json",
    ]


def test_update_twice_is_conditional_and_leaves_the_archive_byte_identical(
    project: Path, server: LoopbackServer
) -> None:
    aggregator("update", "--allow-private", cwd=project)
    before = {p.name: p.read_bytes() for p in (project / "archive").glob("*.json")}
    second = aggregator("update", "--allow-private", cwd=project)
    assert "unchanged  Ada Lovelace  not modified, 2 archived" in second.stdout
    assert server.requests_to("/ada.rss")[1].headers["if-none-match"].startswith('"')
    assert server.requests_to("/ben.json")[1].headers["if-none-match"].startswith('"')
    after = {p.name: p.read_bytes() for p in (project / "archive").glob("*.json")}
    assert {k: v for k, v in after.items() if k != "cleo-moved.json"} == {
        k: v for k, v in before.items() if k != "cleo-moved.json"
    }


def test_private_addresses_are_refused_without_the_flag(project: Path) -> None:
    result = aggregator("update", cwd=project)
    assert result.returncode == 0
    assert (
        "refused to connect to non-public address 127.0.0.1 (allow it with --allow-private 127.0.0.1)"
        in result.stdout
    )
    assert (
        result.stdout.splitlines()[-1] == "3 feeds: 0 updated, 0 unchanged, 3 failed, 0 skipped; 0 new posts"
    )


def test_status_table(project: Path) -> None:
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    lines = aggregator("status", cwd=project).stdout.splitlines()
    assert lines[0].split() == ["participant", "feed", "last", "success", "failures", "shown", "archived"]
    ada, _, cleo = lines[1:4]
    assert ada.startswith("Ada Lovelace") and ada.split()[-3:] == ["0", "2", "2"]
    assert cleo.split()[-4:] == ["never", "1", "0", "0"]


def test_export_is_a_json_array_of_posts(project: Path) -> None:
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    posts = json.loads(aggregator("export", cwd=project).stdout)
    by_url = {p["url"]: p for p in posts}
    assert len(posts) == 3
    sunday = by_url["https://ada.example/2026/09/13/sunday-night/"]
    assert set(sunday) >= {
        "participant",
        "feed_url",
        "id",
        "title",
        "url",
        "published",
        "week",
        "tags",
        "excerpt_html",
    }
    assert (sunday["participant"], sunday["published"], sunday["week"], sunday["shown"]) == (
        "Ada Lovelace",
        "2026-09-13T22:30:00Z",
        1,
        True,
    )
    assert by_url["https://ada.example/2026/09/30/networks/"]["week"] == 2
    assert "https://ada.example/2026/09/15/sourdough/" not in by_url  # not a course post: not archived
    assert "<script" not in sunday["excerpt_html"]
    assert "hidden" not in sunday


def test_export_shows_what_the_site_shows(project: Path) -> None:
    """The participant's own tag counts, and a post moderation hides is neither shown nor hidden
    from the export: it says so."""
    opml = project / "feeds.opml"
    opml.write_text(
        opml.read_text(encoding="utf-8").replace('text="Ada Lovelace"', 'text="Ada Lovelace" hub:tag="*"'),
        encoding="utf-8",
    )
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    (project / "moderation.yml").write_text(
        'hide:\n  - post: "https://ben.example/2026/09/14/hello"\n    reason: "off topic"\n', encoding="utf-8"
    )
    posts = {p["url"]: p for p in json.loads(aggregator("export", cwd=project).stdout)}
    assert posts["https://ada.example/2026/09/15/sourdough/"]["shown"] is True  # every post of Ada's counts
    ben = posts["https://ben.example/2026/09/14/hello"]
    assert (ben["shown"], ben["hidden"], ben["participant_id"]) == (False, True, "ben-okri")


@pytest.mark.parametrize(
    ("opml", "settings", "code", "message"),
    [
        (
            '<opml version="2.0"><body><outline text="A" type="rss" xmlUrl="file:///etc/passwd"/></body></opml>',
            None,
            4,
            "xmlUrl must be an absolute http(s) URL",
        ),
        (
            None,
            'HUB = {"course_start": "2026-09-08", "course_weeks": 6, "course_timezone": "UTC"}\n',
            3,
            "HUB['course_start'] must be the Monday",
        ),
    ],
)
def test_configuration_and_registry_errors_exit_non_zero(
    project: Path, opml: str | None, settings: str | None, code: int, message: str
) -> None:
    if opml:
        (project / "feeds.opml").write_text(opml)
    if settings:
        (project / "pelicanconf.py").write_text(settings)
    result = aggregator("update", cwd=project)
    assert result.returncode == code
    assert message in result.stderr


def test_update_writes_a_markdown_health_report_with_advice(project: Path, tmp_path: Path) -> None:
    summary_file = tmp_path / "step-summary.md"
    env_run = subprocess.run(
        [sys.executable, "-m", "aggregator", "update", "--allow-private", "127.0.0.1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary_file)},
    )
    assert env_run.returncode == 0
    report = (project / "cache" / "health.md").read_text()
    assert report == summary_file.read_text()
    assert report.startswith("# Feed health, 20")
    assert "3 feeds: 2 updated, 0 unchanged, 1 failed, 0 skipped; 3 new posts" in report
    assert "| Participant | Feed | Problem | What to do |" in report
    cleo = next(line for line in report.splitlines() if line.startswith("| Cleo Moved | `http"))
    assert cleo.endswith(
        "/cleo.xml` | HTTP 404 Not Found \\(1 failures in a row\\) | The feed address no longer works\\. "
        "Ask Cleo Moved for the current one and update feeds\\.opml\\. |"
    )
    assert "| Ada Lovelace | updated | 2 |" in report


def test_status_ends_with_what_to_do(project: Path) -> None:
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    output = aggregator("status", cwd=project).stdout
    assert output.endswith(
        "\nWhat to do:\nCleo Moved: HTTP 404 Not Found (1 failures in a row). The feed address no longer works. Ask Cleo"
        "\n  Moved for the current one and update feeds.opml.\n"
    )


def test_export_gives_each_posts_conversations_and_what_placed_it(project: Path) -> None:
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    posts = {p["url"]: p for p in json.loads(aggregator("export", cwd=project).stdout)}
    sunday = posts["https://ada.example/2026/09/13/sunday-night/"]
    hello = posts["https://ben.example/2026/09/14/hello"]
    assert (sunday["responses"], sunday["responds_to"]) == (["https://ben.example/2026/09/14/hello"], [])
    assert (hello["responses"], hello["responds_to"]) == (
        [],
        ["https://ada.example/2026/09/13/sunday-night/"],
    )
    assert [posts[url]["placed_by"] for url in sorted(posts)] == ["date", "tag", "date"]


def test_a_facilitators_place_and_a_link_to_a_week_page_place_posts_everywhere(project: Path) -> None:
    """The site's function decides for export and status: the override first, then the week tag,
    then a link to a week page under PUBLIC_URL (read from the settings file), then the date."""
    settings = project / "pelicanconf.py"
    settings.write_text(
        settings.read_text() + 'PUBLIC_URL = "https://ada.example"\n'
    )  # Ada links to /weeks/week-1/
    (project / "moderation.yml").write_text(
        'place:\n  - post: "http://www.ben.example/2026/09/14/hello/?utm_source=x"\n    week: 4\n',
        encoding="utf-8",
    )
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    posts = {
        p["url"]: (p["week"], p["placed_by"]) for p in json.loads(aggregator("export", cwd=project).stdout)
    }
    assert posts == {
        "https://ada.example/2026/09/13/sunday-night/": (1, "link"),
        "https://ada.example/2026/09/30/networks/": (2, "tag"),
        "https://ben.example/2026/09/14/hello": (4, "override"),
    }
    week4 = aggregator("status", "--week", "4", cwd=project)
    assert week4.stdout.splitlines()[:4] == [
        "participant   posts  responses given  responses received",
        "Ada Lovelace  0      0                0",
        "Ben Okri      1      1                0",
        "Cleo Moved    0      0                0",
    ]


def test_status_week_says_who_wrote_answered_and_has_not_posted(project: Path) -> None:
    aggregator("update", "--allow-private", "127.0.0.1", cwd=project)
    result = aggregator("status", "--week", "1", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "participant   posts  responses given  responses received",
        "Ada Lovelace  1      0                1",
        "Ben Okri      0      0                0",
        "Cleo Moved    0      0                0",
        "",
        "Not posted in week 1 (2 of 3): Ben Okri, Cleo Moved",
    ]
    week2 = aggregator("status", "--week", "2", cwd=project).stdout.splitlines()
    assert week2[1:3] == [
        "Ada Lovelace  1      0                0",
        "Ben Okri      1      1                0",
    ]
    wrong = aggregator("status", "--week", "7", cwd=project)
    assert (wrong.returncode, wrong.stderr.strip()) == (
        3,
        "error: --week must be a week of the course, 1 to 6; got 7",
    )


def test_a_place_entry_beyond_the_course_stops_the_run_and_names_it(project: Path) -> None:
    (project / "moderation.yml").write_text(
        'place:\n  - post: "https://ben.example/2026/09/14/hello"\n    week: 9\n', encoding="utf-8"
    )
    result = aggregator("export", cwd=project)
    assert result.returncode == 3
    assert "moderation.yml: place entry 1: week 9 is not a week of the course (1 to 6)" in result.stderr
