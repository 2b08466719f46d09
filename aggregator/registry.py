"""The participant registry: feeds.opml (OPML 2.0) -> [Participant].

People are not names. A participant's id is their `hub:id` when the outline gives one (`register`
and `join` always write it), else their name as a slug; participants without a hub:id whose
names slug alike (`Maria García`, `Maria Garcia`) are told apart by a short hash of their feed.
So an id depends only on the participant's own outline and their namesakes', never on the order
of the file. One blog is one participant: feeds are compared by `urls.feed_identity`.

A feed outline needs `type="rss"` (also for Atom and JSON Feed), `text` (the person's name) and
`xmlUrl`; `htmlUrl` is their blog. Outlines without `xmlUrl` are folders. Hub-specific extras are
attributes in the hub namespace, e.g. `hub:platform="ghost"` or `hub:id="maya"`. The participant's
own choices are `hub:display` (title, excerpt or full), `hub:licence` and `hub:tag` (their course tag,
or `*` when every post of the feed belongs to the course, as with a tag feed).

A course with terms keeps each term's cohort in a folder that names it, `<outline text="Autumn 2026"
hub:term="2026-autumn">`: a returning participant has an outline in each term they joined. Ids and
feeds are unique within a term.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from .config import written_tag
from .errors import RegistryError
from .sanitize import plain_text
from .urls import absolute_http_url, address_problem, feed_identity

HUB_NS = "https://course-hub.example/ns/opml/1"
TERM_ATTRIBUTE = "{" + HUB_NS + "}term"
NAME_LIMIT = 100
LICENCE_LIMIT = 80
DISPLAYS = ("title", "excerpt", "full")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# An id names the participant's archive file and page folder: Windows cannot check out a file or
# folder with one of these names, whatever its extension.
_DEVICE_NAMES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$")


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    feed_url: str
    blog_url: str | None
    folder: str | None = None
    extras: tuple[tuple[str, str], ...] = field(default=())
    term: str | None = None  # the slug of the term whose folder holds their outline (hub:term)

    def hub_attribute(self, key: str) -> str | None:
        return dict(self.extras).get(key)

    @property
    def display(self) -> str:
        """How much of a post the hub shows: the full post only where the participant opted in."""
        return self.hub_attribute("display") or "excerpt"

    @property
    def licence(self) -> str | None:
        return self.hub_attribute("licence")

    @property
    def github(self) -> str | None:
        """The GitHub account the participant joined from: only it may change their registration."""
        return self.hub_attribute("github")

    def joined_from(self, login: str | None) -> bool:
        """Whether `login` is the GitHub account they joined from (GitHub ignores case in logins)."""
        return bool(login and self.github and login.casefold() == self.github.casefold())

    @property
    def tag(self) -> str | None:
        """The participant's own course tag, overriding the course's; `*` takes every post."""
        return self.hub_attribute("tag")


def load_registry(path: Path) -> tuple[Participant, ...]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror}") from None
    return parse_opml(data, str(path))


def parse_opml(data: bytes, source: str = "feeds.opml") -> tuple[Participant, ...]:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise RegistryError(f"{source}: document type declarations are not allowed in OPML")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RegistryError(f"{source}: not well-formed XML ({exc})") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise RegistryError(f"{source}: not an OPML document (expected <opml> with a <body>)")
    outlines = list(_feed_outlines(body))
    people = [_participant(node, folder, source) for node, folder in outlines]
    people = [
        replace(person, term=_term_of(node)) for person, (node, _) in zip(people, outlines, strict=True)
    ]
    lines = [_line(node) for node, _ in outlines]
    for term in dict.fromkeys(person.term for person in people):
        # A term's cohort is its own: the same blog, and the same id, may return in the next term.
        of_term = [n for n, person in enumerate(people) if person.term == term]
        named = _told_apart([people[n] for n in of_term])
        for n, person in zip(of_term, named, strict=True):
            people[n] = person
        _check_unique([people[n] for n in of_term], [lines[n] for n in of_term], source)
    return tuple(people)


def _term_of(node: etree._Element) -> str | None:
    """The slug of the nearest folder around `node` that names a term (hub:term="2026-autumn")."""
    for folder in node.iterancestors("outline"):
        if (slug := folder.get(TERM_ATTRIBUTE)) is not None:
            return slug
    return None


def _line(node: etree._Element) -> int:
    line: int | None = getattr(node, "sourceline", None)  # lxml-stubs mistype it
    return line or 0


def _feed_outlines(
    parent: etree._Element, folder: str | None = None
) -> Iterator[tuple[etree._Element, str | None]]:
    for node in parent.findall("outline"):
        if node.get("xmlUrl") is not None:
            yield node, folder
        else:
            yield from _feed_outlines(node, node.get("text") or node.get("title") or folder)


def _participant(node: etree._Element, folder: str | None, source: str) -> Participant:
    name = plain_text(node.get("text"), NAME_LIMIT, is_html=False)
    raw_url = node.get("xmlUrl", "")
    where = f"{source}: outline {name or raw_url!r}"
    if (node.get("type") or "").lower() != "rss":
        raise RegistryError(f'{where}: type="rss" is required on a feed outline')
    if not name:
        raise RegistryError(f"{source}: outline for {raw_url!r} has no text (the participant's name)")
    feed_url = _http_url(raw_url, "xmlUrl", where)
    blog = node.get("htmlUrl")
    extras = _extras(node, where)
    return Participant(
        id=_participant_id(dict(extras).get("id"), name, feed_url, where),
        name=name,
        feed_url=feed_url,
        blog_url=_http_url(blog, "htmlUrl", where) if blog else None,
        folder=folder,
        extras=extras,
    )


def _http_url(value: str, attribute: str, where: str) -> str:
    if problem := address_problem(value.strip()):
        raise RegistryError(f"{where}: {attribute} {value!r} is refused: {problem}")
    url = absolute_http_url(value.strip())
    if url is None:
        raise RegistryError(f"{where}: {attribute} must be an absolute http(s) URL, got {value!r}")
    if not value.isascii() and not (urlsplit(value.strip()).hostname or "").isascii():
        # One spelling per host, the one the HTTP client connects to: what register and join write.
        raise RegistryError(f"{where}: {attribute} {value!r} must be written with its host in ASCII: {url}")
    return url


def _extras(node: etree._Element, where: str) -> tuple[tuple[str, str], ...]:
    prefix = "{" + HUB_NS + "}"
    attributes = {str(key): str(value) for key, value in node.attrib.items()}
    found = {key[len(prefix) :]: value for key, value in attributes.items() if key.startswith(prefix)}
    if found.get("display", "excerpt") not in DISPLAYS:
        raise RegistryError(
            f"{where}: hub:display must be one of {', '.join(DISPLAYS)}, got {found['display']!r}"
        )
    if "licence" in found:
        found["licence"] = plain_text(found["licence"], LICENCE_LIMIT, is_html=False)
    if "tag" in found:
        found["tag"] = _tag(found["tag"], where)
    return tuple(sorted((key, value) for key, value in found.items() if value))


def _tag(value: str, where: str) -> str:
    tag = written_tag(value)
    if tag is None:
        raise RegistryError(f"{where}: hub:tag must be one word (or * for every post), got {value!r}")
    return tag


def _participant_id(explicit: str | None, name: str, feed_url: str, where: str) -> str:
    if explicit is None:
        return default_id(name, feed_url)
    if not valid_id(explicit):
        raise RegistryError(f"{where}: hub:id must be lower-case letters, digits and dashes")
    if _DEVICE_NAMES.match(explicit):
        raise RegistryError(
            f"{where}: hub:id {explicit!r} is a device name on Windows, where archive/{explicit}.json "
            "could not be checked out; choose another"
        )
    return explicit


def default_id(name: str, feed_url: str) -> str:
    """The id of a participant who has no hub:id: their name as a slug (a device name on Windows
    gets a suffix), or a hash of their feed when the name has no letters or digits to slug."""
    slug = slugify(name)
    if _DEVICE_NAMES.match(slug):
        return f"{slug}-1"
    return slug or "p-" + hashlib.sha256(feed_url.encode()).hexdigest()[:10]


def valid_id(text: str) -> bool:
    return bool(_ID_RE.match(text))


def slugify(text: str) -> str:
    # Letters without an ASCII form are dropped (not folded as names.skeleton folds them): ids
    # made before must stay what they were, or archives and pages would move.
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].rstrip("-")


def _told_apart(people: list[Participant]) -> list[Participant]:
    """Participants without a hub:id whose names slug alike, or slug to another's hub:id, each
    get their feed's hash after the slug: the same ids whatever the order of the file."""
    pinned = {person.id for person in people if person.hub_attribute("id")}
    slugs = Counter(person.id for person in people if not person.hub_attribute("id"))
    return [
        replace(person, id=namesake_id(person.id, person.feed_url))
        if not person.hub_attribute("id") and (slugs[person.id] > 1 or person.id in pinned)
        else person
        for person in people
    ]


def namesake_id(slug: str, feed_url: str) -> str:
    """The id of a participant whose name's slug someone else has: the slug and 6 hex digits of
    their feed's hash."""
    return f"{slug[:57].rstrip('-')}-{hashlib.sha256(feed_identity(feed_url).encode()).hexdigest()[:6]}"


def _check_unique(people: list[Participant], lines: list[int], source: str) -> None:
    seen_feeds: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for number, person in enumerate(people):
        key = feed_identity(person.feed_url)
        if key in seen_feeds:
            first = seen_feeds[key]
            raise RegistryError(
                f"{source}: feed {person.feed_url} is registered twice ({_where(people, lines, first)} "
                f"and {_where(people, lines, number)}): one blog is one participant"
            )
        if person.id in seen_ids:
            first = seen_ids[person.id]
            raise RegistryError(
                f"{source}: {_where(people, lines, first)} and {_where(people, lines, number)} share "
                f'the hub:id {person.id!r}; give one of them another hub:id="..."'
            )
        seen_feeds[key] = seen_ids[person.id] = number


def _where(people: list[Participant], lines: list[int], number: int) -> str:
    return f"line {lines[number]} ({people[number].name!r})"
