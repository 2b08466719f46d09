"""fetch: real HTTP against a server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import gzip

from aggregator.config import AddressPolicy, FetchOptions
from aggregator.errors import BlockedAddressError, FetchError, HTTPStatusError, NotAFeedError, TooLargeError
from aggregator.fetch import Fetched, Fetcher, NotModified, Validators
from tests.loopback import LoopbackServer, Reply

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


def test_permanent_redirect_reports_the_new_address(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/old"] = Reply(301, headers={"Location": server.url("/new")})
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


def test_http_cache_revalidates_and_reports_unchanged(
    server: LoopbackServer, options: FetchOptions, tmp_path
) -> None:
    server.routes["/feed"] = Reply(body=RSS)
    fetcher = Fetcher(options, cache_dir=tmp_path / "cache")
    first = fetcher.fetch(server.url("/feed"), Validators())
    assert isinstance(first, Fetched)
    again = fetcher.fetch(server.url("/feed"), first.validators)
    assert isinstance(again, NotModified)
    assert server.requests[1].headers["if-none-match"] == first.validators.etag
    assert (tmp_path / "cache" / "http.sqlite").exists()
