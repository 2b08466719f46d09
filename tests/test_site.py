"""The whole site, built by real Pelican runs into a temporary folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import html5lib

from tests.conftest import DATA
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, serve_ada_and_ben, write_opml


def links(page: Path, within: str = "") -> list[str]:
    """The addresses `page` links to, or only those inside elements of the class `within`."""
    document = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)
    parts = [e for e in document.iter() if within in (e.get("class") or "").split()] if within else [document]
    return [a.get("href") for part in parts for a in part.iter("a")]


def test_build_with_a_broken_feed_succeeds_and_week_pages_hold_backlinks(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.routes["/broken.xml"] = Reply(500, b"<html><body>Internal Server Error</body></html>")
    cleo = ("Cleo Broken", server.url("/broken.xml"), "https://cleo.example/")
    opml = write_opml(tmp_path / "feeds.opml", [*serve_ada_and_ben(server), cleo])
    result = build(tmp_path, opml)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "HTTP 500 Internal Server Error" in result.stdout + result.stderr

    output = tmp_path / "output"
    week1 = links(output / "cohort" / "week-1" / "index.html")
    week2 = links(output / "cohort" / "week-2" / "index.html")
    assert "https://ada.example/2026/09/13/sunday-night/" in week1  # 23:30 local, Sunday of week 1
    assert "https://ben.example/2026/09/14/hello" in week2  # 00:10 local, Monday of week 2
    assert "https://ada.example/2026/09/30/networks/" in week2  # dated week 4, tagged Week 2
    assert "../../cohort/people/ben-okri/" in week2  # the participant's name links to their page
    week1_html = (output / "cohort" / "week-1" / "index.html").read_text(encoding="utf-8")
    assert "<p>Written at 23:30 London time on the last evening of <a" in week1_html  # the excerpt
    every_page = " ".join(p.read_text(encoding="utf-8") for p in output.rglob("*.html"))
    assert "sourdough" not in every_page  # not tagged for the course
    assert "<script>alert" not in every_page
    assert "../../weeks/week-2/" in week2  # the cohort page links back to the course week
    assert "../../cohort/week-2/" in links(output / "weeks" / "week-2" / "index.html")


def test_a_wrong_course_setting_stops_the_build_and_names_the_setting(tmp_path: Path) -> None:
    opml = write_opml(tmp_path / "feeds.opml", [])
    result = build(tmp_path, opml, course_start="2026-09-08")
    assert result.returncode != 0
    assert (
        "HUB['course_start'] must be the Monday of week 1; 2026-09-08 is a Tuesday"
        in result.stdout + result.stderr
    )
    assert not (tmp_path / "output" / "cohort").exists()


def test_offline_builds_render_the_archive_without_fetching(server: LoopbackServer, tmp_path: Path) -> None:
    server.routes["/ada.rss"] = Reply(body=(DATA / "ada.rss").read_bytes())
    opml = write_opml(
        tmp_path / "feeds.opml", [("Ada Lovelace", server.url("/ada.rss"), "https://ada.example/")]
    )
    assert build(tmp_path, opml).returncode == 0
    fetched = len(server.requests)
    server.routes["/ada.rss"] = Reply(500)
    result = build(tmp_path, opml, offline=True)
    assert result.returncode == 0
    assert len(server.requests) == fetched == 1
    assert "https://ada.example/2026/09/13/sunday-night/" in links(
        tmp_path / "output" / "cohort" / "week-1" / "index.html"
    )


def test_a_participant_removed_from_the_registry_is_hidden_but_kept(
    server: LoopbackServer, tmp_path: Path
) -> None:
    ada, ben = serve_ada_and_ben(server)
    assert build(tmp_path, write_opml(tmp_path / "feeds.opml", [ada, ben])).returncode == 0
    assert build(tmp_path, write_opml(tmp_path / "feeds.opml", [ada])).returncode == 0
    assert (tmp_path / "archive" / "ben-okri.json").exists()
    site = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "output").rglob("*.html"))
    assert "ben.example" not in site
    assert "Ben Okri" not in site
    assert "Ada Lovelace" in site


def test_the_current_week_is_highlighted_by_date(tmp_path: Path) -> None:
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    monday_last_week = today - dt.timedelta(days=today.weekday() + 7)
    opml = write_opml(tmp_path / "feeds.opml", [])
    assert build(tmp_path, opml, course_start=monday_last_week.isoformat()).returncode == 0
    document = html5lib.parse(
        (tmp_path / "output" / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False
    )
    current = [a for a in document.iter("a") if a.get("aria-current") == "date"]
    assert ["".join(a.itertext()) for a in current] == ["Week 2 (this week)"]


def test_two_participants_with_one_name_each_update_and_show_under_their_own_page(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """People are not names: a shared name stops nobody's update, and each person keeps their page."""
    ada, ben = serve_ada_and_ben(server)
    namesakes = [("Sam Lee", ada[1], "https://ada.example/"), ("Sam  Lee", ben[1], "https://ben.example/")]
    result = build(tmp_path, write_opml(tmp_path / "feeds.opml", namesakes))
    assert result.returncode == 0, result.stderr + result.stdout
    ids = {path.stem for path in (tmp_path / "archive").glob("*.json")}
    assert len(ids) == 2 and all(id_.startswith("sam-lee-") for id_ in ids)
    people = tmp_path / "output" / "cohort" / "people"
    pages = {id_: links(people / id_ / "index.html", within="u-url") for id_ in ids}  # cards' permalinks
    ada_page, ben_page = sorted(
        pages.values(), key=lambda hrefs: "https://ben.example/2026/09/14/hello" in hrefs
    )
    assert "https://ada.example/2026/09/13/sunday-night/" in ada_page
    assert "https://ben.example/2026/09/14/hello" not in ada_page
    assert "https://ben.example/2026/09/14/hello" in ben_page
    assert "https://ada.example/2026/09/30/networks/" not in ben_page
    # Ben's post answers Ada's: each page shows that conversation, outside their own cards.
    ada_id = next(id_ for id_ in ids if "https://ada.example/2026/09/13/sunday-night/" in pages[id_])
    talk = links(people / ada_id / "index.html", within="conversations")
    assert [href for href in talk if href.startswith("https://")] == [
        "https://ada.example/2026/09/13/sunday-night/",
        "https://ben.example/2026/09/14/hello",
    ]
