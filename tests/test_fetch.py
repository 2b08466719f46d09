"""fetch: real HTTP against a server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email.utils
import gzip
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from aggregator.config import AddressPolicy, FetchOptions
from aggregator.errors import BlockedAddressError, FetchError, HTTPStatusError, NotAFeedError, TooLargeError
from aggregator.fetch import (
    Fetched,
    Fetcher,
    FetchResult,
    FetchSession,
    NotModified,
    Validators,
    retry_after,
    run_to_completion,
)
from tests.loopback import LoopbackServer, Reply, Request

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://blog.example/one</link></item></channel></rss>"""


def test_200_returns_body_headers_and_validators(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/feed"] = Reply(
        body=RSS,
        headers={"Content-Type": "application/rss+xml", "Last-Modified": "Mon, 07 Sep 2026 10:00:00 GMT"},
    )
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, Fetched)
    assert result.body == RSS
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.validators.etag is not None and result.validators.etag.startswith('"')
    assert result.validators.last_modified == "Mon, 07 Sep 2026 10:00:00 GMT"
    assert result.moved_to is None
    assert server.requests[0].headers["user-agent"].startswith("course-hub/")


def test_stored_validators_make_a_conditional_request_answered_304(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=RSS)
    fetcher = Fetcher(options)
    first = fetcher.fetch(server.url("/feed"), Validators())
    assert isinstance(first, Fetched)
    second = fetcher.fetch(server.url("/feed"), Validators(etag=first.validators.etag))
    assert second == NotModified(server.url("/feed"))
    assert "if-none-match" not in server.requests[0].headers
    assert server.requests[1].headers["if-none-match"] == first.validators.etag


def test_same_body_without_validators_counts_as_not_modified(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=RSS, etag=False)
    fetcher = Fetcher(options)
    first = fetcher.fetch(server.url("/feed"), Validators())
    assert isinstance(first, Fetched)
    assert isinstance(fetcher.fetch(server.url("/feed"), first.validators), NotModified)


def test_404_and_500_are_http_status_errors(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/gone"] = Reply(404, b"<html>missing</html>")
    server.routes["/broken"] = Reply(500, b"<html><h1>Internal Server Error</h1></html>")
    fetcher = Fetcher(options)
    missing = fetcher.fetch(server.url("/gone"), Validators())
    broken = fetcher.fetch(server.url("/broken"), Validators())
    assert isinstance(missing, HTTPStatusError) and missing.status == 404
    assert missing.message == "HTTP 404 Not Found"
    assert isinstance(broken, HTTPStatusError) and broken.message == "HTTP 500 Internal Server Error"


def test_a_server_that_does_not_answer_in_time_is_a_fetch_error(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/slow"] = Reply(body=RSS, delay=2.0)
    result = Fetcher(dataclasses.replace(options, timeout=0.3)).fetch(server.url("/slow"), Validators())
    assert isinstance(result, FetchError)
    assert result.message == "no answer within 0.3 s"


def test_temporary_redirect_is_followed_silently(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/old"] = Reply(302, headers={"Location": "/new"})
    server.routes["/new"] = Reply(body=RSS)
    result = Fetcher(options).fetch(server.url("/old"), Validators())
    assert isinstance(result, Fetched)
    assert result.final_url == server.url("/new")
    assert result.moved_to is None


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_reports_the_new_address(
    server: LoopbackServer, options: FetchOptions, status: int
) -> None:
    server.routes["/old"] = Reply(status, headers={"Location": "/new"})
    server.routes["/new"] = Reply(body=RSS)
    result = Fetcher(options).fetch(server.url("/old"), Validators())
    assert isinstance(result, Fetched)
    assert result.moved_to == server.url("/new")


def test_redirect_loop_stops_after_the_limit(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/a"] = Reply(302, headers={"Location": "/b"})
    server.routes["/b"] = Reply(302, headers={"Location": "/a"})
    result = Fetcher(options).fetch(server.url("/a"), Validators())
    assert isinstance(result, FetchError)
    assert result.message == "more than 5 redirects"
    assert len(server.requests) == 6


def test_redirect_to_a_file_url_is_refused(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/feed"] = Reply(302, headers={"Location": "file:///etc/passwd"})
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, FetchError)
    assert result.message == "redirected to a URL that is not http(s)"


def test_loopback_is_refused_by_default(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/feed"] = Reply(body=RSS)
    result = Fetcher(dataclasses.replace(options, policy=AddressPolicy())).fetch(
        server.url("/feed"), Validators()
    )
    assert isinstance(result, BlockedAddressError)
    assert "127.0.0.1" in result.message and "--allow-private 127.0.0.1" in result.message
    assert server.requests == []  # refused before connecting


def test_allowing_one_address_still_refuses_a_redirect_to_another(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(302, headers={"Location": server.url("/feed", host="127.0.0.2")})
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, BlockedAddressError)
    assert "127.0.0.2" in result.message
    assert [r.path for r in server.requests] == ["/feed"]


def test_redirect_to_a_private_network_is_refused_without_connecting(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(302, headers={"Location": "http://10.0.0.1/feed"})
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, BlockedAddressError)
    assert "10.0.0.1" in result.message


def test_decoded_size_is_capped_even_for_gzip(server: LoopbackServer, options: FetchOptions) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000)
    server.routes["/bomb"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    result = Fetcher(dataclasses.replace(options, max_bytes=100_000)).fetch(server.url("/bomb"), Validators())
    assert isinstance(result, TooLargeError)
    assert len(bomb) < 100_000


def test_empty_body_is_not_a_feed(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/empty"] = Reply(body=b"")
    result = Fetcher(options).fetch(server.url("/empty"), Validators())
    assert isinstance(result, NotAFeedError)
    assert result.message == "the server sent an empty body"


def timed(fetcher: Fetcher, url: str) -> tuple[object, float]:
    started = time.monotonic()
    result = fetcher.fetch(url, Validators())
    return result, time.monotonic() - started


def test_a_body_dripping_a_byte_at_a_time_hits_the_total_deadline(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/drip"] = Reply(body=RSS, drip=0.05)  # about 8 s in all, each byte well within the timeout
    result, took = timed(
        Fetcher(dataclasses.replace(options, timeout=1.0, deadline=1.5)), server.url("/drip")
    )
    assert isinstance(result, FetchError)
    assert result.message == "gave up after the 1.5 s deadline"
    assert took < 2.5


def test_headers_dripping_a_line_at_a_time_hit_the_total_deadline(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/slow-headers"] = Reply(body=RSS, header_drip=0.6)
    result, took = timed(
        Fetcher(dataclasses.replace(options, timeout=1.0, deadline=1.5)), server.url("/slow-headers")
    )
    assert isinstance(result, FetchError)
    assert result.message == "gave up after the 1.5 s deadline"
    assert took < 2.5


def test_a_stall_after_the_headers_is_a_timeout(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/stall"] = Reply(body=RSS, stall=5)
    result, took = timed(Fetcher(dataclasses.replace(options, timeout=0.5, deadline=3)), server.url("/stall"))
    assert isinstance(result, FetchError)
    assert result.message in ("no answer within 0.5 s", "request failed (Read timed out.)")
    assert took < 1.5


def test_an_endless_body_stops_at_the_size_cap(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/endless"] = Reply(body=b"<rss>", endless=True)
    result, took = timed(Fetcher(dataclasses.replace(options, max_bytes=2_000_000)), server.url("/endless"))
    assert isinstance(result, TooLargeError)
    assert result.message == "the feed is larger than 2,000,000 bytes (decoded)"
    assert took < 3


def test_a_chain_of_five_redirects_is_followed_and_six_is_too_many(
    server: LoopbackServer, options: FetchOptions
) -> None:
    for hop in range(6):
        server.routes[f"/hop{hop}"] = Reply(302, headers={"Location": f"/hop{hop + 1}"})
    server.routes["/hop6"] = Reply(body=RSS)
    fetcher = Fetcher(options)
    assert isinstance(fetcher.fetch(server.url("/hop1"), Validators()), Fetched)  # 5 redirects
    too_long = fetcher.fetch(server.url("/hop0"), Validators())  # 6 redirects
    assert isinstance(too_long, FetchError)
    assert too_long.message == "more than 5 redirects"


def test_410_gone(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/gone"] = Reply(410, b"")
    result = Fetcher(options).fetch(server.url("/gone"), Validators())
    assert isinstance(result, HTTPStatusError)
    assert (result.status, result.message, result.retry_after) == (410, "HTTP 410 Gone", None)


def test_429_retry_after_in_seconds(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/busy"] = Reply(429, b"slow down", headers={"Retry-After": "120"})
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = Fetcher(options).fetch(server.url("/busy"), Validators())
    assert isinstance(result, HTTPStatusError)
    assert result.status == 429
    assert result.retry_after is not None
    assert before + dt.timedelta(seconds=119) <= result.retry_after <= before + dt.timedelta(seconds=122)


def test_503_retry_after_as_an_http_date(server: LoopbackServer, options: FetchOptions) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).replace(microsecond=0)
    server.routes["/maintenance"] = Reply(
        503,
        b"<html>back soon</html>",
        headers={"Retry-After": email.utils.format_datetime(later, usegmt=True)},
    )
    result = Fetcher(options).fetch(server.url("/maintenance"), Validators())
    assert isinstance(result, HTTPStatusError)
    assert (result.status, result.retry_after) == (503, later)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", dt.datetime(2026, 9, 8, 12, 0, 30, tzinfo=dt.UTC)),
        ("Tue, 08 Sep 2026 13:00:00 GMT", dt.datetime(2026, 9, 8, 13, 0, tzinfo=dt.UTC)),
        ("Mon, 07 Sep 2026 13:00:00 GMT", dt.datetime(2026, 9, 8, 12, 0, tzinfo=dt.UTC)),  # in the past: now
        ("99999999", dt.datetime(2026, 9, 15, 12, 0, tzinfo=dt.UTC)),  # capped at a week
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_parsing(value: str, expected: dt.datetime | None) -> None:
    assert retry_after(value, dt.datetime(2026, 9, 8, 12, 0, tzinfo=dt.UTC)) == expected


def test_a_feed_served_with_a_wrong_content_type_is_still_fetched(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/feed"] = Reply(body=RSS, headers={"Content-Type": "text/html; charset=utf-8"})
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, Fetched)
    assert result.body == RSS


def test_deflate_bodies_are_decoded(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/feed"] = Reply(body=zlib.compress(RSS), headers={"Content-Encoding": "deflate"})
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, Fetched)
    assert result.body == RSS
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_damaged_gzip_body_is_a_fetch_error(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/feed"] = Reply(
        body=gzip.compress(RSS)[:12] + b"garbage!", headers={"Content-Encoding": "gzip"}
    )
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, FetchError)
    assert result.message == "the compressed body is damaged"


def test_an_encoding_we_did_not_ask_for_is_refused(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/feed"] = Reply(body=b"\x1b\x00\x00", headers={"Content-Encoding": "br"})
    result = Fetcher(options).fetch(server.url("/feed"), Validators())
    assert isinstance(result, FetchError)
    assert result.message == "the body uses an encoding we did not ask for (br)"


def test_a_session_keeps_at_most_workers_feeds_in_flight(
    server: LoopbackServer, options: FetchOptions
) -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    def slow_feed(request: Request) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.2)
        with lock:
            in_flight -= 1
        return Reply(body=RSS)

    for n in range(12):
        server.routes[f"/feed{n}"] = slow_feed

    async def fetch_all() -> list[FetchResult]:
        async with FetchSession(options) as session:
            urls = [server.url(f"/feed{n}") for n in range(12)]
            return await asyncio.gather(*(session.fetch(url, Validators()) for url in urls))

    results = run_to_completion(fetch_all())
    assert all(isinstance(result, Fetched) for result in results)
    assert most == options.workers == 4


def test_fetching_works_where_an_event_loop_is_already_running(
    server: LoopbackServer, options: FetchOptions
) -> None:
    """As inside a Pelican host that runs asyncio, or next to Playwright's sync API."""
    server.routes["/feed"] = Reply(body=RSS)

    async def from_inside_a_loop() -> FetchResult:
        return Fetcher(options).fetch(server.url("/feed"), Validators())

    with ThreadPoolExecutor(1) as thread:  # a thread of its own: the browser tests keep a loop in ours
        result = thread.submit(asyncio.run, from_inside_a_loop()).result()
    assert isinstance(result, Fetched)
    assert result.body == RSS
