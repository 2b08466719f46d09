"""What the archive keeps of a participant's posts: what they agreed to share. Pure.

The archive is committed to a public repository. Participants consented to the hub syndicating
their course posts, shown as they chose (`hub:display`), not their whole blogs. So the archive
keeps only course posts (`weeks.course_post`, with the participant's own `hub:tag`), and a post's
full body only for participants who chose `full`: for everyone else, what the site shows (title,
excerpt, picture, reading time) and what the hub's features need (tags, outbound links).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import replace

from .archive import Record
from .config import Course
from .normalize import Post
from .registry import Participant
from .weeks import course_for, course_post


def kept_posts(posts: Iterable[Post], person: Participant, course: Course) -> tuple[Post, ...]:
    """The posts the archive may keep, as it may keep them."""
    wanted = course_filter(person, course)
    full = person.display == "full"
    return tuple(_kept(post, full) for post in posts if wanted(post.tags))


def course_filter(person: Participant, course: Course) -> Callable[[Iterable[str]], bool]:
    """Whether a post with these tags is one of the person's course posts."""
    return functools.partial(course_post, course=course_for(course, person.tag))


def _kept(post: Post, full: bool) -> Post:
    return post if full or not post.content_html else replace(post, content_html="")


def consented(record: Record, person: Participant, course: Course) -> Record:
    """`record` with only what `kept_posts` keeps: how an archive written before is migrated."""
    return _with_posts(record, kept_posts(record.posts, person, course))


def departed(record: Record, course: Course) -> Record:
    """The record of someone no longer in feeds.opml, whose own tag and display the hub no longer
    knows: the course's tag decides, unless none of their posts carries it (they had a tag of
    their own), and then their posts stay; no post keeps its body."""
    posts = kept_posts(record.posts, record.participant, course)
    return _with_posts(record, posts or tuple(_kept(post, full=False) for post in record.posts))


def _with_posts(record: Record, posts: tuple[Post, ...]) -> Record:
    return record if posts == record.posts else replace(record, posts=posts)
