"""URL rules shared by every stage: only absolute http(s) URLs ever leave the aggregator.

Hosts are read the way the HTTP client reads them (aiohttp parses URLs with yarl, which maps a
non-ASCII host to ASCII by IDNA, UTS #46): `１２７.０.０.１` and `①②⑦.0.0.1` are 127.0.0.1 to the
client, so they are 127.0.0.1 here too, and every URL the aggregator keeps has an ASCII host.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from yarl import URL as URL  # the HTTP client's URL type (aiohttp parses with yarl); fetch.py uses it

from .limits import URL_LIMIT

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Most URLs in feeds are absolute and plain: the parse below would give them back unchanged. (An
# empty query or fragment it would drop, so those are not plain.)
_URL_CHARACTERS = "-A-Za-z0-9._~%!$&'()*+,=:@/"
_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?"
_PLAIN_URL = re.compile(
    rf"https?://[A-Za-z0-9][-A-Za-z0-9.]*{_PORT}(?:/[{_URL_CHARACTERS}]*)?"
    rf"(?:\?[{_URL_CHARACTERS}?]+)?(?:#[{_URL_CHARACTERS}?#]+)?"
)


def absolute_http_url(value: str | None, base: str | None = None) -> str | None:
    """Resolve `value` against `base`; return it only if it is an absolute http(s) URL without a
    user name or password, its host in the ASCII form the HTTP client would connect to."""
    if not value:
        return None
    if is_plain(value):
        return value
    return _resolved(value, base)


def is_plain(value: str) -> bool:
    """Whether `value` is an absolute http(s) address that any parse or join gives back as it is."""
    return _PLAIN_URL.fullmatch(value) is not None


def _resolved(value: str, base: str | None) -> str | None:
    value = "".join(value.split())  # browsers drop whitespace inside URLs; so do we
    try:
        resolved = urljoin(base, value) if base else value
        parts = urlsplit(resolved)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or "@" in parts.netloc:
        return None
    if not parts.hostname.isascii():
        host = client_host(parts.hostname)
        if host is None:
            return None
        parts = parts._replace(netloc=_netloc(host, port))
    return urlunsplit(parts._replace(scheme=parts.scheme.lower()))


@functools.lru_cache(maxsize=1024)
def client_host(host: str) -> str | None:
    """`host` as the HTTP client connects to it: lower-case ASCII, IDNA-mapped; None if it cannot
    be one (a character that maps to "/" or "@", an invisible one)."""
    try:
        return URL.build(scheme="http", host=host).raw_host
    except (ValueError, UnicodeError):
        return None


def client_url(value: str) -> URL | None:
    """`value` parsed as the HTTP client parses it: hand this object to the client, so that the
    host checked is the host connected to."""
    try:
        return URL(value)
    except (ValueError, UnicodeError, TypeError):
        return None


def ip_literal(host: str) -> IPAddress | None:
    """The address a host is written as, if it is an IP address (an IPv6 zone is ignored)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def spelled_address(url: str) -> IPAddress | None:
    """The IP address a host written in other characters stands for (`http://１２７.０.０.１/`):
    such a spelling hides where a URL points, and is refused where people register feeds."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    if host.isascii():
        return None
    return ip_literal(client_host(host) or "")


def address_problem(url: str) -> str | None:
    """Why `url` may not be registered as a participant's feed or blog, if it may not. What is
    registered is published (feeds.opml, the blogroll, every page), and must say where it points."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None  # not a URL at all: absolute_http_url says so
    if "@" in netloc:
        return "it carries a user name or password, which would be published with feeds.opml"
    if (address := spelled_address(url)) is not None:
        return f"its host is written in characters that stand for the IP address {address}"
    return None


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return host if port is None else f"{host}:{port}"


def within_limit(url: str | None) -> str | None:
    """`url`, unless it is longer than any address the hub stores (limits.URL_LIMIT)."""
    return url if url is None or len(url) <= URL_LIMIT else None


# Query parameters that say where a click came from, never which page or feed it is.
_TRACKING = re.compile(
    r"utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hs(?:enc|mi)|igshid|ref_src", re.I
)


def feed_identity(url: str) -> str:
    """One blog's feed however it is spelled: `url_identity` without the fragment, tracking
    parameters (utm_*, fbclid...) or an empty query. Two registrations with one identity are one
    participant."""
    parts = urlsplit(url)
    kept = [
        pair for pair in parts.query.split("&") if pair and not _TRACKING.fullmatch(pair.split("=", 1)[0])
    ]
    return url_identity(urlunsplit(parts._replace(query="&".join(kept), fragment="")), fragment=False)


def site_host(url: str | None) -> str | None:
    """The host `url` is on, lower-case and without `www.`: one blog's pages and feeds share it."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.lower().removeprefix("www.") if host else None


_WWW = re.compile(r"^www\.")
_SHARED_HOST = re.compile(r"^(?:www|m|mobile|amp)\.")
_SHARED_PREFIXES = ("www.", "m.", "mobile.", "amp.")  # what _SHARED_HOST takes off, for str.startswith
_INDEX_PAGE = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?)$")
_AMP_PAGE = re.compile(r"/amp/?$")
_AMP_PARAMETER = re.compile(r"amp|outputtype", re.I)


@functools.lru_cache(maxsize=8192)
def canonical_address(url: str, *, fragment: bool = True) -> str:
    """One page's address however it was shared: without the scheme, `www.`, `m.` or `amp.`,
    tracking parameters, an AMP variant (`/amp/`, `?amp=1`), `index.html`, a trailing slash, and
    with its path in lower case. Two spellings of one post compare equal; so may, rarely, two
    pages whose paths differ only in case, which is why only consent decisions use it (a rule
    that withdraws, a tombstone that keeps out), never the merging of posts."""
    if "?" not in url and "#" not in url and is_plain(url):
        return _plain_canonical(url)
    split = _split_http(url, _SHARED_HOST)
    if split is None:
        return url
    parts, netloc = split
    path = _canonical_path(parts.path)
    pairs = [pair for pair in parts.query.split("&") if pair and not _noise(pair.split("=", 1)[0])]
    query = f"?{'&'.join(pairs)}" if pairs else ""
    return f"//{netloc}{path}{query}{_fragment(parts, fragment)}"


def address_keys(*addresses: str | None) -> set[str]:
    """The keys under which a post at `addresses` (its link, its guid) is named by a rule or a
    link: canonical, with and without the fragment, so that a name for a daily page without its
    fragment covers every post on it."""
    return {
        canonical_address(address, fragment=fragment)
        for address in addresses
        if address
        for fragment in (True, False)
    }


def quick_host(url: str) -> str:
    """The host (and port) of an http(s) address in lower case, without `www.`, `m.` or `amp.`,
    found without parsing: a first test, a few times cheaper than `canonical_address`, of whether
    an address can be one of a few known sites. Both sides of a comparison must use it."""
    host = url.partition("//")[2].partition("/")[0].lower()
    return host.split(".", 1)[1] if host.startswith(_SHARED_PREFIXES) else host


@dataclass(frozen=True)
class Site:
    """A site's pages as the links of posts name them, however spelled (`canonical_address`): the
    course site, a link to which makes a post a course post (inclusion.py) and may give its week
    (weeks.py)."""

    root: str  # the canonical address of the site's public address
    host: str  # its `quick_host`, for a first test that most links fail

    def pages(self, links: Iterable[str]) -> Iterator[str]:
        """The canonical address (without fragment) of each of `links` on the site's host."""
        for link in links:
            if self.host in link.lower() and quick_host(link) == self.host:
                yield canonical_address(link, fragment=False)

    def holds(self, page: str) -> bool:
        """Whether a canonical address from `pages` is the site's root or a page under it."""
        return page == self.root or page.startswith((f"{self.root}/", f"{self.root}?"))


@functools.lru_cache(maxsize=8)
def site_at(public_url: str | None) -> Site | None:
    """The site whose public address is `public_url` (Pelican's PUBLIC_URL), if there is one."""
    if not public_url:
        return None
    return Site(canonical_address(public_url, fragment=False), quick_host(public_url))


def _canonical_path(path: str) -> str:
    return _AMP_PAGE.sub("/", _INDEX_PAGE.sub("/", path.lower())).rstrip("/")


def _plain_canonical(url: str) -> str:
    """`canonical_address` of a plain address without query or fragment (most posts' addresses),
    without parsing it: a conversation pass compares hundreds of thousands of them."""
    netloc, _, path = url.partition("//")[2].partition("/")
    host, _, port = netloc.lower().partition(":")
    host = host.split(".", 1)[1] if host.startswith(_SHARED_PREFIXES) else host
    if port and int(port) not in (80, 443):
        host = f"{host}:{int(port)}"
    return f"//{host}{_canonical_path('/' + path)}"


def _noise(name: str) -> bool:
    return bool(_TRACKING.fullmatch(name) or _AMP_PARAMETER.fullmatch(name))


def url_key(url: str) -> str:
    """A comparison key: case-insensitive scheme and host, no default port, no fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


@functools.lru_cache(maxsize=8192)  # a post's guid and link are often one string, asked for twice
def url_identity(value: str, *, fragment: bool = True) -> str:
    """Two spellings of one address compare equal: scheme, www., default port, trailing slash.

    The fragment stays: on daily pages and linkblogs (`/2017/06/26.html#a080605`) it is what
    tells one post from the next. `fragment=False` is the identity archives kept before it did.
    Also used on guids, which are often URLs; anything that is not an http(s) URL is returned as is.
    """
    split = _split_http(value, _WWW)
    if split is None:
        return value
    parts, netloc = split
    query = f"?{parts.query}" if parts.query else ""
    return f"//{netloc}{parts.path.rstrip('/')}{query}{_fragment(parts, fragment)}"


def _split_http(value: str, prefixes: re.Pattern[str]) -> tuple[SplitResult, str] | None:
    """`value`'s parts, and its host and port as compared: lower case, without the prefix
    `prefixes` matches, the port only when it is not the default; None if it is no http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = prefixes.sub("", parts.hostname.lower())
    return parts, host if port in (None, 80, 443) else f"{host}:{port}"


def _fragment(parts: SplitResult, wanted: bool) -> str:
    return f"#{parts.fragment}" if wanted and parts.fragment else ""
