"""No unbounded archive: every stored field, the new posts of a run and the participant's file have
a cap (aggregator/limits.py); what goes past one is kept out and named, and nothing archived is
lost. Real updates against a real server on 127.0.0.1 into a real archive folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from pathlib import Path

from aggregator.archive import Archive, Fitted, Record, fit, record_to_json
from aggregator.config import HubConfig
from aggregator.limits import (
    ARCHIVE_FILE_LIMIT,
    BODY_LIMIT,
    EXCERPT_CHARACTERS,
    NEW_POSTS_PER_RUN,
    RUN_BYTES_LIMIT,
)
from aggregator.normalize import KeptOut, Post
from aggregator.pipeline import update
from aggregator.registry import Participant
from tests.loopback import LoopbackServer, Reply

T0 = dt.datetime(2026, 9, 12, 12, 0, tzinfo=dt.UTC)
HOURS = dt.timedelta(hours=4)


def item(guid: str, hour: int, title: str, text: str, link: str = "") -> str:
    """An entry published `hour` hours into September 2026."""
    link = link or f"https://amp.example/{guid}"
    published = (dt.datetime(2026, 9, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hour)).strftime("%d %b %Y %H:%M")
    return (
        f"<item><title>{title}</title><link>{link}</link><guid isPermaLink='false'>{guid}</guid>"
        f"<pubDate>{published}:00 +0000</pubDate><description>{text}</description></item>"
    )


def rss(items: list[str]) -> bytes:
    head = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Amp</title><link>https://amp.example/</link>'
    )
    return (head + "".join(items) + "</channel></rss>").encode()


def ampersands(run: int, posts: int = 200, text: str = "&amp;" * 4_950) -> bytes:
    """The feed that grew one archive file by 49 MB a run: 200 posts of nothing but "&" (4.95 MB),
    each with a new guid on every run."""
    return rss([item(f"run{run}-{n}", n, f"Post {n} of run {run}", text) for n in range(posts)])


def amp(server: LoopbackServer) -> Participant:
    """A participant who chose to be shown in full: the archive keeps their bodies, the worst case."""
    return Participant("amp", "Amp", server.url("/feed"), None, extras=(("display", "full"),))


def test_a_run_takes_at_most_its_share_of_new_posts_each_capped(
    config: HubConfig, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(body=ampersands(0))
    assert 4_900_000 < len(ampersands(0)) < 5_000_000  # under the default max_bytes
    outcome = update(config, [amp(server)], now=T0).outcomes[0]
    assert (outcome.new_posts, len(outcome.kept_out)) == (NEW_POSTS_PER_RUN, 200 - NEW_POSTS_PER_RUN)
    record = Archive(config.archive).load("amp")
    assert record is not None
    assert {post.excerpt_html for post in record.posts} == {"&amp;" * EXCERPT_CHARACTERS + "…"}
    assert (config.archive / "amp.json").stat().st_size == 1_406_955  # 28 KB a post


def test_a_feed_that_grows_without_end_writes_a_bounded_share_each_run_and_stops_at_the_file_cap(
    config: HubConfig, server: LoopbackServer
) -> None:
    sizes, kept, outcomes = [0], set(), []
    for run in range(6):  # 10 new posts of 250 KB in each run
        server.routes["/feed"] = Reply(body=ampersands(run, posts=10, text="words " * 41_666))
        outcomes.append(update(config, [amp(server)], now=T0 + run * HOURS).outcomes[0])
        sizes.append((config.archive / "amp.json").stat().st_size)
        record = Archive(config.archive).load("amp")
        assert record is not None and kept <= {post.id for post in record.posts}  # what was archived stays
        kept = {post.id for post in record.posts}
    assert [(o.new_posts, len(o.kept_out)) for o in outcomes] == [(8, 2)] * 5 + [(1, 9)]
    assert all(after - before <= RUN_BYTES_LIMIT for before, after in itertools.pairwise(sizes))
    assert sizes[-1] <= ARCHIVE_FILE_LIMIT < sizes[-1] + 250_000
    assert {k.why for k in outcomes[0].kept_out} == {
        f"more than {RUN_BYTES_LIMIT:,} bytes of new and edited posts in one run: it comes in with a later run"
    }
    assert {k.why for k in outcomes[-1].kept_out} == {
        f"the participant's archive file would grow past {ARCHIVE_FILE_LIMIT:,} bytes: it is not stored"
    }
    assert [k.title for k in outcomes[-1].kept_out[:2]] == ["Post 8 of run 5", "Post 7 of run 5"]


def test_the_newest_posts_come_first_and_the_rest_with_the_next_runs(
    config: HubConfig, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(body=rss([item(f"p{n}", n, f"Post {n}", "Words.") for n in range(120)]))
    runs = [update(config, [amp(server)], now=T0 + run * HOURS).outcomes[0] for run in range(4)]
    assert [(o.status, o.new_posts, len(o.kept_out)) for o in runs] == [
        ("updated", 50, 70),
        ("updated", 50, 20),  # read again in full: the server's ETag is not trusted while posts wait
        ("updated", 20, 0),
        ("unchanged", 0, 0),  # now it is
    ]
    assert runs[0].kept_out[0] == KeptOut(
        "Post 69", f"more than {NEW_POSTS_PER_RUN} new posts in one run: it comes in with a later run"
    )
    record = Archive(config.archive).load("amp")
    assert record is not None and record.posts[0].title == "Post 119" and len(record.posts) == 120
    first = json.loads((config.archive / "amp.json").read_text(encoding="utf-8"))
    assert first["state"]["etag"] is not None


def test_addresses_guids_and_bodies_past_their_limits_keep_the_post_out(
    config: HubConfig, server: LoopbackServer
) -> None:
    huge_guid = "g" * 1_000_000
    long_link = "https://amp.example/" + "x" * 500_000
    word = "w" * 24_000
    items = [
        item(huge_guid, 1, "Huge guid", "Text."),
        item("long-link", 2, "Long link", "Text.", long_link),
        item("big-body", 3, "Big body", "&lt;p&gt;" + "long words " * 30_000 + "&lt;/p&gt;"),
        item("one-word", 4, "One word", word),
        item("fine", 5, "Fine", "Fine text."),
    ]
    server.routes["/feed"] = Reply(body=rss(items))
    outcome = update(config, [amp(server)], now=T0).outcomes[0]
    assert [(k.title, k.why) for k in outcome.kept_out] == [
        ("Big body", f"it is 330,007 bytes long once sanitized (the limit is {BODY_LIMIT:,})"),
        ("Long link", "its address is 500,020 characters long (the limit is 2,048)"),
        ("Huge guid", "its guid is 1,000,000 characters long (the limit is 2,048)"),
    ]
    record = Archive(config.archive).load("amp")
    assert record is not None
    assert [post.title for post in record.posts] == ["Fine", "One word"]
    excerpt = record.posts[1].excerpt_html
    assert excerpt == "w" * EXCERPT_CHARACTERS + "…"


def post(n: int, size: int) -> Post:
    at = T0 - dt.timedelta(days=n)
    body = "x" * size
    return Post(f"id{n}", None, f"Post {n}", at, "published", None, at, (), None, body, body[:10])


PERSON = Participant("p", "P", "https://p.example/feed", None)


def size(*posts: Post) -> int:
    return len(record_to_json(Record(PERSON, posts=posts)).encode())


def test_fit_takes_new_posts_newest_first_within_the_run_and_the_file() -> None:
    stored = Record(PERSON, posts=(post(10, 100), post(11, 100)))
    grown = dataclasses.replace(stored, posts=(post(1, 400), post(2, 400), post(3, 400), *stored.posts))
    fitted = fit(stored, grown, 10**6, size(post(1, 400), post(2, 400)) - size())
    assert [p.id for p in fitted.record.posts] == ["id1", "id2", "id10", "id11"]
    assert ([p.id for p in fitted.later], fitted.too_large) == (["id3"], ())
    fitted = fit(stored, grown, size(post(1, 400), post(10, 100), post(11, 100)), 10**6)
    assert [p.id for p in fitted.record.posts] == ["id1", "id10", "id11"]
    assert (fitted.later, [p.id for p in fitted.too_large]) == ((), ["id2", "id3"])
    assert fit(stored, grown, 10, 10).record.posts == stored.posts  # never less than what was stored


def test_an_edit_past_a_limit_leaves_the_stored_post_as_it_was() -> None:
    stored = Record(PERSON, posts=(post(1, 100), post(2, 100)))
    edited = dataclasses.replace(stored, posts=(post(1, 5000), post(2, 200)))
    fitted = fit(stored, edited, 10**6, 1000)
    assert fitted.record.posts == (post(1, 100), post(2, 200))  # the small edit is in, the large waits
    assert fitted.later == (post(1, 5000),)
    fitted = fit(stored, edited, size(*stored.posts) + 50, 10**6)
    assert (fitted.record.posts, fitted.too_large) == (stored.posts, (post(1, 5000), post(2, 200)))
    assert fit(stored, stored, 10, 10) == Fitted(stored)  # nothing new, nothing to fit


def test_limits_are_written_down(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for figure in ("10,485,760", "262,144", "2,048", "1,000,000", "20,000", "256", "600"):
        assert figure in readme, figure


def test_what_a_server_says_of_its_feed_is_kept_only_when_it_is_sensible(
    config: HubConfig, server: LoopbackServer
) -> None:
    long_home = "https://amp.example/" + "h" * 3000
    body = rss([item("p1", 1, "Post", "Text.")]).replace(
        b"<link>https://amp.example/</link>", f"<link>{long_home}</link>".encode()
    )
    server.routes["/feed"] = Reply(
        body=body,
        etag=False,
        headers={"ETag": b'"\xff\xfe' + b"e" * 5000 + b'"', "Last-Modified": "\x7f" * 40},
    )
    outcome = update(config, [amp(server)], now=T0).outcomes[0]
    assert outcome.status == "updated"
    stored = json.loads((config.archive / "amp.json").read_text(encoding="utf-8"))
    assert (stored["state"]["etag"], stored["state"]["last_modified"]) == (None, None)
    assert stored["state"]["body_sha256"] is not None  # the next run is still conditional, on the hash
    assert stored["feed"]["home_url"] is None
