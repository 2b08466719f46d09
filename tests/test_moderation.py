"""Consent and moderation: withdrawals stick, hidden things stay off the site, forgetting is whole.

Every run here is a real update against a real server on 127.0.0.1 into a real archive folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml

from aggregator.archive import Archive, Record
from aggregator.cli import STILL_TO_DO, main
from aggregator.cohort import build_cohort, signals_for
from aggregator.config import HubConfig
from aggregator.discover import NoFeed
from aggregator.enrol import Request, enrol
from aggregator.errors import ConfigError, EnrolmentError
from aggregator.moderation import (
    Moderation,
    Placing,
    Rule,
    current_moderation,
    forget,
    load_moderation,
    parse_placings,
    parse_rules,
    with_rule,
)
from aggregator.pipeline import UpdateReport, update
from aggregator.registry import Participant, load_registry, parse_opml
from aggregator.report import health_markdown
from aggregator.withdrawal import participant_of
from tests.conftest import COURSE, invoke
from tests.loopback import LoopbackServer, Reply

T0 = dt.datetime(2026, 9, 12, 12, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(hours=6)
NOW_ENROL = T0 + dt.timedelta(days=1)


def item(slug: str, day: int, site: str = "https://b.example") -> str:
    return (
        f"<item><title>Post {slug}</title><link>{site}/{slug}/</link>"
        f"<guid>https://b.example/?p={day}</guid>"
        f"<pubDate>{day:02d} Sep 2026 10:00:00 +0000</pubDate><description>About {slug}.</description></item>"
    )


def rss(*items: str) -> bytes:
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Bo</title><link>https://b.example/</link>'
    return (head + "".join(items) + "</channel></rss>").encode()


def bo(server: LoopbackServer) -> Participant:
    return Participant("bo", "Bo", server.url("/feed"), None)


def serve(server: LoopbackServer, *items: str) -> None:
    server.routes["/feed"] = Reply(body=rss(*items), headers={"Content-Type": "application/rss+xml"})


def titles(config: HubConfig) -> list[str]:
    record = Archive(config.archive).load("bo")
    return [post.title for post in record.posts] if record else []


# --- moderation.yml ------------------------------------------------------------------------------


def test_rules_are_read_with_their_reasons() -> None:
    rules = parse_rules(
        {
            "withdraw": [{"post": "https://b.example/a/", "reason": "asked by Bo"}, {"participant": "cy"}],
            "hide": [{"participant": "dee", "reason": "advertising"}],
        },
        "moderation.yml",
    )
    assert [(r.action, r.participant, r.post, r.reason) for r in rules] == [
        ("withdraw", None, "https://b.example/a/", "asked by Bo"),
        ("withdraw", "cy", None, None),
        ("hide", "dee", None, "advertising"),
    ]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"remove": []}, "moderation.yml: expected only the lists 'withdraw:', 'hide:' and 'place:'"),
        ({"hide": {"post": "x"}}, "moderation.yml: 'hide:' must be a list of entries"),
        (
            {"withdraw": [{"post": "https://b.example/", "participant": "bo"}]},
            "moderation.yml: withdraw entry 1: give either 'post:' (its address) or 'participant:' (their hub id)",
        ),
        (
            {"withdraw": [{"post": "javascript:alert(1)"}]},
            "moderation.yml: withdraw entry 1: 'post:' must be the post's http(s) address, got 'javascript:alert(1)'",
        ),
        (
            {"withdraw": [{"post": ""}]},
            "moderation.yml: withdraw entry 1: 'post:' must be the post's http(s) address, got ''",
        ),
        (
            {"hide": [{"post": "  "}]},
            "moderation.yml: hide entry 1: 'post:' must be the post's http(s) address, got '  '",
        ),
        (
            {"hide": [{"post": "https://b.example/a/"}, {"post": "mailto:bo@b.example"}]},
            "moderation.yml: hide entry 2: 'post:' must be the post's http(s) address, got 'mailto:bo@b.example'",
        ),
        (
            {"hide": [{"participant": "Bo Smith"}]},
            "moderation.yml: hide entry 1: 'participant:' must be a hub id such as 'maya-okafor', got 'Bo Smith'",
        ),
        (
            {"hide": [{"participant": "bo", "why": "x"}]},
            "moderation.yml: hide entry 1: expected 'post:' or 'participant:', and an optional 'reason:'",
        ),
    ],
)
def test_a_mistake_in_the_file_stops_the_run_and_names_the_entry(doc: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rules(doc, "moderation.yml")
    assert str(caught.value) == message


def test_no_file_means_no_rules_and_bad_yaml_is_a_clear_error(tmp_path: Path) -> None:
    assert load_moderation(tmp_path / "moderation.yml") == Moderation()
    (tmp_path / "moderation.yml").write_text("withdraw: [post: \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"moderation.yml is not valid YAML"):
        load_moderation(tmp_path / "moderation.yml")


def test_a_post_is_matched_by_any_spelling_of_its_address_and_withdrawal_beats_hiding(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8), item("b", 9))
    update(config, [bo(server)], now=T0)
    posts = {post.title: post for post in Archive(config.archive).load("bo").posts}  # type: ignore[union-attr]
    moderation = Moderation(
        parse_rules(
            {
                "hide": [{"post": "http://www.B.example/a"}, {"post": "https://b.example/b/"}],
                "withdraw": [{"post": "https://b.example/b"}],
            },
            "m",
        )
    )
    assert moderation.post_rule("bo", posts["Post a"]).action == "hide"  # type: ignore[union-attr]
    assert moderation.post_rule("bo", posts["Post b"]).action == "withdraw"  # type: ignore[union-attr]
    assert moderation.post_rule("other", posts["Post b"]).action == "withdraw"  # type: ignore[union-attr]
    # A hidden participant's post that they withdraw is withdrawn, not merely hidden.
    both = Moderation(
        parse_rules({"hide": [{"participant": "bo"}], "withdraw": [{"post": "https://b.example/a"}]}, "m")
    )
    assert both.post_rule("bo", posts["Post a"]).action == "withdraw"  # type: ignore[union-attr]
    assert both.post_rule("bo", posts["Post b"]).action == "hide"  # type: ignore[union-attr]
    assert both.withdrawn_posts("bo", posts.values()) == (posts["Post a"],)


# --- withdrawal ----------------------------------------------------------------------------------


def test_a_withdrawn_post_is_erased_and_never_comes_back_even_after_its_rule_is_gone(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8), item("b", 9))
    update(config, [bo(server)], now=T0)
    assert titles(config) == ["Post b", "Post a"]

    config.moderation.write_text(  # type: ignore[union-attr]
        "withdraw:\n  - post: https://b.example/a/\n    reason: asked by Bo\n", encoding="utf-8"
    )
    report = update(config, [bo(server)], now=LATER)
    assert (report.outcomes[0].withdrawn, report.outcomes[0].archived) == (1, 1)
    assert titles(config) == ["Post b"]
    text = (config.archive / "bo.json").read_text(encoding="utf-8")
    assert "Post a" not in text and "b.example/a" not in text  # only hashes remain
    stones = json.loads(text)["withdrawn"]
    assert {stone["why"] for stone in stones} == {"withdrawn"} and len(
        stones
    ) == 5  # guid, link, title+date; guid and link as shared

    config.moderation.unlink()  # type: ignore[union-attr]
    serve(server, item("a", 8), item("b", 9), item("c", 10))  # the feed still lists it, and changed
    report = update(config, [bo(server)], now=LATER + dt.timedelta(hours=6))
    assert (report.outcomes[0].status, report.outcomes[0].new_posts) == ("updated", 1)
    assert titles(config) == ["Post c", "Post b"]


def test_a_post_whose_original_answers_410_gone_is_withdrawn(
    config: HubConfig, server: LoopbackServer
) -> None:
    site = server.url("")
    serve(server, item("a", 8, site), item("b", 9, site), item("c", 10, site))
    update(config, [bo(server)], now=T0)
    # The author deleted "a" (its page now answers 410 Gone); "b" is just gone from the page (404).
    serve(server, item("c", 10, site))
    server.routes["/a/"] = Reply(410, b"gone")
    report = update(config, [bo(server)], now=LATER)
    assert report.outcomes[0].withdrawn == 1
    assert titles(config) == ["Post c", "Post b"]
    assert sorted(r.path for r in server.requests if r.path != "/feed") == ["/a/", "/b/"]
    stones = json.loads((config.archive / "bo.json").read_text(encoding="utf-8"))["withdrawn"]
    assert {stone["why"] for stone in stones} == {"gone"}

    before = len(server.requests)
    serve(server, item("a", 8, site), item("c", 10, site))  # "a" is listed again: it stays withdrawn
    update(config, [bo(server)], now=LATER + dt.timedelta(hours=6))
    assert titles(config) == ["Post c", "Post b"]
    assert [r.path for r in server.requests[before:]] == ["/feed"]  # nothing left the feed: no lookups


def test_a_participant_who_withdraws_everything_is_no_longer_fetched(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8), item("b", 9))
    update(config, [bo(server)], now=T0)
    config.moderation.write_text("withdraw:\n  - participant: bo\n", encoding="utf-8")  # type: ignore[union-attr]
    before = len(server.requests)
    report = update(config, [bo(server)], now=LATER)
    outcome = report.outcomes[0]
    assert (outcome.status, outcome.note, outcome.withdrawn, outcome.archived) == (
        "skipped",
        "withdrew from the hub",
        2,
        0,
    )
    assert len(server.requests) == before
    assert titles(config) == []


# --- hiding --------------------------------------------------------------------------------------


def test_hidden_posts_stay_archived_leave_the_cohort_and_are_listed_in_the_health_report(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8), item("b", 9))
    cy = Participant("cy", "Cy", server.url("/cy"), None)
    server.routes["/cy"] = Reply(body=rss(item("c", 10)).replace(b"b.example", b"cy.example"))
    config.moderation.write_text(  # type: ignore[union-attr]
        "hide:\n  - post: https://b.example/a/\n    reason: advertising\n"
        "  - participant: cy\n    reason: asked by the facilitators\n",
        encoding="utf-8",
    )
    report = update(config, [bo(server), cy], now=T0)
    assert titles(config) == ["Post b", "Post a"]  # kept in the archive
    moderation = current_moderation(config.moderation, Archive(config.archive))
    records = Archive(config.archive).load_all()
    cohort = build_cohort([bo(server), cy], records, COURSE, moderation)
    assert [e.post.title for week in cohort.weeks for e in week.entries] == ["Post b"]
    assert [m.participant.id for m in cohort.members] == ["bo"]
    assert "## Kept off the site\n\n| Rule | Participant or post | Reason |\n|---|---|---|\n" + (
        "| hide | `https://b.example/a/` | advertising |\n"
        "| hide | Cy \\(every post\\) | asked by the facilitators |\n"
    ) in health_markdown(report)


def test_the_report_counts_withdrawals_of_the_run() -> None:
    from aggregator.pipeline import FeedOutcome

    outcome = FeedOutcome(Participant("bo", "Bo", "https://b.example/feed", None), "updated", withdrawn=2)
    text = health_markdown(UpdateReport((outcome,), T0))
    assert "## Withdrawn in this run\n\n| Participant | Posts erased |\n|---|---|\n| Bo | 2 |\n" in text


# --- forgetting ----------------------------------------------------------------------------------

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0" xmlns:hub="https://course-hub.example/ns/opml/1">
  <head>
    <title>t</title>
  </head>
  <body>
    <outline type="rss" text="Bo" xmlUrl="{bo}" hub:id="bo"/>
    <outline type="rss" text="Cy" xmlUrl="{cy}" hub:id="cy"/>
  </body>
</opml>
"""


def test_forget_erases_everything_and_nothing_comes_back(
    config: HubConfig, server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    serve(server, item("a", 8))
    server.routes["/cy"] = Reply(body=rss(item("c", 10)).replace(b"b.example", b"cy.example"))
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    update(config, load_registry(config.opml), now=T0)
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"HUB = {{'course_start': '2026-09-07', 'course_weeks': 6, 'course_timezone': 'Europe/London',"
        f" 'opml': {str(config.opml)!r}, 'archive': {str(config.archive)!r}}}\n",
        encoding="utf-8",
    )

    assert main(["forget", "bo", "--settings", str(settings)], out) == 0
    assert out.getvalue() == (
        "Forgot Bo: erased 1 archived post and took them out of feeds.opml.\n"
        "Kept only hashes of their feed's and blog's addresses in archive/_forgotten.json, so nothing of "
        f"theirs comes back.\n{STILL_TO_DO}\n"
    )
    assert not (config.archive / "bo.json").exists()
    assert [p.id for p in load_registry(config.opml)] == ["cy"]
    forgotten = (config.archive / "_forgotten.json").read_text(encoding="utf-8")
    assert "127.0.0.1" not in forgotten and "Bo" not in forgotten
    assert sorted(Archive(config.archive).load_all()) == ["cy"]

    # Someone adds the same feed again: it is not fetched and nothing of it is shown.
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    before = len(server.requests)
    report = update(config, load_registry(config.opml), now=LATER)
    assert report.outcomes[0].status == "skipped"
    assert report.outcomes[0].note.startswith("forgotten at their request on 2026-")  # type: ignore[union-attr]
    assert [r.path for r in server.requests[before:]] == ["/cy"]
    assert not (config.archive / "bo.json").exists()
    moderation = current_moderation(None, Archive(config.archive))
    cohort = build_cohort(load_registry(config.opml), Archive(config.archive).load_all(), COURSE, moderation)
    assert [m.participant.id for m in cohort.members] == ["cy"]

    assert main(["forget", "nobody", "--settings", str(settings)]) == 4
    assert "nobody has the id 'nobody'" in capsys.readouterr().err


def test_forget_records_the_facilitators_reason_beside_the_hashes(
    config: HubConfig, server: LoopbackServer, tmp_path: Path
) -> None:
    serve(server, item("a", 8))
    server.routes["/cy"] = Reply(body=rss(item("c", 10)).replace(b"b.example", b"cy.example"))
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    update(config, load_registry(config.opml), now=T0)
    (tmp_path / "pelicanconf.py").write_text(
        "HUB = {'course_start': '2026-09-07', 'course_weeks': 6, 'course_timezone': 'Europe/London'}\n",
        encoding="utf-8",
    )
    result = invoke("forget", "bo", "--reason", " data-protection request\n by email, 2 Oct ", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        "Kept only hashes of their feed's and blog's addresses in archive/_forgotten.json, with the reason "
        '"data-protection request by email, 2 Oct", so nothing of theirs comes back.'
    )
    assert invoke("forget", "cy", cwd=tmp_path).returncode == 0
    entries = json.loads((config.archive / "_forgotten.json").read_text(encoding="utf-8"))["forgotten"]
    reasons = {entry.get("reason") for entry in entries}
    assert reasons == {"data-protection request by email, 2 Oct", None}  # Cy's keys carry none
    assert len(Archive(config.archive).forgotten()) == len(entries)


def test_invoke_forget_runs_the_command(config: HubConfig, server: LoopbackServer, tmp_path: Path) -> None:
    serve(server, item("a", 8))
    server.routes["/cy"] = Reply(body=rss(item("c", 10)))
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    update(config, load_registry(config.opml), now=T0)
    (tmp_path / "pelicanconf.py").write_text(
        "HUB = {'course_start': '2026-09-07', 'course_weeks': 6, 'course_timezone': 'Europe/London'}\n",
        encoding="utf-8",
    )
    result = invoke("forget", "cy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Forgot Cy: erased 1 archived post and took them out of feeds.opml.\n")
    assert sorted(Archive(config.archive).load_all()) == ["bo"]


def test_an_archive_without_tombstones_keeps_its_exact_bytes(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8))
    update(config, [bo(server)], now=T0)
    record = Archive(config.archive).load("bo")
    assert isinstance(record, Record) and record.withdrawn == ()
    text = (config.archive / "bo.json").read_text(encoding="utf-8")
    assert '"withdrawn"' not in text
    assert Archive(config.archive).save(record) is False


# --- the withdraw form's edit of moderation.yml ---------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", 'withdraw:\n  - post: "https://a.example/p"\n    reason: "r"\n'),
        (
            "# comment\nwithdraw: []\nhide: []\n",
            '# comment\nwithdraw:\n  - post: "https://a.example/p"\n    reason: "r"\nhide: []\n',
        ),
        (
            "hide:\n  - participant: bo\nwithdraw:  # theirs\n  - participant: al\n",
            'hide:\n  - participant: bo\nwithdraw:\n  - post: "https://a.example/p"\n    reason: "r"\n'
            "  - participant: al\n",
        ),
        ("hide: []", 'hide: []\nwithdraw:\n  - post: "https://a.example/p"\n    reason: "r"\n'),
    ],
)
def test_a_withdrawal_is_one_more_entry_and_the_rest_of_the_file_stays(before: str, after: str) -> None:
    assert with_rule(before, "withdraw", {"post": "https://a.example/p", "reason": "r"}) == after
    assert Rule("withdraw", None, "https://a.example/p", "r") in parse_rules(yaml.safe_load(after), "t")


def test_a_layout_the_edit_cannot_follow_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="laid out in a way this edit cannot follow; add the line by hand"):
        with_rule("withdraw: [{participant: al}]\n", "withdraw", {"participant": "bo"})
    text = with_rule(
        "withdraw: []\n", "withdraw", {"post": 'https://a.example/"quoted"/\n', "reason": "x: y # z"}
    )
    assert parse_rules(yaml.safe_load(text), "t") == (
        Rule("withdraw", None, 'https://a.example/"quoted"/', "x: y # z"),
    )


def test_a_withdrawal_finds_its_participant_by_their_blog_or_their_own_feed() -> None:
    group = (
        '<opml version="2.0"><body>'
        '<outline type="rss" text="Al" xmlUrl="https://group.example/author/al/feed/" htmlUrl="https://group.example/"/>'
        '<outline type="rss" text="Bo" xmlUrl="https://group.example/author/bo/feed/" htmlUrl="https://group.example/"/>'
        '<outline type="rss" text="Cy" xmlUrl="https://cy.example/feed" htmlUrl="https://www.cy.example/"/>'
        "</body></opml>"
    )
    people = parse_opml(group.encode())
    assert participant_of("http://cy.example", people).name == "Cy"
    assert participant_of("https://group.example/author/bo/feed?utm_source=x", people).name == "Bo"
    with pytest.raises(EnrolmentError, match=r"several participants write on https://group\.example/"):
        participant_of("https://group.example/", people)
    with pytest.raises(EnrolmentError, match="no registered participant has the blog or feed"):
        participant_of("https://nobody.example/", people)


# --- withdrawals that stick ----------------------------------------------------------------------

LONG = "I am writing this for the course and for nobody else, with more than twelve words in it"


@pytest.mark.parametrize(
    "address",
    [
        # copied from a shared link: tracking, AMP, a mobile host, another spelling of the path
        "https://b.example/a/?utm_source=mastodon&utm_medium=social",
        "https://b.example/a/amp/",
        "https://b.example/a/index.html",
        "https://m.b.example/a/",
        "http://www.b.example/A/",
        "https://b.example/a/?amp=1",
        # typed: no scheme, spaces around it, a host in capitals, `www.`, read as `register` reads
        "b.example/a/",
        "  b.example/a  ",
        "B.EXAMPLE/a/",
        "www.b.example/a",
        "HTTP://WWW.B.Example/a/ ",
    ],
)
def test_a_withdrawal_copied_or_typed_as_people_do_withdraws_the_post(
    config: HubConfig, server: LoopbackServer, address: str
) -> None:
    serve(server, item("a", 8), item("b", 9))
    update(config, [bo(server)], now=T0)
    config.moderation.write_text(f'withdraw:\n  - post: "{address}"\n', encoding="utf-8")  # type: ignore[union-attr]
    report = update(config, [bo(server)], now=LATER)
    assert (report.outcomes[0].withdrawn, titles(config)) == (1, ["Post b"])
    assert "Rules that match no archived post" not in health_markdown(report)


def test_hide_and_place_entries_typed_without_a_scheme_apply_to_the_post(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8), item("b", 9))
    update(config, [bo(server)], now=T0)
    config.moderation.write_text(  # type: ignore[union-attr]
        "hide:\n  - post: WWW.B.example/a\nplace:\n  - post: ' b.example/b/ '\n    week: 4\n",
        encoding="utf-8",
    )
    moderation = current_moderation(config.moderation, Archive(config.archive))
    assert [(rule.action, rule.post) for rule in moderation.rules] == [("hide", "https://WWW.B.example/a")]
    assert [(placing.post, placing.week) for placing in moderation.placings] == [("https://b.example/b/", 4)]
    signals = signals_for(config, moderation)
    cohort = build_cohort([bo(server)], Archive(config.archive).load_all(), COURSE, moderation, signals)
    assert [(week.week.number, e.post.title) for week in cohort.weeks for e in week.entries] == [
        (4, "Post b")
    ]


def test_a_rule_that_matches_no_post_is_reported_as_matching_nothing(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8))
    config.moderation.write_text(  # type: ignore[union-attr]
        "withdraw:\n  - post: https://b.example/typo/\nhide:\n  - post: https://b.example/a/\n",
        encoding="utf-8",
    )
    report = update(config, [bo(server)], now=T0)
    markdown = health_markdown(report)
    assert "## Rules that match no archived post" in markdown
    assert "| withdraw | `https://b.example/typo/` |" in markdown
    assert "`https://b.example/a/` |" not in markdown.split("## Rules that match no archived post")[1]
    again = update(config, [bo(server)], now=LATER)  # a withdrawal done before still counts as found
    config.moderation.write_text("withdraw:\n  - post: https://b.example/a/\n", encoding="utf-8")  # type: ignore[union-attr]
    assert update(config, [bo(server)], now=LATER).outcomes[0].withdrawn == 1
    assert "Rules that match no archived post" not in health_markdown(update(config, [bo(server)], now=LATER))
    assert again.outcomes[0].rules_found == ("https://b.example/a/",)


def republished(slug: str, guid: str, title: str, minute: int, link: str | None = None) -> str:
    return (
        f"<item><title>{title}</title><link>{link or f'https://b.example/{slug}/'}</link><guid>{guid}</guid>"
        f"<pubDate>08 Sep 2026 10:{minute:02d}:00 +0000</pubDate><description>{LONG}.</description></item>"
    )


@pytest.mark.parametrize(
    "again",
    [
        # a new guid, a tracking parameter on its link, a small title edit
        republished(
            "a", "tag:b.example,2026:new-1", "Post a (edited)", 0, "https://b.example/a/?utm_source=rss"
        ),
        # a new guid, a new address, its date moved by a minute: only its words are the same
        republished("a-again", "tag:b.example,2026:new-2", "Post a", 1),
    ],
)
def test_a_withdrawn_post_republished_by_its_blog_stays_withdrawn(
    config: HubConfig, server: LoopbackServer, again: str
) -> None:
    serve(server, republished("a", "https://b.example/?p=8", "Post a", 0), item("b", 9))
    update(config, [bo(server)], now=T0)
    config.moderation.write_text("withdraw:\n  - post: https://b.example/a/\n", encoding="utf-8")  # type: ignore[union-attr]
    update(config, [bo(server)], now=LATER)
    config.moderation.unlink()  # type: ignore[union-attr]
    serve(server, again, item("b", 9))
    report = update(config, [bo(server)], now=LATER + dt.timedelta(hours=6))
    assert (report.outcomes[0].new_posts, titles(config)) == (0, ["Post b"])
    assert LONG not in (config.archive / "bo.json").read_text(encoding="utf-8")  # hashes only


@pytest.mark.parametrize("again", ["/feed/", "/FEED/", "/rss", "/feed/atom/", "/?feed=rss2", "/feed?x=1"])
def test_a_forgotten_blog_stays_forgotten_under_any_feed_address_and_name(
    config: HubConfig, server: LoopbackServer, again: str
) -> None:
    serve(server, item("a", 8))
    for path in ("/FEED/", "/rss", "/feed/atom/", "/"):
        server.routes[path] = server.routes["/feed"]
    bo_blog = dataclasses.replace(bo(server), blog_url=server.url("/"))
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    update(config, [bo_blog], now=T0)
    forget(dataclasses.replace(config), "bo", LATER)
    before = len(server.requests)
    maya = Participant("maya-o", "Maya O.", server.url(again), None)
    report = update(config, [maya], now=LATER + dt.timedelta(hours=1))
    assert report.outcomes[0].status == "skipped"
    assert "the hub promised never to read this blog again" in (report.outcomes[0].note or "")
    assert server.requests[before:] == []  # not fetched at all
    with pytest.raises(
        EnrolmentError, match="is the blog of a participant who was forgotten at their request on"
    ):
        enrol(Request(server.url(again), "Maya O."), config, NOW_ENROL)
    assert server.requests[before:] == []  # register and join refuse before fetching


def test_a_forgotten_blog_read_from_a_feed_elsewhere_is_recognised_by_its_home_page(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8))  # the feed says its blog is https://b.example/
    server.routes["/mirror.xml"] = server.routes["/feed"]
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    update(config, [bo(server)], now=T0)
    forget(config, "bo", LATER)
    report = update(config, [Participant("b2", "B. O.", server.url("/mirror.xml"), None)], now=LATER)
    assert report.outcomes[0].status == "skipped"
    assert not (config.archive / "b2.json").exists()


def test_a_withdrawn_blog_joining_again_from_another_feed_is_the_same_withdrawn_participant(
    config: HubConfig, server: LoopbackServer
) -> None:
    serve(server, item("a", 8), item("b", 9))
    server.routes["/rss"] = server.routes["/feed"]  # another feed of the same blog
    config.opml.write_text(OPML.format(bo=server.url("/feed"), cy=server.url("/cy")), encoding="utf-8")
    update(config, [bo(server)], now=T0)
    config.moderation.write_text("withdraw:\n  - participant: bo\n", encoding="utf-8")  # type: ignore[union-attr]
    assert update(config, [bo(server)], now=LATER).outcomes[0].withdrawn == 2
    again = enrol(Request(server.url("/rss"), "Maya O.", joining=True, github="someone"), config, NOW_ENROL)
    assert not isinstance(again, NoFeed)
    assert (again.edit.change, again.edit.participant.id) == ("updated", "bo")  # still withdrawn, by id
    assert again.confirm and "This changes the registration of Bo (bo)" in again.confirm[0]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"place": {"post": "x"}}, "moderation.yml: 'place:' must be a list of entries"),
        (
            {"place": [{"post": "https://b.example/a/"}]},
            "moderation.yml: place entry 1: 'week:' must be a week number such as 3, got None",
        ),
        (
            {"place": [{"post": "https://b.example/a/", "week": "3"}]},
            "moderation.yml: place entry 1: 'week:' must be a week number such as 3, got '3'",
        ),
        (
            {"place": [{"post": "https://b.example/a/", "week": True}]},
            "moderation.yml: place entry 1: 'week:' must be a week number such as 3, got True",
        ),
        (
            {"place": [{"post": "ftp://b.example/a/", "week": 2}]},
            "moderation.yml: place entry 1: 'post:' must be the post's http(s) address, got 'ftp://b.example/a/'",
        ),
        (
            {"place": [{"participant": "bo", "week": 2}]},
            "moderation.yml: place entry 1: expected 'post:' (its address), 'week:' and an optional 'reason:'",
        ),
    ],
)
def test_a_mistake_in_a_place_entry_stops_the_run_and_names_it(doc: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_placings(doc, "moderation.yml")
    assert str(caught.value) == message


def test_place_entries_are_read_with_the_rules(tmp_path: Path) -> None:
    (tmp_path / "moderation.yml").write_text(
        "hide: []\nplace:\n  - post: https://b.example/a/\n    week: 3\n    reason: answers the week 3 prompt\n",
        encoding="utf-8",
    )
    assert load_moderation(tmp_path / "moderation.yml").placings == (
        Placing("https://b.example/a/", 3, f"{tmp_path / 'moderation.yml'}: place entry 1"),
    )
