"""ParsedFeed -> [Post]: stable ids, UTC dates, absolute http(s) URLs, safe HTML and an excerpt;
and the entries kept out, with why (limits.py).

Pure: the clock is an argument. What goes into a `Post` is safe to show: HTML has been through
the sanitizer, text is plain, URLs are absolute http(s) or absent.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from . import sanitize
from .hashtags import hashtags
from .languages import language_tag
from .limits import (
    AUTHOR_LIMIT,
    BODY_LIMIT,
    TAG_LIMIT,
    TAGS_PER_POST,
    TITLE_LIMIT,
    UNTITLED_LIMIT,
    URL_LIMIT,
)
from .markup import costly
from .parse import ParsedFeed, RawEntry
from .urls import absolute_http_url, site_host, url_identity, within_limit

FUTURE_TOLERANCE = dt.timedelta(days=1)  # clocks and time zones are often wrong by hours


@dataclass(frozen=True, slots=True)  # half a million in a large build: no per-instance dict
class Post:
    id: str
    url: str | None
    title: str
    published: dt.datetime
    date_source: str  # "published", "updated" or "first-seen"
    updated: dt.datetime | None
    first_seen: dt.datetime
    tags: tuple[str, ...]
    author: str | None
    content_html: str
    excerpt_html: str
    image_url: str | None = None  # the first http(s) picture of the post, for a thumbnail
    words: int = 0  # for the reading time
    links: tuple[str, ...] = ()  # where the post links to (outbound links), for the conversations
    lang: str | None = None  # the language its feed states for it, a checked tag (languages.py)
    untitled: bool = False  # its feed gave no title: the title stands in, made of its first words
    hashtags: tuple[str, ...] = ()  # the hashtags its title and text write, casefolded, without '#'


@dataclass(frozen=True)
class KeptOut:
    """An entry the archive does not take, and why: the health report names it."""

    title: str
    why: str


@dataclass(frozen=True)
class Normalized:
    posts: tuple[Post, ...]
    kept_out: tuple[KeptOut, ...] = ()
    listed: tuple[str, ...] = ()  # the id of every entry the feed lists, wanted or not, in order


def normalize(
    feed: ParsedFeed,
    now: dt.datetime,
    wanted: Callable[[tuple[str, ...], RawEntry], bool] | None = None,
) -> Normalized:
    """The feed's entries as posts. With `wanted` (a quick test of an entry, given the tags its
    post would carry: `inclusion.may_include`), only the entries it wants become posts: the others
    are only listed, their HTML never read (the archive keeps course posts only, and most of a
    blog's posts are not)."""
    posts: dict[str, Post] = {}
    listed: dict[str, None] = {}
    kept_out: list[KeptOut] = []
    for entry in feed.entries:
        if wanted is not None and not wanted(_tags(entry), entry):
            listed.setdefault(post_id(entry, own_url(entry, feed), _feed_pages(feed)))
            continue
        post = normalize_entry(entry, feed, now)
        if isinstance(post, KeptOut):
            kept_out.append(post)
        else:
            posts.setdefault(post.id, post)  # a feed repeating a guid: the newest copy wins
            listed.setdefault(post.id)
    return Normalized(tuple(posts.values()), tuple(kept_out), tuple(listed))


def normalize_entry(entry: RawEntry, feed: ParsedFeed, now: dt.datetime) -> Post | KeptOut:
    """The entry as a post, or why it is kept out: HTML too costly to sanitize, or an address or
    a body past its limit (limits.py)."""
    too_costly = costly(entry.content_html or "") or costly(entry.summary_html or "")
    if too_costly:
        return KeptOut(_label(entry), too_costly)
    post = _post(entry, feed, now)
    too_long = _over_limit(post)
    return KeptOut(post.title, too_long) if too_long else post


def _post(entry: RawEntry, feed: ParsedFeed, now: dt.datetime) -> Post:
    url = own_url(entry, feed)
    # Addresses in the HTML are relative to the xml:base the feed gives, else to the post's own
    # page, where its author wrote them (a link to "#part-2" is a heading of that page).
    body, text = _body(entry, entry.base or url or feed.base_url)
    published, date_source = _date(entry, now)
    title = sanitize.plain_text(entry.title, TITLE_LIMIT, is_html=entry.title_is_html)
    return Post(
        id=post_id(entry, url, _feed_pages(feed)),
        url=url,
        title=title or _stand_in_title(body),
        published=published,
        date_source=date_source,
        updated=entry.updated,
        first_seen=now,
        tags=_tags(entry),
        author=sanitize.plain_text(entry.author, AUTHOR_LIMIT, is_html=False) or None,
        content_html=body,
        excerpt_html=sanitize.excerpt(body),
        image_url=within_limit(sanitize.first_image(body)),
        words=text.count(" ") + 1 if text else 0,
        links=sanitize.outbound_links(body),
        lang=language_tag(entry.language) or language_tag(feed.language),
        untitled=not title,
        hashtags=hashtags(title, text, body),
    )


def _tags(entry: RawEntry) -> tuple[str, ...]:
    return tuple(sanitize.plain_text(tag, TAG_LIMIT, is_html=False) for tag in entry.tags[:TAGS_PER_POST])


def _over_limit(post: Post) -> str | None:
    for what, value in (("guid", post.id), ("address", post.url or "")):
        if len(value) > URL_LIMIT:
            return f"its {what} is {len(value):,} characters long (the limit is {URL_LIMIT:,})"
    # A character is at most 4 bytes in UTF-8: most bodies need no encoding to be measured.
    if len(post.content_html) * 4 > BODY_LIMIT and (size := len(post.content_html.encode())) > BODY_LIMIT:
        return f"it is {size:,} bytes long once sanitized (the limit is {BODY_LIMIT:,})"
    return None


def _label(entry: RawEntry) -> str:
    """What the health report calls an entry it could not read: its title, else its address."""
    title = entry.title if entry.title and not costly(entry.title) else entry.link or entry.guid
    return sanitize.plain_text(title, UNTITLED_LIMIT, is_html=entry.title_is_html) or "an untitled entry"


def own_url(entry: RawEntry, feed: ParsedFeed) -> str | None:
    """The address of the participant's own post, for the backlink and "Read on".

    Usually the entry's link. On a linkblog (Daring Fireball, WordPress link posts) the link is
    the article discussed, on another site, and the post's own page is its rel="related" link or
    its guid: taken when it is on the blog's own host and the link is not. A link to the feed
    itself (as fetched, or its self link) or to the blog's home page is no post's address.
    """
    pages, hosts = _feed_pages(feed), _blog_hosts(feed.base_url, feed.home_url)
    link = absolute_http_url(entry.link, feed.base_url)
    if link and url_identity(link, fragment=False) in pages:
        link = None
    if link and site_host(link) in hosts:
        return link
    for other in (entry.related and absolute_http_url(entry.related, feed.base_url), entry.guid):
        mine = absolute_http_url(other.strip()) if other else None  # a guid only when absolute
        if mine and site_host(mine) in hosts and url_identity(mine, fragment=False) not in pages:
            return mine
    return link


def _feed_pages(feed: ParsedFeed) -> frozenset[str]:
    return _pages(feed.base_url, feed.self_url, feed.home_url)


@functools.lru_cache(maxsize=64)  # asked for every entry of a feed
def _pages(*urls: str | None) -> frozenset[str]:
    return frozenset(url_identity(url, fragment=False) for url in urls if url)


@functools.lru_cache(maxsize=64)
def _blog_hosts(*urls: str | None) -> frozenset[str]:
    return frozenset(host for url in urls if (host := site_host(url)))


def post_id(entry: RawEntry, url: str | None, feed_pages: frozenset[str] = frozenset()) -> str:
    """The feed's guid, else the post's link, else a hash of what the post says. A guid that is
    the feed's own address (or the blog's home page) names no post: it counts as none."""
    guid = (entry.guid or "").strip()
    if guid and url_identity(guid, fragment=False) not in feed_pages:
        return guid
    if url:
        return url
    # Neither: title and date identify the post and survive edits; without a date, the text does.
    dated = entry.published or entry.updated
    what = dated.isoformat() if dated else (entry.content_html or entry.summary_html or "")
    return "sha256:" + hashlib.sha256(f"{entry.title}\x00{what}".encode()).hexdigest()


def _date(entry: RawEntry, now: dt.datetime) -> tuple[dt.datetime, str]:
    """The published date, else the updated date, else now; a date in the future counts as none."""
    latest = now + FUTURE_TOLERANCE
    if entry.published is not None and entry.published <= latest:
        return entry.published, "published"
    if entry.updated is not None and entry.updated <= latest:
        return entry.updated, "updated"
    return now, "first-seen"


def _stand_in_title(body_html: str) -> str:
    """Micro-posts and Mastodon statuses have no title: their first words stand in for one (in
    feeds, lists and the archive's matching; a card shows them once, as the post's text)."""
    return sanitize.plain_text(body_html, UNTITLED_LIMIT) or "Untitled post"


def _body(entry: RawEntry, base: str) -> tuple[str, str]:
    """The sanitized content and its text; the summary instead when the feed put a stub in the
    content ("...") and the text in the summary."""
    content, summary = entry.content_html, entry.summary_html
    body = sanitize.clean_html(content or summary or "", base)
    text = sanitize.safe_text(body)
    # Sanitizing never lengthens text, so a summary no longer than the content's text can be no
    # richer (feedparser copies a lone content into the summary).
    if content and summary and content != summary and len(text) < len(summary):
        brief = sanitize.clean_html(summary, base)
        brief_text = sanitize.safe_text(brief)
        if len(text) < len(brief_text):
            return brief, brief_text
    return body, text
