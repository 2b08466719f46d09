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
    cohort post, and only posts on a host some post links to, are compared in full.
    """
    posts = list(posts)
    homes = [quick_host(post.url) if post.url else "" for _, post in posts]
    hosts = set(homes)
    asking = [
        (person, post) for person, post in posts if any(quick_host(link) in hosts for link in post.links)
    ]
    linked = {quick_host(link) for _, post in asking for link in post.links}
    index = _address_index(
        sorted((pair for pair, home in zip(posts, homes, strict=True) if home in linked), key=_age)
    )
    responses: dict[Key, list[Key]] = {}
    responds_to: dict[Key, list[Key]] = {}
    see_also: dict[Key, list[Key]] = {}
    for person, post in sorted(asking, key=_age):
        source = (person, post.id)
        for target in _targets(post, index):
            if target == source:
                continue
            if target[0] == person:
                see_also.setdefault(source, []).append(target)
            else:
                responds_to.setdefault(source, []).append(target)
                responses.setdefault(target, []).append(source)
    return Links(_frozen(responses), _frozen(responds_to), _frozen(see_also))


def _age(pair: tuple[str, Post]) -> tuple[dt.datetime, str, str]:
    return pair[1].published, pair[0], pair[1].id


def _address_index(ordered: list[tuple[str, Post]]) -> dict[str, Key]:
    """Each post under its address as links are compared, with and without the fragment (a link
    to a daily page reaches its first post). The earliest post keeps an address two posts share."""
    index: dict[str, Key] = {}
    for person, post in ordered:
        if post.url:
            index.setdefault(canonical_address(post.url), (person, post.id))
            if "#" in post.url:
                index.setdefault(canonical_address(post.url, fragment=False), (person, post.id))
    return index


def _targets(post: Post, index: Mapping[str, Key]) -> list[Key]:
    """The cohort posts `post` links to, once each, in the order of its links."""
    found: dict[Key, None] = {}
    for link in post.links:
        target = index.get(canonical_address(link)) or index.get(canonical_address(link, fragment=False))
        if target is not None:
            found.setdefault(target)
    return list(found)


def _frozen(found: dict[Key, list[Key]]) -> dict[Key, tuple[Key, ...]]:
    return {key: tuple(value) for key, value in found.items()}
