"""archive: the durable record only grows; edits update in place; reruns change nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from aggregator.archive import (
    Archive,
    FeedState,
    LastError,
    Record,
    RecordsOnDemand,
    merge_posts,
    record_from_json,
    record_to_json,
)
from aggregator.config import FetchOptions
from aggregator.errors import ArchiveError
from aggregator.fetch import FetchSession, run_to_completion
from aggregator.normalize import Post
from aggregator.pipeline import FeedOutcome, update_participant
from aggregator.registry import Participant
from tests.conftest import DATA
from tests.loopback import LoopbackServer, Reply

T0 = dt.datetime(2026, 9, 8, 9, 0, tzinfo=dt.UTC)
LATER = dt.timedelta(days=30)  # runs happen after the posts were written
PERSON = Participant("ada", "Ada", "http://127.0.0.1:1/feed", "https://ada.example/")


def post(n: int, **changes: object) -> Post:
    base = Post(
        id=f"https://ada.example/{n}",
        url=f"https://ada.example/{n}",
        title=f"Post {n}",
        published=T0 + dt.timedelta(days=n),
        date_source="published",
        updated=None,
        first_seen=T0,
        tags=("openlearning26",),
        author=None,
        content_html=f"<p>Body {n}</p>",
        excerpt_html=f"<p>Body {n}</p>",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def rss(*items: tuple[int, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>https://ada.example/{n}</link><guid>https://ada.example/{n}</guid>"
        f"<pubDate>{T0 + dt.timedelta(days=n):%a, %d %b %Y %H:%M:%S +0000}</pubDate><description>{title} text</description></item>"
        for n, title in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ada</title><link>https://ada.example/</link>{body}</channel></rss>'.encode()


def test_merge_keeps_posts_that_dropped_off_and_updates_edits_in_place() -> None:
    later = T0 + dt.timedelta(days=30)
    merged = merge_posts(
        [post(1), post(2)], [post(2, title="Post 2, edited", first_seen=later, published=later), post(3)]
    )
    assert [p.id for p in merged] == [
        "https://ada.example/3",
        "https://ada.example/2",
        "https://ada.example/1",
    ]
    edited = merged[1]
    assert edited.title == "Post 2, edited"
    assert (edited.first_seen, edited.published) == (T0, post(2).published)  # first dates stay


def test_html_spelled_anew_is_no_edit_and_keeps_the_stored_post() -> None:
    """Archives written when the parser sorted every tag's attributes (as feedparser does) are
    not rewritten because the sanitizer now keeps the feed's order; a real edit still counts."""
    stored = post(1, content_html='<p><a href="https://b.example/" rel="ugc" title="B">b</a></p>')
    respelled = post(1, content_html='<p><a title="B" href="https://b.example/" rel="ugc">b</a></p>')
    later = dataclasses.replace(respelled, first_seen=T0 + LATER)
    assert merge_posts([stored], [later]) == (stored,)
    edited = dataclasses.replace(
        later, content_html='<p><a title="C" href="https://b.example/" rel="ugc">b</a></p>'
    )
    assert merge_posts([stored], [edited])[0].content_html == edited.content_html
    retitled = dataclasses.replace(later, title="Post 1, edited")
    assert merge_posts([stored], [retitled])[0] == dataclasses.replace(retitled, first_seen=T0)


def test_json_round_trip_is_exact() -> None:
    record = Record(
        PERSON,
        state=FeedState(
            etag='"x"', last_error=LastError(T0, "http-status", "HTTP 404 Not Found"), consecutive_failures=2
        ),
        posts=(post(1), post(2)),
    )
    text = record_to_json(record)
    assert record_from_json(text, "t") == dataclasses.replace(
        record, participant=dataclasses.replace(PERSON, extras=())
    )
    assert record_to_json(record_from_json(text, "t")) == text
    assert '"published": "2026-09-09T09:00:00Z"' in text


def test_a_language_and_a_missing_title_are_written_only_when_there_is_something_to_say() -> None:
    """So that every file written before they were kept stays byte-identical, and still loads."""
    record = Record(PERSON, posts=(post(2, lang="ur-PK", untitled=True), post(1)))
    text = record_to_json(record)
    with_language, without = (line for line in text.splitlines() if '"excerpt_html"' in line)
    assert '"lang": "ur-PK"' in with_language and '"untitled": true' in with_language
    assert '"lang"' not in without and '"untitled"' not in without
    assert record_from_json(text, "t").posts == record.posts
    older = record_from_json((DATA / "archive-format-1" / "keiko-tanaka.json").read_text(), "keiko")
    assert {(p.lang, p.untitled) for p in older.posts} == {(None, False)}


def test_save_is_atomic_and_skips_identical_bytes(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    record = Record(PERSON, posts=(post(1),))
    assert archive.save(record) is True
    mtime = os.stat(archive.path("ada")).st_mtime_ns
    assert archive.save(record) is False
    assert os.stat(archive.path("ada")).st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ada.json"]  # no temporary files left


def test_damaged_file_is_a_clear_archive_error(tmp_path: Path) -> None:
    (tmp_path / "ada.json").write_text("{not json")
    with pytest.raises(ArchiveError, match=r"ada.json is damaged .* restore it from git"):
        Archive(tmp_path).load("ada")


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    with (
        archive.lock(),
        pytest.raises(ArchiveError, match="another update is writing"),
        Archive(tmp_path).lock(),
    ):
        pass


def run(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions, now: dt.datetime
) -> tuple[Record, str]:
    person = dataclasses.replace(PERSON, feed_url=server.url("/feed"))
    archive = Archive(tmp_path / "archive")

    async def fetch_once() -> FeedOutcome:
        async with FetchSession(options) as session:
            return await update_participant(archive, session, now + LATER, person)

    outcome = run_to_completion(fetch_once())
    record = archive.load("ada")
    assert record is not None
    return record, outcome.status


def test_posts_that_drop_off_the_feed_survive(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=rss((2, "Two"), (1, "One")))
    run(server, tmp_path, options, T0)
    server.routes["/feed"] = Reply(body=rss((3, "Three"), (2, "Two")))
    record, status = run(server, tmp_path, options, T0 + dt.timedelta(days=5))
    assert status == "updated"
    assert [p.title for p in record.posts] == ["Three", "Two", "One"]


def test_an_edit_updates_the_post_in_place(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=rss((1, "One")))
    first, _ = run(server, tmp_path, options, T0)
    server.routes["/feed"] = Reply(body=rss((1, "One, revised")))
    record, _ = run(server, tmp_path, options, T0 + dt.timedelta(days=1))
    assert [(p.title, p.first_seen) for p in record.posts] == [("One, revised", T0 + LATER)]
    assert first.posts[0].first_seen == T0 + LATER


def test_a_feed_that_is_down_removes_nothing_and_counts_failures(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=rss((1, "One")))
    run(server, tmp_path, options, T0)
    server.routes["/feed"] = Reply(503, b"<html>down</html>")
    run(server, tmp_path, options, T0 + dt.timedelta(hours=1))
    record, status = run(server, tmp_path, options, T0 + dt.timedelta(hours=2))
    assert status == "failed"
    assert [p.title for p in record.posts] == ["One"]
    assert record.state.consecutive_failures == 2
    assert record.state.last_error == LastError(
        T0 + LATER + dt.timedelta(hours=2), "http-status", "HTTP 503 Service Unavailable", 503
    )
    assert record.state.last_success == T0 + LATER


def test_a_rerun_duplicates_nothing_and_leaves_the_file_byte_identical(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=rss((2, "Two"), (1, "One")))
    run(server, tmp_path, options, T0)
    before = (tmp_path / "archive" / "ada.json").read_bytes()
    record, status = run(server, tmp_path, options, T0 + dt.timedelta(hours=3))
    assert status == "unchanged"
    assert len(record.posts) == 2
    assert (tmp_path / "archive" / "ada.json").read_bytes() == before
    assert server.requests[-1].headers["if-none-match"] == record.state.etag


def test_a_blog_that_moves_and_changes_every_guid_is_not_archived_twice() -> None:
    before = [
        post(1, id="http://ada.example/?p=1", url="http://ada.example/?p=1"),
        post(2, id="http://ada.example/?p=2", url="http://ada.example/2026/09/two/"),
    ]
    after = [
        post(1, id="https://ada.example/?p=1", url="https://www.ada.example/?p=1"),  # http -> https, www.
        post(2, id="https://ada.example/2026/09/two", url="https://ada.example/2026/09/two"),  # ?p=2 -> slug
    ]
    merged = merge_posts(before, after)
    assert [(p.id, p.url) for p in merged] == [
        ("http://ada.example/?p=2", "https://ada.example/2026/09/two"),
        ("http://ada.example/?p=1", "https://www.ada.example/?p=1"),
    ]


def test_same_title_and_date_under_a_new_guid_and_link_is_the_same_post() -> None:
    merged = merge_posts([post(1)], [post(1, id="tag:new,2026:1", url="https://new.example/one")])
    assert [(p.id, p.url) for p in merged] == [("https://ada.example/1", "https://new.example/one")]


def test_a_feed_that_redates_its_entries_every_fetch_cannot_move_them() -> None:
    first = merge_posts([], [post(1)])
    redated = merge_posts(first, [post(1, published=T0 + dt.timedelta(days=40), title="Post 1")])
    assert [p.published for p in redated] == [post(1).published]


def test_duplicate_guids_and_linkless_entries_in_one_feed(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    items = (
        "<item><title>Dup</title><guid>same</guid><link>https://ada.example/a</link><pubDate>Wed, 09 Sep 2026 10:00:00 +0000</pubDate></item>"
        "<item><title>Dup again</title><guid>same</guid><link>https://ada.example/b</link><pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate></item>"
        "<item><title>No link</title><description>v1</description><pubDate>Mon, 07 Sep 2026 10:00:00 +0000</pubDate></item>"
    )
    server.routes["/feed"] = Reply(
        body=f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )
    record, _ = run(server, tmp_path, options, T0)
    server.routes["/feed"] = Reply(body=server.routes["/feed"].body.replace(b"v1", b"v2, edited"))  # type: ignore[union-attr]
    record, _ = run(server, tmp_path, options, T0 + dt.timedelta(hours=1))
    assert sorted(p.title for p in record.posts) == ["Dup", "No link"]
    assert next(p for p in record.posts if p.title == "No link").content_html == "v2, edited"


def test_a_date_in_the_future_counts_as_first_seen(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=rss((90, "From the future")))
    record, _ = run(server, tmp_path, options, T0)
    (only,) = record.posts
    assert (only.published, only.date_source) == (T0 + LATER, "first-seen")


def test_records_loaded_without_bodies_can_be_rendered_but_never_saved(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.save(Record(PERSON, posts=(post(1),)))
    light = archive.load_all(bodies=False)["ada"]
    assert (light.posts[0].content_html, light.posts[0].excerpt_html) == ("", "<p>Body 1</p>")
    with pytest.raises(ArchiveError, match="loaded without post bodies"):
        archive.save(light)
    assert archive.load("ada") == Record(PERSON, posts=(post(1),))  # the file is untouched


def test_an_excerpt_loaded_for_rendering_spells_its_ellipsis_as_an_entity(tmp_path: Path) -> None:
    """So an ASCII excerpt stays one byte a character in memory; the file keeps the character."""
    archive = Archive(tmp_path)
    archive.save(Record(PERSON, posts=(post(1, excerpt_html="<p>Long words…</p>"),)))
    shown = archive.load("ada", bodies=False)
    kept = archive.load("ada")
    assert shown is not None and kept is not None
    assert shown.posts[0].excerpt_html == "<p>Long words&#8230;</p>"
    assert shown.posts[0].excerpt_html.isascii()
    assert kept.posts[0].excerpt_html == "<p>Long words…</p>"


def test_records_on_demand_read_each_record_when_asked(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    ada = Participant("ada", "Ada", "https://ada.example/feed", None)
    archive.save(Record(ada))
    records = RecordsOnDemand(archive, ["ada", "ben"])
    assert list(records) == ["ada", "ben"]
    assert len(records) == 2
    assert records["ada"] == Record(ada)
    assert records.get("ben") is None  # not archived yet
