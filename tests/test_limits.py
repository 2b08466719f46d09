"""No unbounded archive: every stored field, the new posts of a run and the participant's file have
a cap (aggregator/limits.py); what goes past one is kept out and named, and nothing archived is
lost. Real updates against a real server on 127.0.0.1 into a real archive folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from aggregator.archive import Archive, Record, fit_file, record_to_json
from aggregator.config import HubConfig
from aggregator.limits import ARCHIVE_FILE_LIMIT, BODY_LIMIT, EXCERPT_CHARACTERS, NEW_POSTS_PER_RUN
from aggregator.normalize import KeptOut, Post
from aggregator.pipeline import update
from aggregator.registry import Participant
from aggregator.report import health_markdown, outcome_lines
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


def ampersands(run: int, posts: int = 200, each: int = 4_950) -> bytes:
    """The feed that grew one archive file by 49 MB a run: 200 posts of nothing but "&" (4.95 MB),
    each with a new guid on every run."""
    text = "&amp;" * each
    return rss([item(f"run{run}-{n}", n, f"Post {n} of run {run}", text) for n in range(posts)])


def amp(server: LoopbackServer) -> Participant:
    return Participant("amp", "Amp", server.url("/feed"), None)


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
    assert (config.archive / "amp.json").stat().st_size == 1_406_286  # 28 KB a post


def test_a_feed_that_grows_without_end_stops_at_the_file_cap_and_loses_nothing(
    config: HubConfig, server: LoopbackServer
) -> None:
    sizes, kept, outcomes = [], set(), []
    for run in range(3):  # 20 posts of 225 KB a run, each with new guids
        server.routes["/feed"] = Reply(body=ampersands(run, posts=20, each=45_000))
        report = update(config, [amp(server)], now=T0 + run * HOURS)
        outcomes.append(report.outcomes[0])
        sizes.append((config.archive / "amp.json").stat().st_size)
        record = Archive(config.archive).load("amp")
        assert record is not None and kept <= {post.id for post in record.posts}  # what was archived stays
        kept = {post.id for post in record.posts}
    assert [(o.new_posts, len(o.kept_out)) for o in outcomes] == [(20, 0), (20, 0), (5, 15)]
    assert sizes[2] <= ARCHIVE_FILE_LIMIT < sizes[2] + 225_000
    why = {post.why for post in outcomes[2].kept_out}
    assert why == {f"the participant's archive file would grow past {ARCHIVE_FILE_LIMIT:,} bytes"}
    assert outcome_lines(report) == [
        "updated    Amp  5 new, 0 changed, 45 archived; 15 kept out (the health report says why)"
    ]
    table = health_markdown(report).split("## Kept out of the archive\n\n")[1].split("\n\n")[0].splitlines()
    assert table == [
        "| Participant | Post | Why |",
        "|---|---|---|",
        *(f"| Amp | Post {n} of run 2 | {next(iter(why))} |" for n in (14, 13, 12, 11, 10)),
        "| Amp | and 10 more | - |",
    ]


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


def test_fit_file_takes_new_posts_newest_first_and_never_drops_a_stored_one() -> None:
    person = Participant("p", "P", "https://p.example/feed", None)
    stored = Record(person, posts=(post(10, 100), post(11, 100)))
    grown = dataclasses.replace(stored, posts=(post(1, 400), post(2, 400), post(3, 400), *stored.posts))
    limit = len(record_to_json(dataclasses.replace(stored, posts=grown.posts[1:])).encode())
    fitted, left_out = fit_file(stored, grown, limit)
    assert [p.id for p in fitted.posts] == ["id1", "id2", "id10", "id11"]  # id1 and id2 fit, newest first
    assert [p.id for p in left_out] == ["id3"]
    assert len(record_to_json(fitted).encode()) <= limit
    nothing_fits, left_out = fit_file(stored, grown, 10)
    assert (nothing_fits.posts, [p.id for p in left_out]) == (stored.posts, ["id1", "id2", "id3"])


def test_an_edit_that_would_break_the_cap_keeps_the_stored_post() -> None:
    person = Participant("p", "P", "https://p.example/feed", None)
    stored = Record(person, posts=(post(1, 100),))
    edited = dataclasses.replace(stored, posts=(post(1, 5000),))
    assert fit_file(stored, edited, 2000) == (stored, ())


def test_limits_are_written_down(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for figure in ("10,485,760", "262,144", "2,048", "1,000,000", "20,000", "256", "600"):
        assert figure in readme, figure
