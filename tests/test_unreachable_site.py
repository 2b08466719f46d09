"""A broken feed is not a quiet participant: the public pages say, discreetly, whose feed the hub
has not been able to read for a day, from the fetch state in the archive. Real builds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from aggregator.archive import Archive
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, serve_ada_and_ben, write_opml

NOTE = re.compile(r'<p class="feed-note">[^<]*</p>')


def notes(page: Path) -> list[str]:
    return NOTE.findall(page.read_text(encoding="utf-8"))


def people_page(tmp_path: Path, person: str = "") -> Path:
    folder = f"people/{person}" if person else "participants"
    return tmp_path / "output" / "cohort" / folder / "index.html"


def test_a_feed_failing_for_a_day_is_marked_on_the_participants_pages(
    server: LoopbackServer, tmp_path: Path
) -> None:
    ada, ben = serve_ada_and_ben(server)
    server.routes["/cleo.xml"] = Reply(500, b"<html>stack trace at /srv/internal</html>")
    cleo = ("Cleo Never", server.url("/cleo.xml"), "https://cleo.example/")
    opml = write_opml(tmp_path / "feeds.opml", [ada, ben, cleo])
    assert build(tmp_path, opml).returncode == 0
    server.routes["/ben.json"] = Reply(500, b"<html>stack trace at /srv/internal</html>")
    result = build(tmp_path, opml)
    assert result.returncode == 0, result.stderr
    # Ben failed once, just after a success: a blip is no news. Cleo was never read, twice.
    assert notes(people_page(tmp_path)) == ['<p class="feed-note">Feed unreachable</p>']
    assert notes(people_page(tmp_path, "cleo-never")) == ['<p class="feed-note">Feed unreachable</p>']
    assert notes(people_page(tmp_path, "ben-okri")) == []

    # A day and more goes by (the archive's fetch state says so) and Ben's feed still fails.
    archive = Archive(tmp_path / "archive")
    record = archive.load("ben-okri")
    assert record is not None and record.state.last_error is not None
    read = record.state.last_error.at - dt.timedelta(days=3)
    archive.save(dataclasses.replace(record, state=dataclasses.replace(record.state, last_success=read)))
    assert build(tmp_path, opml, offline=True).returncode == 0
    since = (
        f'<p class="feed-note">Feed unreachable since {read.astimezone(ZoneInfo("Europe/London")):%b %-d}</p>'
    )
    assert notes(people_page(tmp_path)) == [since, '<p class="feed-note">Feed unreachable</p>']
    assert notes(people_page(tmp_path, "ben-okri")) == [since]
    assert notes(people_page(tmp_path, "ada-lovelace")) == []
    site = " ".join(page.read_text(encoding="utf-8") for page in (tmp_path / "output").rglob("*.html"))
    assert "HTTP 500" not in site and "/srv/internal" not in site  # never why: errors name internals
