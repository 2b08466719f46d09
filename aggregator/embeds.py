"""Embedded players the hub knows: whose player an embed's address is, what it shows, and where
that lives on the provider's own site. Pure.

A known embed is stored as a token, "provider:id" (`youtube:dQw4w9WgXcQ`): the one thing the
sanitizer's placeholder carries for the page's Content-Security-Policy and for the script that
loads the player when a reader asks (themes/commons/static/js/embeds.js keeps its own copy of
the id shapes below, and builds the player's address from the token, never from the page).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

_HOST = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"  # a name, never an IP
_PEERTUBE_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[1-9A-HJ-NP-Za-km-z]{22}"


@dataclass(frozen=True)
class Provider:
    key: str  # the token's prefix
    name: str  # as readers know it
    kind: str  # what its embeds show
    id: re.Pattern[str]  # the whole id; its named groups fill `page` and `frame`
    page: str  # the original, on the provider's own site
    frame: str  # the origin its player loads from, for the CSP's frame-src


PROVIDERS = {
    provider.key: provider
    for provider in (
        Provider(
            "youtube",
            "YouTube",
            "video",
            re.compile(r"(?P<video>[A-Za-z0-9_-]{11})"),
            "https://www.youtube.com/watch?v={video}",
            "https://www.youtube-nocookie.com",
        ),
        Provider(
            "vimeo",
            "Vimeo",
            "video",
            re.compile(r"(?P<video>[0-9]{1,12})"),
            "https://vimeo.com/{video}",
            "https://player.vimeo.com",
        ),
        Provider(
            "soundcloud",
            "SoundCloud",
            "audio",
            re.compile(r"(?P<kind>tracks|playlists)/(?P<number>[0-9]{1,15})"),
            # A track's page has an address of words the embed does not give: the player's own page.
            "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/{kind}/{number}",
            "https://w.soundcloud.com",
        ),
        Provider(
            "peertube",
            "PeerTube",
            "video",
            re.compile(rf"(?P<host>{_HOST})/(?P<video>{_PEERTUBE_ID})"),
            "https://{host}/videos/watch/{video}",
            "https://{host}",
        ),
        Provider(
            "codepen",
            "CodePen",
            "pen",
            re.compile(r"(?P<user>[A-Za-z0-9_-]{1,64})/(?P<pen>[A-Za-z0-9]{1,16})"),
            "https://codepen.io/{user}/pen/{pen}",
            "https://codepen.io",
        ),
        Provider(
            "flickr",
            "Flickr",
            "photo",
            re.compile(r"(?P<user>[A-Za-z0-9_@-]{1,64})/(?P<photo>[0-9]{1,20})"),
            "https://www.flickr.com/photos/{user}/{photo}/",
            "https://www.flickr.com",
        ),
    )
}


@dataclass(frozen=True)
class Embed:
    provider: Provider
    id: str
    parts: Mapping[str, str] = field(compare=False)  # the id's named groups

    @property
    def token(self) -> str:
        return f"{self.provider.key}:{self.id}"

    @property
    def page_url(self) -> str:
        return self.provider.page.format(**self.parts)

    @property
    def frame_origin(self) -> str:
        return self.provider.frame.format(**self.parts)


def from_token(token: str) -> Embed | None:
    """The embed a token names, if it names one: a known provider and an id of its shape."""
    key, _, id_ = token.partition(":")
    provider = PROVIDERS.get(key)
    found = provider.id.fullmatch(id_) if provider else None
    return Embed(provider, id_, found.groupdict()) if provider and found else None


def recognise(src: str) -> Embed | None:
    """The known embed an absolute http(s) player address shows, if it is one."""
    try:
        parts = urlsplit(src)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or port is not None or "@" in parts.netloc:
        return None
    key, read = _BY_HOST.get(host, ("peertube", _peertube))
    id_ = read(host, parts)
    return from_token(f"{key}:{id_}") if id_ else None


def _youtube(host: str, parts: SplitResult) -> str | None:
    if host == "youtu.be":
        return parts.path[1:]
    if parts.path == "/watch":
        return next(iter(parse_qs(parts.query).get("v", [])), None)
    video = parts.path.removeprefix("/embed/")
    # /embed/videoseries is a playlist, whose name happens to have a video id's shape
    return video if video != parts.path and video != "videoseries" else None


def _vimeo(_host: str, parts: SplitResult) -> str | None:
    if "h" in parse_qs(parts.query):
        return None  # an unlisted video plays only with its key: the plain link keeps it
    return _path_match(r"/video/([0-9]+)/?", parts.path)


def _soundcloud(_host: str, parts: SplitResult) -> str | None:
    if parts.path.rstrip("/") != "/player":
        return None
    track = urlsplit(next(iter(parse_qs(parts.query).get("url", [])), ""))
    if track.hostname != "api.soundcloud.com":
        return None
    # Newer embed codes name a track by URN, encoded twice: tracks/soundcloud%253Atracks%253A123
    found = re.fullmatch(r"/(tracks|playlists)/(?:soundcloud:\1:)?([0-9]+)", unquote(track.path))
    return f"{found[1]}/{found[2]}" if found else None


def _codepen(_host: str, parts: SplitResult) -> str | None:
    return _path_match(r"/([^/]+)/embed/(?:preview/)?([^/]+)/?", parts.path)


def _flickr(_host: str, parts: SplitResult) -> str | None:
    return _path_match(r"/photos/([^/]+)/([0-9]+)/player/?", parts.path)


def _peertube(host: str, parts: SplitResult) -> str | None:
    """Any host: PeerTube instances are many, and known by the shape of their player's path."""
    video = _path_match(r"/videos/embed/([^/]+)/?", parts.path)
    return f"{host}/{video}" if video else None


def _path_match(pattern: str, path: str) -> str | None:
    found = re.fullmatch(pattern, path)
    return "/".join(found.groups()) if found else None


_Reader = Callable[[str, SplitResult], str | None]
_BY_HOST: dict[str, tuple[str, _Reader]] = {
    **dict.fromkeys(
        ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com"),
        ("youtube", _youtube),
    ),
    "player.vimeo.com": ("vimeo", _vimeo),
    "w.soundcloud.com": ("soundcloud", _soundcloud),
    "codepen.io": ("codepen", _codepen),
    **dict.fromkeys(("flickr.com", "www.flickr.com"), ("flickr", _flickr)),
}

# In sanitized HTML, where the placeholder's <figure> carries this one attribute.
_PLACEHOLDER = re.compile(r'<figure data-embed="([^"]*)"')


def frame_sources(fragments: Iterable[str]) -> tuple[str, ...]:
    """The origins the players of the embeds in these sanitized fragments load from, sorted.
    A plain substring test first: most posts have no embed, and a page may show dozens of posts."""
    embeds = (
        from_token(token)
        for fragment in fragments
        if 'data-embed="' in fragment
        for token in _PLACEHOLDER.findall(fragment)
    )
    return tuple(sorted({embed.frame_origin for embed in embeds if embed}))
