"""Characters that break the cohort's feeds: whatever a feed holds, the hub keeps valid text.

Every string that leaves the parser is valid Unicode of characters XML 1.0 allows, checked after
character references are decoded; the archive can always be written, and the built pages and
Atom feeds always parse. Random text goes into every field of RSS, Atom and JSON Feed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import fields
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import html5lib
import lxml.etree
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator import chars
from aggregator.archive import Archive, Record, record_from_json, record_to_json
from aggregator.chars import xml_safe
from aggregator.config import HubConfig
from aggregator.errors import FeedError
from aggregator.normalize import normalize
from aggregator.parse import ParsedFeed, parse_feed
from aggregator.pipeline import update
from aggregator.registry import Participant
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, write_opml

NOW = dt.datetime(2026, 9, 12, 12, 0, tzinfo=dt.UTC)
BASE = "https://blog.example/feed"
TROUBLE = [
    "\udfff",  # a lone surrogate: JSON allows it, UTF-8 cannot hold it
    "\ud83d",
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x1f",
    "\x7f",
    "\x85",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\U0001fffe",
    "\U0010ffff",
    "&#x1;",  # references that decode to the same characters, at each level of escaping
    "&#0;",
    "&#xFFFE;",
    "&#xD800;",
    "&#1114111;",
    "&amp;#x1;",
    "&amp;#xFFFF;",
    "&amp;amp;#x1;",
    "<b>",
    "</p>",
    "]]>",
    "&",
    "<",
    "\u202e",
    "é",
    "\U0001f600",
]
pieces = st.one_of(st.sampled_from(TROUBLE), st.characters(codec=None), st.text(max_size=3))
texts = st.lists(pieces, max_size=12).map("".join)


def xml_text(value: str) -> str:
    """Escaped for XML, except the references, which stay references (the point of the test)."""
    return escape(value).replace("&amp;#", "&#").replace("&amp;amp;", "&amp;")


def rss(values: list[str]) -> bytes:
    title, link, guid, body, tag, author = (xml_text(v) for v in values)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>https://blog.example/{link}</link>"
        f"<item><title>{title}</title><link>https://blog.example/{link}</link><guid>{guid}</guid>"
        f"<category>{tag}</category><author>{author}</author><description>{body}</description>"
        f"<content:encoded><![CDATA[<p>{body.replace(']]>', '')}</p>]]></content:encoded>"
        "<pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate></item></channel></rss>"
    ).encode("utf-8", "surrogatepass")


def atom(values: list[str]) -> bytes:
    title, link, guid, body, tag, author = (xml_text(v) for v in values)
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title type="html">{title}</title><id>tag:blog.example,2026:feed</id>'
        f'<entry><title type="html">{title}</title><id>{guid}</id>'
        f'<link rel="alternate" href={quoteattr("https://blog.example/" + link)}/>'
        f"<author><name>{author}</name></author><category term={quoteattr(tag)}/>"
        f'<updated>2026-09-08T10:00:00Z</updated><content type="html">{body}</content></entry></feed>'
    ).encode("utf-8", "surrogatepass")


def json_feed(values: list[str]) -> bytes:
    title, link, guid, body, tag, author = values
    item = {
        "id": guid,
        "url": f"https://blog.example/{link}",
        "title": title,
        "content_html": body,
        "summary": title,
        "tags": [tag],
        "authors": [{"name": author}],
        "date_published": "2026-09-08T10:00:00Z",
    }
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": [item]}
    return json.dumps(doc).encode()  # ASCII, with "\udfff" written as JSON writes it


FORMATS = {"rss": rss, "atom": atom, "json": json_feed}


def strings_of(value: object) -> list[str]:
    """Every string field of a dataclass, and the strings in its tuple fields."""
    found: list[str] = []
    for name in (f.name for f in fields(value)):  # type: ignore[arg-type]
        item = getattr(value, name)
        items = item if isinstance(item, tuple) else (item,)
        found += [each for each in items if isinstance(each, str)]
    return found


@pytest.mark.parametrize("kind", FORMATS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(texts, min_size=6, max_size=6))
def test_only_valid_text_or_a_feed_error_leaves_the_parser(kind: str, values: list[str]) -> None:
    parsed = parse_feed(FORMATS[kind](values), {}, BASE)
    if isinstance(parsed, FeedError):
        assert parsed.message == xml_safe(parsed.message)
        return
    assert isinstance(parsed, ParsedFeed)
    everything = strings_of(parsed) + [s for entry in parsed.entries for s in strings_of(entry)]
    posts = normalize(parsed, NOW).posts
    everything += [s for post in posts for s in strings_of(post)]
    assert [s for s in everything if s != xml_safe(s)] == []
    person = Participant("eve", "Eve", BASE, None)
    stored = record_to_json(Record(person, posts=posts)).encode("utf-8")  # no lone surrogate
    assert record_from_json(stored.decode("utf-8"), "eve.json").posts == posts


def test_a_lone_surrogate_in_a_json_feed_stops_nothing(config: HubConfig, server: LoopbackServer) -> None:
    values = ["Tit\udfffle", "a\udfffb", "guid-\udfff", "<p>Body \udfff here</p>", "t\udfffag", "An\udfffn"]
    server.routes["/feed.json"] = Reply(body=json_feed(values))
    server.routes["/ok.rss"] = Reply(body=rss(["Fine", "fine", "fine", "Fine body", "tag", "Bo"]))
    people = [Participant("eve", "Eve", server.url("/feed.json"), None)]
    people.append(Participant("bo", "Bo", server.url("/ok.rss"), None))
    report = update(config, people, now=NOW)
    assert [(o.status, o.new_posts) for o in report.outcomes] == [("updated", 1), ("updated", 1)]
    (post,) = Archive(config.archive).load("eve").posts  # type: ignore[union-attr]
    assert (post.title, post.url, post.id, post.tags, post.author) == (
        "Tit\ufffdle",
        "https://blog.example/a\ufffdb",
        "guid-\ufffd",
        ("t\ufffdag",),
        "An\ufffdn",
    )
    assert (post.excerpt_html, post.content_html) == ("<p>Body \ufffd here</p>", "")  # no body kept


def test_references_to_characters_xml_forbids_are_dropped_after_decoding() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        '<title type="html">A&amp;#x1;B&amp;#xFFFF;C</title><link>https://blog.example/1</link>'
        "<description>&lt;p&gt;One &amp;#x1; two &amp;#xFFFE; three &amp;#x1FFFF; four &amp;amp;#x1;"
        "&lt;/p&gt;</description><category>&amp;#x1;x</category></item></channel></rss>"
    )
    parsed = parse_feed(body.encode(), {}, BASE)
    assert isinstance(parsed, ParsedFeed)
    (post,) = normalize(parsed, NOW).posts
    assert (post.title, post.tags) == ("ABC", ("&#x1;x",))
    assert post.content_html == "<p>One  two  three  four &amp;#x1;</p>"
    assert post.excerpt_html == post.content_html


WIDE = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]
FEED = (
    '<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Wide</title>'
    "<item><title>{title}</title><link>https://blog.example/1</link></item></channel></rss>"
)


@pytest.mark.parametrize("encoding", WIDE)
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("header", [None, "application/rss+xml; charset=utf-16"])
@pytest.mark.parametrize("title", ["All ASCII", "Caf\u00e9 \U0001f600"])
def test_utf_16_and_utf_32_feeds_are_read(encoding: str, bom: bool, header: str | None, title: str) -> None:
    text = FEED.format(encoding=encoding.rsplit("-", 1)[0], title=title)
    body = ("\ufeff" if bom else "").encode(encoding) + text.encode(encoding)
    parsed = parse_feed(body, {"Content-Type": header} if header else {}, BASE)
    assert isinstance(parsed, ParsedFeed), parsed
    assert (parsed.title, [e.title for e in parsed.entries]) == ("Wide", [title])


@pytest.mark.parametrize("encoding", ["utf-7", "utf-16", "utf-32"])
def test_entities_cannot_hide_in_another_encoding(encoding: str) -> None:
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [<!ENTITY a "{"a" * 1000}">]>'
        f"<rss version='2.0'><channel><title>T</title><item><title>{'&a;' * 2000}</title></item></channel></rss>"
    )
    body = doc.encode(encoding)
    if encoding == "utf-7":  # written as UTF-7 writes "<" when it must: no "<!ENTITY" in the bytes
        body = body.replace(b"<!", b"+ADw-!")
        assert b"<!ENTITY" not in body
    result = parse_feed(body, {}, BASE)
    assert isinstance(result, FeedError)
    assert result.message == "the document declares XML entities, which feeds never need; refused"


@pytest.mark.parametrize("encoding", ["unicode_escape", "raw-unicode-escape", "punycode", "idna"])
def test_a_python_codec_that_is_no_character_set_is_not_taken_at_its_word(encoding: str) -> None:
    body = f'<?xml version="1.0" encoding="{encoding}"?>' + FEED.format(encoding="", title="\\u0041BC")
    parsed = parse_feed(body.replace('<?xml version="1.0" encoding=""?>', "").encode(), {}, BASE)
    assert isinstance(parsed, ParsedFeed), parsed
    assert [e.title for e in parsed.entries] == ["\\u0041BC"]  # read as UTF-8, not unescaped


# The built site: every page parses as HTML without an error, every feed as XML.


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(values=st.lists(st.lists(texts, min_size=6, max_size=6), min_size=3, max_size=3))
def test_random_text_builds_pages_and_feeds_that_parse(
    tmp_path_factory: pytest.TempPathFactory, values: list[list[str]]
) -> None:
    tmp = tmp_path_factory.mktemp("characters")
    feeds = LoopbackServer()
    rows = []
    for (kind, make), texts_of_feed in zip(FORMATS.items(), values, strict=True):
        texts_of_feed[4] = "openlearning26"  # shown on the week pages of a course with a tag
        feeds.routes[f"/{kind}"] = Reply(body=make(texts_of_feed))
        rows.append((f"{kind.title()} Writer", feeds.url(f"/{kind}"), f"https://{kind}.example/"))
    try:
        result = build(tmp, write_opml(tmp / "feeds.opml", rows), allow_private=True)
    finally:
        feeds.close()
    assert result.returncode == 0, result.stderr
    check_output(tmp / "output")


def check_output(output: Path) -> None:
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page.read_bytes())
    for document in [*output.rglob("*.atom"), *output.rglob("*.opml"), *output.rglob("sitemap*.xml")]:
        lxml.etree.fromstring(document.read_bytes())


def test_the_fast_check_finds_every_unwanted_character_the_full_class_does() -> None:
    """xml_safe looks for unwanted characters in UTF-8 first (a class spanning all planes is slow
    to search); it must agree with the class on every code point there is."""
    differing = [
        code
        for code in range(sys.maxunicode + 1)
        if chars.xml_safe(f"a{chr(code)}b") != chars._UNWANTED.sub(chars._replacement, f"a{chr(code)}b")
    ]
    assert differing == []
