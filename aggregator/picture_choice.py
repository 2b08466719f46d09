"""Which of the hub's stored pictures a term's pages show: decided once per build, for every page.

Avatars are small and shown for everyone who has one stored. The pictures of posts (a card's
thumbnail, the pictures of a post shown whole) are many: a term shows them newest post first,
until they take `budget` bytes, and older cards show none. So the site's size stays bounded
however long the course runs, and a card never shows a picture that is not published.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .cohort import Cohort, Entry, Member
from .picture_store import Kind, PictureStore, StoredPicture
from .sanitize import images

INLINE_PER_POST = 4  # pictures kept of a post shown whole; any further ones become links


@dataclass(frozen=True)
class ShownPictures:
    """The pictures a term's pages show, by the address each was found at."""

    avatars: Mapping[str, StoredPicture] = field(default_factory=dict)
    posts: Mapping[tuple[Kind, str], StoredPicture] = field(default_factory=dict)

    def avatar(self, member: Member) -> StoredPicture | None:
        url = member.avatar_url
        return self.avatars.get(url) if url else None

    def thumb(self, entry: Entry) -> StoredPicture | None:
        url = entry.post.image_url if entry.member.display == "excerpt" else None
        return self.posts.get(("thumb", url)) if url else None

    def inline(self, url: str) -> StoredPicture | None:
        return self.posts.get(("inline", url))

    @property
    def files(self) -> frozenset[StoredPicture]:
        return frozenset((*self.avatars.values(), *self.posts.values()))


def post_pictures(entry: Entry) -> Iterator[tuple[Kind, str]]:
    """The pictures a card would show: its thumbnail, or the first pictures of a post shown whole.
    The update fetches these; the build shows those it has."""
    display = entry.member.display
    if display == "excerpt" and entry.post.image_url:
        yield "thumb", entry.post.image_url
    elif display == "full":
        for url in images(entry.post.content_html or "", INLINE_PER_POST):
            yield "inline", url


def shown_pictures(store: PictureStore, cohort: Cohort, budget: int) -> ShownPictures:
    """Every stored avatar of the cohort, and its posts' stored pictures newest first while they
    fit in `budget` bytes (a picture shared by two cards is counted once)."""
    avatars = {
        url: picture
        for member in cohort.members
        if (url := member.avatar_url) and (picture := store.find("avatar", url))
    }
    posts: dict[tuple[Kind, str], StoredPicture] = {}
    used = 0
    for entry in cohort.newest_first():
        for key in post_pictures(entry):
            picture = store.find(*key)
            if picture is None or key in posts:
                continue
            if used + picture.size > budget:
                return ShownPictures(avatars, posts)
            posts[key] = picture
            used += picture.size
    return ShownPictures(avatars, posts)
