"""Pure: who answers whom. One pass over the whole cohort's shown posts finds the links between them.

Post B responds to post A when B links to A's original address, however the link is spelled
(`urls.canonical_address`: http or https, `www.`, a trailing slash, `index.html`, tracking
parameters, AMP and mobile variants). A link to another post of B's own author is "see also", not a
response. Links to posts the site does not show (untagged, hidden, withdrawn) count for nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .normalize import Post
from .urls import canonical_address, quick_host

Key = tuple[str, str]  # (participant id, post id): a post, whoever else has one of the same id


@dataclass(frozen=True)
class Links:
    """The cohort's links between posts, each list oldest responder first."""

    responses: Mapping[Key, tuple[Key, ...]] = field(default_factory=dict)  # post -> who answers it
    responds_to: Mapping[Key, tuple[Key, ...]] = field(default_factory=dict)  # post -> what it answers
    see_also: Mapping[Key, tuple[Key, ...]] = field(default_factory=dict)  # post -> own earlier posts


def find_links(posts: Iterable[tuple[str, Post]]) -> Links:
    """The links between `posts` ((participant id, post) of every shown post of the cohort).

    Most links leave the cohort, and a large cohort has 350,000 posts: only links to a host of a
    cohort post, and only posts on a host some post links to, are compared in full; and only the
    few lists found are sorted, never the cohort.
    """
    posts = list(posts)
    homes = [quick_host(post.url) if post.url else "" for _, post in posts]
    hosts = set(homes)
    # (person, post, its links to a host of the cohort): the only links worth comparing in full.
    asking = [
        (person, post, inward)
        for person, post in posts
        if (inward := [link for link in post.links if quick_host(link) in hosts])
    ]
    linked = {quick_host(link) for _, _, inward in asking for link in inward}
    index = _address_index(pair for pair, home in zip(posts, homes, strict=True) if home in linked)
    responses: dict[Key, list[Pair]] = {}
    responds_to: dict[Key, tuple[Key, ...]] = {}
    see_also: dict[Key, tuple[Key, ...]] = {}
    for person, post, inward in asking:
        targets = [target for target in _targets(inward, index) if target[1] is not post]
        for target in targets:
            if target[0] != person:
                responses.setdefault(_key(target), []).append((person, post))
        if answered := tuple(_key(t) for t in targets if t[0] != person):
            responds_to[(person, post.id)] = answered
        if own := tuple(_key(t) for t in targets if t[0] == person):
            see_also[(person, post.id)] = own
    return Links(
        {k: tuple(map(_key, sorted(v, key=_age))) for k, v in responses.items()}, responds_to, see_also
    )


Pair = tuple[str, Post]  # (participant id, post)


def _key(pair: Pair) -> Key:
    return pair[0], pair[1].id


def _age(pair: Pair) -> tuple[dt.datetime, str, str]:
    return pair[1].published, pair[0], pair[1].id


def _address_index(pairs: Iterable[Pair]) -> dict[str, Pair]:
    """Each post under its address as links are compared, and without its fragment too (a link
    to a daily page reaches its first post). The earliest post keeps an address two posts share."""
    index: dict[str, Pair] = {}
    for pair in pairs:
        url = pair[1].url
        if url:
            for key in (
                canonical_address(url),
                *([canonical_address(url, fragment=False)] if "#" in url else []),
            ):
                if key not in index or _age(pair) < _age(index[key]):
                    index[key] = pair
    return index


def _targets(links: list[str], index: Mapping[str, Pair]) -> list[Pair]:
    """The cohort posts `links` lead to, once each, in the order of the links."""
    found: dict[Key, Pair] = {}
    for link in links:
        target = index.get(canonical_address(link))
        if target is None and "#" in link:  # a link into a page that holds one post: that post
            target = index.get(canonical_address(link, fragment=False))
        if target is not None:
            found.setdefault(_key(target), target)
    return list(found.values())
