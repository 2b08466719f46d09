"""URL rules shared by every stage: only absolute http(s) URLs ever leave the aggregator."""

from __future__ import annotations

import functools
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Most URLs in feeds are absolute and plain: the parse below would give them back unchanged.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9][-A-Za-z0-9.]*(?:/[-A-Za-z0-9._~%!$&'()*+,=:@/]*)?")


def absolute_http_url(value: str | None, base: str | None = None) -> str | None:
    """Resolve `value` against `base`; return it only if it is an absolute http(s) URL."""
    if not value:
        return None
    if _PLAIN_URL.fullmatch(value):
        return value
    value = "".join(value.split())  # browsers drop whitespace inside URLs; so do we
    try:
        resolved = urljoin(base, value) if base else value
        parts = urlsplit(resolved)
        parts.port  # noqa: B018 - raises ValueError on a garbage port
    except ValueError:
        return None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return None
    return urlunsplit(parts._replace(scheme=parts.scheme.lower()))


def url_key(url: str) -> str:
    """A comparison key: case-insensitive scheme and host, no default port, no fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


@functools.lru_cache(maxsize=8192)  # a post's guid and link are often one string, asked for twice
def url_identity(value: str) -> str:
    """Two spellings of one address compare equal: scheme, www., default port, trailing slash.

    Also used on guids, which are often URLs; anything that is not an http(s) URL is returned as is.
    """
    parts = urlsplit(value)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return value
    try:
        port = parts.port
    except ValueError:
        return value
    host = parts.hostname.lower().removeprefix("www.")
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return f"//{netloc}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")
