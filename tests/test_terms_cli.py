"""Terms from the command line: update across terms, freeze, new-term, and the per-term commands,
run as real processes on real files against a loopback server."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from contextlib import chdir
from pathlib import Path

import pytest

from aggregator.config import HubConfig, hub_config, load_settings
from aggregator.errors import ConfigError
from aggregator.pipeline import update
from aggregator.registry import HUB_NS, load_registry
from aggregator.term_admin import NewTerm, freeze, plan_new_term
from aggregator.terms import members_of
from tests.conftest import run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import write_opml

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


NEW_TERM = ("new-term", "2027-autumn", "--start", "2027-09-06", "--weeks", "2", "--tag", "openlearning27")
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


def test_freeze_marks_the_term_frozen_in_the_settings_file_and_says_what_it_kept(
    two_terms: Path,
) -> None:
    settings = two_terms / "pelicanconf.py"
    settings.write_text(TERMS_SETTINGS.replace("FROZEN", "False"), encoding="utf-8")
    result = aggregator("freeze", "2025-autumn", cwd=two_terms)
    assert result.returncode == 0, result.stderr
    assert settings.read_text(encoding="utf-8") == TERMS_SETTINGS.replace("FROZEN", "True")
    assert result.stdout.splitlines() == [
        "Froze 2025-autumn (Autumn 2025): 2 participants, 2 posts kept in archive/2025-autumn/",
        "Its feeds are no longer fetched; its pages are built from archive/2025-autumn/ from now on.",
        "Withdrawals (moderation.yml) and forget still reach it. Commit pelicanconf.py.",
    ]
    again = aggregator("freeze", "2025-autumn", cwd=two_terms)
    assert again.stdout == "2025-autumn is frozen already: nothing changed.\n"
    assert settings.read_text(encoding="utf-8") == TERMS_SETTINGS.replace("FROZEN", "True")


def test_freeze_refuses_an_unknown_term_a_running_one_and_settings_built_by_code(two_terms: Path) -> None:
    unknown = aggregator("freeze", "2024-spring", cwd=two_terms)
    assert unknown.returncode != 0
    assert (
        unknown.stderr == "error: no term '2024-spring' in HUB['terms'] (terms: 2025-autumn, 2026-autumn)\n"
    )
    settings = two_terms / "pelicanconf.py"
    settings.write_text(TERMS_SETTINGS.replace("FROZEN", "False"), encoding="utf-8")
    config = config_of(two_terms)
    with pytest.raises(ConfigError) as running:
        freeze(settings, config, "2026-autumn", today=dt.date(2026, 10, 1))
    assert str(running.value) == (
        "term '2026-autumn' has not ended: its last day is 2026-10-18. Freeze it before then with --early"
    )
    freeze(settings, config, "2026-autumn", today=dt.date(2026, 10, 1), early=True)
    assert '"tag": "openlearning26",\n            "frozen": True,\n        },' in settings.read_text()
    settings.write_text(
        TERMS_SETTINGS.replace("FROZEN", "False").replace('"terms": [', '"terms": list(TERMS) + ['),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"HUB\['terms'\] is not a literal list of dicts; edit it by hand"):
        freeze(settings, config, "2025-autumn")


WEEK_1 = """\
Title: Hello again
Week: 1
Template: week
Date: 2026-09-07
Summary: Arriving.

We meet on 9 September. Tag your posts openlearning26.
Or write #OpenLearning26; not #openlearning26b, nor openlearning26-notes.
"""


def retagged(text: str) -> str:
    """WEEK_1 as new-term copies it to a term tagged openlearning27: the tag, and nothing like it."""
    return text.replace(
        "openlearning26.\nOr write #OpenLearning26;", "openlearning27.\nOr write #openlearning27;"
    )


def test_new_term_adds_the_term_its_folder_and_its_week_files_and_says_what_to_write(
    two_terms: Path, server: LoopbackServer
) -> None:
    week_1 = two_terms / "content" / "weeks" / "2026-autumn" / "week-1.md"
    week_1.parent.mkdir(parents=True)
    week_1.write_text(WEEK_1, encoding="utf-8")
    result = aggregator(*NEW_TERM, cwd=two_terms)
    assert result.returncode == 0, result.stderr
    new = two_terms / "content" / "weeks" / "2027-autumn"
    assert (new / "week-1.md").read_text() == retagged(WEEK_1.replace("Date: 2026-09-07\n", ""))
    assert (new / "week-2.md").read_text().startswith("Title: Week 2\nWeek: 2\nTemplate: week\n")
    assert result.stdout.splitlines() == [
        "Plan:",
        "  1. copy the list of the forgotten to archive/2027-autumn/ (consent outlives a term)",
        "  2. write 2 week files in content/weeks/2027-autumn/, copied from 2026-autumn without dates, "
        "openlearning26 written openlearning27",
        '  3. add the folder <outline text="Autumn 2027" hub:term="2027-autumn"> to feeds.opml',
        "  4. add 2027-autumn to HUB['terms'] in pelicanconf.py",
        "Done: 2027-autumn is in HUB['terms'].",
        "Still to write for 2027-autumn:",
        "  content/weeks/2027-autumn/week-1.md: review it (copied from 2026-autumn)",
        "  content/weeks/2027-autumn/week-2.md: write it (a stub)",
        "  content/weeks/2027-autumn/week-1.md:6: mentions a date: We meet on 9 September. Tag your posts openlearning27.",
        "  content/weeks/2027-autumn/week-1.md:7: mentions the old tag openlearning26: "
        "Or write #openlearning27; not #openlearning26b, nor openlearning26-notes.",
        "  Announce the new course tag: openlearning27",
        "  Freeze 2026-autumn (after its last day, 2026-10-18): python -m aggregator freeze 2026-autumn"
        if dt.date.today() <= dt.date(2026, 10, 18)
        else "  Freeze 2026-autumn (it has ended): python -m aggregator freeze 2026-autumn",
    ]
    assert (
        '            "slug": "2027-autumn",\n            "title": "Autumn 2027",\n            "start": "2027-09-06",\n'
        '            "weeks": 2,\n            "timezone": "Europe/London",\n            "tag": "openlearning27",\n'
        "        },\n    ],\n"
    ) in (two_terms / "pelicanconf.py").read_text()
    assert (
        '    <outline text="Autumn 2027" hub:term="2027-autumn">\n    </outline>\n  </body>'
        in (two_terms / "feeds.opml").read_text()
    )
    assert config_of(two_terms).term_named("2027-autumn").course.weeks == 2
    assert aggregator("update", cwd=two_terms).returncode == 0
    refused = aggregator("new-term", "2027-autumn", "--start", "2028-09-04", "--weeks", "2", cwd=two_terms)
    assert (
        refused.stderr
        == "error: there is a term '2027-autumn' already in HUB['terms']: choose another slug\n"
    )
    tuesday = aggregator("new-term", "2028-autumn", "--start", "2028-09-05", "--weeks", "2", cwd=two_terms)
    assert "must be the Monday of week 1; 2028-09-05 is a Tuesday" in tuesday.stderr
    overlap = aggregator("new-term", "2027-winter", "--start", "2027-09-13", "--weeks", "2", cwd=two_terms)
    assert "overlap" in overlap.stderr


FLAT_SETTINGS = """\
HUB = {
    # The course calendar.
    "course_start": "2026-09-07",
    "course_weeks": 2,
    "course_timezone": "Europe/London",
    "course_tag": "openlearning26",
    "allow_private": ["127.0.0.1"],
}
"""


def test_the_first_new_term_migrates_a_course_without_terms_and_a_rerun_finishes_a_failed_one(
    tmp_path: Path, server: LoopbackServer
) -> None:
    server.routes["/ada.rss"] = Reply(body=rss(NEW_POST))
    (tmp_path / "pelicanconf.py").write_text(FLAT_SETTINGS, encoding="utf-8")
    write_opml(tmp_path / "feeds.opml", [("Ada", server.url("/ada.rss"), "https://blog.example/")])
    weeks = tmp_path / "content" / "weeks"
    weeks.mkdir(parents=True)
    (weeks / "week-1.md").write_text(
        WEEK_1.replace("Date: 2026-09-07\n", "Url: weeks/week-1/\nSave_as: weeks/week-1/index.html\n")
    )
    assert aggregator("update", cwd=tmp_path).returncode == 0
    missing = aggregator("new-term", "2027-autumn", "--start", "2027-09-06", "--weeks", "2", cwd=tmp_path)
    assert missing.stderr.startswith(
        "error: this course has no terms yet: give the slug for the term that has"
    )
    request = NewTerm("2027-autumn", dt.date(2027, 9, 6), 2, "openlearning27", current="2026-autumn")
    with chdir(tmp_path):
        plan = plan_new_term(tmp_path / "pelicanconf.py", config_of(tmp_path), request, dt.date(2027, 1, 4))
        for step in plan.steps[:4]:  # the run fails after the fourth step of seven
            step.run()
    rerun = aggregator(*NEW_TERM, "--current", "2026-autumn", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert list((tmp_path / "archive").glob("*.json")) == []
    assert archived(tmp_path / "archive" / "2026-autumn" / "ada.json") == ["https://blog.example/autumn26"]
    assert list(weeks.glob("*.md")) == []
    assert (weeks / "2026-autumn" / "week-1.md").read_text() == WEEK_1.replace("Date: 2026-09-07\n", "")
    assert (weeks / "2027-autumn" / "week-1.md").read_text() == retagged(
        WEEK_1.replace("Date: 2026-09-07\n", "")
    )
    assert (tmp_path / "pelicanconf.py").read_text() == (
        "HUB = {\n"
        "    # The course's terms, oldest first: each has its own calendar, course tag and folder of feeds.opml.\n"
        '    "terms": [\n'
        "        {\n"
        '            "slug": "2026-autumn",\n            "title": "Autumn 2026",\n            "start": "2026-09-07",\n'
        '            "weeks": 2,\n            "timezone": "Europe/London",\n            "tag": "openlearning26",\n'
        '            "moved_from_root": True,\n'
        "        },\n"
        "        {\n"
        '            "slug": "2027-autumn",\n            "title": "Autumn 2027",\n            "start": "2027-09-06",\n'
        '            "weeks": 2,\n            "timezone": "Europe/London",\n            "tag": "openlearning27",\n'
        "        },\n"
        "    ],\n"
        '    "allow_private": ["127.0.0.1"],\n'
        "}\n"
    )
    people = load_registry(tmp_path / "feeds.opml")
    assert [(p.id, p.term) for p in people] == [("ada", "2026-autumn")]
    assert '<outline text="Autumn 2027" hub:term="2027-autumn">' in (tmp_path / "feeds.opml").read_text()
    base = tmp_path / "base.opml"
    base.write_bytes((tmp_path / "feeds.opml").read_bytes())
    assert aggregator("update", cwd=tmp_path).returncode == 0
    assert (
        aggregator(
            "check-registry", "--base", str(base), "--summary", str(tmp_path / "s.md"), cwd=tmp_path
        ).returncode
        == 0
    )


def test_register_adds_to_the_current_term_and_a_returning_participant_keeps_their_id(
    two_terms: Path, server: LoopbackServer
) -> None:
    result = aggregator("register", server.url("/ben.rss"), "--name", "Ben", "--allow-private", cwd=two_terms)
    assert result.returncode == 0, result.stderr
    assert "Added Ben to feeds.opml" in result.stdout
    people = load_registry(two_terms / "feeds.opml")
    assert [(p.id, p.term) for p in people] == [
        ("ada", "2025-autumn"),
        ("ben", "2025-autumn"),
        ("ada", "2026-autumn"),
        ("cy", "2026-autumn"),
        ("ben", "2026-autumn"),
    ]
    assert people[-1].hub_attribute("id") == "ben"
    server.routes["/dee.rss"] = Reply(body=rss(NEW_POST))
    aggregator("register", server.url("/dee.rss"), "--name", "Ada", "--allow-private", cwd=two_terms)
    newcomer = load_registry(two_terms / "feeds.opml")[-1]
    assert (newcomer.term, newcomer.id.startswith("ada-")) == ("2026-autumn", True)  # not the returning Ada


def test_the_first_update_after_new_term_moves_an_archive_kept_on_its_own_branch_into_its_term(
    tmp_path: Path, server: LoopbackServer
) -> None:
    """`new-term --current` ran on a facilitator's machine, whose checkout holds no archive (the
    publish workflow keeps it on a branch): the archive comes back flat, as the course had it
    before terms, and the next update files it under the moved term, losing nothing."""
    server.routes["/ada.rss"] = Reply(body=rss(NEW_POST))
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",'
        ' "course_tag": "openlearning26", "allow_private": ["127.0.0.1"]}\n',
        encoding="utf-8",
    )
    write_opml(tmp_path / "feeds.opml", [("Ada", server.url("/ada.rss"), "https://blog.example/")])
    assert aggregator("update", cwd=tmp_path).returncode == 0
    flat = files(tmp_path / "archive")
    server.routes["/ada.rss"] = Reply(body=rss())  # the post has left the feed since
    moved = TERMS_SETTINGS.replace(
        '"tag": "openlearning26",', '"tag": "openlearning26",\n"moved_from_root": True,'
    )
    (tmp_path / "pelicanconf.py").write_text(moved.replace("FROZEN", "True"), encoding="utf-8")
    (tmp_path / "feeds.opml").write_text(
        opml({("Autumn 2026", "2026-autumn"): outline("Ada", server.url("/ada.rss"))}), encoding="utf-8"
    )
    result = aggregator("update", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert files(tmp_path / "archive") == {}
    assert set(files(tmp_path / "archive" / "2026-autumn")) == set(flat) == {"ada.json"}
    assert archived(tmp_path / "archive" / "2026-autumn" / "ada.json") == ["https://blog.example/autumn26"]
