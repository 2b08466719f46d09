"""What the archive keeps of a participant's posts: what they agreed to share. Pure.

The archive is committed to a public repository. Participants consented to the hub syndicating
their course posts, shown as they chose (`hub:display`), not their whole blogs. So the archive
keeps only course posts (`inclusion.included_by`, with the participant's own `hub:tag`), and a
post's full body only for participants who chose `full`: for everyone else, what the site shows
(title, excerpt, picture, reading time) and what the hub's features need (tags, hashtags, outbound
links).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import replace

from .archive import Record
from .inclusion import Inclusion, included_by, may_include
from .normalize import Post
from .parse import RawEntry
from .registry import Participant


def kept_posts(posts: Iterable[Post], person: Participant, inclusion: Inclusion) -> tuple[Post, ...]:
    """The posts the archive may keep, as it may keep them; `inclusion` is the person's."""
    full = person.display == "full"
    return tuple(_kept(post, full) for post in posts if included_by(post, inclusion) is not None)


def course_filter(inclusion: Inclusion) -> Callable[[tuple[str, ...], RawEntry], bool]:
    """The quick test of an entry that normalize asks before it reads one (`may_include`)."""
    return functools.partial(may_include, inclusion)


def _kept(post: Post, full: bool) -> Post:
    return post if full or not post.content_html else replace(post, content_html="")


def consented(record: Record, inclusion: Inclusion) -> Record:
    """`record` with only what `kept_posts` keeps: how an archive written before is migrated."""
    return _with_posts(record, kept_posts(record.posts, record.participant, inclusion))


def departed(record: Record, course_wide: Inclusion) -> Record:
    """The record of someone no longer in feeds.opml, whose own tag and display the hub no longer
    knows: the course's rules decide (`course_wide`: no tag of their own), unless none of their
    posts is a course post by them (they had a tag of their own), and then their posts stay; no
    post keeps its body."""
    posts = kept_posts(record.posts, record.participant, course_wide)
    return _with_posts(record, posts or tuple(_kept(post, full=False) for post in record.posts))


def _with_posts(record: Record, posts: tuple[Post, ...]) -> Record:
    return record if posts == record.posts else replace(record, posts=posts)
