"""Untrusted HTML -> safe HTML, and untrusted text -> safe plain text.

The only module that imports the sanitizer. Feed HTML passes through here once, on its way into
the archive; everything downstream treats the result as safe. The rules are an allowlist: tags
and attributes not named here are dropped, every URL is made absolute and must be http(s).
"""

from __future__ import annotations

import contextvars
import html
import itertools
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import nh3

from .chars import xml_safe
from .embeds import Embed, from_token, recognise
from .limits import EXCERPT_CHARACTERS, EXCERPT_WORDS, LINKS_PER_POST, TITLE_LIMIT, URL_LIMIT
from .markup import TAG, attributes, costly, start_tags
from .urls import absolute_http_url

BODY_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em"),
        *("figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd"),
        *("li", "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table"),
        *("tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"),
    }
)
EXCERPT_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i", "li", "mark", "ol", "p", "q"}
    | {"s", "strong", "sub", "sup", "u", "ul"}
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "figure": {"data-embed"},  # the placeholder of a known embed, its token checked by the filter
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_ATTRIBUTES = frozenset({"href", "src"})
LINK_REL = "ugc nofollow noopener noreferrer"
DROP_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
# Bidirectional overrides and invisible characters garble our layout; control characters are noise.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
# The sanitizer below decides what is safe; this only keeps a link (or a placeholder for a player
# we know, see embeds.py) where an embed would vanish.
_EMBED = start_tags("iframe", "embed", "object", "video", "audio")
MAX_PASSES = 3  # nh3 output settles in two passes at most on every input we know of
# What a start tag makes an HTML parser close or move when one of these elements is open (the
# "in body" rules of the HTML standard, 13.2.6.4.7), for the tags the sanitizer keeps; generously.
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset({"blockquote", "dl", "figcaption", "figure", "ol", "ul", "pre", "hr", "p"})
_CLOSES: dict[str, frozenset[str]] = {
    "a": frozenset({"a"}),
    **{tag: frozenset({"p"}) for tag in _BLOCKS},
    **{tag: _HEADINGS | {"p"} for tag in _HEADINGS},
    **{tag: frozenset({"p"}) for tag in ("li", "dd", "dt")},
}
_LIST_ITEMS = frozenset({"li", "dd", "dt"})  # each closes an open item of its list, not of an inner one
_LISTS = frozenset({"ul", "ol", "dl"})
_CLOSES |= {tag: frozenset() for tag in _LISTS - _CLOSES.keys()}
_NESTING_TAG = re.compile(rf"<(/?)({'|'.join(sorted(_CLOSES, key=len, reverse=True))})(?=[\s>])")
_PRE_NEWLINE = re.compile(r"<pre(?: [^>]*)?>\n")
_IMG_TAG = re.compile(r"<img [^>]*>")
_NH3_TAG = re.compile(r"<[^>]*>")
_LINK_HREF = re.compile(r'<a [^>]*?\bhref="([^"]+)"')  # sanitized HTML: attributes in double quotes
_ATTR_SRC = re.compile(r' src="(https?://[^"]+)"')
_PIXEL = re.compile(r' (?:width|height)="[01]"')
_ATTR_ALT = re.compile(r' alt="([^"]*)"')
_IMG = re.compile(r"<img(?=[\s>])")
# In nh3's output, where links never nest and every attribute value is double-quoted.
_HREFLESS_LINK = re.compile(r"<a(?=[\s>])(?![^>]* href=)[^>]*>(.*?)</a>", re.DOTALL)
_SRCLESS_IMG = re.compile(r"<img(?=[\s>])(?![^>]* src=)[^>]*>")
_DIMENSION = re.compile(r"^\d{1,4}$")
_WORD = re.compile(r"\S+")
# A tag as nh3's serializer writes it: attribute values are always double-quoted, so a ">" inside
# one cannot end the tag early.
_SAFE_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)(?:\s+[^\s=>/]+(?:="[^"]*")?)*\s*/?>')
_ATTRIBUTED_TAG = re.compile(r'(<[a-z][a-z0-9]*)((?: [^\s=>]+(?:="[^"]*")?)+)>')
_SAFE_ATTRIBUTE = re.compile(r' [^\s=>]+(?:="[^"]*")?')
_EMPTY_ELEMENT = re.compile(r"<(p|li|ul|ol|blockquote|em|strong|b|i|a)(?: [^>]*)?>(?:\s|<br>)*</\1>")
# The post's address, for the attribute filter of the one nh3 cleaner below (built once: building
# it for every post cost as much as the cleaning itself).
_base_url: contextvars.ContextVar[str | None] = contextvars.ContextVar("base_url", default=None)


def clean_html(fragment: str, base_url: str | None = None) -> str:
    """Sanitize a post body: allowlisted tags, absolute http(s) URLs, rel on every link. HTML that
    would cost the sanitizer too much (see `costly`) is kept as its text only."""
    if costly(fragment):
        return f"<p>{html.escape(rough_text(fragment), quote=False)}</p>"
    token = _base_url.set(base_url)
    try:
        cleaned = _settled(_EMBED.sub(_embed_as_link, _INVISIBLE.sub("", fragment)))
    finally:
        _base_url.reset(token)
    # A link or a picture whose address was refused (not http(s), or with a password in it) is
    # left as its text: a dead link or a broken picture helps no reader. nh3 decodes character
    # references (`&#x1;`), so what XML cannot hold is taken out after it, not before.
    cleaned = xml_safe(_SRCLESS_IMG.sub("", _HREFLESS_LINK.sub(r"\1", cleaned)))
    # Added here rather than by nh3, whose set_tag_attribute_values orders attributes at random:
    # the archive must be byte-identical when nothing changed.
    return _IMG.sub('<img loading="lazy" decoding="async"', cleaned)


def _settled(fragment: str) -> str:
    """Cleaned until cleaning again changes nothing. Markup such as an <a> inside a <select>
    inside an <a> comes out as nested links, which a browser's parser (and nh3's) reads as two
    siblings: what we store must parse the same way again, or the sanitizer's view of it and the
    reader's browser's differ, which is how mutation XSS begins. One pass is enough unless the
    output holds a nesting the parser undoes (`_reparses_alike`), which posts almost never do."""
    cleaned = str(_BODY_CLEANER.clean(fragment))
    if _reparses_alike(cleaned):
        return cleaned
    for _ in range(MAX_PASSES - 1):
        again = str(_BODY_CLEANER.clean(cleaned))
        if again == cleaned:
            break
        cleaned = again
    return cleaned


def _reparses_alike(safe_html: str) -> bool:
    """Whether an HTML parser surely builds the tree nh3 wrote out. Conservative: False wherever
    a start tag would close or move an open element (a link in a link, a heading in a heading, a
    block in a paragraph, a list item in a list item), in tables (foster parenting), and before a
    line break that opens a <pre> (which a parser drops)."""
    if "<table" in safe_html or _PRE_NEWLINE.search(safe_html):
        return False
    open_tags: list[str] = []  # of the tags in _NESTING only: the others close or move nothing
    for closing, name in _NESTING_TAG.findall(safe_html):
        if closing:
            open_tags.pop()
            continue
        if _CLOSES[name].intersection(open_tags) or _closes_an_item(name, open_tags):
            return False
        if name != "hr":
            open_tags.append(name)
    return True


def _closes_an_item(name: str, open_tags: list[str]) -> bool:
    if name not in _LIST_ITEMS:
        return False
    nearest = next((tag for tag in reversed(open_tags) if tag in _LIST_ITEMS or tag in _LISTS), None)
    return nearest in _LIST_ITEMS


def _embed_as_link(match: re.Match[str]) -> str:
    """An embedded player never loads with the page: a player we know becomes a placeholder the
    reader can click to load it (`_placeholder`); any other, a plain link to it."""
    found = attributes(match.group(1))
    src = absolute_http_url(html.unescape(found.get("src") or found.get("data") or ""), _base_url.get())
    if src is None:
        return match.group(0)  # no player to link to: the sanitizer drops the element
    if embed := recognise(src):
        title = plain_text(html.unescape(found.get("title", "")), TITLE_LIMIT, is_html=False)
        return _placeholder(embed, "" if _names_only_the_player(title, embed) else title)
    host = urlsplit(src).hostname or "another site"
    return f'<p><a href="{html.escape(src)}">Embedded media from {html.escape(host)}</a></p>'


_PLAYER_WORDS = re.compile(r"\b(?:video|audio|player|embed(?:ded)?|widget|iframe)\b|[\W_]+", re.IGNORECASE)


def _names_only_the_player(title: str, embed: Embed) -> bool:
    """Embed codes' default titles ("YouTube video player", "vimeo-player") tell a reader nothing."""
    return not _PLAYER_WORDS.sub("", title.casefold().replace(embed.provider.name.casefold(), ""))


def _placeholder(embed: Embed, title: str) -> str:
    """What the provider shows, its title when the feed gives one, and a link to the original.
    The token is all that the page's CSP and the script that loads the player read."""
    label = f"{embed.provider.name} {embed.provider.kind}"
    link = f'<a href="{html.escape(embed.page_url)}">{html.escape(title or label, quote=False)}</a>'
    text = f"{label}: {link}" if title else link
    return f'<figure data-embed="{html.escape(embed.token)}"><p>{text}</p></figure>'


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in URL_ATTRIBUTES:
        if tag == "a" and value.strip().lower().startswith("mailto:"):
            return value
        # An image keeps its address as written, http too: the hub fetches it (pictures), not the
        # reader's browser, and an upgrade to https would break a picture on an http-only host.
        return absolute_http_url(value, _base_url.get())
    if attribute in ("width", "height"):
        return value if _DIMENSION.match(value.strip()) else None
    if attribute == "data-embed":  # a post may write a placeholder itself: it gets no more than an embed
        return value if from_token(value) else None
    return value


_BODY_CLEANER = nh3.Cleaner(
    tags=set(BODY_TAGS),
    clean_content_tags=DROP_WITH_CONTENT - BODY_TAGS,
    attributes=ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes={"http", "https", "mailto"},
    link_rel=LINK_REL,
)
_TEXT_CLEANER = nh3.Cleaner(tags=set())


def same_markup(one: str, other: str) -> bool:
    """Whether two sanitized fragments are the same HTML, attributes in any order. The parser
    used to sort every tag's attributes, as feedparser does; nh3 keeps the feed's order."""
    return one == other or _sorted_attributes(one) == _sorted_attributes(other)


def _sorted_attributes(safe_html: str) -> str:
    return _ATTRIBUTED_TAG.sub(
        lambda tag: f"{tag[1]}{''.join(sorted(_SAFE_ATTRIBUTE.findall(tag[2])))}>", safe_html
    )


def safe_text(safe_html: str) -> str:
    """The text of sanitized HTML, one space between words: `rough_text` for what `clean_html`
    wrote, in a third of its time (every "<" there opens a tag, and the first ">" closes it)."""
    return " ".join(html.unescape(_NH3_TAG.sub(" ", safe_html)).split())


def rough_text(fragment: str) -> str:
    """Text with the tags taken out, for counting words and comparing lengths. Never for display."""
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def first_image(safe_html: str) -> str | None:
    """The first http(s) picture of sanitized HTML, for a thumbnail."""
    found = images(safe_html, 1)
    return found[0] if found else None


def images(safe_html: str, limit: int) -> tuple[str, ...]:
    """The addresses of the first `limit` pictures of sanitized HTML, once each, in order: what the
    hub keeps copies of (pictures). Tracking pixels are not pictures."""
    found = (
        html.unescape(src.group(1))
        for tag in _IMG_TAG.findall(safe_html)
        if (src := _ATTR_SRC.search(tag)) and not _PIXEL.search(tag)
    )
    return tuple(itertools.islice(dict.fromkeys(found), limit))


def with_pictures(safe_html: str, local: Callable[[str], str | None]) -> str:
    """Sanitized HTML whose pictures are shown from the hub's own copies: `local(src)` is the
    address of a picture's copy. A picture without one becomes a link to it, named by its alt
    text, so that the page never asks another site for anything and never shows a broken image."""

    def rewrite(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = _ATTR_SRC.search(tag)
        address = html.unescape(src.group(1)) if src else None
        copy = local(address) if address else None
        if copy is not None and src:
            return f"{tag[: src.start(1)]}{html.escape(copy)}{tag[src.end(1) :]}"
        if not src or _PIXEL.search(tag):
            return ""
        alt = _ATTR_ALT.search(tag)
        label = f"[Picture: {alt.group(1) if alt and alt.group(1).strip() else 'not shown'}]"
        start = match.start()
        if safe_html.rfind("<a ", 0, start) > safe_html.rfind("</a>", 0, start):
            return label  # inside a link already: links do not nest
        return f'<a href="{src.group(1)}" rel="{LINK_REL}">{label}</a>'

    return _IMG_TAG.sub(rewrite, safe_html)


def outbound_links(safe_html: str, limit: int = LINKS_PER_POST) -> tuple[str, ...]:
    """The http(s) addresses sanitized HTML links to, once each, in order, at most `limit` (for
    the conversation features: who answers whom)."""
    found = (html.unescape(href) for href in _LINK_HREF.findall(safe_html))
    wanted = (url for url in found if url.startswith(("http://", "https://")) and len(url) <= URL_LIMIT)
    return tuple(itertools.islice(dict.fromkeys(wanted), limit))


def plain_text(value: str | None, limit: int, *, is_html: bool = True) -> str:
    """Markup stripped, entities decoded, invisible characters removed, length capped at a word."""
    if not value:
        return ""
    if is_html:  # rough_text for HTML too costly to parse: the text is all that is kept anyway
        text = html.unescape(rough_text(value) if costly(value) else _TEXT_CLEANER.clean(value))
    else:
        text = value
    text = " ".join(_INVISIBLE.sub("", xml_safe(text)).split())
    return shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def excerpt(safe_html: str, words: int = EXCERPT_WORDS, characters: int = EXCERPT_CHARACTERS) -> str:
    """The first `words` words of sanitized HTML, at most `characters` of text; never leaves a tag
    open, and cuts a word only when it is longer than `characters` on its own.

    Only inline and paragraph tags are kept (headings, images, tables and code blocks become
    their text), so an excerpt reads as a short passage. The input must come from `clean_html`,
    whose serializer writes every tag one way (lower-case names, double-quoted values, no raw
    "<" in text), so a regular expression reads it exactly; the tags kept are copied as they stand.
    """
    truncator = _Truncator(words, characters)
    position = 0
    for tag in _SAFE_TAG.finditer(safe_html):
        if truncator.text(safe_html[position : tag.start()]):
            break  # nothing after the cut changes the excerpt
        truncator.tag(tag)
        position = tag.end()
    else:
        truncator.text(safe_html[position:])
    text = truncator.result()
    while (emptied := _EMPTY_ELEMENT.sub("", text)) != text:
        text = emptied
    return text.strip()


class _Truncator:
    VOID = frozenset({"br", "img", "hr"})

    def __init__(self, limit: int, characters: int) -> None:
        self.left = limit
        self.characters = characters  # of text still allowed
        self.out: list[str] = []
        self.open: list[str] = []
        self.cut = False

    def tag(self, match: re.Match[str]) -> None:
        closing, name = match.group(1), match.group(2)
        if self.left <= 0:
            return
        if not closing and name in EXCERPT_TAGS:
            self.out.append(match.group(0))
            if name not in self.VOID:
                self.open.append(name)
        elif closing and name in self.open:
            while self.open:
                closed = self.open.pop()
                self.out.append(f"</{closed}>")
                if closed == name:
                    break

    def text(self, raw: str) -> bool:
        """Take in a run of text; return whether the excerpt is complete (the cut is made)."""
        if not raw:
            return False
        data = html.unescape(raw)
        if self.left <= 0:
            self.cut = self.cut or bool(data.strip())
            return self.cut
        count = len(data.split())
        if count <= self.left and len(data) <= self.characters:  # the usual case: it all fits
            self.left -= count
            self.characters -= len(data)
            self.out.append(html.escape(data, quote=False))
            return False
        self.out.append(html.escape(data[: self._cut_at(data)].rstrip(), quote=False))
        self.left, self.cut = 0, True
        return True

    def _cut_at(self, data: str) -> int:
        """Where the text stops: after the last word that fits both limits, or inside a first
        word that is longer than all the characters left."""
        words = itertools.islice(_WORD.finditer(data), self.left + 1)
        fitting = [word.end() for word in words if word.end() <= self.characters][: self.left]
        return fitting[-1] if fitting else self.characters

    def result(self) -> str:
        if self.cut:
            self.out.append("…")
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        return "".join(self.out).strip()
