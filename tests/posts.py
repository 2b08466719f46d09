"""Posts made up for the pure stages' tests: only what a test names differs from a plain post."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from aggregator.normalize import Post


def make_post(
    slug: str,
    when: dt.datetime,
    tags: Iterable[str] = (),
    *,
    url: str | None = None,
    links: Iterable[str] = (),
    title: str | None = None,
) -> Post:
    return Post(
        id=slug,
        url=url or f"https://x.example/{slug}",
        title=title or slug,
        published=when.astimezone(dt.UTC),
        date_source="published",
        updated=None,
        first_seen=when,
        tags=tuple(tags),
        author=None,
        content_html="",
        excerpt_html="",
        links=tuple(links),
    )
