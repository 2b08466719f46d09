"""One entry, one post: identity on the shapes real feeds have (tests/data/identity).

Each feed is served by a loopback server and read by the real pipeline into a real archive, twice:
the second run must find every post again and add none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from aggregator.archive import Archive, Record, Tombstone, merge_posts, new_posts, tombstone_keys
from aggregator.config import FetchOptions
from aggregator.fetch import FetchSession, run_to_completion
from aggregator.normalize import Post, normalize
from aggregator.parse import NotAFeedError, ParsedFeed, parse_feed
from aggregator.pipeline import FeedOutcome, update_participant
from aggregator.registry import Participant
from tests.loopback import LoopbackServer, Reply

DATA = Path(__file__).parent / "data" / "identity"
NOW = dt.datetime(2026, 9, 20, 12, 0, tzinfo=dt.UTC)
PERSON = Participant("lin", "Lin", "http://127.0.0.1:1/feed", None)
KINDS = {".rss": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/feed+json"}


def archived(server: LoopbackServer, tmp_path: Path, options: FetchOptions, name: str) -> Record:
    """The record after two runs over the fixture `name`; the second must change nothing."""
    path = DATA / name
    server.routes["/feed"] = Reply(body=path.read_bytes(), headers={"Content-Type": KINDS[path.suffix]})
    first = update(server, tmp_path, options, NOW)
    again = update(server, tmp_path, options, NOW + dt.timedelta(hours=3))
    assert (again.new_posts, again.changed_posts) == (0, 0)
    record = Archive(tmp_path / "archive").load("lin")
    assert record is not None and first.archived == len(record.posts)
    return record


def update(server: LoopbackServer, tmp_path: Path, options: FetchOptions, now: dt.datetime) -> FeedOutcome:
    person = dataclasses.replace(PERSON, feed_url=server.url("/feed"))

    async def once() -> FeedOutcome:
        async with FetchSession(options) as session:
            return await update_participant(Archive(tmp_path / "archive"), session, now, person)

    return run_to_completion(once())


def by_title(record: Record) -> dict[str, Post]:
    return {post.title: post for post in record.posts}


def test_a_daily_page_keeps_every_item_told_apart_by_its_fragment(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    record = archived(server, tmp_path, options, "daily-page.rss")
    assert len(record.posts) == 12
    for post in record.posts:  # each post is one item whole: its guid, its link, its words
        assert post.id == post.url and post.id.startswith("http://daily.example/2026/09/")
        assert "#a" in post.id
        fragment = post.id.rsplit("#a", 1)[1]
        assert f"{post.published:%H%M%S}" == fragment
    assert by_title(record)["Short one."].content_html == "<p>Short one.</p>"


@pytest.mark.parametrize(
    ("name", "addresses"),
    [
        (  # Atom: the related link; two entries on one article stay two posts
            "linkblog.atom",
            {
                "On the news about open courses": "https://linkblog.example/linked/2026/09/09/open-courses",
                "More on open courses": "https://linkblog.example/linked/2026/09/09/open-courses-2",
                "My own essay": "https://linkblog.example/2026/09/my-own-essay",
            },
        ),
        (  # RSS: the permalink guid
            "link-posts.rss",
            {
                "Worth reading: the state of blogging": "https://links.example/2026/09/08/state-of-blogging",
                "A post of my own": "https://links.example/2026/09/07/my-own",
            },
        ),
    ],
)
def test_a_linkblog_credits_the_bloggers_own_page(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions, name: str, addresses: dict[str, str]
) -> None:
    posts = by_title(archived(server, tmp_path, options, name))
    assert {title: post.url for title, post in posts.items()} == addresses


def test_entries_linking_to_the_feed_or_to_nothing_are_posts_of_their_own(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    posts = by_title(archived(server, tmp_path, options, "feed-file-links.atom"))
    assert {title: (post.id, post.url) for title, post in posts.items()} == {
        "A post with a proper link": ("https://wp.example/?p=30", "https://wp.example/2026/09/09/proper/"),
        # The guid is a page of the blog: it is the post's address when the link is not.
        "First post linking to the feed": ("https://wp.example/?p=21", "https://wp.example/?p=21"),
        "Second post linking to the feed": ("https://wp.example/?p=22", "https://wp.example/?p=22"),
        "A post with an empty link": ("urn:uuid:5a1e3b0c-7d2f-4c55-9f1e-2b7c9d0a1e11", None),
        "Another with an empty link": ("urn:uuid:0c8e7f43-21d9-4b7a-8a1d-6e5f4c3b2a19", None),
    }


def test_a_guid_that_is_the_feeds_own_address_is_no_identity() -> None:
    items = "".join(
        f"<item><title>Note {n}</title><guid>https://same.example/feed</guid>"
        f"<pubDate>Tue, 0{n} Sep 2026 10:00:00 GMT</pubDate><description>n{n}</description></item>"
        for n in (1, 2, 3)
    )
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    parsed = parse_feed(body, {}, "https://same.example/feed")
    assert isinstance(parsed, ParsedFeed)
    posts = normalize(parsed, NOW).posts
    assert [post.title for post in posts] == ["Note 3", "Note 2", "Note 1"]
    assert all(post.id.startswith("sha256:") and post.url is None for post in posts)


def test_title_less_micro_posts_of_a_wordpress_style_json_feed(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    record = archived(server, tmp_path, options, "microblog.json")
    assert [post.title for post in record.posts] == [
        "Reading the cohort's posts this morning.",
        "First week done.",
        "First week done.",
    ]
    assert len({post.id for post in record.posts}) == 3


@pytest.mark.parametrize(
    "version",
    [
        "https://jsonfeed.org/version/1",
        "http://jsonfeed.org/version/1",
        "https://jsonfeed.org/version/1/",
        "http://jsonfeed.org/version/1.1",
        "https://jsonfeed.org/version/1.1/",
        "HTTPS://JSONFEED.ORG/version/1.1",
    ],
)
def test_every_spelling_of_json_feed_1_and_1_1_is_a_json_feed(version: str) -> None:
    body = f'{{"version": "{version}", "title": "t", "items": [{{"id": "1", "content_text": "hi"}}]}}'
    parsed = parse_feed(body.encode(), {"content-type": "application/json"}, "https://j.example/feed.json")
    assert isinstance(parsed, ParsedFeed)
    assert parsed.format == "json" + version.rstrip("/").rsplit("/", 1)[1]
    assert [entry.content_html for entry in parsed.entries] == ["<p>hi</p>"]


def test_json_without_a_version_whose_items_are_feed_items_is_a_json_feed() -> None:
    body = b'{"title": "t", "items": [{"id": "a", "url": "https://j.example/a", "content_html": "<p>x</p>"}]}'
    parsed = parse_feed(body, {"content-type": "application/json"}, "https://j.example/feed.json")
    assert isinstance(parsed, ParsedFeed)
    assert [entry.link for entry in parsed.entries] == ["https://j.example/a"]
    for other in (b'{"items": []}', b'{"items": [{"name": "x"}]}', b'{"version": "2", "items": [{"id": 1}]}'):
        assert isinstance(
            parse_feed(other, {"content-type": "application/json"}, "https://j.example/"), NotAFeedError
        )


def test_a_json_feed_cut_off_midway_is_a_clear_error_and_keeps_the_archive(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    archived(server, tmp_path, options, "microblog.json")
    whole = (DATA / "microblog.json").read_bytes()
    server.routes["/feed"] = Reply(
        body=whole[: len(whole) // 2], headers={"Content-Type": "application/feed+json"}
    )
    outcome = update(server, tmp_path, options, NOW + dt.timedelta(days=1))
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.message == "the body is not valid JSON at line 14: cut off or damaged"
    record = Archive(tmp_path / "archive").load("lin")
    assert record is not None and len(record.posts) == 3


# The archive's matching, on its own.

T0 = dt.datetime(2026, 9, 8, 9, 0, tzinfo=dt.UTC)


def post(guid: str, url: str | None, title: str = "A post", hours: int = 0) -> Post:
    return Post(
        id=guid,
        url=url,
        title=title,
        published=T0 + dt.timedelta(hours=hours),
        date_source="published",
        updated=None,
        first_seen=T0,
        tags=(),
        author=None,
        content_html=f"<p>{guid}</p>",
        excerpt_html=f"<p>{guid}</p>",
    )


def test_entries_side_by_side_in_one_fetch_are_never_merged_even_when_alike() -> None:
    side_by_side = [
        post("http://x.example/a", "http://x.example/a"),  # the same address, spelled two ways,
        post("https://www.x.example/a/", "https://www.x.example/a/"),  # as two guids of one fetch
        post("tag:x,1", "https://elsewhere.example/article", "Same title"),
        post("tag:x,2", "https://elsewhere.example/article", "Same title"),
    ]
    merged = merge_posts([], side_by_side)
    assert sorted(p.id for p in merged) == sorted(p.id for p in side_by_side)
    assert merge_posts(merged, side_by_side) == merged  # and fetched again, nothing changes


def test_a_known_post_is_matched_by_one_incoming_post_only() -> None:
    known = [post("http://x.example/?p=1", "http://x.example/one", "One")]
    incoming = [
        post("https://x.example/one", "https://x.example/one", "One"),  # the migrated post
        post("https://x.example/one-more", "https://x.example/one-more", "One"),  # same title and date
    ]
    merged = merge_posts(known, incoming)
    assert [(p.id, p.url) for p in merged] == [
        ("https://x.example/one-more", "https://x.example/one-more"),
        ("http://x.example/?p=1", "https://x.example/one"),
    ]
    assert [p.url for p in new_posts(known, incoming)] == ["https://x.example/one-more"]


def test_a_merge_never_mixes_the_fields_of_two_posts() -> None:
    known = [post("https://d.example/26.html#a1", "https://d.example/26.html#a1", "First", 1)]
    incoming = [
        post("https://d.example/26.html#a1", "https://d.example/26.html#a1", "First, edited", 1),
        post("https://d.example/26.html#a2", "https://d.example/26.html#a2", "Second", 2),
    ]
    merged = {p.id: p for p in merge_posts(known, incoming)}
    assert {guid: (p.url, p.title) for guid, p in merged.items()} == {
        "https://d.example/26.html#a1": ("https://d.example/26.html#a1", "First, edited"),
        "https://d.example/26.html#a2": ("https://d.example/26.html#a2", "Second"),
    }


def test_a_post_withdrawn_before_fragments_counted_stays_withdrawn() -> None:
    gone = post("https://d.example/26.html#a1", "https://d.example/26.html#a1", "Gone", 1)
    legacy = tuple(Tombstone(key, T0, "withdrawn") for key in tombstone_keys(gone, fragment=False))
    record = Record(PERSON, withdrawn=legacy)
    assert record.buried(gone)
    assert not record.buried(post("https://d.example/27.html#a1", "https://d.example/27.html#a1", "Other", 2))


def test_a_blog_that_moves_platform_keeps_its_posts_and_adds_only_the_new_one(
    server: LoopbackServer, tmp_path: Path, options: FetchOptions
) -> None:
    """http to https, www., ?p=N to slugs and new ids for every post: each old post is found again
    (by its link, or its title and date), and a new post of the same day is a post of its own."""
    before = archived(server, tmp_path, options, "migration-before.rss")
    ids = {post.title: post.id for post in before.posts}
    path = DATA / "migration-after.atom"
    server.routes["/feed"] = Reply(body=path.read_bytes(), headers={"Content-Type": KINDS[path.suffix]})
    outcome = update(server, tmp_path, options, NOW + dt.timedelta(days=1))
    assert (outcome.new_posts, outcome.changed_posts) == (1, 2)
    record = Archive(tmp_path / "archive").load("lin")
    assert record is not None
    assert {post.title: (post.id, post.url) for post in record.posts} == {
        "A new home": ("https://www.moving.example/a-new-home/", "https://www.moving.example/a-new-home/"),
        "Second week": (ids["Second week"], "https://www.moving.example/second-week/"),
        "First week, revisited": (ids["First week"], "https://www.moving.example/2026/09/first-week"),
    }
