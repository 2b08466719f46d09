"""parse: bytes -> ParsedFeed, against every real-world feed of the shared corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from html import escape
from pathlib import Path

import pytest

from aggregator.errors import FeedError, NotAFeedError
from aggregator.normalize import KeptOut, Post, normalize
from aggregator.parse import MAX_ENTRIES, ParsedFeed, fallback, parse_feed, utf8_document, xml_reader
from benchmarks.farm import kind, render
from tests.conftest import CORPUS, DATA, ROOT, corpus_files, needs_corpus
from tests.loopback import LoopbackServer, Reply

CORPUS_FEEDS = corpus_files("feeds")
BASE = "https://feeds.example/"
NOON = dt.datetime(2026, 9, 8, 12, tzinfo=dt.UTC)


def parse_file(path: Path) -> ParsedFeed:
    result = parse_feed(path.read_bytes(), {}, BASE + path.name)
    assert isinstance(result, ParsedFeed), result
    return result


@needs_corpus
def test_the_corpus_is_there() -> None:
    assert len(CORPUS_FEEDS) >= 40


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_FEEDS, ids=lambda p: p.name)
def test_every_corpus_feed_parses_with_entries(path: Path) -> None:
    feed = parse_file(path)
    assert feed.entries, "no entries"
    assert feed.format


@needs_corpus
def test_json_feed_1_1() -> None:
    feed = parse_file(CORPUS / "feeds" / "feedrs__jsonfeed_elastic_1.1.json")
    assert feed.format == "json1.1"
    assert len(feed.entries) == 3
    first = feed.entries[0]
    assert first.title == "InfluxDB vs. Graphite for Time Series Data & Metrics Benchmark"
    assert first.published == dt.datetime(
        2019, 5, 31, 19, 17, 58, tzinfo=dt.UTC
    )  # RFC 822 in JSON, read anyway


@needs_corpus
def test_json_feed_1_0_with_html_content() -> None:
    feed = parse_file(CORPUS / "feeds" / "feedjira__json_feed.json")
    assert feed.format == "json1"
    assert len(feed.entries) == 20
    assert all(e.content_html for e in feed.entries)


def test_rss_dates_are_utc_and_tags_are_kept() -> None:
    feed = parse_file(DATA / "ada.rss")
    first = feed.entries[0]
    assert first.published == dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC)  # newest first
    assert first.tags == ("#openlearning26", "Week 2")
    assert feed.title == "Ada thinks aloud"


@needs_corpus
def test_xml_base_resolves_links() -> None:
    feed = parse_file(CORPUS / "feeds" / "feedrs__atom_xml_base.xml")
    assert feed.entries[0].link == "https://numi.st/post/2022/travel-uke"


def test_addresses_in_a_post_resolve_against_its_own_page_unless_the_feed_gives_a_base() -> None:
    """A link to "#part-2" is a heading of the post, not of the feed file (feedparser resolved it
    against the feed); xml:base, where a feed gives one, comes first."""
    html = '<p><a href="#part-2">below</a> <a href="../notes/">notes</a> <img src="pic.jpg" alt="A"></p>'
    rss = (
        '<rss version="2.0"><channel><title>t</title><item><link>https://b.example/2026/post/</link>'
        f"<description><![CDATA[{html}]]></description></item></channel></rss>"
    )
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/blog/"><title>t</title>'
        '<entry><id>https://b.example/2026/post/</id><link href="/2026/post/"/>'
        f'<content type="html" xml:base="https://cdn.example/a/b/">{escape(html)}</content></entry></feed>'
    )
    resolved = {}
    for name, body in (("rss", rss), ("atom", atom)):
        for reader in (xml_reader.read, fallback.read):
            feed = reader(body.encode(), BASE + "feed.xml")
            assert isinstance(feed, ParsedFeed)
            (post,) = posts_of(feed)
            resolved[name, reader.__module__] = (post.url, post.links, post.image_url)
    expected = {
        "rss": (
            "https://b.example/2026/post/",
            ("https://b.example/2026/post/#part-2", "https://b.example/2026/notes/"),
            "https://b.example/2026/post/pic.jpg",
        ),
        "atom": (
            "https://b.example/2026/post/",
            ("https://cdn.example/a/b/#part-2", "https://cdn.example/a/notes/"),
            "https://cdn.example/a/b/pic.jpg",
        ),
    }
    for name, wanted in expected.items():
        assert resolved[name, xml_reader.__name__] == resolved[name, fallback.__name__] == wanted


def test_an_html_page_is_not_a_feed() -> None:
    result = parse_feed(
        b"<!DOCTYPE html><html><head><title>My blog</title></head><body>Hi</body></html>", {}, BASE
    )
    assert isinstance(result, NotAFeedError)
    assert result.message == "the address serves an HTML page, not a feed (is it the blog's home page?)"


def test_json_that_is_not_a_json_feed() -> None:
    result = parse_feed(b'{"hello": "world"}', {"content-type": "application/json"}, BASE)
    assert isinstance(result, NotAFeedError)
    assert result.message == "JSON, but not a JSON Feed (no jsonfeed.org version, no feed items)"


def test_entity_declarations_are_refused_before_parsing() -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><rss version="2.0"><channel><title>&b;</title></channel></rss>'
    result = parse_feed(laughs, {}, BASE)
    assert isinstance(result, NotAFeedError)
    assert "declares XML entities" in result.message


def test_entries_are_capped_newest_first() -> None:
    items = "".join(
        f"<item><title>p{i}</title><link>https://b.example/{i}</link><pubDate>{dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i):%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
        for i in range(MAX_ENTRIES + 50)
    )
    feed = parse_feed(
        f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode(), {}, BASE
    )
    assert isinstance(feed, ParsedFeed)
    assert len(feed.entries) == MAX_ENTRIES
    assert feed.entries[0].title == f"p{MAX_ENTRIES + 49}"


def first_title(body: bytes, content_type: str = "") -> str | None:
    feed = parse_feed(body, {"Content-Type": content_type} if content_type else {}, BASE)
    assert isinstance(feed, ParsedFeed), feed
    return feed.entries[0].title


def rss_titled(title: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>t</title><item><title>{title}</title><link>https://b.example/1</link></item></channel></rss>'


@needs_corpus
def test_koi8r_without_any_declaration_is_readable() -> None:
    feed = parse_file(CORPUS / "broken" / "feedparser__koi8r.xml")
    assert feed.entries[0].title == "Как пережить новогоднюю ночь"


@needs_corpus
def test_latin1_without_a_declaration_is_readable() -> None:
    feed = parse_file(CORPUS / "broken" / "miniflux__no_encoding_ISO-8859-1.xml")
    assert "études" in (feed.entries[0].content_html or feed.entries[0].summary_html or "")


def test_utf8_wins_over_a_wrong_http_charset() -> None:
    body = rss_titled("Ça marche déjà").encode("utf-8")
    assert first_title(body, "text/xml; charset=iso-8859-1") == "Ça marche déjà"


def test_a_utf8_declaration_over_latin1_bytes_is_corrected() -> None:
    body = rss_titled(
        "Ça marche déjà, très bien, où est la fenêtre ? Noël à la française",
        '<?xml version="1.0" encoding="utf-8"?>',
    ).encode("latin-1")
    assert first_title(body) == "Ça marche déjà, très bien, où est la fenêtre ? Noël à la française"


def test_a_byte_order_mark_is_fine() -> None:
    assert first_title(b"\xef\xbb\xbf" + rss_titled("Straße").encode("utf-8")) == "Straße"
    assert (
        first_title(rss_titled("Straße", '<?xml version="1.0" encoding="utf-16"?>').encode("utf-16"))
        == "Straße"
    )


def test_invalid_bytes_become_replacement_characters_not_a_crash() -> None:
    body = rss_titled("caf\xe9 ok").encode("latin-1").replace(b"ok", b"\xff\xfe\x00\x81")
    title = first_title(body)
    assert title is not None
    assert title.startswith("caf")


def test_parsing_never_fetches_an_external_dtd(server: LoopbackServer) -> None:
    server.routes["/evil.dtd"] = Reply(body=b'<!ENTITY x "boom">')
    body = f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{server.url("/evil.dtd")}"><rss version="2.0"><channel><title>t</title><item><title>ok</title><link>https://b.example/1</link></item></channel></rss>'
    feed = parse_feed(body.encode(), {}, BASE)
    assert isinstance(feed, ParsedFeed)
    assert feed.entries[0].title == "ok"
    assert server.requests == []


def test_deep_nesting_is_survived() -> None:
    depth = 50_000
    xml_nesting = "<x>" * depth + "</x>" * depth
    html_nesting = "<div>" * depth + "deep" + "</div>" * depth
    body = f'<rss version="2.0"><channel><title>t</title><item><title>deep</title><link>https://b.example/1</link>{xml_nesting}<description><![CDATA[{html_nesting}]]></description></item></channel></rss>'
    feed = parse_feed(body.encode(), {}, BASE)
    assert isinstance(feed, ParsedFeed)
    content = normalize(feed, NOON)
    assert content.posts == ()
    assert content.kept_out == (KeptOut("deep", "its HTML has 100,000 tags (the limit is 20,000)"),)
    nested = "<div>" * 300 + "deep" + "</div>" * 300
    content = normalize(parse_feed(body.replace(html_nesting, nested).encode(), {}, BASE), NOON)  # type: ignore[arg-type]
    assert content.kept_out == (KeptOut("deep", "its HTML nests elements more than 256 deep"),)


def test_a_huge_item_count_is_capped() -> None:
    items = "".join(
        f"<item><title>{i}</title><link>https://b.example/{i}</link></item>" for i in range(20_000)
    )
    feed = parse_feed(
        f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode(), {}, BASE
    )
    assert isinstance(feed, ParsedFeed)
    assert len(feed.entries) == MAX_ENTRIES


FARM_SAMPLE = [render(n, 0) for n in range(0, 40) if kind(n) != "json"]
DEMO_FEEDS = sorted(path for path in (ROOT / "demo" / "blogs").glob("*/*") if path.suffix in (".xml", ".rss"))
XML_FEEDS = [path for path in corpus_files("feeds", "broken") if path.suffix != ".json"]
# Where the readers differ after the HTML pass, feedparser is the one that is wrong.
FEEDPARSER_WRONG = {
    # It takes a picture's caption (<media:description> inside <media:content>) for the content.
    "feedjira__HuffPostCanada.xml",
    # It writes an XHTML <br/> as <br></br>, which HTML reads as two line breaks.
    "feedjira__TypePadNews.xml",
}
# Not well-formed: a CDATA section never closed, bare "&" in links, markup cut off.
ILL_FORMED = {
    "feedparser__entry_content_crazy.xml",
    "feedparser__rss_incomplete_cdata.xml",
    "feedparser__rss_item_link_corrupted_ampersands.xml",
}


def both_readers(raw: bytes, url: str) -> tuple[ParsedFeed | None, ParsedFeed | FeedError]:
    body = utf8_document(raw, {})
    return xml_reader.read(body, url), fallback.read(body, url)


def posts_of(feed: ParsedFeed) -> tuple[Post, ...]:
    return normalize(feed, NOON).posts


@pytest.mark.parametrize(
    "raw",
    [p.read_bytes() for p in DEMO_FEEDS] + FARM_SAMPLE,
    ids=lambda raw: hashlib.sha1(raw).hexdigest()[:8],
)
def test_both_readers_give_the_same_posts_on_blog_platform_feeds(raw: bytes) -> None:
    fast, slow = both_readers(raw, BASE + "feed.xml")
    assert fast is not None and isinstance(slow, ParsedFeed)
    assert fast.entries
    assert posts_of(fast) == posts_of(slow)


@needs_corpus
@pytest.mark.parametrize("path", XML_FEEDS, ids=lambda p: p.name)
def test_both_readers_give_the_same_posts_on_the_corpus(path: Path) -> None:
    fast, slow = both_readers(path.read_bytes(), BASE + "feed.xml")
    if path.name in ILL_FORMED:
        assert fast is None  # lxml cannot parse it: feedparser's loose parser reads it
        return
    assert fast is not None and isinstance(slow, ParsedFeed)
    assert (posts_of(fast) == posts_of(slow)) == (path.name not in FEEDPARSER_WRONG)
    for mine, theirs in zip(posts_of(fast), posts_of(slow), strict=True):  # ids never differ
        assert (mine.id, mine.url, mine.published, mine.title) == (
            theirs.id,
            theirs.url,
            theirs.published,
            theirs.title,
        )


@needs_corpus
def test_nine_in_ten_xml_feeds_are_read_by_lxml() -> None:
    corpus = [xml_reader.read(utf8_document(p.read_bytes(), {}), BASE) for p in XML_FEEDS]
    demo = [xml_reader.read(utf8_document(p.read_bytes(), {}), BASE) for p in DEMO_FEEDS]
    read = sum(feed is not None for feed in corpus)
    assert (read, len(corpus)) == (len(XML_FEEDS) - len(ILL_FORMED), 46)
    assert read / len(corpus) >= 0.9
    assert all(feed is not None for feed in demo)


def test_a_bug_in_the_lxml_reader_is_not_taken_for_a_broken_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a document lxml cannot parse goes to feedparser: an error of the reader is raised."""

    def broken(*args: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(xml_reader._Reader, "read", broken)
    with pytest.raises(ValueError, match="a bug"):
        parse_feed(FARM_SAMPLE[0], {}, BASE)
    cut_off = parse_feed(b'<rss version="2.0"><channel><item><title>cut</title>', {}, BASE)  # feedparser's
    assert isinstance(cut_off, ParsedFeed) and cut_off.entries[0].title == "cut"


def test_lxml_reads_atom_xhtml_content_and_markup_in_a_title() -> None:
    xhtml = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>https://b.example/1</id>'
        '<title type="html">a &lt;b&gt;bold&lt;/b&gt; move</title><content type="xhtml">'
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>hi <a href="/x">there</a><br/>again</p></div>'
        "</content></entry></feed>"
    )
    feed = xml_reader.read(xhtml.encode(), BASE)
    assert feed is not None
    entry = feed.entries[0]
    assert (entry.title, entry.title_is_html) == ("a <b>bold</b> move", True)
    assert entry.content_html == '<p>hi <a href="/x">there</a><br/>again</p>'
    (post,) = posts_of(feed)
    assert post.title == "a bold move"
    assert post.content_html == (
        '<p>hi <a href="https://b.example/x" rel="ugc nofollow noopener noreferrer">there</a><br>again</p>'
    )


# The language a feed states for its posts: both readers take it alike, the content's first.

ATOM_LANGUAGES = """<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US"><title>t</title>
<entry><id>https://b.example/1</id><title>In the feed's language</title><content>Hello</content></entry>
<entry xml:lang="he"><id>https://b.example/2</id><title>In the entry's</title><content>שלום</content></entry>
<entry xml:lang="he"><id>https://b.example/3</id><title>In the content's</title>
<content type="html" xml:lang="AR">&lt;p&gt;مرحبا&lt;/p&gt;</content></entry>
<entry xml:lang=""><id>https://b.example/4</id><title>Unknown: the feed's</title><summary>Hi</summary></entry>
</feed>"""


def languages_of(raw: bytes) -> dict[str, str | None]:
    """Each post's language by its id, as both XML readers give it (they must agree)."""
    fast, slow = both_readers(raw, BASE + "feed.xml")
    assert fast is not None and isinstance(slow, ParsedFeed)
    assert posts_of(fast) == posts_of(slow)
    return {post.id: post.lang for post in posts_of(fast)}


def test_atom_languages_come_from_xml_lang_the_nearest_first() -> None:
    assert languages_of(ATOM_LANGUAGES.encode()) == {
        "https://b.example/1": "en-US",
        "https://b.example/2": "he",
        "https://b.example/3": "ar",
        "https://b.example/4": "en-US",
    }


def test_rss_language_is_the_channel_s_for_every_item() -> None:
    rss = (
        '<rss version="2.0"><channel><title>t</title><language>ar-eg</language>'
        "<item><guid>https://b.example/1</guid><title>مرحبا</title><description>نص</description></item>"
        "<item><guid>https://b.example/2</guid><description>نص آخر</description></item></channel></rss>"
    )
    assert languages_of(rss.encode()) == {"https://b.example/1": "ar-EG", "https://b.example/2": "ar-EG"}
    dublin_core = rss.replace("<language>ar-eg</language>", "<dc:language>fa</dc:language>").replace(
        "<rss ", '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
    )
    assert set(languages_of(dublin_core.encode()).values()) == {"fa"}
    unstated = rss.replace("<language>ar-eg</language>", "<language>Arabic</language>")
    assert set(languages_of(unstated.encode()).values()) == {None}  # a name, not a tag: none


def test_json_feed_language_of_the_feed_and_of_each_item() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "language": "en-GB",
        "items": [
            {"id": "1", "url": "https://b.example/1", "content_text": "Hello"},
            {"id": "2", "url": "https://b.example/2", "content_text": "سلام", "language": "ur-PK"},
            {"id": "3", "url": "https://b.example/3", "content_text": "Hi", "language": 7},
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), {}, BASE)
    assert isinstance(feed, ParsedFeed)
    assert {post.id: post.lang for post in posts_of(feed)} == {"1": "en-GB", "2": "ur-PK", "3": "en-GB"}


@needs_corpus
@pytest.mark.parametrize(
    ("name", "languages"),
    [
        ("miniflux__urdu_UTF8.xml", {"ur"}),  # RSS <language>, in CDATA
        ("feedrs__atom_example_3.xml", {"en-US"}),  # xml:lang="en-us" on the content only
        ("feedjira__TrotterCashionHome.xml", {"en-US"}),  # xml:lang on the feed
        ("feedrs__jsonfeed_elastic_1.1.json", {"en-US", "en-AU"}),  # the feed's, and one item's own
        ("feedrs__rss_0.91_encoding_1.xml", {"pt-BR"}),
        ("feedjira__SamRuby.xml", {None}),  # states none
    ],
)
def test_real_feeds_state_their_languages(name: str, languages: set[str | None]) -> None:
    assert {post.lang for post in posts_of(parse_file(CORPUS / "feeds" / name))} == languages
