"""normalize and sanitize: what goes into the archive is safe, absolute and stable."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator import sanitize, urls
from aggregator.archive import merge_posts
from aggregator.normalize import normalize, normalize_entry, own_url, post_id
from aggregator.parse import ParsedFeed, RawEntry, parse_feed
from aggregator.urls import absolute_http_url
from tests.conftest import CORPUS, corpus_files, needs_corpus
from tests.htmlcheck import problems_in_fragment

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
ALL_FEEDS = corpus_files("feeds", "broken")
URL_ATTRIBUTE = re.compile(r'\s(?:href|src)="([^"]*)"')


def entry(**fields: object) -> RawEntry:
    base: dict[str, object] = dict(
        guid=None,
        link=None,
        title=None,
        title_is_html=False,
        content_html=None,
        summary_html=None,
        published=None,
        updated=None,
        tags=(),
        author=None,
    )
    return RawEntry(**{**base, **fields})  # type: ignore[arg-type]


def feed_at(url: str, home: str | None = None, *entries: RawEntry) -> ParsedFeed:
    return ParsedFeed(url, "rss20", "A blog", home, None, entries)


@needs_corpus
@pytest.mark.parametrize("path", ALL_FEEDS, ids=lambda p: p.name)
def test_corpus_entries_become_posts_with_absolute_backlinks(path: Path) -> None:
    base = "https://feeds.example/" + path.name
    parsed = parse_feed(path.read_bytes(), {}, base)
    assert isinstance(parsed, ParsedFeed)
    normalized = normalize(parsed, NOW)
    posts = {post.id: post for post in normalized.posts}
    assert posts
    # One entry, one post: every entry with a guid or link of its own is a post of its own,
    # before the archive and after it.
    distinct = {(item.guid or "").strip() or item.link or str(n) for n, item in enumerate(parsed.entries)}
    assert len(posts) + len(normalized.kept_out) == len(distinct)
    assert len(merge_posts([], normalized.posts)) == len(posts)
    for item in parsed.entries:
        link = absolute_http_url(item.link, base)
        mine = own_url(item, parsed)
        assert mine == link or (mine and urlsplit(mine).hostname == urlsplit(parsed.home_url or "").hostname)
    for post in posts.values():
        assert post.url is None or post.url.startswith(("http://", "https://"))
        assert post.title and len(post.title) <= 200
        assert post.published.tzinfo == dt.UTC
        for url in URL_ATTRIBUTE.findall(post.content_html + post.excerpt_html):
            assert url.startswith(("http://", "https://", "mailto:")), url
        assert problems_in_fragment(post.content_html) == []
        assert problems_in_fragment(post.excerpt_html) == []


@needs_corpus
def test_relative_links_in_content_become_absolute() -> None:
    parsed = parse_feed(
        (CORPUS / "feeds" / "feedrs__atom_xml_base.xml").read_bytes(), {}, "https://feeds.example/x"
    )
    assert isinstance(parsed, ParsedFeed)
    (post,) = normalize(parsed, NOW).posts
    assert 'src="https://numi.st/post/2022/travel-uke/IMG_1232.jpeg"' in post.content_html


def test_stable_ids_guid_then_link_then_hash() -> None:
    assert (
        post_id(entry(guid=" tag:a,2026:1 ", link="https://a.example/1"), "https://a.example/1")
        == "tag:a,2026:1"
    )
    assert post_id(entry(link="https://a.example/1"), "https://a.example/1") == "https://a.example/1"
    hashed = post_id(entry(title="Hi", content_html="<p>x</p>"), None)
    assert hashed.startswith("sha256:") and hashed == post_id(
        entry(title="Hi", content_html="<p>x</p>"), None
    )


def test_dates_published_else_updated_else_first_seen() -> None:
    published = dt.datetime(2026, 9, 8, tzinfo=dt.UTC)
    updated = dt.datetime(2026, 9, 9, tzinfo=dt.UTC)
    assert (
        normalize_entry(
            entry(published=published, updated=updated), feed_at("https://a.example/"), NOW
        ).published
        == published
    )
    post = normalize_entry(entry(updated=updated), feed_at("https://a.example/"), NOW)
    assert (post.published, post.date_source) == (updated, "updated")
    post = normalize_entry(entry(), feed_at("https://a.example/"), NOW)
    assert (post.published, post.date_source, post.first_seen) == (NOW, "first-seen", NOW)


def test_unsafe_links_are_dropped_and_titles_are_plain_text() -> None:
    post = normalize_entry(
        entry(
            link="javascript:alert(1)",
            title="<b>Bold</b> &amp; \u202eevil\u200b",
            title_is_html=True,
            content_html='<p onclick="x()">Hi <a href="data:text/html,x">there</a> <img src="/a.png"></p>',
        ),
        feed_at("https://blog.example/feed"),
        NOW,
    )
    assert post.url is None
    assert post.title == "Bold & evil"
    assert post.content_html == (
        '<p>Hi there <img loading="lazy" decoding="async" src="https://blog.example/a.png"></p>'
    )


def test_a_post_carries_its_sanitized_body_and_excerpt() -> None:
    words = " ".join(f"w{i}" for i in range(80))
    post = normalize_entry(
        entry(
            link="https://a.example/p",
            published=NOW,
            content_html=f"<h2>Big</h2><p>{words}</p><script>x()</script>",
            summary_html="<p>A short summary.</p>",
        ),
        feed_at("https://a.example/feed"),
        NOW,
    )
    assert post.content_html == f"<h2>Big</h2><p>{words}</p>"
    assert post.excerpt_html == "Big<p>" + " ".join(f"w{i}" for i in range(59)) + "…</p>"
    assert (post.date_source, post.tags, post.author) == ("published", (), None)


def test_a_stub_content_gives_way_to_a_longer_summary() -> None:
    post = normalize_entry(
        entry(content_html="...", summary_html="<p>The real text of the post.</p>"),
        feed_at("https://a.example/"),
        NOW,
    )
    assert post.excerpt_html == post.content_html == "<p>The real text of the post.</p>"


def test_untitled_micro_posts_take_their_first_words() -> None:
    post = normalize_entry(
        entry(content_html="<p>Just finished the <b>week 2</b> reading &amp; loved it</p>"),
        feed_at("https://a.example/"),
        NOW,
    )
    assert post.title == "Just finished the week 2 reading & loved it"
    assert post.untitled  # a card shows those words once, as the post's text
    titled = normalize_entry(
        entry(title="Week 2", content_html="<p>Text</p>"), feed_at("https://a.example/"), NOW
    )
    assert (titled.title, titled.untitled) == ("Week 2", False)


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.words = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in ("br", "img", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.words += len(data.split())


def test_excerpt_keeps_about_60_whole_words_and_closes_every_tag() -> None:
    words = [f"word{i}" for i in range(200)]
    html = f"<p>{' '.join(words[:50])}</p><p><a href='https://x.example/'><em>{' '.join(words[50:90])}</em></a></p><p>{' '.join(words[90:])}</p>"
    excerpt = sanitize.excerpt(sanitize.clean_html(html), 60)
    checker = _Balance()
    checker.feed(excerpt)
    assert checker.stack == []
    assert checker.words == 60  # the ellipsis sticks to the last word
    assert excerpt.endswith("word59…</em></a></p>")
    assert "word60" not in excerpt


def test_short_text_has_no_ellipsis_and_empty_paragraphs_go() -> None:
    assert sanitize.excerpt("<p>Short and sweet.</p><p></p>", 60) == "<p>Short and sweet.</p>"
    assert sanitize.excerpt("<p>a &amp; b &lt;c&gt;</p>", 60) == "<p>a &amp; b &lt;c&gt;</p>"


def test_excerpt_drops_images_and_headings_tags_but_keeps_text() -> None:
    source = sanitize.clean_html('<h2>Intro</h2><img src="https://x.example/a.png"><p>Body</p>')
    assert sanitize.excerpt(source) == "Intro<p>Body</p>"


def test_plain_text_caps_at_a_word() -> None:
    assert sanitize.plain_text("one two three four five", 12) == "one two…"
    assert sanitize.plain_text("x" * 30, 10) == "x" * 9 + "…"


def test_first_image_skips_tracking_pixels_and_counts_words() -> None:
    post = normalize_entry(
        entry(
            content_html='<p>one two three</p><img src="https://t.example/p.gif" width="1" height="1"><img src="http://pics.example/a.jpg">'
        ),
        feed_at("https://a.example/"),
        NOW,
    )
    assert (post.image_url, post.words) == ("http://pics.example/a.jpg", 3)


URL_STARTS = st.sampled_from(
    ["https://a.example", "http://b-c.example", "HTTPS://a.example", "https://", "/", ""]
)
URL_PIECES = st.sampled_from(
    [
        ":8080",
        ":65535",
        ":65536",
        ":099999",
        ":",
        "/",
        "/p",
        "..",
        ".",
        "?",
        "q=1",
        "&",
        "#",
        "f",
        "%20",
        " ",
        "@",
        "u:p@",
        "é",
        "\\",
        "//",
        "~x",
        "(1)",
    ]
)


@settings(max_examples=2000, deadline=None)
@given(URL_STARTS, st.lists(URL_PIECES, max_size=8).map("".join))
def test_the_shortcut_for_plain_addresses_gives_what_the_full_parse_gives(start: str, rest: str) -> None:
    assert absolute_http_url(start + rest) == urls._resolved(start + rest, None)
