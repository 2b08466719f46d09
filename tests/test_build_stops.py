"""A build that stops on a mistake a facilitator made: run as the docs and tasks.py run it, in a
checkout whose last build is still in output/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checkout import copy_checkout, run_in

# The build command as `invoke build` runs it (tasks.py), and `invoke build` itself.
PELICAN = "python -m pelican content -s pelicanconf.py -o output --fatal errors"
BUILDS = [PELICAN, "invoke build"]
START = "HUB['terms'] '2026-autumn'['start']"  # the demo's current term's first day
UNTOUCHED = (
    "The build stopped before changing anything: the output folder is as it was. "
    "(pelican -v, or invoke build --verbose, shows the traceback)"
)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A course whose last build left output/ behind."""
    hub = copy_checkout(tmp_path / "hub")
    (hub / "output").mkdir()
    (hub / "output" / "index.html").write_text("the site as it was", encoding="utf-8")
    return hub


def set_course_start(checkout: Path, date: str) -> None:
    settings = checkout / "pelicanconf.py"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('"start": "2026-09-07"', f'"start": "{date}"'))


def still_there(checkout: Path) -> bool:
    return (checkout / "output" / "index.html").read_text(encoding="utf-8") == "the site as it was"


@pytest.mark.parametrize("command", BUILDS)
def test_a_bad_moderation_file_stops_the_build_with_one_clear_message(checkout: Path, command: str) -> None:
    (checkout / "moderation.yml").write_text("withdraw:\n  - post: javascript:alert(1)\n", encoding="utf-8")
    result = run_in(checkout, command)
    assert result.returncode == 3
    assert result.stderr == (
        f"course hub: {checkout}/moderation.yml: withdraw entry 1: 'post:' must be the post's http(s) "
        f"address, got 'javascript:alert(1)'\n{UNTOUCHED}\n"
    )
    assert "Traceback" not in result.stdout
    assert still_there(checkout)


@pytest.mark.parametrize("command", BUILDS)
def test_a_course_start_that_is_no_monday_stops_the_build_with_one_clear_message(
    checkout: Path, command: str
) -> None:
    set_course_start(checkout, "2026-09-08")
    result = run_in(checkout, command)
    assert result.returncode == 3
    assert result.stderr == (
        f"course hub: {START} must be the Monday of week 1; 2026-09-08 is a Tuesday\n{UNTOUCHED}\n"
    )
    assert "Traceback" not in result.stdout
    assert still_there(checkout)


def test_a_broken_registry_stops_the_build_before_output_is_emptied(checkout: Path) -> None:
    opml = checkout / "feeds.opml"
    opml.write_text(opml.read_text(encoding="utf-8").replace("http://127.0.0.1:8606/maya/", "file:///maya/"))
    result = run_in(checkout, PELICAN)
    assert result.returncode == 4
    first, second = result.stderr.splitlines()
    assert first.startswith("course hub: ") and "xmlUrl must be an absolute http(s) URL" in first
    assert second == UNTOUCHED
    assert still_there(checkout)


def test_a_place_entry_beyond_the_course_stops_the_build_before_output_is_emptied(checkout: Path) -> None:
    (checkout / "moderation.yml").write_text(
        "place:\n  - post: https://maya-okafor.example/a-post/\n    week: 9\n", encoding="utf-8"
    )
    result = run_in(checkout, PELICAN)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"course hub: {checkout}/moderation.yml: place entry 1: week 9 is not a week of the course (1 to 6)",
        UNTOUCHED,
    ]
    assert still_there(checkout)


@pytest.mark.parametrize(
    ("flag", "command"), [("--debug", PELICAN), ("-v", PELICAN), ("", "invoke build --verbose")]
)
def test_the_traceback_is_there_for_whoever_asks(checkout: Path, flag: str, command: str) -> None:
    set_course_start(checkout, "2026-09-08")
    result = run_in(checkout, f"{command} {flag}")
    output = result.stdout + result.stderr
    assert result.returncode == 3
    assert "Traceback" in output
    assert f"{START} must be the Monday of week 1" in output
    assert still_there(checkout)


def test_an_archive_error_while_building_is_one_message_and_the_last_site_stays(checkout: Path) -> None:
    (checkout / "archive" / "2026-autumn" / "maya-okafor.json").write_text(
        '{"participant": ', encoding="utf-8"
    )
    result = run_in(checkout, PELICAN, env={"HUB_OFFLINE": "1"})
    assert result.returncode == 5
    first, second = result.stderr.splitlines()
    assert first.startswith(f"course hub: {checkout}/archive/2026-autumn/maya-okafor.json")
    assert second == (
        "The build stopped: the output folder is as it was. "
        "(pelican -v, or invoke build --verbose, shows the traceback)"
    )
    assert "Traceback" not in result.stdout
    assert still_there(checkout)  # the build wrote beside it (plugins/cohort/publish.py)
