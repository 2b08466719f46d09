"""A smoke run of the scale benchmark, so that it never rots. It checks results, never timings."""

from __future__ import annotations

import inspect
import json
import statistics
import subprocess
import sys
from html.parser import HTMLParser

import tasks
from benchmarks import farm, run
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
    assert report["settings"]["profile"] == "realistic"
    [figures] = report["runs"]
    faulty = figures["failing_feeds"]
    assert 0 < faulty <= figures["faulty_feeds"] < 20  # about 2% of the farm is broken on purpose
    # Four in five of the farm's posts carry the course tag, and only those are archived.
    failing = farm.Farm(200, 0.01, 0.02).failing
    tagged = sum(
        "openlearning26" in post["tags"]  # type: ignore[operator]
        for n in range(200)
        if n not in failing
        for post in farm.realistic_posts(n, 0)
    )
    summary = figures["first_run"]["summary"]
    assert summary.startswith(f"200 feeds: {200 - faulty} updated, 0 unchanged, {faulty} failed")
    # The demo's current term is the farm's cohort: the whole run is that term's.
    assert summary.endswith(f"; {tagged} new posts (2026-autumn: 200 feeds, {tagged} new posts)")
    assert figures["unchanged"]["summary"].startswith(f"200 feeds: 0 updated, {200 - faulty} unchanged")
    bumped = figures["changed_5pct"]["bumped"]
    assert 0 < bumped < 30
    assert figures["changed_5pct"]["summary"].startswith(
        f"200 feeds: {bumped} updated, {200 - faulty - bumped} unchanged"
    )
    # Each bumped blog published one post, archived if it carries the course tag.
    new = int(figures["changed_5pct"]["summary"].rsplit("; ", 1)[1].split()[0])
    assert 0 < new <= bumped
    assert figures["changed_5pct"]["summary"].endswith(f" (2026-autumn: 200 feeds, {new} new posts)")
    for scenario in ("first_run", "unchanged", "changed_5pct"):
        for step in ("update", "build"):
            assert set(figures[scenario][step]) == {"wall_s", "cpu_s", "peak_mb"}
    assert set(figures["feeds_per_s"]) == {"hub_update", "raw_fetch", "ratio"}
    assert figures["posts_archived"] == tagged + new


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def words_of(html: str) -> int:
    """The words of an HTML fragment's text, as a reader sees them (tags and attributes are none)."""
    reader = _Text()
    reader.feed(html)
    reader.close()
    return len(" ".join(reader.parts).split())


def test_the_farm_serves_realistic_blog_posts_by_default() -> None:
    assert farm.PROFILE["name"] == farm.DEFAULT_PROFILE == "realistic"  # what render() gives tests
    assert farm.parser().parse_args([]).profile == "realistic"
    assert run.parser().parse_args([]).profile == "realistic"
    assert inspect.signature(tasks.bench.body).parameters["profile"].default == "realistic"
    # The newest 10 whole posts of 300 to 1,500 words (most near 300) weigh about 48 KB a feed:
    # ten posts of 300 words, with the markup WordPress writes around them, are 36 KB already.
    sizes = [len(farm.render(n, 0)) for n in range(60)]
    assert 42_000 <= statistics.mean(sizes) <= 54_000, statistics.mean(sizes)
    everything = []
    for n in range(60):
        posts = farm.realistic_posts(n, 0)
        assert [post["k"] for post in posts] == [post["k"] for post in farm.posts(n, 0)][:10]
        for post in posts:
            html = str(post["html"])
            assert 300 <= words_of(html) <= 1500, (n, post["k"])
            assert 2 <= html.count("<img ") <= 4 and 3 <= html.count("<a href=") <= 8, (n, post["k"])
            assert words_of(str(post["summary"])) == farm.SUMMARY_WORDS + 1  # and " […]"
            everything.append(html)
    markup = "".join(everything)
    for piece in (
        "<h2",
        "<h3",
        "<ul",
        "<ol",
        "<li>",
        "<blockquote",
        "<pre",
        "&lt;",
        "<em>",
        "<strong>",
        "<code>",
    ):
        assert piece in markup, piece
    for piece in ('src="/img/', "srcset=", 'class="wp-block-paragraph"', 'style="', "<figcaption"):
        assert piece in markup, piece
    for piece in (
        '<iframe src="https://www.youtube.com/embed/',
        '"#section-2"',
        'id="section-2"',
        "utm_source=",
    ):
        assert piece in markup, piece
    assert 'href="https://blog' in markup and ".example/posts/" in markup  # classmates' posts
    rss, atom, json_feed = (farm.render(n, 0) for n in (0, 1, 2))
    assert b'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in rss and b"<content:encoded>" in rss
    assert b"<summary>" in atom and b'<content type="html">' in atom
    assert all(item["summary"] and item["content_html"] for item in json.loads(json_feed)["items"])
    assert farm.render(7, 0) == farm.render(7, 0) and farm.render(7, 1) != farm.render(7, 0)


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
