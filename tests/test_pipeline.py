"""pipeline and schedule: one outcome per participant; gone, busy and failing feeds over many runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

from aggregator.archive import Archive, FeedState
from aggregator.config import HubConfig
from aggregator.errors import FetchError, HTTPStatusError
from aggregator.pipeline import update
from aggregator.registry import Participant
from aggregator.report import outcome_lines
from aggregator.schedule import after_failure, backoff, skip_reason
from tests.loopback import LoopbackServer, Reply

T0 = dt.datetime(2026, 9, 8, 12, 0, tzinfo=dt.UTC)
RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://b.example/</link>'
    b"<item><title>Hello</title><link>https://b.example/hello</link><pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate></item>"
    b"</channel></rss>"
)


def person(server: LoopbackServer, path: str, name: str = "Bo") -> Participant:
    return Participant(name.lower(), name, server.url(path), None)


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() / 3600 for n in range(1, 9)] == [0, 1, 2, 4, 8, 16, 24, 24]


def test_retry_after_wins_over_backoff_and_410_marks_the_address_gone() -> None:
    url = "https://b.example/feed"
    busy = after_failure(
        FeedState(), HTTPStatusError(url, 429, "HTTP 429", T0 + dt.timedelta(hours=5)), url, T0
    )
    assert busy.retry_at == T0 + dt.timedelta(hours=5)
    gone = after_failure(FeedState(), HTTPStatusError(url, 410, "HTTP 410 Gone"), url, T0)
    assert (gone.gone_url, gone.retry_at) == (url, None)
    assert (
        skip_reason(gone, url, T0)
        == "the feed answered 410 Gone; not fetched again until its address in feeds.opml changes"
    )
    assert skip_reason(gone, "https://b.example/new-feed", T0) is None
    twice = after_failure(
        after_failure(FeedState(), FetchError(url, "no answer"), url, T0),
        FetchError(url, "no answer"),
        url,
        T0,
    )
    assert (
        skip_reason(twice, url, T0) == "waiting until 2026-09-08T13:00:00Z (no answer; 2 failures in a row)"
    )
    assert skip_reason(twice, url, T0 + dt.timedelta(hours=1)) is None


def test_a_gone_feed_keeps_its_posts_and_rests_until_feeds_opml_changes(
    server: LoopbackServer, config: HubConfig
) -> None:
    server.routes["/feed"] = Reply(body=RSS)
    bo = person(server, "/feed")
    update(config, [bo], now=T0)
    server.routes["/feed"] = Reply(410)
    (failed,) = update(config, [bo], now=T0 + dt.timedelta(hours=1)).outcomes
    (skipped,) = update(config, [bo], now=T0 + dt.timedelta(days=30)).outcomes
    assert (failed.status, skipped.status) == ("failed", "skipped")
    assert len(server.requests_to("/feed")) == 2
    server.routes["/new-feed"] = Reply(body=RSS)
    (moved,) = update(
        config, [dataclasses.replace(bo, feed_url=server.url("/new-feed"))], now=T0 + dt.timedelta(days=31)
    ).outcomes
    assert (moved.status, moved.new_posts, moved.archived) == ("updated", 0, 1)  # same post, new address
    record = Archive(config.archive).load("bo")
    assert record is not None
    assert [p.title for p in record.posts] == ["Hello"]


def test_retry_after_holds_across_stateless_runs(
    server: LoopbackServer, config: HubConfig, tmp_path: Path
) -> None:
    server.routes["/feed"] = Reply(429, headers={"Retry-After": "7200"})
    bo = person(server, "/feed")
    update(config, [bo], now=dt.datetime.now(dt.UTC))
    fresh_runner = dataclasses.replace(config, archive=tmp_path / "copy")
    shutil.copytree(config.archive, fresh_runner.archive, ignore=shutil.ignore_patterns(".lock"))
    (outcome,) = update(fresh_runner, [bo]).outcomes
    assert outcome.status == "skipped"
    assert outcome.note is not None and outcome.note.startswith("waiting until ")
    assert "HTTP 429 Too Many Requests; 1 failures in a row" in outcome.note
    assert len(server.requests) == 1


def test_healthy_feeds_are_published_whatever_the_others_do(
    server: LoopbackServer, config: HubConfig
) -> None:
    server.routes["/good"] = Reply(body=RSS)
    server.routes["/html"] = Reply(
        body=b"<!doctype html><html><head><title>My blog</title></head><body><p>Welcome</p></body></html>",
        headers={"Content-Type": "text/html"},
    )
    server.routes["/old"] = Reply(301, headers={"Location": "/good2"})
    server.routes["/good2"] = Reply(body=RSS.replace(b"b.example", b"c.example"))
    people = [
        person(server, "/good", "Good"),
        person(server, "/html", "Html"),
        person(server, "/old", "Moved"),
    ]
    report = update(config, people, now=T0)
    lines = outcome_lines(report)
    assert lines[0] == "updated    Good   1 new, 0 changed, 1 archived"
    assert (
        lines[1]
        == f"failed     Html   the address serves an HTML page, not a feed (is it the blog's home page?) ({server.url('/html')})"
    )
    assert (
        lines[2]
        == f"updated    Moved  1 new, 0 changed, 1 archived; the feed moved permanently: update feeds.opml to {server.url('/good2')}"
    )
    record = Archive(config.archive).load("html")
    assert record is not None
    assert (record.posts, record.state.last_error.kind if record.state.last_error else None) == (
        (),
        "not-a-feed",
    )


def test_an_update_split_over_worker_processes_gives_the_same_archive(
    server: LoopbackServer, config: HubConfig, tmp_path: Path
) -> None:
    server.routes["/good"] = Reply(body=RSS)
    server.routes["/html"] = Reply(body=b"<!doctype html><html><body>not a feed</body></html>")
    people = [person(server, "/good", "Good"), person(server, "/html", "Html")]
    in_process = update(config, people, now=T0)
    parallel_config = dataclasses.replace(config, archive=tmp_path / "parallel", processes=2)
    parallel = update(parallel_config, people, now=T0)
    assert outcome_lines(parallel) == outcome_lines(in_process)
    for name in ("good.json", "html.json"):
        assert (parallel_config.archive / name).read_bytes() == (config.archive / name).read_bytes()


def test_feed_errors_survive_a_trip_between_processes() -> None:
    import pickle

    for error in (
        HTTPStatusError("https://b.example/f", 429, "HTTP 429", T0),
        FetchError("https://b.example/f", "no answer"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), copy.__dict__, str(copy)) == (type(error), error.__dict__, str(error))
