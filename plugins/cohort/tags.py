"""The pages of the tags the cohort shares (aggregator.tags says which), and the cards' links to them.

At 35,000 participants a popular tag can hold tens of thousands of posts, and a cohort thousands of
shared tags. COHORT_TAGS (100) tags get a page, those on most posts, and each lists its newest
COHORT_TAG_POSTS (100) posts: at most 500 pages of 20 posts, which render like as many week pages
(of about 17,500 for 350,000 posts). Finding the shared tags is one pass over the posts: under a second
for 350,000 posts of three tags each (0.6 to 0.9 s measured, on a busy 2-core machine).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from aggregator import SharedTag, by_week, tag_key

from .output import Page
from .pages import paginate

TAGS = 100  # the most tags that get a page (COHORT_TAGS)
TAG_POSTS = 100  # the newest posts a tag's pages list (COHORT_TAG_POSTS)


def tag_path(tag: SharedTag) -> str:
    return f"cohort/tags/{tag.slug}/"


class TagLinks:
    """Where each shared tag's page is among its term's pages, for the cards' `tag_path` filter.
    Filled once the cohort is read, before any page is rendered; until then, and for any other tag,
    a tag has no page."""

    def __init__(self) -> None:
        self.paths: dict[str, str] = {}

    def use(self, tags: Iterable[SharedTag]) -> None:
        self.paths = {tag.key: tag_path(tag) for tag in tags}

    def path(self, tag: str) -> str | None:
        return self.paths.get(tag_key(tag))


def tag_pages(tags: tuple[SharedTag, ...], per_page: int, most: int, root: str = "") -> Iterator[Page]:
    """The list of shared tags, and each tag's pages: its newest `most` posts, by week; under the
    term's `root` ("" or "2026-autumn/")."""
    yield Page(f"{root}cohort/tags/", "tags", {"tags": tags})
    for tag in tags:
        listed = tag.entries[:most]
        for paged in paginate(listed, per_page, root + tag_path(tag)):
            extra = {"tag": tag, "paged": paged, "weeks": by_week(paged.items), "listed": len(listed)}
            yield Page(paged.own_path, "tag", extra)
