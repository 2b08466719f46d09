"""ParsedFeed -> [Post]: stable ids, UTC dates, absolute http(s) URLs, safe HTML and an excerpt.

Pure: the clock is an argument. What goes into a `Post` is safe to show: HTML has been through
the sanitizer, text is plain, URLs are absolute http(s) or absent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from . import sanitize
from .parse import ParsedFeed, RawEntry
from .urls import absolute_http_url

TITLE_LIMIT = 200
UNTITLED_LIMIT = 80
TAG_LIMIT = 60
MAX_TAGS = 20
AUTHOR_LIMIT = 100
EXCERPT_WORDS = 60
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
    image_url: str | None = None  # the first https image of the post, for a thumbnail
    words: int = 0  # for the reading time


def normalize(feed: ParsedFeed, now: dt.datetime) -> tuple[Post, ...]:
    posts: dict[str, Post] = {}
    for entry in feed.entries:
        post = normalize_entry(entry, feed.base_url, now)
        posts.setdefault(post.id, post)  # a feed repeating a guid: the newest copy wins
    return tuple(posts.values())


def normalize_entry(entry: RawEntry, base_url: str, now: dt.datetime) -> Post:
    url = absolute_http_url(entry.link, base_url)
    source = _richer(entry.content_html, entry.summary_html)
    body = sanitize.clean_html(source, url or base_url)
    published, date_source = _date(entry, now)
    return Post(
        id=post_id(entry, url),
        url=url,
        title=_title(entry, body),
        published=published,
        date_source=date_source,
        updated=entry.updated,
        first_seen=now,
        tags=tuple(sanitize.plain_text(tag, TAG_LIMIT, is_html=False) for tag in entry.tags[:MAX_TAGS]),
        author=sanitize.plain_text(entry.author, AUTHOR_LIMIT, is_html=False) or None,
        content_html=body,
        excerpt_html=sanitize.excerpt(body, EXCERPT_WORDS),
        image_url=sanitize.first_image(body),
        words=len(sanitize.rough_text(body).split()),
    )


def post_id(entry: RawEntry, url: str | None) -> str:
    """The feed's guid, else the post's link, else a hash of what the post says."""
    if entry.guid and entry.guid.strip():
        return entry.guid.strip()
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


def _title(entry: RawEntry, body_html: str) -> str:
    title = sanitize.plain_text(entry.title, TITLE_LIMIT, is_html=entry.title_is_html)
    if title:
        return title
    # Micro-posts and Mastodon statuses have no title: their first words stand in for one.
    return sanitize.plain_text(body_html, UNTITLED_LIMIT) or "Untitled post"


def _richer(content: str | None, summary: str | None) -> str:
    """The full content, unless the feed put a stub there ("...") and the text in the summary."""
    if content == summary:  # feedparser copies a lone content into the summary
        return content or ""
    if content and summary and len(sanitize.rough_text(content)) < len(sanitize.rough_text(summary)):
        return summary
    return content or summary or ""
