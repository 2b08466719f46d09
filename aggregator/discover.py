"""From what a participant typed to the feed the hub should read.

`typed_address` turns what people actually paste (no scheme, `feed:` links, quotes, a Mastodon
handle) into one http(s) URL, or says why it cannot be one. `discover` then fetches with our
fetch.py and decides, by pure functions, which candidates to try: the address itself when it is
a feed, the page's advertised feeds, the platform's usual feed paths, and, when the course uses a
tag, the platform's tag feed, which is preferred because it carries only the course posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import quote, urljoin, urlsplit

import lxml.etree
import lxml.html

from .config import FetchOptions
from .errors import EnrolmentError, FeedError, FetchError
from .fetch import Fetched, FetchResult, FetchSession, Validators, run_to_completion
from .parse import ParsedFeed, parse_feed
from .urls import absolute_http_url, address_problem, url_key

MAX_CANDIDATES = 12  # feed addresses fetched after the page(s): enough for every platform we know
PLATFORM_NAMES = {
    "wordpress": "WordPress",
    "blogger": "Blogger",
    "ghost": "Ghost",
    "hugo": "Hugo",
    "jekyll": "Jekyll",
    "mastodon": "Mastodon",
    "medium": "Medium",
    "substack": "Substack",
    "microblog": "Micro.blog",
}
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
# Clues in a generator meta tag or a feed's <generator>, and in host names.
_GENERATOR_WORDS = (
    *((re.compile(rf"\b{key}\b", re.IGNORECASE), key) for key in PLATFORM_NAMES if key != "microblog"),
    (re.compile(r"\bmicro\.blog\b", re.IGNORECASE), "microblog"),
)
_HOSTS = (
    ("blogspot.com", "blogger"),
    ("medium.com", "medium"),
    ("substack.com", "substack"),
    ("micro.blog", "microblog"),
    ("wordpress.com", "wordpress"),
    ("ghost.io", "ghost"),
)
_FEED_GENERATOR = re.compile(rb"<generator\b[^>]*>([^<]{0,200})<", re.IGNORECASE)
_PROFILE_PATH = re.compile(r"^/@([A-Za-z0-9_.-]+)")  # Mastodon and Medium profile pages
_HANDLE = re.compile(r"^@([A-Za-z0-9_]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_WRAPPING = "\"'`<>«»“”‘’ \t\r\n"  # quotes, brackets and spaces people paste around an address
_TRAILING_JUNK = ".,;:!?)]}>\"'`»”’"
_COMMENTS = re.compile(r"^\s*comments\b|\bcomments? feed\b", re.IGNORECASE)
_PLATFORM_FEEDS = {
    "wordpress": ("feed/",),
    "blogger": ("feeds/posts/default",),
    "ghost": ("rss/",),
    "hugo": ("index.xml",),
    "jekyll": ("feed.xml", "atom.xml"),
    "substack": ("feed",),
    "microblog": ("feed.json", "feed.xml"),
}
_USUAL_FEEDS = ("feed/", "rss/", "feed.xml", "atom.xml", "index.xml", "rss.xml", "feed.json")


@dataclass(frozen=True)
class Link:
    """A feed a page advertises with <link rel="alternate">."""

    url: str
    type: str
    title: str


@dataclass(frozen=True)
class Candidate:
    url: str
    why: str  # in a participant's words, e.g. "the WordPress tag feed"


@dataclass(frozen=True)
class Attempt:
    url: str
    result: str  # what happened, e.g. "HTTP 404 Not Found" or "a feed with 14 posts"


@dataclass(frozen=True)
class Discovery:
    address: str  # the address as cleaned
    platform: str | None  # a key of PLATFORM_NAMES, when we could tell
    feed_url: str
    why: str  # why this feed was chosen
    tag_feed: bool  # only the course-tag posts: every post of it counts
    feed: ParsedFeed
    home_url: str  # the blog's home page, as its main feed names it
    tried: tuple[Attempt, ...]


@dataclass(frozen=True)
class NoFeed:
    address: str
    tried: tuple[Attempt, ...]
    unreachable: bool = False  # the site gave no answer at all


# Address clean-up: pure.


def clean_address(typed: str) -> str:
    """The http(s) URL of a blog or feed meant by what a participant typed, without a fragment,
    or an EnrolmentError saying why not."""
    return typed_address(typed).split("#", 1)[0]


def typed_address(typed: str) -> str:
    """The http(s) URL meant by what someone typed (no scheme, `feed:` links, quotes, a Mastodon
    handle), its fragment kept, or an EnrolmentError saying why not."""
    text = _unwrap(typed)
    if not text:
        raise EnrolmentError("no address given: paste your blog's or your feed's address")
    if any(ch.isspace() for ch in text):
        raise EnrolmentError(f"{typed.strip()!r} has spaces inside, so it cannot be a web address")
    handle = _HANDLE.match(text)
    if handle:
        return f"https://{handle.group(2).lower()}/@{handle.group(1)}"
    shown = typed.strip()
    written = _with_scheme(text, shown)
    if problem := address_problem(written):
        raise EnrolmentError(f"{shown!r} cannot be registered: {problem}")
    url = absolute_http_url(written)
    if url is None or ("." not in (urlsplit(url).hostname or "") and not _is_ip(url)):
        raise EnrolmentError(f"{shown!r} is not a web address such as https://myblog.example/")
    return url


def _unwrap(typed: str) -> str:
    text = typed.strip(_WRAPPING).lstrip("([{").lstrip(_WRAPPING)
    while text and text[-1] in _TRAILING_JUNK:
        text = text[:-1].rstrip(_WRAPPING)
    return text


def _with_scheme(text: str, shown: str) -> str:
    lowered = text.lower()
    if lowered.startswith("feed:"):
        # feed:https://x and feed:http://x name the scheme; feed://x drops it: assume https.
        rest = text[5:]
        return rest if _SCHEME.match(rest) else "https:" + rest
    scheme = _SCHEME.match(text)
    if scheme and scheme.group(1).lower() in ("http", "https"):
        return text
    if scheme and not re.match(r"^[^/]+:\d+(/|$)", text):  # host:port is no scheme
        if "@" in text and scheme.group(1).lower() == "mailto":
            raise EnrolmentError(f"{shown!r} is an email address; we need your blog's web address")
        raise EnrolmentError(f"{shown!r} is not a web address (only http and https addresses work)")
    if re.match(r"^[^/@]+@[^/@]+\.[a-z]+$", text, re.IGNORECASE):
        raise EnrolmentError(
            f"{shown!r} looks like an email address; for Mastodon write @user@instance, "
            "otherwise your blog's web address"
        )
    return "https://" + text.lstrip("/")


def _is_ip(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return bool(re.fullmatch(r"[0-9.]+|[0-9a-fA-F:]+", host))


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def profile_user(url: str) -> str | None:
    """The user of a profile address such as https://social.example/@amara (Mastodon, Medium)."""
    match = _PROFILE_PATH.match(urlsplit(url).path)
    return match.group(1).removesuffix(".rss") if match else None


# Reading pages and feeds: pure.


def page_clues(body: bytes, url: str) -> tuple[tuple[Link, ...], str | None]:
    """The feeds an HTML page advertises, and its generator meta tag."""
    try:
        doc = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return (), None
    base = urljoin(url, next((b.get("href") or "" for b in doc.iter("base")), ""))
    links = (_link(element, base) for element in doc.iter("link"))
    generator = next(
        (meta.get("content") for meta in doc.iter("meta") if (meta.get("name") or "").lower() == "generator"),
        None,
    )
    return tuple(link for link in links if link is not None), generator


def _link(element: lxml.html.HtmlElement, base: str) -> Link | None:
    rels = (element.get("rel") or "").lower().split()
    kind = (element.get("type") or "").split(";")[0].strip().lower()
    url = absolute_http_url(element.get("href"), base)
    if "alternate" not in rels or kind not in FEED_TYPES or url is None:
        return None
    return Link(url, kind, " ".join((element.get("title") or "").split()))


def is_comments_feed(url: str, title: str | None) -> bool:
    """WordPress's "Comments Feed" and "Comments on: ..." and /comments/ feeds carry no posts."""
    return bool(_COMMENTS.search(title or "")) or "/comments/" in urlsplit(url).path + "/"


def feed_generator(body: bytes) -> str | None:
    match = _FEED_GENERATOR.search(body[:16384])
    return match.group(1).decode("utf-8", "replace").strip() if match else None


def detect_platform(url: str, clues: Iterable[str | None]) -> str | None:
    """The platform named by a generator (page or feed), else by the host or the address's shape."""
    for clue in clues:
        for pattern, platform in _GENERATOR_WORDS:
            if clue and pattern.search(clue):
                return platform
    host = (urlsplit(url).hostname or "").lower()
    for suffix, platform in _HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return platform
    if "/feeds/posts/default" in url:
        return "blogger"
    return "mastodon" if profile_user(url) else None


# Which feeds to try, in order: pure.


def main_candidates(address: str, links: Iterable[Link], platform: str | None) -> tuple[Candidate, ...]:
    advertised = [Candidate(link.url, "advertised by your page") for link in links]
    root, user = site_root(address), profile_user(address)
    if user and platform == "mastodon":
        return (*advertised, Candidate(f"{root}@{user}.rss", "your Mastodon feed"))
    if user and platform == "medium":
        return (*advertised, Candidate(f"{root}feed/@{user}", "your Medium feed"))
    paths = _PLATFORM_FEEDS.get(platform or "", _USUAL_FEEDS)
    name = f"the usual {PLATFORM_NAMES[platform]} feed" if platform else "a usual feed address"
    bases = dict.fromkeys([_folder(address), root])  # a blog may live in a folder of its site
    return (*advertised, *(Candidate(urljoin(base, path), name) for base in bases for path in paths))


def _folder(address: str) -> str:
    return address if address.endswith("/") else address.rsplit("/", 1)[0] + "/"


def tag_candidates(
    address: str, links: Iterable[Link], platform: str | None, tag: str
) -> tuple[Candidate, ...]:
    """The feeds of only the course-tag posts, as advertised or as the platform names them."""
    slug = quote(tag.lower(), safe="")
    advertised = [
        Candidate(link.url, "your tag feed, advertised by your page")
        for link in links
        if is_tag_link(link.url, tag)
    ]
    return (*advertised, *_platform_tag_feeds(address, platform, tag, slug))


def is_tag_link(url: str, tag: str) -> bool:
    """A feed of one tag's posts, as Hugo and Jekyll themes link them: /tags/<tag>/..., /tag/<tag>..."""
    slug = re.escape(quote(tag.lower(), safe=""))
    return bool(re.search(rf"/tags?/{slug}(/|\.|$)", urlsplit(url).path, re.IGNORECASE))


def _platform_tag_feeds(address: str, platform: str | None, tag: str, slug: str) -> tuple[Candidate, ...]:
    root, user = site_root(address), profile_user(address)
    if platform == "mastodon" and user:
        # Only the user's own tagged posts. Never the instance's /tags/<tag>.rss: that is every
        # post with the tag by anyone on that server, not this participant's.
        return (Candidate(f"{root}@{user}/tagged/{slug}.rss", "your Mastodon posts with the tag"),)
    paths = {
        "wordpress": (f"tag/{slug}/feed/", f"category/{slug}/feed/"),
        "blogger": (f"feeds/posts/default/-/{quote(tag, safe='')}",),  # labels keep their case
        "ghost": (f"tag/{slug}/rss/",),
        "hugo": (f"tags/{slug}/index.xml",),
    }.get(platform or "", ())
    name = f"the {PLATFORM_NAMES[platform]} tag feed" if platform else ""
    return tuple(Candidate(root + path, name) for path in paths)


def unique(candidates: Iterable[Candidate], skip: Iterable[str] = ()) -> tuple[Candidate, ...]:
    seen = {url_key(url) for url in skip}
    kept = []
    for candidate in candidates:
        if url_key(candidate.url) not in seen:
            seen.add(url_key(candidate.url))
            kept.append(candidate)
    return tuple(kept)


# Fetching: the I/O edge.


def discover(
    address: str, options: FetchOptions, tag: str | None, *, http_fallback: bool = False
) -> Discovery | NoFeed:
    """Find the feed behind `address` (already cleaned); `tag` is the course tag, if any. With
    `http_fallback` (the address was typed without a scheme, and https:// was assumed), a site
    that cannot be reached over https is tried over http."""

    async def run() -> Discovery | NoFeed:
        async with FetchSession(options, connections=2) as session:
            found = await _Search(session, address).run(tag)
            if (
                isinstance(found, NoFeed)
                and found.unreachable
                and http_fallback
                and address.startswith("https://")
            ):
                plain = await _Search(session, "http://" + address.removeprefix("https://")).run(tag)
                return replace(plain, tried=found.tried + plain.tried)
            return found

    return run_to_completion(run())


def scheme_given(typed: str) -> bool:
    """Whether the participant typed an address's scheme (or a feed: link, or a Mastodon handle),
    rather than leaving it to us."""
    text = _unwrap(typed)
    return bool(_SCHEME.match(text) and not re.match(r"^[^/]+:\d+(/|$)", text)) or bool(_HANDLE.match(text))


@dataclass(frozen=True)
class _Found:
    candidate: Candidate
    feed: ParsedFeed
    generator: str | None


class _Search:
    """One discovery: the fetches made so far and what each gave."""

    def __init__(self, session: FetchSession, address: str) -> None:
        self.session = session
        self.address = address
        self.tried: list[Attempt] = []
        self.budget = MAX_CANDIDATES
        self.unreachable = False

    async def run(self, tag: str | None) -> Discovery | NoFeed:
        links, generator, given = await self._read_pages()
        if given is not None:
            platform = detect_platform(self.address, [given.generator])
            return self._discovery(given, platform, given.feed, tag_feed=False)
        if self.unreachable:
            return NoFeed(self.address, tuple(self.tried), unreachable=True)
        general = [link for link in links if not (tag and is_tag_link(link.url, tag))]
        main = await self._first(
            main_candidates(self.address, general, detect_platform(self.address, [generator]))
        )
        if main is None:
            return NoFeed(self.address, tuple(self.tried))
        platform = detect_platform(main.candidate.url, [generator, main.generator])
        if tag:
            tagged = await self._first(tag_candidates(self.address, links, platform, tag))
            if tagged is not None:
                return self._discovery(tagged, platform, main.feed, tag_feed=True)
        return self._discovery(main, platform, main.feed, tag_feed=False)

    async def _read_pages(self) -> tuple[tuple[Link, ...], str | None, _Found | None]:
        """The address's page, and the site's home page when the address has no feed links."""
        links: tuple[Link, ...] = ()
        generator = None
        for page in dict.fromkeys([self.address, site_root(self.address)]):
            fetched = await self._get(page)
            if isinstance(fetched, FetchError):  # no answer at all: no other address will do
                self.unreachable = True
                break
            if not isinstance(fetched, Fetched):
                continue
            parsed = parse_feed(fetched.body, fetched.headers, fetched.final_url)
            if isinstance(parsed, ParsedFeed):
                self._note(page, _described_feed(parsed))
                found = _Found(Candidate(page, "the address is a feed"), parsed, feed_generator(fetched.body))
                return (), None, found
            found_links, found_generator = page_clues(fetched.body, fetched.final_url)
            feeds = [link for link in found_links if not is_comments_feed(link.url, link.title)]
            self._note(page, _linking(len(feeds)))
            links, generator = (*links, *feeds), generator or found_generator
            if feeds:
                break
        return links, generator, None

    async def _first(self, candidates: tuple[Candidate, ...]) -> _Found | None:
        for candidate in unique(candidates, skip=(a.url for a in self.tried)):
            if self.budget == 0:
                return None
            self.budget -= 1
            found = await self._try(candidate)
            if found is not None:
                return found
        return None

    async def _try(self, candidate: Candidate) -> _Found | None:
        fetched = await self._get(candidate.url)
        if not isinstance(fetched, Fetched):
            return None
        parsed = parse_feed(fetched.body, fetched.headers, fetched.final_url)
        if isinstance(parsed, FeedError):
            self._note(candidate.url, "not a feed")
            return None
        if is_comments_feed(candidate.url, parsed.title):
            self._note(candidate.url, "a comments feed, skipped")
            return None
        self._note(candidate.url, _described_feed(parsed))
        return _Found(candidate, parsed, feed_generator(fetched.body))

    async def _get(self, url: str) -> FetchResult:
        """The fetch's outcome; a failure is noted with what went wrong."""
        result = await self.session.fetch(url, Validators())
        if not isinstance(result, Fetched):
            self._note(url, result.message if isinstance(result, FeedError) else "not modified")
        return result

    def _note(self, url: str, result: str) -> None:
        self.tried.append(Attempt(url, result))

    def _discovery(
        self, found: _Found, platform: str | None, main: ParsedFeed, *, tag_feed: bool
    ) -> Discovery:
        home = absolute_http_url(main.home_url, main.base_url) or site_root(self.address)
        return Discovery(
            self.address,
            platform,
            found.candidate.url,
            found.candidate.why,
            tag_feed,
            found.feed,
            home,
            tuple(self.tried),
        )


def _linking(count: int) -> str:
    if count == 0:
        return "a web page that links to no feed"
    return f"a web page that links to {count} feed{'s' if count != 1 else ''}"


def _described_feed(feed: ParsedFeed) -> str:
    count = len(feed.entries)
    return f"a feed with {count} post{'s' if count != 1 else ''}"
