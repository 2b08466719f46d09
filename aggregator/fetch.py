"""HTTP: one feed in, one outcome out (`Fetched`, `NotModified` or a `FeedError` value).

The only module that imports the HTTP client. Safety sits in a transport adapter *below* the
requests-cache layer, so it applies to every hop of every redirect and before anything is cached:

* the address connected to is the address that was checked (no second DNS lookup), and loopback,
  private, link-local and reserved addresses are refused unless the policy allows them;
* the decoded body is capped in size and the whole exchange in time.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import email.utils
import hashlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import requests_cache
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .config import AddressPolicy, FetchOptions
from .errors import (
    BlockedAddressError,
    FeedError,
    FetchError,
    HTTPStatusError,
    NotAFeedError,
    TooLargeError,
)

CHUNK = 64 * 1024
MAX_RETRY_AFTER = dt.timedelta(days=7)
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)


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


FetchResult = Fetched | NotModified | FeedError

_watch: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar("watch", default=None)


class _Refused(Exception):
    """Raised below urllib3 so that it is not retried or wrapped; turned into a value by `fetch`."""

    def __init__(self, error: type[FeedError], message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


class Fetcher:
    """Fetches feeds with conditional GET; safe to share between threads."""

    def __init__(self, options: FetchOptions, cache_dir: Path | None = None) -> None:
        self.options = options
        self.session = _session(options, cache_dir)

    def close(self) -> None:
        self.session.close()

    def fetch(self, url: str, known: Validators) -> FetchResult:
        watch = _Watch(time.monotonic() + self.options.deadline)
        token = _watch.set(watch)
        try:
            response = self.session.get(
                url, headers=_conditional_headers(known), timeout=self.options.timeout
            )
        except _Refused as exc:
            return exc.error(url, exc.message)
        except requests.RequestException as exc:
            if watch.expired():
                return FetchError(url, f"gave up after the {self.options.deadline:g} s deadline")
            return FetchError(url, _describe(exc, self.options))
        finally:
            _watch.reset(token)
            _REAPER.forget(watch)
        return _outcome(url, response, known)


def _session(options: FetchOptions, cache_dir: Path | None) -> requests.Session:
    session: requests.Session
    if cache_dir is None:
        session = requests.Session()
    else:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Expire at once unless the server says otherwise: every build revalidates, and a
        # Cache-Control max-age lets a local rebuild skip the request altogether.
        session = requests_cache.CachedSession(
            str(cache_dir / "http"),
            backend="sqlite",
            cache_control=True,
            expire_after=requests_cache.EXPIRE_IMMEDIATELY,
            allowable_codes=(200,),
            stale_if_error=False,
        )
    session.trust_env = False  # no proxies or .netrc from the environment: we connect directly
    session.max_redirects = options.max_redirects
    session.headers.update({"User-Agent": options.user_agent, "Accept": ACCEPT})
    adapter = GuardedAdapter(options, pool_maxsize=max(options.workers, 10))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _conditional_headers(known: Validators) -> dict[str, str]:
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def _outcome(url: str, response: requests.Response, known: Validators) -> FetchResult:
    moved_to = _permanent_target(response)
    if response.status_code == 304:
        return NotModified(url, moved_to)
    if response.status_code != 200:
        status = response.status_code
        message = f"HTTP {status} {response.reason or ''}".strip()
        return HTTPStatusError(url, status, message, retry_after(response.headers.get("Retry-After")))
    body = response.content
    if not body.strip():
        return NotAFeedError(url, "the server sent an empty body")
    digest = hashlib.sha256(body).hexdigest()
    if digest == known.body_sha256:
        return NotModified(url, moved_to)
    headers = {key.lower(): value for key, value in response.headers.items()}
    validators = Validators(headers.get("etag"), headers.get("last-modified"), digest)
    return Fetched(url, response.url, body, headers, validators, moved_to)


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


def _permanent_target(response: requests.Response) -> str | None:
    if response.history and response.history[0].status_code in (301, 308):
        return response.url
    return None


def _describe(exc: requests.RequestException, options: FetchOptions) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer within {options.timeout:g} s"
    if isinstance(exc, requests.TooManyRedirects):
        return f"more than {options.max_redirects} redirects"
    if isinstance(exc, requests.exceptions.InvalidSchema | requests.exceptions.InvalidURL):
        return "redirected to a URL that is not http(s)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate or protocol error)"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect ({_root_cause(exc)})"
    return f"request failed ({_root_cause(exc)})"


def _root_cause(exc: BaseException) -> str:
    while exc.__context__ is not None and exc.__cause__ is None and exc.__context__ is not exc:
        exc = exc.__context__
    while exc.__cause__ is not None:
        exc = exc.__cause__
    reason = getattr(exc, "reason", None)
    text = str(reason or exc)
    return text.split(": ", 1)[-1] if "Connection" in text else text


class GuardedAdapter(HTTPAdapter):
    """Connects only to allowed addresses and reads bodies under a size cap and a deadline."""

    def __init__(self, options: FetchOptions, **kwargs: Any) -> None:
        self.options = options
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pools(self.options.policy)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["stream"] = True
        response = super().send(request, *args, **kwargs)
        try:
            response._content = _read_capped(response.raw, self.options.max_bytes)
        except urllib3.exceptions.HTTPError as exc:
            raise _as_requests_error(exc) from exc
        finally:
            response.raw.release_conn()
        return response


def _read_capped(raw: urllib3.BaseHTTPResponse, max_bytes: int) -> bytes:
    """Read the decoded body, at most `max_bytes` of it, and only until the deadline."""
    chunks: list[bytes] = []
    size = 0
    watch = _watch.get()
    while chunk := raw.read1(CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise _Refused(TooLargeError, f"the feed is larger than {max_bytes:,} bytes (decoded)")
        chunks.append(chunk)
    if watch is not None and watch.expired():  # the reaper cut the connection: the body is partial
        raise _Refused(FetchError, "the download did not finish before the deadline")
    return b"".join(chunks)


def _as_requests_error(exc: urllib3.exceptions.HTTPError) -> requests.RequestException:
    """What requests itself raises for the same failure while reading a body."""
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return requests.exceptions.ReadTimeout(exc)
    if isinstance(exc, urllib3.exceptions.DecodeError):
        return requests.exceptions.ContentDecodingError(exc)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return requests.exceptions.SSLError(exc)
    return requests.exceptions.ChunkedEncodingError(exc)


def _guarded_pools(policy: AddressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    http = type("GuardedHTTPConnection", (_GuardMixin, urllib3.connection.HTTPConnection), {"policy": policy})
    https = type(
        "GuardedHTTPSConnection", (_GuardMixin, urllib3.connection.HTTPSConnection), {"policy": policy}
    )
    return {
        "http": type("GuardedHTTPPool", (_PoolMixin, HTTPConnectionPool), {"ConnectionCls": http}),
        "https": type("GuardedHTTPSPool", (_PoolMixin, HTTPSConnectionPool), {"ConnectionCls": https}),
    }


class _GuardMixin:
    """Resolve once, check every address, connect to the checked one (no DNS rebinding window)."""

    policy: AddressPolicy
    _dns_host: str
    port: int

    def _new_conn(self) -> socket.socket:
        self._dns_host = allowed_address(self._dns_host, self.port, self.policy)
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        _REAPER.watch(_watch.get(), sock)
        return sock


class _PoolMixin:
    """A connection taken from the pool joins the current fetch's watch, like a new one."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        if conn.sock is not None:
            _REAPER.watch(_watch.get(), conn.sock)
        return conn


def allowed_address(host: str, port: int, policy: AddressPolicy) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise _Refused(FetchError, f"cannot resolve {host} ({exc.strerror or exc})") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if policy.allows(address):
            return address
    where = addresses[0] if host == addresses[0] else f"{host} at {addresses[0]}"
    raise _Refused(
        BlockedAddressError,
        f"refused to connect to non-public address {where} (allow it with --allow-private {addresses[0]})",
    )


class _Watch:
    """One fetch's deadline and the sockets it uses."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.sockets: list[socket.socket] = []

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


class _Reaper:
    """Enforces total deadlines: one thread shuts down the sockets of fetches that overran.

    requests only knows per-read timeouts, so a server that drips a byte at a time, or a header
    line every few seconds, could hold a fetch for hours. Shutting the socket down from outside
    makes the blocked read return at once, wherever it is.
    """

    def __init__(self) -> None:
        self._watches: set[_Watch] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, watch: _Watch | None, sock: socket.socket) -> None:
        if watch is None:
            return
        with self._changed:
            watch.sockets.append(sock)
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-deadlines", daemon=True)
                self._thread.start()
            self._changed.notify()

    def forget(self, watch: _Watch) -> None:
        with self._changed:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for watch in [w for w in self._watches if w.deadline <= now]:
                    self._watches.discard(watch)
                    for sock in watch.sockets:
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)
                nearest = min((w.deadline for w in self._watches), default=now + 60)
                self._changed.wait(max(nearest - now, 0.01))


_REAPER = _Reaper()
