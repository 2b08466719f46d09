"""No private network by any spelling: every path that fetches, against real servers on loopback.

An "internal" server on 127.0.0.1 stands for what a runner must never reach (the cloud metadata
service, a service on the runner itself). The hub may reach only 127.0.0.2, where the
participants' blogs are served. Each spelling of 127.0.0.1 goes through every path that fetches:
the update, `register`, `join`, `check-registry`, a redirect and the 410 lookup of an original.
None of them may send the internal server a single request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import ipaddress
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aggregator.archive import Archive
from aggregator.cli import main
from aggregator.config import AddressPolicy, HubConfig
from aggregator.discover import clean_address
from aggregator.errors import BlockedAddressError, FetchError, RegistryError
from aggregator.fetch import check_target
from aggregator.pipeline import update
from aggregator.registry import Participant, parse_opml
from aggregator.urls import canonical_address
from tests.loopback import LoopbackServer, Reply
from tests.test_join import issue_body

SECRET = "Internal secret"
T0 = dt.datetime(2026, 9, 12, 12, 0, tzinfo=dt.UTC)
# Written in other characters, each of these is 127.0.0.1 to the HTTP client (IDNA maps them).
UNICODE_SPELLINGS = ["１２７.０.０.１", "127。0。0。1", "①②⑦.0.0.1", "𝟏𝟐𝟕.𝟎.𝟎.𝟏"]
# Plain ASCII, yet 127.0.0.1 all the same: to the resolver, to the kernel, or to both.
ASCII_SPELLINGS = ["127.1", "2130706433", "0x7f.0.0.1", "127.0.0.1.", "localhost", "[::ffff:127.0.0.1]"]
SPELLINGS = UNICODE_SPELLINGS + ASCII_SPELLINGS
ONLY_BLOGS = AddressPolicy(networks=(ipaddress.ip_network("127.0.0.2/32"),))


def rss(title: str, link: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link><item><title>{title}</title><link>{link}</link>"
        "<pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate><description>Text.</description>"
        "</item></channel></rss>"
    ).encode()


@pytest.fixture
def internal() -> Iterator[LoopbackServer]:
    srv = LoopbackServer("127.0.0.1")
    srv.routes["/feed"] = Reply(body=rss(SECRET, "https://internal.example/secret"))
    srv.routes["/secret/"] = Reply(410, b"gone")
    yield srv
    srv.close()


@pytest.fixture
def blogs() -> Iterator[LoopbackServer]:
    srv = LoopbackServer("127.0.0.2")
    yield srv
    srv.close()


@pytest.fixture
def hub(config: HubConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HubConfig:
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London"}\n'
    )
    (tmp_path / "feeds.opml").write_text(registry(), encoding="utf-8")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    return dataclasses.replace(config, fetch=dataclasses.replace(config.fetch, policy=ONLY_BLOGS))


def registry(*feeds: str) -> str:
    outlines = "".join(f'<outline type="rss" text="Eve {n}" xmlUrl="{url}"/>' for n, url in enumerate(feeds))
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>\n'


def cli(hub: HubConfig, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    folder = hub.opml.parent
    common = ["--settings", str(folder / "pelicanconf.py"), "--opml", str(hub.opml)]
    code = main([*args, *common, "--archive", str(hub.archive), "--allow-private", "127.0.0.2"], out)
    return code, out.getvalue()


def eve(url: str) -> Participant:
    return Participant("eve", "Eve", url, None)


# Each path returns everything it wrote that a reader could see: the secret must be in none of it.


def by_update(hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str) -> str:
    report = update(hub, [eve(internal.url("/feed", host))], now=T0)
    assert report.outcomes[0].status == "failed"
    assert isinstance(report.outcomes[0].error, FetchError)
    return (hub.archive / "eve.json").read_text(encoding="utf-8")


def by_redirect(hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str) -> str:
    blogs.routes["/feed"] = Reply(302, headers={"Location": internal.url("/feed", host)})
    return by_update(hub, blogs, blogs, blogs.host)


def by_gone_lookup(hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str) -> str:
    """A post links to the internal server; when it leaves the feed, its original is looked up."""
    blogs.routes["/feed"] = Reply(body=rss("Ours", internal.url("/secret/", host)))
    assert update(hub, [eve(blogs.url("/feed"))], now=T0).outcomes[0].status == "updated"
    blogs.routes["/feed"] = Reply(body=rss("Another", "https://blog.example/another"))
    report = update(hub, [eve(blogs.url("/feed"))], now=T0 + dt.timedelta(hours=6))
    assert (report.outcomes[0].status, report.outcomes[0].withdrawn) == ("updated", 0)
    record = Archive(hub.archive).load("eve")
    assert record is not None and [post.title for post in record.posts] == ["Another", "Ours"]
    return (hub.archive / "eve.json").read_text(encoding="utf-8")


def by_register(hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str) -> str:
    before = hub.opml.read_text(encoding="utf-8")
    code, out = cli(hub, "register", internal.url("/feed", host), "--name", "Eve")
    assert code == 6
    assert hub.opml.read_text(encoding="utf-8") == before
    return out


def by_join(hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str) -> str:
    folder = hub.opml.parent
    (folder / "issue.md").write_text(issue_body(address=internal.url("/feed", host)), encoding="utf-8")
    code, out = cli(hub, "join", str(folder / "issue.md"), "--reply", str(folder / "reply.md"))
    assert code == 6
    return out + (folder / "reply.md").read_text(encoding="utf-8")


def by_check_registry(hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str) -> str:
    (hub.opml.parent / "base.opml").write_text(registry(), encoding="utf-8")
    hub.opml.write_text(registry(internal.url("/feed", host)), encoding="utf-8")
    summary = hub.opml.parent / "summary.md"
    code, _ = cli(
        hub, "check-registry", "--base", str(hub.opml.parent / "base.opml"), "--summary", str(summary)
    )
    assert code == (4 if host in UNICODE_SPELLINGS else 6)  # refused as written, or when fetched
    return summary.read_text(encoding="utf-8")


PATHS: dict[str, Callable[[HubConfig, LoopbackServer, LoopbackServer, str], str]] = {
    "update": by_update,
    "redirect": by_redirect,
    "410 lookup": by_gone_lookup,
    "register": by_register,
    "join": by_join,
    "check-registry": by_check_registry,
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("host", SPELLINGS)
def test_no_spelling_of_a_private_address_reaches_it_by_any_path(
    hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str, path: str
) -> None:
    shown = PATHS[path](hub, internal, blogs, host)
    assert internal.requests == []
    assert SECRET not in shown


@pytest.mark.parametrize("host", UNICODE_SPELLINGS)
def test_a_fetch_names_the_address_a_spelling_stands_for(
    hub: HubConfig, internal: LoopbackServer, blogs: LoopbackServer, host: str
) -> None:
    report = update(hub, [eve(internal.url("/feed", host))], now=T0)
    error = report.outcomes[0].error
    assert isinstance(error, BlockedAddressError)
    assert error.message == (
        "refused to connect to non-public address 127.0.0.1 (allow it with --allow-private 127.0.0.1)"
    )


@pytest.mark.parametrize("host", UNICODE_SPELLINGS)
def test_feeds_opml_refuses_a_host_spelled_to_hide_an_address(host: str) -> None:
    url = f"http://{host}:8080/feed"
    with pytest.raises(RegistryError) as refused:
        parse_opml(registry(url).encode(), "feeds.opml")
    assert str(refused.value) == (
        f"feeds.opml: outline 'Eve 0': xmlUrl {url!r} is refused: its host is written in characters "
        "that stand for the IP address 127.0.0.1"
    )


def test_update_stops_on_such_a_registry_before_fetching_anything(
    hub: HubConfig, internal: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = internal.url("/feed", "１２７.０.０.１")
    hub.opml.write_text(registry(url), encoding="utf-8")
    assert cli(hub, "update") == (4, "")
    assert capsys.readouterr().err == (
        f"error: {hub.opml}: outline 'Eve 0': xmlUrl {url!r} is refused: its host is written in "
        "characters that stand for the IP address 127.0.0.1\n"
    )
    assert internal.requests == []


def test_register_says_why_it_refuses_a_spelled_address(
    hub: HubConfig, internal: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = internal.url("/feed", "①②⑦.0.0.1")
    assert cli(hub, "register", url, "--name", "Eve") == (6, "")
    assert capsys.readouterr().err == (
        f"error: {url!r} cannot be registered: its host is written in characters that stand for "
        "the IP address 127.0.0.1\n"
    )


def test_every_host_of_feeds_opml_is_written_in_one_ascii_form() -> None:
    with pytest.raises(RegistryError) as refused:
        parse_opml(registry("http://Bücher.example/feed").encode())
    assert str(refused.value) == (
        "feeds.opml: outline 'Eve 0': xmlUrl 'http://Bücher.example/feed' must be written with its host "
        "in ASCII: http://xn--bcher-kva.example/feed"
    )
    (person,) = parse_opml(registry("http://xn--bcher-kva.example/feed").encode())
    assert person.feed_url == "http://xn--bcher-kva.example/feed"


def test_register_writes_what_people_type_in_that_form() -> None:
    assert clean_address("Bücher.example/feed") == "https://xn--bcher-kva.example/feed"
    assert clean_address("ＢＬＯＧ.example") == "https://blog.example"


@pytest.mark.parametrize(
    "host",
    ["①⑥⑨.②⑤④.①⑥⑨.②⑤④", "１６９.２５４.１６９.２５４", "169。254。169。254", "[::ffff:169.254.169.254]"],
)
def test_the_cloud_metadata_service_is_refused_by_any_spelling(host: str) -> None:
    """No server to reach here: the address is refused before any connection is tried."""
    url = f"http://{host}/latest/meta-data/"
    refused = check_target(url, url, AddressPolicy())
    assert isinstance(refused, BlockedAddressError)
    assert refused.message.startswith("refused to connect to non-public address ")
    assert "169.254.169.254" in refused.message


@pytest.mark.parametrize(
    "url",
    [
        "https://ana.example/2026/09/networks/",
        "http://WWW.Ana.Example/2026/09/Networks/index.html",
        "https://m.ana.example/2026/09/networks/amp/",
        "https://mobile.ana.example:443/a/default.aspx",
        "http://amp.ana.example:80/a//",
        "https://ana.example:8443/a/",
        "https://ana.example:08080/a/",
        "https://ana.example",
        "https://m.example/",
        "https://ana.example/%C3%A9t%C3%A9/",
    ],
)
def test_the_quick_canonical_address_of_a_plain_address_is_the_parsed_one(url: str) -> None:
    # An empty fragment ("#") changes nothing in the result but takes the parsing way.
    assert canonical_address(url) == canonical_address(url + "#")
