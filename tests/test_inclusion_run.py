"""Course posts without categories, end to end: what the archive keeps from a real update, what a
real Pelican build shows (and a later offline build, from the archive alone), what `export` says,
and what `register`, the join reply and the registry check tell someone whose feed has no
categories. The feeds are tests/data/platforms/, served on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest

from aggregator.archive import Archive
from aggregator.cli import main
from aggregator.config import HubConfig
from aggregator.normalize import normalize
from aggregator.parse import ParsedFeed, parse_feed
from aggregator.pipeline import update
from aggregator.registry import Participant
from tests.conftest import COURSE, DATA, run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, write_opml
from tests.test_consent_site import everything_public
from tests.test_enrol import REGISTRY, TOMAS
from tests.test_inclusion import slug
from tests.test_join import issue_body

PLATFORMS = DATA / "platforms"
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
SITE = "https://learning-in-the-open.example"  # pelicanconf.py's PUBLIC_URL, which the builds use
HASHTAG_POST = "The feed reader I should have used years ago"
LINK_POST = "Episode 3: what my students taught me about feeds"
NO_RULE = ("Episode 2: marking season", "Scripting my way out of the reading pile")
NOW = dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC)


def serve(server: LoopbackServer) -> None:
    for name in ("substack.xml", "hugo.xml"):
        server.routes[f"/{name}"] = Reply(body=(PLATFORMS / name).read_bytes(), headers=RSS)


def plant_a_post_no_rule_takes(archive: Path) -> None:
    """Rosa's "marking season" episode in her archive, as an archive written under other rules
    (or by hand) could hold it: the site must not show it either."""
    feed = parse_feed((PLATFORMS / "substack.xml").read_bytes(), {}, "https://fieldnotes.substack.com/feed")
    assert isinstance(feed, ParsedFeed)
    [episode] = [post for post in normalize(feed, NOW).posts if post.title == NO_RULE[0]]
    record = Archive(archive).load("rosa-delgado")
    assert record is not None
    Archive(archive).save(dataclasses.replace(record, posts=(*record.posts, episode)))


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real build that fetches Rosa's Substack and Jonas's Hugo feed (both shown as excerpts:
    no body archived), then one offline, from the archive alone, with the feeds gone and a post
    that no rule takes planted in the archive."""
    tmp = tmp_path_factory.mktemp("inclusion")
    server = LoopbackServer()
    serve(server)
    rows = [
        ("Rosa Delgado", server.url("/substack.xml"), "https://fieldnotes.substack.com/"),
        ("Jonas Berg", server.url("/hugo.xml"), "https://jonas-berg.example/"),
    ]
    opml = write_opml(tmp / "feeds.opml", rows)
    online = build(tmp, opml, allow_private=["127.0.0.1"])
    assert online.returncode == 0, online.stderr[-3000:]
    shutil.copytree(tmp / "archive", tmp / "archive-online")
    shutil.copytree(tmp / "output", tmp / "output-online")
    server.close()
    plant_a_post_no_rule_takes(tmp / "archive")
    shutil.copytree(tmp / "archive", tmp / "archive-planted")
    offline = build(tmp, opml, offline=True)
    assert offline.returncode == 0, offline.stderr[-3000:]
    return tmp


def test_the_archive_keeps_posts_by_hashtag_and_by_link_and_none_that_no_rule_takes(builds: Path) -> None:
    raw = (builds / "archive-online" / "rosa-delgado.json").read_text(encoding="utf-8")
    posts = {post["title"]: post for post in json.loads(raw)["posts"]}
    assert list(posts) == [HASHTAG_POST, LINK_POST]
    assert (posts[HASHTAG_POST]["content_html"], posts[HASHTAG_POST]["hashtags"]) == ("", ["openlearning26"])
    assert "hashtags" not in posts[LINK_POST]
    assert all(title not in raw for title in NO_RULE) and "marking" not in raw and "twelve lines" not in raw
    jonas = json.loads((builds / "archive-online" / "jonas-berg.json").read_text(encoding="utf-8"))
    assert [post["title"] for post in jonas["posts"]] == [
        "What the syllabus does not say",
        "Joining late",
        "Week two, in one paragraph",
    ]


@pytest.mark.parametrize("output", ["output-online", "output"], ids=["fetched", "offline-from-the-archive"])
def test_the_week_pages_show_course_posts_by_hashtag_and_link_and_nothing_else(
    builds: Path, output: str
) -> None:
    site = builds / output
    week4 = (site / "cohort/week-4/index.html").read_text(encoding="utf-8")
    week2 = (site / "cohort/week-2/index.html").read_text(encoding="utf-8")
    assert HASHTAG_POST in week4 and LINK_POST in week4
    assert "Week two, in one paragraph" in week2
    public = everything_public(site)
    for title in (*NO_RULE, "A badge for my sidebar", "Anchors away"):
        assert title not in public, title


def test_the_pages_say_what_makes_a_course_post(builds: Path) -> None:
    said = "(tagged <code>openlearning26</code>, with <code>#openlearning26</code> in their text, or linking to this site)"
    cohort = (builds / "output/cohort/index.html").read_text(encoding="utf-8")
    empty_week = (builds / "output/cohort/week-1/index.html").read_text(encoding="utf-8")
    assert f"gathered from their own blogs (posts {said.removeprefix('(')}." in cohort
    assert f"Nothing here yet. Posts published during this week {said} appear here after the next build." in (
        empty_week
    )


def test_a_hashtag_post_whose_body_is_not_archived_is_still_shown_by_the_next_offline_build(
    builds: Path,
) -> None:
    """The offline build fetched nothing and left the archive as it was: what it shows of Rosa's
    hashtag post came from her archive, which holds its hashtags but not its body."""
    for name in ("rosa-delgado.json", "jonas-berg.json"):
        assert (builds / "archive" / name).read_bytes() == (builds / "archive-planted" / name).read_bytes()
    archived = json.loads((builds / "archive" / "rosa-delgado.json").read_text(encoding="utf-8"))["posts"]
    [post] = [post for post in archived if post["title"] == HASHTAG_POST]
    assert (post["content_html"], post["hashtags"]) == ("", ["openlearning26"])
    assert HASHTAG_POST in (builds / "output/cohort/week-4/index.html").read_text(encoding="utf-8")


def test_export_says_which_rule_included_each_post(builds: Path) -> None:
    result = run_python("-m", "aggregator", "export", "--settings", "settings.py", cwd=builds)
    assert result.returncode == 0, result.stderr
    rows = [
        (row["participant_id"], row["title"], row["included_by"], row["placed_by"], row["week"], row["shown"])
        for row in json.loads(result.stdout)
    ]
    assert rows == [
        ("jonas-berg", "What the syllabus does not say", "link", "date", 4, True),
        ("jonas-berg", "Joining late", "link", "date", 4, True),
        ("jonas-berg", "Week two, in one paragraph", "hashtag", "date", 2, True),
        ("rosa-delgado", HASHTAG_POST, "hashtag", "date", 4, True),
        ("rosa-delgado", LINK_POST, "link", "link", 4, True),
        ("rosa-delgado", NO_RULE[0], None, "date", 3, False),  # the post planted in the archive
    ]


def test_a_real_update_archives_only_the_posts_a_rule_takes(
    server: LoopbackServer, config: HubConfig
) -> None:
    for name in ("bluesky.xml", "writeas.xml"):
        server.routes[f"/{name}"] = Reply(body=(PLATFORMS / name).read_bytes(), headers=RSS)
    config = dataclasses.replace(
        config, course=dataclasses.replace(COURSE, tag="openlearning26"), public_url=SITE
    )
    keiko = Participant("keiko", "Keiko Sato", server.url("/bluesky.xml"), None)
    noor = Participant("noor", "Noor Haddad", server.url("/writeas.xml"), None, extras=(("display", "full"),))
    report = update(config, [keiko, noor], now=NOW)
    assert [(o.status, o.new_posts, len(o.state.listed)) for o in report.outcomes] == [
        ("updated", 2, 5),
        ("updated", 2, 3),
    ]
    archive = Archive(config.archive)
    kept = {person: archive.load(person) for person in ("keiko", "noor")}
    assert {person: [slug(post) for post in record.posts] for person, record in kept.items() if record} == {
        "keiko": ["3m4xq2kd7fs2c", "3m4ufgw3oyc2n"],
        "noor": ["al-usbu-al-thalith", "who-answered-whom"],
    }
    raw = (config.archive / "keiko.json").read_text(encoding="utf-8")
    assert "openlearning26b" not in raw and "について" not in raw and "week..." not in raw
    assert "Olive" not in (config.archive / "noor.json").read_text(encoding="utf-8")


# Registration, for someone whose feed has no categories.

NO_CATEGORIES = (
    "this feed gives its posts no categories (tags), so none can carry the course tag. A post counts "
    "when {hashtag} is written in it, or when it links to the week's page on the course site ({page} "
    "is week 1's)"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "feeds.opml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "pelicanconf.py").write_text(
        f'PUBLIC_URL = "{SITE}/"\n'
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
        '       "course_tag": "openlearning26"}\n'
    )
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def run(project: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    common = ["--settings", str(project / "pelicanconf.py"), "--opml", str(project / "feeds.opml")]
    code = main([*args, *common, "--allow-private", "127.0.0.1"], out)
    return code, out.getvalue()


def test_register_says_the_feed_has_no_categories_and_what_counts_instead(
    server: LoopbackServer, project: Path
) -> None:
    serve(server)
    code, out = run(project, "register", server.url("/substack.xml"), "--name", "Rosa Delgado")
    assert code == 0, out
    assert out.splitlines()[-3:] == [
        "Found 4 posts, course posts: 2 (1 with the hashtag #openlearning26, 1 linking to the course site); "
        "latest: The feed reader I should have used years ago (2026-10-02); Episode 3: what my students "
        "taught me about feeds (2026-09-29); Episode 2: marking season (2026-09-22)",
        "Note: " + NO_CATEGORIES.format(hashtag="#openlearning26", page=f"{SITE}/weeks/week-1/"),
        "Added Rosa Delgado to feeds.opml",
    ]


def test_register_never_reports_zero_tagged_posts_for_a_feed_without_categories(
    server: LoopbackServer, project: Path
) -> None:
    only_unrelated = (PLATFORMS / "substack.xml").read_text(encoding="utf-8")
    for title in (HASHTAG_POST, LINK_POST):
        start = only_unrelated.index(f"<item><title><![CDATA[{title}")
        only_unrelated = only_unrelated[:start] + only_unrelated[only_unrelated.index("</item>", start) + 7 :]
    server.routes["/substack.xml"] = Reply(body=only_unrelated.encode(), headers=RSS)
    code, out = run(project, "register", server.url("/substack.xml"), "--name", "Rosa Delgado")
    assert code == 0, out
    found, note = out.splitlines()[-3:-1]
    assert found.startswith("Found 2 posts, course posts: none yet; latest: Episode 2: marking season")
    assert note.startswith("Note: this feed gives its posts no categories")
    assert " 0 " not in out


def test_register_counts_each_rule_for_a_feed_with_categories(server: LoopbackServer, project: Path) -> None:
    server.routes["/mastodon.rss"] = Reply(
        body=(PLATFORMS / "mastodon-category.xml").read_bytes(), headers=RSS
    )
    code, out = run(project, "register", server.url("/mastodon.rss"), "--name", "Sione Fifita")
    assert code == 0, out
    assert out.splitlines()[-2].startswith(
        "Found 3 posts, course posts: 2 with the course tag openlearning26; latest: "
    )
    assert "Note:" not in out


def test_the_join_reply_explains_what_counts_for_a_feed_without_categories(
    server: LoopbackServer, project: Path
) -> None:
    serve(server)
    (project / "issue.md").write_text(issue_body(name="Rosa Delgado", address=server.url("/substack.xml")))
    code, _ = run(project, "join", str(project / "issue.md"), "--reply", str(project / "reply.md"))
    assert code == 0
    reply = (project / "reply.md").read_text(encoding="utf-8")
    page = f"`{SITE}/weeks/week-1/`"
    assert (
        "- Posts in the feed: 4; course posts: 2 (1 with the hashtag `#openlearning26`, 1 linking to the "
        "course site)\n"
        "- **No categories:** This feed gives its posts no categories (tags), so none can carry the course "
        f"tag. A post counts when `#openlearning26` is written in it, or when it links to the week's page "
        f"on the course site ({page} is week 1's).\n"
    ) in reply
    assert (
        "**Next steps**\n\n- Write `#openlearning26` in your course posts, or link to the week's page in "
        "them: only those appear on the hub.\n"
    ) in reply
    assert "Tag your course posts" not in reply


def test_the_registry_check_explains_what_counts_for_a_feed_without_categories(
    server: LoopbackServer, project: Path
) -> None:
    serve(server)
    jonas = f'      <outline type="rss" text="Jonas Berg" xmlUrl="{server.url("/hugo.xml")}"/>\n'
    (project / "base.opml").write_text(REGISTRY, encoding="utf-8")
    (project / "feeds.opml").write_text(REGISTRY.replace(TOMAS, TOMAS + jonas), encoding="utf-8")
    summary = project / "summary.md"
    code, _ = run(project, "check-registry", "--base", str(project / "base.opml"), "--summary", str(summary))
    assert code == 0
    text = summary.read_text(encoding="utf-8")
    assert (
        "- Posts found: 5\n"
        "- Course posts: 3 (1 with the hashtag `#openlearning26`, 2 linking to the course site)\n"
        "- **No categories:** This feed gives its posts no categories (tags), so none can carry the course "
        "tag. A post counts when `#openlearning26` is written in it, or when it links to the week's page on "
        f"the course site (`{SITE}/weeks/week-1/` is week 1's).\n"
    ) in text
