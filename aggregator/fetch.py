"""HTTP: one feed in, one outcome out (`Fetched`, `NotModified` or a `FeedError` value); also the
webmention sender's page reads and form posts, through the same checks.

The only module that imports the HTTP client (aiohttp: the benchmark showed a thread pool of
requests fetching a fifth of what the machine can; see docs/benchmarks.md). Every hop of every
redirect is checked before anything is sent:

* only http(s) URLs; an IP literal must be allowed by the policy, and a host name is resolved by
  our own resolver, which hands aiohttp only allowed addresses, so the address connected to is
  the address that was checked (no second DNS lookup);
* each read waits at most `timeout`, the whole exchange at most `deadline`, and the body is
  decompressed here, under the size cap, so a gzip bomb never grows past `max_bytes`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import socket
import zlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from .config import AddressPolicy, FetchOptions, embedded_ipv4
from .errors import (
    BlockedAddressError,
    FeedError,
    FetchError,
    HTTPStatusError,
    NotAFeedError,
    TooLargeError,
)
from .urls import URL, client_url, ip_literal, within_limit

MAX_RETRY_AFTER = dt.timedelta(days=7)
VALIDATOR_LIMIT = 256  # characters of an ETag or a Last-Modified date that are kept
INFLATE_STEP = 256 * 1024  # a gzip bomb grows by at most this much before the size check
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# Only the kinds the hub keeps (pictures.py): a server that chooses by Accept never picks SVG or AVIF.
PICTURE_ACCEPT = "image/webp, image/png, image/jpeg, image/gif"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)
# zlib's wbits: 16+ reads a gzip wrapper, 32+ detects gzip or zlib by the header.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + zlib.MAX_WBITS}


@dataclass(frozen=True)
class Validators:
    """What a server gave us to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


@dataclass(frozen=True)
class Fetched:
    url: str
    final_url: str
    body: bytes
    headers: Mapping[str, str]  # keys lower-cased, as the parser wants them
    validators: Validators
    moved_to: str | None  # the target of a permanent redirect (301/308), if the feed moved


@dataclass(frozen=True)
class NotModified:
    url: str
    moved_to: str | None = None


@dataclass(frozen=True)
class Page:
    """A web page (not a feed): for webmention endpoint discovery."""

    url: str
    final_url: str  # after redirects: relative addresses in the page are relative to it
    links: tuple[str, ...]  # the value of each Link header, as sent
    body: bytes


@dataclass(frozen=True)
class PictureBody:
    """A picture's bytes as its server sent them, not looked at yet (pictures.py does that)."""

    url: str
    body: bytes
    content_type: str | None


FetchResult = Fetched | NotModified | FeedError
T = TypeVar("T")
R = TypeVar("R")
# Reads the final response of an exchange: (response, its URL, where a permanent redirect pointed).
_Answer = Callable[[aiohttp.ClientResponse, str, str | None], Awaitable[R]]


class _Refused(OSError):
    """Raised inside aiohttp (by our resolver) or our own reading; turned into a value by `fetch`."""

    def __init__(self, error: FeedError) -> None:
        super().__init__(error.message)
        self.error = error


class FetchSession:
    """Fetches many feeds at once on one event loop: `async with FetchSession(options) as s`."""

    def __init__(self, options: FetchOptions, connections: int | None = None) -> None:
        self.options = options
        self._connections = connections or options.workers
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FetchSession:
        connector = aiohttp.TCPConnector(
            limit=self._connections, resolver=_GuardedResolver(self.options.policy), ttl_dns_cache=300
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # decompressed by `_read_body`, under the size cap
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={
                "User-Agent": self.options.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
            timeout=aiohttp.ClientTimeout(sock_connect=self.options.timeout, sock_read=self.options.timeout),
            trust_env=False,  # no proxies or .netrc from the environment: we connect directly
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url: str, known: Validators) -> FetchResult:
        async def outcome(
            response: aiohttp.ClientResponse, final_url: str, moved_to: str | None
        ) -> FetchResult:
            return await self._outcome(url, final_url, response, known, moved_to)

        return await self._exchange(url, outcome, headers=_conditional_headers(known))

    async def page(self, url: str) -> Page | FeedError:
        """An HTML page, read with the same checks, deadline and size cap as a feed."""

        async def read(
            response: aiohttp.ClientResponse, final_url: str, _moved: str | None
        ) -> Page | FeedError:
            if response.status != 200:
                return HTTPStatusError(url, response.status, _status_line(response))
            body = await _read_body(url, response, self.options.max_bytes)
            return Page(url, final_url, tuple(response.headers.getall("Link", ())), body)

        return await self._exchange(url, read, headers={"Accept": PAGE_ACCEPT})

    async def picture(self, url: str, max_bytes: int) -> PictureBody | FeedError:
        """A picture's bytes, with the same checks and deadline as a feed, under its own size cap."""

        async def read(
            response: aiohttp.ClientResponse, _final: str, _moved: str | None
        ) -> PictureBody | FeedError:
            if response.status != 200:
                return HTTPStatusError(url, response.status, _status_line(response))
            body = await _read_body(url, response, max_bytes, "picture")
            return PictureBody(url, body, response.headers.get("Content-Type"))

        return await self._exchange(url, read, headers={"Accept": PICTURE_ACCEPT})

    async def post_form(self, url: str, form: Mapping[str, str]) -> int | FeedError:
        """POST `form` (form-encoded) to `url`: the status of the answer. Redirects are not
        followed (a form's answer is where it was sent); the address is checked all the same."""

        async def status(response: aiohttp.ClientResponse, _final: str, _moved: str | None) -> int:
            return response.status

        return await self._exchange(url, status, method="POST", form=form, follow=False)

    async def _exchange(
        self,
        url: str,
        answer: _Answer[R],
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        follow: bool = True,
    ) -> R | FeedError:
        """One request to `url` and `answer`'s reading of the response, within the deadline."""
        try:
            async with asyncio.timeout(self.options.deadline):
                return await self._follow(url, answer, method, headers or {}, form, follow)
        except TimeoutError:
            return FetchError(url, f"gave up after the {self.options.deadline:g} s deadline")

    async def _follow(
        self,
        url: str,
        answer: _Answer[R],
        method: str,
        headers: Mapping[str, str],
        form: Mapping[str, str] | None,
        follow: bool,
    ) -> R | FeedError:
        """Request `url`, following redirects by hand so that every hop is checked first."""
        assert self._session is not None, "use FetchSession in an async with block"
        target, first_redirect = url, None
        for _ in range(self.options.max_redirects + 1):
            checked = check_target(url, target, self.options.policy)
            if isinstance(checked, FeedError):
                return checked
            try:
                async with self._session.request(
                    method, checked, headers=headers, data=form, allow_redirects=False
                ) as response:
                    if follow and response.status in REDIRECTS and "Location" in response.headers:
                        first_redirect = first_redirect or response.status
                        target = urljoin(target, response.headers["Location"])
                        continue
                    # As the client wrote it on the wire: ASCII, percent-encoded, printable as is.
                    moved_to = within_limit(str(checked)) if first_redirect in (301, 308) else None
                    return await answer(response, target, moved_to)
            except _Refused as exc:
                return exc.error
            except (aiohttp.ClientError, ValueError) as exc:
                return _described(url, exc, self.options)
        return FetchError(url, f"more than {self.options.max_redirects} redirects")

    async def _outcome(
        self,
        url: str,
        final_url: str,
        response: aiohttp.ClientResponse,
        known: Validators,
        moved_to: str | None,
    ) -> FetchResult:
        if response.status == 304:
            return NotModified(url, moved_to)
        if response.status != 200:
            later = retry_after(response.headers.get("Retry-After"))
            return HTTPStatusError(url, response.status, _status_line(response), later)
        body = await _read_body(url, response, self.options.max_bytes)
        if not body.strip():
            return NotAFeedError(url, "the server sent an empty body")
        digest = hashlib.sha256(body).hexdigest()
        if digest == known.body_sha256:
            return NotModified(url, moved_to)
        headers = {key.lower(): value for key, value in response.headers.items()}
        validators = Validators(
            _validator(headers.get("etag")), _validator(headers.get("last-modified")), digest
        )
        return Fetched(url, final_url, body, headers, validators, moved_to)


class Fetcher:
    """One feed at a time, for a command or a test: each call runs a short event loop of its own."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options

    def fetch(self, url: str, known: Validators) -> FetchResult:
        async def once() -> FetchResult:
            async with FetchSession(self.options, connections=1) as session:
                return await session.fetch(url, known)

        return run_to_completion(once())


def run_to_completion(work: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from a thread whose event loop is already running (a Pelican plugin
    host, a notebook, Playwright's sync API in the tests): then the work gets a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(1, thread_name_prefix="fetch-loop") as thread:
        return thread.submit(asyncio.run, work).result()


def check_target(url: str, target: str, policy: AddressPolicy) -> URL | FeedError:
    """`target` (a hop on the way to feed `url`) as the client will request it, or why it must not
    be requested. The host checked is the one aiohttp connects to: its own parse of the URL, with
    IDNA applied (`１２７.０.０.１` is 127.0.0.1), and the same object is handed to it."""
    parsed = client_url(target)
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.raw_host:
        where = "redirected to a URL" if target != url else "the address is a URL"
        return FetchError(url, f"{where} that is not http(s)")
    if parsed.raw_user is not None or parsed.raw_password is not None:
        return FetchError(url, "refused a URL with a user name or password in it")
    host = parsed.raw_host
    address = ip_literal(host)
    if address is None:
        if ":" in host or host.replace(".", "").isdigit():  # aiohttp would connect to it as an address
            return FetchError(url, f"refused the host {host}: not a valid IP address")
        return parsed  # a host name: the resolver checks what it resolves to
    return parsed if policy.allows(str(address)) else _blocked(url, host, str(address))


def _blocked(url: str, host: str, address: str) -> BlockedAddressError:
    where = address if host == address else f"{host} at {address}"
    ip = ip_literal(address)
    carried = ", ".join(str(inner) for inner in embedded_ipv4(ip)) if ip else ""
    where += f", which stands for {carried}" if carried else ""
    return BlockedAddressError(
        url, f"refused to connect to non-public address {where} (allow it with --allow-private {address})"
    )


class _GuardedResolver(AbstractResolver):
    """Resolves a host name and keeps only the addresses the policy allows."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM, family=family
            )
        except OSError as exc:
            raise _Refused(FetchError(host, f"cannot resolve {host} ({exc.strerror or exc})")) from None
        allowed = [info for info in infos if self.policy.allows(str(info[4][0]))]
        if not allowed:
            raise _Refused(_blocked(host, host, str(infos[0][4][0])))
        return [
            ResolveResult(
                hostname=host,
                host=str(info[4][0]),
                port=port,
                family=info[0],
                proto=info[2],
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for info in allowed
        ]

    async def close(self) -> None:
        return None


class _Decoder(Protocol):
    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...


class _Identity:
    unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int = 0, /) -> bytes:
        return data


async def _read_body(url: str, response: aiohttp.ClientResponse, max_bytes: int, what: str = "feed") -> bytes:
    """The decoded body, at most `max_bytes` of it: decompressed here, a step at a time. A body
    its Content-Length says is too large is refused before any of it is read."""
    if (response.content_length or 0) > max_bytes:
        raise _Refused(TooLargeError(url, f"the {what} is larger than {max_bytes:,} bytes"))
    decoder = _decoder(url, response.headers.get("Content-Encoding"))
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        while chunk:
            data, chunk = _inflate(url, decoder, chunk)
            size += len(data)
            if size > max_bytes:
                raise _Refused(TooLargeError(url, f"the {what} is larger than {max_bytes:,} bytes (decoded)"))
            chunks.append(data)
    return b"".join(chunks)


def _inflate(url: str, decoder: _Decoder, chunk: bytes) -> tuple[bytes, bytes]:
    """At most INFLATE_STEP bytes out of `chunk`, and the input left for the next step."""
    try:
        return decoder.decompress(chunk, INFLATE_STEP), decoder.unconsumed_tail
    except zlib.error:
        raise _Refused(FetchError(url, "the compressed body is damaged")) from None


def _decoder(url: str, encoding: str | None) -> _Decoder:
    name = (encoding or "identity").strip().lower()
    if name in ("identity", ""):
        return _Identity()
    if name not in _WBITS:
        raise _Refused(FetchError(url, f"the body uses an encoding we did not ask for ({name[:40]})"))
    return zlib.decompressobj(_WBITS[name])


def _status_line(response: aiohttp.ClientResponse) -> str:
    return f"HTTP {response.status} {response.reason or ''}".strip()


def _validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth keeping: it is stored in the archive and sent back, so only
    printable ASCII of a sensible length (the body's hash serves when there is none)."""
    if value and len(value) <= VALIDATOR_LIMIT and value.isascii() and value.isprintable():
        return value
    return None


def _conditional_headers(known: Validators) -> dict[str, str]:
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def retry_after(value: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """Retry-After as a UTC time: delay-seconds or an HTTP date; capped at a week."""
    if not value:
        return None
    now = now or dt.datetime.now(dt.UTC)
    value = value.strip()
    try:
        when = (
            now + dt.timedelta(seconds=int(value))
            if value.isdigit()
            else email.utils.parsedate_to_datetime(value)
        )
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max(when, now), now + MAX_RETRY_AFTER).replace(microsecond=0)


def _described(url: str, exc: Exception, options: FetchOptions) -> FeedError:
    """What went wrong, in words a maintainer can act on."""
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, _Refused):
        refused = exc.os_error.error  # raised by the resolver, which knows the host, not the feed
        return type(refused)(url, refused.message)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return FetchError(url, f"no answer within {options.timeout:g} s")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError(url, "TLS handshake failed (certificate or protocol error)")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return FetchError(url, f"could not connect ({exc.os_error.strerror or exc.os_error})")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return FetchError(url, "the server closed the connection without a complete answer")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return FetchError(url, "the download broke off before the end of the body")
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return FetchError(url, "the address is not a valid URL")
    return FetchError(url, f"request failed ({type(exc).__name__}: {exc})")
