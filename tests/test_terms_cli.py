"""Terms from the command line: update across terms, freeze, new-term, and the per-term commands,
run as real processes on real files against a loopback server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from aggregator.config import HubConfig, hub_config, load_settings
from aggregator.pipeline import update
from aggregator.registry import HUB_NS, load_registry
from aggregator.terms import members_of
from tests.conftest import run_python
from tests.loopback import LoopbackServer, Reply

TERMS_SETTINGS = """\
HUB = {
    "terms": [
        {
            "slug": "2025-autumn",
            "title": "Autumn 2025",
            "start": "2025-09-08",
            "weeks": 6,
            "timezone": "Europe/London",
            "tag": "openlearning25",
            "frozen": FROZEN,
        },
        {
            "slug": "2026-autumn",
            "title": "Autumn 2026",
            "start": "2026-09-07",
            "weeks": 6,
            "timezone": "Europe/London",
            "tag": "openlearning26",
        },
    ],
    "allow_private": ["127.0.0.1"],
}
"""


def rss(*items: tuple[str, str, str]) -> bytes:
    """A feed of (slug, tag, date) posts on a blog at https://blog.example/."""
    entries = "".join(
        f"<item><title>Post {slug}</title><link>https://blog.example/{slug}</link><guid>https://blog.example/{slug}</guid>"
        f"<category>{tag}</category><pubDate>{date}</pubDate><description>About {slug}.</description></item>"
        for slug, tag, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link>{entries}</channel></rss>"
    ).encode()


OLD_POST = ("autumn25", "openlearning25", "Tue, 09 Sep 2025 10:00:00 +0000")
NEW_POST = ("autumn26", "openlearning26", "Tue, 08 Sep 2026 10:00:00 +0000")


def outline(name: str, url: str, **hub: str) -> str:
    extras = "".join(f' hub:{key}="{value}"' for key, value in hub.items())
    return f'      <outline type="rss" text="{name}" xmlUrl="{url}"{extras}/>\n'


def opml(folders: dict[tuple[str, str], str]) -> str:
    """feeds.opml with one folder per (title, slug) holding the outlines given."""
    body = "".join(
        f'    <outline text="{title}" hub:term="{slug}">\n{outlines}    </outline>\n'
        for (title, slug), outlines in folders.items()
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0" xmlns:hub="{HUB_NS}">\n'
        f"  <head><title>Cohort</title></head>\n  <body>\n{body}  </body>\n</opml>\n"
    )


def aggregator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "aggregator", *args, cwd=cwd)


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.json"))}


def archived(path: Path) -> list[str]:
    """The ids of the posts in an archive file."""
    lines = path.read_text(encoding="utf-8")
    return [post["id"] for post in json.loads(lines)["posts"]]


@pytest.fixture
def two_terms(tmp_path: Path, server: LoopbackServer) -> Path:
    """A course whose autumn 2025 term is frozen: Ada is in both terms, Ben only in 2025, Cy only
    in 2026. The 2025 archive holds what the term kept."""
    for path in ("/ada.rss", "/ben.rss", "/cy.rss"):
        server.routes[path] = Reply(body=rss(OLD_POST, NEW_POST))
    (tmp_path / "pelicanconf.py").write_text(TERMS_SETTINGS.replace("FROZEN", "True"), encoding="utf-8")
    (tmp_path / "feeds.opml").write_text(
        opml(
            {
                ("Autumn 2025", "2025-autumn"): outline("Ada", server.url("/ada.rss"))
                + outline("Ben", server.url("/ben.rss")),
                ("Autumn 2026", "2026-autumn"): outline("Ada", server.url("/ada.rss"))
                + outline("Cy", server.url("/cy.rss")),
            }
        ),
        encoding="utf-8",
    )
    fill_term(tmp_path, "2025-autumn")
    server.requests.clear()
    return tmp_path


def config_of(project: Path) -> HubConfig:
    return hub_config(load_settings(project / "pelicanconf.py"), project)


def fill_term(project: Path, slug: str) -> None:
    """The term's archive as its own updates left it, before it was frozen."""
    config = config_of(project)
    term = config.term_named(slug)
    people = load_registry(project / "feeds.opml")
    update(config.for_term(term), members_of(term, people))


def test_a_frozen_term_is_never_fetched_and_a_returning_participant_is_fetched_once(
    two_terms: Path, server: LoopbackServer
) -> None:
    before = files(two_terms / "archive" / "2025-autumn")
    result = aggregator("update", cwd=two_terms)
    assert result.returncode == 0, result.stderr
    assert len(server.requests_to("/ada.rss")) == 1  # in both terms, read once
    assert server.requests_to("/ben.rss") == []  # only in the frozen term
    assert len(server.requests_to("/cy.rss")) == 1
    assert files(two_terms / "archive" / "2025-autumn") == before
    assert result.stdout.splitlines() == [
        "updated    Ada (2026-autumn)  1 new, 0 changed, 1 archived",
        "updated    Cy (2026-autumn)   1 new, 0 changed, 1 archived",
        "2 feeds: 2 updated, 0 unchanged, 0 failed, 0 skipped; 2 new posts (2026-autumn: 2 feeds, 2 new posts)",
    ]
    assert archived(two_terms / "archive" / "2026-autumn" / "ada.json") == ["https://blog.example/autumn26"]


def test_a_feed_in_two_terms_still_fetched_is_read_once_into_each_terms_archive_by_its_tag(
    tmp_path: Path, server: LoopbackServer
) -> None:
    server.routes["/ada.rss"] = Reply(body=rss(OLD_POST, NEW_POST))
    (tmp_path / "pelicanconf.py").write_text(TERMS_SETTINGS.replace("FROZEN", "False"), encoding="utf-8")
    ada = outline("Ada", server.url("/ada.rss"))
    (tmp_path / "feeds.opml").write_text(
        opml({("Autumn 2025", "2025-autumn"): ada, ("Autumn 2026", "2026-autumn"): ada}), encoding="utf-8"
    )
    result = aggregator("update", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(server.requests_to("/ada.rss")) == 1
    assert archived(tmp_path / "archive" / "2025-autumn" / "ada.json") == ["https://blog.example/autumn25"]
    assert archived(tmp_path / "archive" / "2026-autumn" / "ada.json") == ["https://blog.example/autumn26"]
    assert result.stdout.splitlines()[-1] == (
        "2 feeds: 2 updated, 0 unchanged, 0 failed, 0 skipped; 2 new posts "
        "(2025-autumn: 1 feeds, 1 new posts; 2026-autumn: 1 feeds, 1 new posts)"
    )


def test_a_withdrawal_reaches_a_frozen_term_without_reading_its_feeds(
    two_terms: Path, server: LoopbackServer
) -> None:
    (two_terms / "moderation.yml").write_text('withdraw:\n  - participant: "ben"\n', encoding="utf-8")
    ada_before = (two_terms / "archive" / "2025-autumn" / "ada.json").read_bytes()
    result = aggregator("update", cwd=two_terms)
    assert result.returncode == 0, result.stderr
    assert server.requests_to("/ben.rss") == []
    assert archived(two_terms / "archive" / "2025-autumn" / "ben.json") == []
    assert (two_terms / "archive" / "2025-autumn" / "ada.json").read_bytes() == ada_before
    assert (
        "skipped    Ben (2025-autumn)  the term is frozen: its feed is not read, its archive only honours "
        "withdrawals; 1 withdrawn (erased, tombstone kept)"
    ) in result.stdout.splitlines()
    again = aggregator("update", cwd=two_terms)  # erased once: the file stays as it is
    assert "1 withdrawn" not in again.stdout


def test_forget_erases_a_participant_from_every_term_and_feeds_opml(
    two_terms: Path, server: LoopbackServer
) -> None:
    aggregator("update", cwd=two_terms)
    assert (two_terms / "archive" / "2026-autumn" / "ada.json").exists()
    result = aggregator("forget", "ada", cwd=two_terms)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "Forgot Ada: erased 2 archived posts and took them out of feeds.opml.",
        "Kept only hashes of their feed's and blog's addresses in _forgotten.json of every term "
        "(2025-autumn, 2026-autumn), so nothing of theirs comes back.",
    ]
    for slug in ("2025-autumn", "2026-autumn"):
        assert not (two_terms / "archive" / slug / "ada.json").exists()
        assert (two_terms / "archive" / slug / "_forgotten.json").exists()
    assert [p.id for p in load_registry(two_terms / "feeds.opml")] == ["ben", "cy"]
    server.requests.clear()
    aggregator("update", cwd=two_terms)
    assert server.requests_to("/ada.rss") == []
