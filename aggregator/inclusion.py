"""Pure: whether a post is a course post, and by which rule. The one function that decides it.

A post is a course post when the first of these holds (`included_by`):
1. "tag": a category or tag equal to the course's tag or the participant's own (`hub:tag`);
2. "hashtag": that tag written as a hashtag in its title or text (`#openlearning26`: hashtags.py);
3. "link": a link in it to a page of the course site (under PUBLIC_URL), however spelled;
4. "every": every post of the feed counts: `hub:tag="*"` (a feed of course posts only), or there
   is no tag at all (the course has none, nor has the participant).
The archive keeps only course posts (consent.py), and the site shows only these (weeks.place);
`register`, the join reply and the registry check count them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from .config import Course
from .normalize import Post
from .parse import RawEntry
from .urls import Site

IncludedBy = Literal["tag", "hashtag", "link", "every"]
RULES: tuple[IncludedBy, ...] = ("tag", "hashtag", "link", "every")  # in the order they are asked
EVERY_POST = "*"  # a participant's hub:tag for a feed of course posts only (a tag feed)


@dataclass(frozen=True)
class Inclusion:
    """What makes a post one participant's course post: built once per participant per run."""

    tags: frozenset[str] = frozenset()  # the course's tag and the participant's own, normalized
    every: bool = False  # every post counts
    site: Site | None = None  # the course site, whose pages a course post may link to


@functools.lru_cache(maxsize=1024)  # asked for each participant, and by `export` for each post
def inclusion_for(course: Course, own_tag: str | None, site: Site | None) -> Inclusion:
    """The rules for the posts of a participant whose `hub:tag` is `own_tag`, in `course`, whose
    site is `site` (`urls.site_at` of PUBLIC_URL, None when it is not set)."""
    tags = frozenset(normalize_tag(tag) for tag in (course.tag, own_tag) if tag and tag != EVERY_POST)
    return Inclusion(tags, own_tag == EVERY_POST or not tags, site)


def included_by(post: Post, inclusion: Inclusion) -> IncludedBy | None:
    """The first rule that makes `post` a course post; None when no rule does."""
    if inclusion.tags:
        if not inclusion.tags.isdisjoint(map(normalize_tag, post.tags)):
            return "tag"
        if any(_names(hashtag, tag) for hashtag in post.hashtags for tag in inclusion.tags):
            return "hashtag"
    if inclusion.site and post.links and any(map(inclusion.site.holds, inclusion.site.pages(post.links))):
        return "link"
    return "every" if inclusion.every else None


def _names(hashtag: str, tag: str) -> bool:
    """Whether a hashtag names the tag: `#openlearning26-week3` does, a hyphen ends a word there
    as it does on Mastodon; `#openlearning26b` does not."""
    return hashtag == tag or hashtag.startswith(f"{tag}-")


def may_include(inclusion: Inclusion, tags: tuple[str, ...], entry: RawEntry) -> bool:
    """A quick test of an entry before it is read (sanitized, its hashtags found): False only when
    `included_by` would surely say None, because no tag is written after a '#' in it and the
    course site's host appears nowhere in it. Most of a blog's posts are not course posts: their
    HTML is never read. `tags` are the entry's tags as its post will carry them. About 10 µs for a
    1,500-word post that writes the tag twice, not as a hashtag (timed): a twentieth of the HTML
    pass it saves."""
    if inclusion.every or not inclusion.tags.isdisjoint(map(normalize_tag, tags)):
        return True
    # Each field on its own: casefolding text with a character past ASCII takes ten times as long.
    texts = [text.casefold() for text in (entry.title, entry.content_html, entry.summary_html) if text]
    site = inclusion.site
    # A host with non-ASCII letters stands in the raw HTML as written, not in the ASCII form
    # (xn--) that the sanitized link will hold: such a site cannot be looked for this way.
    if site is not None and ("xn--" in site.host or any(site.host in text for text in texts)):
        return True
    return any(_after_a_hash(text, tag) for text in texts for tag in inclusion.tags)


# A '#' however written (`&#35;`), and markup the sanitizer drops after it (Mastodon writes
# `#<span>openlearning26</span>`), just before where the pattern is asked to end.
_HASH_BEFORE = re.compile(r"(?:#|&#0*35;?|&#x0*23;?|&num;)(?:<[^<>]*>)*\Z")
_MARKUP_BETWEEN = 300  # characters of it, at most, looked at before each place a tag is written


def _after_a_hash(raw: str, tag: str) -> bool:
    """Whether `tag` comes after a '#' somewhere in `raw`, casefolded HTML. The same tag written
    elsewhere (in an address's `utm_campaign=`, in prose) passes no post."""
    at = raw.find(tag)
    while at != -1:
        if _HASH_BEFORE.search(raw, max(0, at - _MARKUP_BETWEEN), at):
            return True
        at = raw.find(tag, at + 1)
    return False


@functools.lru_cache(maxsize=65536)  # a cohort reuses a few hundred tags across 350,000 posts
def normalize_tag(tag: str) -> str:
    """Tags compare case-insensitively, ignoring a leading '#' and surrounding spaces."""
    return " ".join(tag.strip().lstrip("#").split()).casefold()
