"""RSS (0.9x, 2.0), RDF (RSS 0.90, 1.0) and Atom 1.0 -> ParsedFeed, read with lxml.

The tree is built in C; this module only walks it. Every field is taken as the feed wrote it: HTML
stays the HTML of the feed (the HTML pass in normalize resolves its addresses and sanitizes it),
and an address in the metadata (link, guid, image) is joined to the xml:base in effect, the way
feedparser joins it, so that a post's id is the same whichever reader read the feed. Elements of
namespaces it does not know are skipped. A document lxml cannot parse, or whose root is no feed,
is left to feedparser (fallback.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import html.entities
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from ..urls import is_plain
from .fallback import parse_date
from .model import ParsedFeed, RawEntry, clean_tags, escape, escaped_text, newest_first

_ATOM = "http://www.w3.org/2005/Atom"
_RSS1 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XHTML = "http://www.w3.org/1999/xhtml"
# Namespaces read here, by the prefix this module names their elements with. RSS 2.0 and 0.9x
# elements have none; UserLand's RSS namespace and the RSS 1.0 ones are RSS too.
_NAMESPACES = {
    _ATOM: "",
    _RSS1: "",
    _RSS090: "",
    "http://backend.userland.com/rss2": "",
    "http://backend.userland.com/rss": "",
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes:",
    "http://www.itunes.com/dtds/podcast-1.0.dtd/": "itunes:",
    "http://search.yahoo.com/mrss/": "media:",
    "http://search.yahoo.com/mrss": "media:",
    _XHTML: "xhtml:",
}
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
_HTML_TYPES = {"html", "text/html", "xhtml", "application/xhtml+xml"}
_TEXT_TYPES = {"text", "plain", "text/plain"}
# Plain text in RSS may be HTML escaped once more (`&lt;b&gt;` in a title). It is taken for HTML,
# as feedparser guesses, when it holds an end tag or a character reference and every tag in it
# is one of the ordinary tags of text; "<script>" in a title is then its author's words.
_MAYBE_HTML = re.compile(r"</\w+>|&#?\w+;")
_TAG_NAME = re.compile(r"</?(\w+)")
_TEXT_TAGS = frozenset(
    {*("a", "abbr", "acronym", "b", "big", "blockquote", "br", "cite", "code", "del", "dfn", "div"), "q"}
    | {*("em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p")}
    | {*("pre", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "tt", "u", "ul", "var")}
)
_URI_FIXER = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")


def read(body: bytes, url: str) -> ParsedFeed | None:
    """The feed, or None when lxml cannot parse it or it is not RSS, RDF or Atom 1.0."""
    try:
        root = etree.fromstring(body.lstrip(), _parser())  # leading blank lines are common
    except etree.XMLSyntaxError:
        return None
    version = _version(root)
    if version is None:
        return None
    reader = _Reader(url, version)
    return reader.read(root)


def _parser() -> etree.XMLParser:
    """A parser for this call: feeds are read on several threads, and an lxml parser is not
    shared between threads (building one costs a few microseconds)."""
    return etree.XMLParser(
        encoding="utf-8",  # the document is UTF-8 by now (encoding.py), whatever it declares
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _version(root: etree._Element) -> str | None:
    """The format's name as feedparser gives it (the archive keeps it), or None for no feed."""
    if root.tag == _RDF:
        namespaces = {uri for uri in root.nsmap.values()}
        return "rss10" if _RSS1 in namespaces else "rss090" if _RSS090 in namespaces else None
    if root.tag == f"{{{_ATOM}}}feed":
        return "atom10"
    if isinstance(root.tag, str) and _local(root.tag).lower() == "rss":
        version = root.get("version", "")
        return _RSS_VERSIONS.get(version) or ("rss20" if version.startswith("2.") else "rss")
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class _Entry:
    """One entry's fields while its elements are read in document order."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    title_is_html: bool = False
    summary: str | None = None
    content: str | None = None
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    related: str | None = None
    base: str | None = None
    # The xml:lang in effect where each was read: the content's language is the post's.
    title_language: str | None = None
    summary_language: str | None = None
    content_language: str | None = None

    def raw(self) -> RawEntry:
        return RawEntry(
            guid=self.guid or None,
            link=self.link or None,
            title=self.title,
            title_is_html=self.title_is_html,
            content_html=self.content,
            summary_html=(self.summary if self.summary is not None else self.content) or None,
            published=self.published,
            updated=self.updated,
            tags=clean_tags(self.tags),
            author=self.author or None,
            related=self.related,
            base=self.base,
            language=self.content_language or self.summary_language or self.title_language,
        )


@dataclass
class _Feed:
    title: str | None = None
    link: str | None = None
    image: str | None = None
    self_url: str | None = None
    language: str | None = None
    entries: list[RawEntry] = field(default_factory=list)


class _Reader:
    def __init__(self, url: str, version: str) -> None:
        self.url = url
        self.version = version
        self.atom = version == "atom10"
        self._bases: dict[tuple[str, str], str] = {}

    def read(self, root: etree._Element) -> ParsedFeed:
        feed = _Feed()
        base = self.base(root, self.url)
        if root.tag == _RDF:  # RSS 1.0 puts the items beside the channel
            for child in root:
                self._feed_child(child, self.base(child, base), feed)
        elif self.atom:
            self._channel(root, base, feed)
        else:
            for channel in root:
                if self.name(channel) == "channel":
                    self._channel(channel, self.base(channel, base), feed)
        return ParsedFeed(
            self.url,
            self.version,
            feed.title,
            feed.link,
            feed.image,
            newest_first(feed.entries),
            feed.self_url,
            language=feed.language or _language(root),
        )

    def name(self, element: etree._Element) -> str | None:
        """The element's name with this module's prefix for its namespace; None for a namespace
        it does not read, a comment or an entity."""
        tag = element.tag
        if not isinstance(tag, str):
            return None
        if tag[0] != "{":
            return tag.lower()
        namespace, local = tag[1:].split("}", 1)
        prefix = _NAMESPACES.get(namespace)  # Atom's elements in RSS count as RSS's own
        return None if prefix is None else prefix + local.lower()

    def _channel(self, channel: etree._Element, base: str, feed: _Feed) -> None:
        for child in channel:
            self._feed_child(child, self.base(child, base), feed)

    def _feed_child(self, element: etree._Element, base: str, feed: _Feed) -> None:
        name = self.name(element)
        if name in ("item", "entry"):
            feed.entries.append(self._entry(element, base))
        elif name == "channel":
            self._channel(element, base, feed)
        elif name == "title":
            feed.title = self.construct(element, "text")[0]
        elif name == "link":
            self._feed_link(element, base, feed)
        elif name in ("id", "guid"):
            guid = self._guid(element, base)
            feed.link = feed.link if feed.link is not None or guid is None else guid
        elif name in ("language", "dc:language"):
            feed.language = _text(element)
        elif name == "image":
            url = next((part for part in element if self.name(part) == "url"), None)
            feed.image = _join(base, _text(url)) if url is not None else feed.image
        elif name in ("itunes:image", "logo", "icon") and feed.image is None:
            href = element.get("href") or element.get("url") or _text(element)
            feed.image = _join(base, href) if href else None

    def _feed_link(self, element: etree._Element, base: str, feed: _Feed) -> None:
        href = element.get("href")
        if href is None:
            feed.link = _text_address(element, base)
        elif _is_alternate(element):
            feed.link = _join(base, href)
        elif href and _rel(element) == "self" and feed.self_url is None:
            feed.self_url = _join(base, href)

    def _entry(self, item: etree._Element, base: str) -> RawEntry:
        entry = _Entry(guid=item.get(_RDF_ABOUT) or None)
        self._entry_children(item, base, entry)
        return entry.raw()

    def _entry_children(self, element: etree._Element, base: str, entry: _Entry) -> None:
        for child in element:
            name = self.name(child)
            read = _ENTRY_READERS.get(name) if name else None
            if read is not None:
                read(self, child, self.base(child, base), entry)

    def _title(self, element: etree._Element, base: str, entry: _Entry) -> None:
        entry.title, entry.title_is_html = self.construct(element, "text")
        entry.title_language = _language(element)

    def _media_group(self, element: etree._Element, base: str, entry: _Entry) -> None:
        self._entry_children(element, base, entry)  # YouTube puts the description in a group

    def _summary(self, element: etree._Element, base: str, entry: _Entry) -> None:
        """A summary; a second one (a podcast's itunes:summary after its description) is taken
        as the content, unless the entry has content, as feedparser takes it."""
        if entry.summary is not None and entry.content is None:
            self._content(element, base, entry)
            return
        entry.summary = self._html(element, _DEFAULT_TYPES.get(self.name(element) or "", "text"))
        entry.summary_language = _language(element)
        entry.base = entry.base if entry.content is not None else self._given_base(base)

    def _content(self, element: etree._Element, base: str, entry: _Entry) -> None:
        if element.get("src") is not None:
            return  # content by reference: nothing to read here
        value = self._html(element, _DEFAULT_TYPES.get(self.name(element) or "", "text"))
        if entry.content is None or len(value) > len(entry.content):
            entry.content, entry.base = value, self._given_base(base)
            entry.content_language = _language(element)

    def _html(self, element: etree._Element, default: str) -> str:
        value, is_html = self.construct(element, default)
        return value if is_html else escaped_text(value)

    def _guid(self, element: etree._Element, base: str) -> str | None:
        """A feed's guid is its link too, unless it says it is no address (isPermaLink="false")."""
        text = _text(element)
        return (_join(base, text) if text else "") if _is_permalink(element) else None

    def _entry_guid(self, element: etree._Element, base: str, entry: _Entry) -> None:
        is_link = _is_permalink(element)
        text = _text(element)
        entry.guid = _join(base, text) if is_link and text else text
        if is_link and entry.link is None:
            entry.link = entry.guid

    def _entry_link(self, element: etree._Element, base: str, entry: _Entry) -> None:
        href = element.get("href")
        if href is None:  # RSS: the address as text
            entry.link = _text_address(element, base)
        elif _is_alternate(element):
            entry.link = _join(base, href)
        elif _rel(element) == "related" and href and entry.related is None:
            entry.related = _join(base, href)

    def _author(self, element: etree._Element, base: str, entry: _Entry) -> None:
        """An RSS author is its text; an Atom author is "name (email)", or what of it is given."""
        parts = {self.name(part): _text(part) for part in element}
        name, mail = parts.get("name"), parts.get("email")
        if not len(element):
            entry.author = _text(element)
        else:
            entry.author = f"{name} ({mail})" if name and mail else name or mail or ""

    def _category(self, element: etree._Element, base: str, entry: _Entry) -> None:
        entry.tags.append(element.get("term") or _text(element) or element.get("label") or "")

    def _keywords(self, element: etree._Element, base: str, entry: _Entry) -> None:
        entry.tags += _text(element).split(",")

    def _published(self, element: etree._Element, base: str, entry: _Entry) -> None:
        entry.published = _date(_text(element))

    def _updated(self, element: etree._Element, base: str, entry: _Entry) -> None:
        entry.updated = _date(_text(element))

    def construct(self, element: etree._Element, default: str) -> tuple[str, bool]:
        """A text construct (title, summary, content): its value, and whether it is HTML. An
        element with markup inside it is HTML whatever it says: its markup is kept as written."""
        kind = (element.get("type") or default).lower()
        if self.atom and "/" in kind and not kind.startswith("text/") and not kind.endswith("xml"):
            return _base64(_text(element)), "html" in kind  # RFC 4287, 4.1.3.3
        if kind in ("xhtml", "application/xhtml+xml"):
            return _inner_xhtml(element), True
        if len(element):
            return _inner_markup(element), True
        text = _text(element)
        if kind in _HTML_TYPES:
            return text, True
        return text, kind not in _TEXT_TYPES or (not self.atom and _looks_like_html(text))

    def base(self, element: etree._Element, parent: str) -> str:
        """The base address inside an element: the parent's, moved by xml:base."""
        given = element.get(_XML_BASE)
        if given is None:
            return parent
        key = (parent, given)
        if key not in self._bases:
            self._bases[key] = _join(parent, given.strip()) or parent
        return self._bases[key]

    def _given_base(self, base: str) -> str | None:
        return base if base != self.url else None


# What a text construct is when it does not say (its type attribute): feedparser's defaults.
_DEFAULT_TYPES = {"description": "html", "media:description": "html", "content:encoded": "html"}
_DEFAULT_TYPES |= {"xhtml:body": "xhtml"}
_Read = Callable[[_Reader, etree._Element, str, _Entry], None]
_ENTRY_READERS: Mapping[str, _Read] = {
    "title": _Reader._title,
    "description": _Reader._summary,
    "summary": _Reader._summary,
    "itunes:summary": _Reader._summary,
    "media:description": _Reader._summary,
    "media:group": _Reader._media_group,
    "content": _Reader._content,
    "content:encoded": _Reader._content,
    "xhtml:body": _Reader._content,
    "guid": _Reader._entry_guid,
    "id": _Reader._entry_guid,
    "link": _Reader._entry_link,
    "author": _Reader._author,
    "dc:creator": _Reader._author,
    "dc:author": _Reader._author,
    "itunes:author": _Reader._author,
    "category": _Reader._category,
    "dc:subject": _Reader._category,
    "itunes:keywords": _Reader._keywords,
    "pubdate": _Reader._published,
    "published": _Reader._published,
    "issued": _Reader._published,
    "dcterms:issued": _Reader._published,
    "updated": _Reader._updated,
    "modified": _Reader._updated,
    "dc:date": _Reader._updated,
    "dcterms:modified": _Reader._updated,
}


def _text(element: etree._Element | None) -> str:
    """The element's text, stripped; an entity a DTD would have defined is read as HTML's."""
    if element is None:
        return ""
    if not len(element):
        return (element.text or "").strip()
    pieces = [element.text or ""]
    for child in element:
        if child.tag is etree.Entity:
            pieces.append(_entity(child))
        pieces.append(child.tail or "")
    return "".join(pieces).strip()


def _language(element: etree._Element) -> str | None:
    """The xml:lang in effect at `element`: its own, else its nearest ancestor's."""
    node: etree._Element | None = element
    while node is not None:
        if (language := node.get(_XML_LANG)) is not None:
            return language
        node = node.getparent()
    return None


def _entity(node: etree._Element) -> str:
    name = str(node.text or "")[1:-1]
    code = html.entities.name2codepoint.get(name)
    return chr(code) if code is not None else str(node.text or "")


def _inner_markup(element: etree._Element) -> str:
    """What an element holds, written out: markup a feed put unescaped in an RSS description."""
    pieces = [escape(element.text or "")]
    pieces += [
        etree.tostring(child, encoding="unicode", with_tail=False) + escape(child.tail or "")
        for child in element
    ]
    return "".join(pieces).strip()


def _inner_xhtml(element: etree._Element) -> str:
    """Atom's type="xhtml": the HTML inside its one <div>, without the XHTML namespace."""
    divs = [child for child in element if isinstance(child.tag, str)]
    holder = divs[0] if len(divs) == 1 and _local(divs[0].tag) == "div" else element
    copy = etree.fromstring(etree.tostring(holder))
    etree.cleanup_namespaces(copy)
    for node in copy.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = _local(node.tag)
    etree.cleanup_namespaces(copy)
    return _inner_markup(copy)


def _looks_like_html(text: str) -> bool:
    if not _MAYBE_HTML.search(text):
        return False
    return all(name.lower() in _TEXT_TAGS for name in _TAG_NAME.findall(text))


def _base64(text: str) -> str:
    try:
        return base64.b64decode(text).decode("utf-8", errors="replace")
    except ValueError:
        return ""


def _is_permalink(element: etree._Element) -> bool:
    """Whether a guid is its entry's address: attribute names are written in any case."""
    given = (value for name, value in element.attrib.items() if str(name).lower() == "ispermalink")
    return next(given, "true") == "true"


def _rel(element: etree._Element) -> str:
    return (element.get("rel") or "alternate").lower()


def _is_alternate(element: etree._Element) -> bool:
    rel = _rel(element)
    kind = (element.get("type") or "text/html").lower()
    return rel == "alternate" and kind in _HTML_TYPES


def _text_address(element: etree._Element, base: str) -> str:
    text = _text(element)
    return _join(base, text) if text else ""


def _join(base: str, uri: str) -> str:
    """An address joined to the base as feedparser joins it, so that ids do not depend on the
    reader: extra slashes after the scheme dropped; an address it cannot join becomes ""."""
    if is_plain(uri) and base.startswith(("http:", "https:")):
        return uri  # most addresses in feeds: absolute and plain, joined to themselves
    try:
        return urllib.parse.urljoin(base, _URI_FIXER.sub(r"\1\3", uri))
    except ValueError:
        return ""


def _date(text: str) -> dt.datetime | None:
    """RFC 822 (RSS) and RFC 3339 (Atom) directly; anything else as feedparser reads it."""
    if not text:
        return None
    try:
        parsed = (
            dt.datetime.fromisoformat(text) if text[:1].isdigit() else email.utils.parsedate_to_datetime(text)
        )
    except (TypeError, ValueError, IndexError):
        return parse_date(text)
    if parsed.tzinfo is None:
        return parse_date(text)
    return parsed.astimezone(dt.UTC).replace(microsecond=0)  # to the second, as feedparser reads it
