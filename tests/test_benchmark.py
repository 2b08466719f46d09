"""A smoke run of the scale benchmark, so that it never rots. It checks results, never timings."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_the_benchmark_runs_every_scenario_against_the_farm() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--feeds",
            "200",
            "--latency",
            "0.01",
            "--workers",
            "32",
            "--timeout",
            "3",  # the farm's slow blogs answer after a second
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["machine"]["cpus"] >= 1
    assert report["settings"]["workers"] == 32
    [figures] = report["runs"]
    faulty = figures["failing_feeds"]
    assert 0 < faulty <= figures["faulty_feeds"] < 20  # about 2% of the farm is broken on purpose
    assert figures["first_run"]["summary"].startswith(
        f"200 feeds: {200 - faulty} updated, 0 unchanged, {faulty} failed"
    )
    assert figures["unchanged"]["summary"].startswith(f"200 feeds: 0 updated, {200 - faulty} unchanged")
    bumped = figures["changed_5pct"]["bumped"]
    assert 0 < bumped < 30
    assert figures["changed_5pct"]["summary"].startswith(
        f"200 feeds: {bumped} updated, {200 - faulty - bumped} unchanged"
    )
    # Each bumped blog published one post; four in five of the farm's posts carry the course tag,
    # and only those are archived.
    new = int(figures["changed_5pct"]["summary"].rsplit("; ", 1)[1].split()[0])
    assert 0 < new <= bumped
    for scenario in ("first_run", "unchanged", "changed_5pct"):
        for step in ("update", "build"):
            assert set(figures[scenario][step]) == {"wall_s", "cpu_s", "peak_mb"}
    assert set(figures["feeds_per_s"]) == {"hub_update", "raw_fetch", "ratio"}
    assert figures["posts_archived"] > 200 * 10 * 0.9


def test_the_term_benchmark_measures_an_archive_of_course_posts_without_bodies() -> None:
    command = [sys.executable, "-m", "benchmarks.term", "--participants", "60", "--runs", "3"]
    command += ["--latency", "0.01", "--posting", "0.2", "--json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    archive = report["archive"]
    assert 0 < archive["posts"] == archive["posts_with_the_course_tag"]  # nothing else is stored
    assert archive["posts_with_a_body"] == 0  # the default display keeps excerpts only
    assert archive["bytes_per_post"] < 1500
    assert [run["run"] for run in report["runs"]] == [1, 2, 3]
    assert report["runs"][1]["posted"] > 0 and all(run["pushed_bytes"] > 0 for run in report["runs"])
    assert 0 < report["repository_bytes_after_gc"] < 2 * archive["bytes"]  # one commit, compressed
