"""What makes a post a course post (inclusion.py), pure: feeds in the shapes the platforms send
them, read through the real parse -> normalize -> included_by path, and each rule on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from aggregator import sanitize
from aggregator.archive import Record, record_from_json, record_to_json
from aggregator.hashtags import hashtags
from aggregator.inclusion import IncludedBy, Inclusion, included_by, inclusion_for, may_include
from aggregator.limits import HASHTAGS_PER_POST
from aggregator.normalize import Post, normalize
from aggregator.parse import ParsedFeed, parse_feed
from aggregator.registry import Participant
from aggregator.urls import site_at
from aggregator.weeks import place, week_page_signals
from tests.conftest import COURSE, DATA, corpus_files
from tests.posts import make_post

PLATFORMS = DATA / "platforms"
NOW = dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC)
SITE = "https://learning-in-the-open.example"
TAGGED = dataclasses.replace(COURSE, tag="openlearning26")
RULES = inclusion_for(TAGGED, None, site_at(SITE))  # a participant without a tag of their own


def posts_of(fixture: str) -> list[Post]:
    feed = parse_feed((PLATFORMS / fixture).read_bytes(), {}, f"https://feeds.example/{fixture}")
    assert isinstance(feed, ParsedFeed), feed
    return list(normalize(feed, NOW).posts)


def slug(post: Post) -> str:
    return (post.url or "").rstrip("/").rsplit("/", 1)[-1]


# Every item of every fixture, in feed order, with the rule that makes it a course post (None: none).
EXPECTED: dict[str, list[tuple[str, IncludedBy | None]]] = {
    "substack.xml": [
        ("the-feed-reader-i-should-have-used", "hashtag"),
        ("episode-3-what-my-students-taught", "link"),  # a podcast; http, www., index.html, utm_
        ("episode-2-marking-season", None),  # a podcast about something else
        ("scripting-my-way-out-of-the-reading", None),  # the hashtag only in <pre> and <code>
    ],
    "bluesky.xml": [
        ("3m4xq2kd7fs2c", "hashtag"),  # in Japanese text, written without spaces, then "、"
        ("3m4wrt5hj2x2y", None),  # #openlearning26b, a longer tag
        ("3m4vb7ltm4k2s", None),  # an address as text, cut short: no link, no hashtag
        ("3m4ufgw3oyc2n", "hashtag"),  # #OpenLearning26, any case
        ("3m4tlx2gqak2p", None),  # #openlearning26について: Japanese letters go on the word
    ],
    "hugo.xml": [
        ("what-the-syllabus-does-not-say", "link"),  # the syllabus
        ("joining-late", "link"),  # the site's own root, over http
        ("a-badge-for-my-sidebar", None),  # the hashtag only in an image's alt and title
        ("anchors-away", None),  # the hashtag only in an address: a link's, and one written out
        ("week-two-in-one-paragraph", "hashtag"),  # "#openlearning26."
    ],
    "writeas.xml": [
        ("al-usbu-al-thalith", "hashtag"),  # Write.as's hashtag link, in Arabic text
        ("who-answered-whom", "link"),  # a cohort page
        ("olive-harvest", None),  # another hashtag only
    ],
    "mastodon-category.xml": [
        ("117381204518822211", "tag"),
        ("117359871120934775", None),
        ("117341156470231568", "tag"),
    ],
    "mastodon-text.xml": [
        ("117381204518822211", "hashtag"),
        ("117359871120934775", None),
        ("117341156470231568", "hashtag"),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_each_item_of_each_platforms_feed_is_a_course_post_by_this_rule_or_none(fixture: str) -> None:
    assert [(slug(post), included_by(post, RULES)) for post in posts_of(fixture)] == EXPECTED[fixture]


def test_the_platforms_that_send_no_categories_send_none_and_the_others_do() -> None:
    for fixture in sorted(EXPECTED):
        feed = parse_feed((PLATFORMS / fixture).read_bytes(), {}, f"https://feeds.example/{fixture}")
        assert isinstance(feed, ParsedFeed)
        assert any(entry.tags for entry in feed.entries) is (fixture == "mastodon-category.xml"), fixture


def test_a_mastodon_status_is_placed_and_shown_alike_whether_its_hashtag_is_a_category_or_text() -> None:
    signals = week_page_signals(SITE, [(n, f"weeks/week-{n}/") for n in range(1, 7)])
    pairs = zip(posts_of("mastodon-category.xml"), posts_of("mastodon-text.xml"), strict=True)
    for listed, written in pairs:
        as_category, as_text = (place(post, TAGGED, RULES, signals) for post in (listed, written))
        assert (as_category.week, as_category.placed_by, as_category.shown) == (
            as_text.week,
            as_text.placed_by,
            as_text.shown,
        )
    assert [place(post, TAGGED, RULES, signals).week for post in posts_of("mastodon-text.xml")] == [4, 3, 3]


def test_hashtags_are_found_in_the_text_as_written_once_each_and_in_lower_case() -> None:
    hashtags = {slug(post): post.hashtags for fixture in EXPECTED for post in posts_of(fixture)}
    assert hashtags["117381204518822211"] == ("openlearning26", "networks")
    assert hashtags["3m4tlx2gqak2p"] == ("openlearning26について",)
    assert hashtags["olive-harvest"] == ("family",)
    for none in ("scripting-my-way-out-of-the-reading", "a-badge-for-my-sidebar", "anchors-away"):
        assert hashtags[none] == (), none


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("my notes: jonas.example/notes#openlearning26", ()),  # an address without its scheme
        ("the anchor /#openlearning26", ()),
        ("https://x.example/?course=#openlearning26", ()),
        ("www.x.example/(a)#openlearning26", ()),
        ("C#openlearning26", ()),
        ("(#openlearning26)", ("openlearning26",)),
        ("«#openlearning26»", ("openlearning26",)),
        ("#openlearning26's notes", ("openlearning26",)),
    ],
)
def test_a_hash_inside_a_word_or_an_address_begins_no_hashtag(written: str, found: tuple[str, ...]) -> None:
    body = sanitize.clean_html(f"<p>{written}</p>")
    assert hashtags("", sanitize.safe_text(body), body) == found


# The quick test before an entry is read.


def every_feed() -> list[tuple[str, ParsedFeed]]:
    paths = [*sorted(PLATFORMS.glob("*.xml")), *corpus_files("feeds")]
    feeds = [(path.name, parse_feed(path.read_bytes(), {}, "https://feeds.example/f")) for path in paths]
    return [(name, feed) for name, feed in feeds if isinstance(feed, ParsedFeed)]


@pytest.mark.parametrize(
    "rules",
    [RULES, inclusion_for(TAGGED, "networks", site_at(SITE)), inclusion_for(TAGGED, "the", site_at(SITE))],
    ids=["course", "own-tag", "own-tag-the"],
)
def test_the_quick_test_before_reading_never_keeps_out_a_course_post(rules: Inclusion) -> None:
    """Whatever `included_by` takes, `may_include` let through: on every fixture and real feed."""
    taken = passed = entries = 0
    for name, feed in every_feed():
        for entry in feed.entries:
            for post in normalize(dataclasses.replace(feed, entries=(entry,)), NOW).posts:
                entries += 1
                passed += may_include(rules, post.tags, entry)
                if included_by(post, rules) is not None:
                    taken += 1
                    assert may_include(rules, post.tags, entry), (name, post.title)
    assert 0 < taken < passed < entries


def test_the_quick_test_keeps_out_what_only_names_the_tag_elsewhere() -> None:
    """A tag written in an address's utm_campaign or in prose, with no '#' before it, lets no
    entry through to be read; a '#' written as a character reference, or before markup, does."""
    feed = parse_feed((PLATFORMS / "substack.xml").read_bytes(), {}, "https://feeds.example/s")
    assert isinstance(feed, ParsedFeed)
    entry = feed.entries[2]  # "Episode 2: marking season", which names nothing of the course
    for html, passes in [
        ('<a href="https://x.example/?utm_campaign=openlearning26">x</a> openlearning26', False),
        ("&#35;OpenLearning26", True),
        ("&#x23;<span>openlearning26</span>", True),
        ('#<span class="p-category">openlearning26</span>', True),
        ("<p>see learning-in-the-open.example</p>", True),
    ]:
        assert may_include(RULES, (), dataclasses.replace(entry, content_html=html)) is passes, html


# Each rule on its own, and their order.

WHEN = dt.datetime(2026, 9, 15, 9, tzinfo=dt.UTC)


def post_with(
    tags: tuple[str, ...] = (), hashtags: tuple[str, ...] = (), links: tuple[str, ...] = ()
) -> Post:
    return dataclasses.replace(make_post("p", WHEN, tags, links=links), hashtags=hashtags)


@pytest.mark.parametrize(
    ("post", "own_tag", "rule"),
    [
        (post_with(tags=("#OpenLearning26",), hashtags=("openlearning26",)), None, "tag"),
        (post_with(hashtags=("openlearning26",), links=(f"{SITE}/weeks/week-1/",)), None, "hashtag"),
        (post_with(hashtags=("openlearning26-week3",)), None, "hashtag"),  # a hyphen ends the word
        (post_with(hashtags=("openlearning26b", "openlearning2")), None, None),
        (post_with(links=(f"{SITE}/weeks/week-1/",)), "*", "link"),
        (post_with(tags=("cooking",)), "*", "every"),
        (post_with(tags=("Persimmon",)), "persimmon", "tag"),  # their own tag
        (post_with(hashtags=("persimmon",)), "#Persimmon", "hashtag"),
        (post_with(tags=("openlearning26",)), "persimmon", "tag"),  # the course's counts beside it
        (post_with(links=("https://learning-in-the-open.example.org/",)), None, None),  # another host
        (post_with(links=("https://other.example/?u=https://learning-in-the-open.example/",)), None, None),
        (post_with(links=("https://m.learning-in-the-open.example/weeks/?utm_source=x#top",)), None, "link"),
        (post_with(), None, None),
    ],
)
def test_the_first_rule_that_holds_includes_a_post(post: Post, own_tag: str | None, rule: str | None) -> None:
    assert included_by(post, inclusion_for(TAGGED, own_tag, site_at(SITE))) == rule


def test_without_a_tag_every_post_counts_unless_the_participant_names_one() -> None:
    untagged = post_with(tags=("cooking",))
    assert included_by(untagged, inclusion_for(COURSE, None, None)) == "every"
    assert included_by(post_with(links=(f"{SITE}/",)), inclusion_for(COURSE, None, site_at(SITE))) == "link"
    assert included_by(untagged, inclusion_for(COURSE, "persimmon", None)) is None
    assert included_by(untagged, inclusion_for(COURSE, "*", None)) == "every"


def test_without_a_public_address_no_link_counts() -> None:
    assert included_by(post_with(links=(f"{SITE}/weeks/week-1/",)), inclusion_for(TAGGED, None, None)) is None


def test_a_course_site_under_a_path_holds_only_its_own_pages() -> None:
    rules = inclusion_for(TAGGED, None, site_at("https://uni.example/OL26/"))
    linking = {
        "https://uni.example/ol26": "link",
        "https://uni.example/ol26/weeks/week-2/index.html": "link",
        "https://uni.example/ol26?page=2": "link",
        "https://uni.example/ol260/": None,
        "https://uni.example/": None,
    }
    assert {link: included_by(post_with(links=(link,)), rules) for link in linking} == linking


# What is kept of them.


def test_a_post_keeps_its_first_hashtags_and_none_too_long_to_be_a_tag() -> None:
    words = " ".join(f"#tag{n}" for n in range(HASHTAGS_PER_POST + 5))
    body = f"<p>#{'x' * 61} #{'y' * 60} {words}</p>"
    feed = parse_feed(
        f"<rss version='2.0'><channel><item><title>t</title><link>https://f.example/p</link>"
        f"<description><![CDATA[{body}]]></description></item></channel></rss>".encode(),
        {},
        "https://f.example/feed",
    )
    assert isinstance(feed, ParsedFeed)
    [post] = normalize(feed, NOW).posts
    assert post.hashtags == ("y" * 60, *(f"tag{n}" for n in range(HASHTAGS_PER_POST - 1)))


def test_the_archive_stores_hashtags_only_when_a_post_has_some(tmp_path: Path) -> None:
    person = Participant("p", "P", "https://p.example/feed", None)
    plain, tagged = posts_of("hugo.xml")[0], posts_of("hugo.xml")[-1]
    text = record_to_json(Record(person, posts=(plain, tagged)))
    docs = [json.loads(line.rstrip(",")) for line in text.splitlines() if line.startswith('{"author"')]
    assert ["hashtags" in doc for doc in docs] == [False, True]
    assert docs[1]["hashtags"] == ["openlearning26"]
    assert record_from_json(text, "p.json").posts == (plain, tagged)
