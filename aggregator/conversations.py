"""Pure: who answers whom. One pass over the whole cohort's shown posts finds the links between them.

Post B responds to post A when B links to A's original address, however the link is spelled
(`urls.canonical_address`: http or https, `www.`, a trailing slash, `index.html`, tracking
parameters, AMP and mobile variants). A link to another post of B's own author is "see also", not a
response. Links to posts the site does not show (untagged, hidden, withdrawn) count for nothing.
"""

from __future__ import annotations

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
    """The links between `posts` ((participant id, post) of every shown post of the cohort)."""
    ordered = sorted(posts, key=lambda pair: (pair[1].published, pair[0], pair[1].id))
    index = _address_index(ordered)
    hosts = {quick_host(address) for address in index}
    responses: dict[Key, list[Key]] = {}
    responds_to: dict[Key, list[Key]] = {}
    see_also: dict[Key, list[Key]] = {}
    for person, post in ordered:
        source = (person, post.id)
        for target in _targets(post, index, hosts):
            if target == source:
                continue
            if target[0] == person:
                see_also.setdefault(source, []).append(target)
            else:
                responds_to.setdefault(source, []).append(target)
                responses.setdefault(target, []).append(source)
    return Links(_frozen(responses), _frozen(responds_to), _frozen(see_also))


def _address_index(ordered: list[tuple[str, Post]]) -> dict[str, Key]:
    """Each post under its address as links are compared, with and without the fragment (a link
    to a daily page reaches its first post). The earliest post keeps an address two posts share."""
    index: dict[str, Key] = {}
    for person, post in ordered:
        if post.url:
            for fragment in (True, False):
                index.setdefault(canonical_address(post.url, fragment=fragment), (person, post.id))
    return index


def _targets(post: Post, index: Mapping[str, Key], hosts: set[str]) -> list[Key]:
    """The cohort posts `post` links to, once each, in the order of its links."""
    found: dict[Key, None] = {}
    for link in post.links:
        if quick_host(link) not in hosts:  # most links leave the cohort: no need to canonicalise them
            continue
        target = index.get(canonical_address(link)) or index.get(canonical_address(link, fragment=False))
        if target is not None:
            found.setdefault(target)
    return list(found)


def _frozen(found: dict[Key, list[Key]]) -> dict[Key, tuple[Key, ...]]:
    return {key: tuple(value) for key, value in found.items()}
