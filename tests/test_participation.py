"""The facilitator's view: posts and responses per participant and week, and where it goes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aggregator.archive import Record
from aggregator.cohort import build_cohort
from aggregator.participation import as_csv, as_markdown, participation, silent
from aggregator.registry import Participant
from tests.conftest import COURSE
from tests.loopback import LoopbackServer
from tests.posts import make_post
from tests.sitebuild import build, serve_ada_and_ben, write_opml


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 9, day, 12, tzinfo=dt.UTC)


def person(slug: str, name: str) -> Participant:
    return Participant(slug, name, f"https://{slug}.example/feed.xml", f"https://{slug}.example/")


ANA, BEN, EVE = person("ana", "Ana Lima"), person("ben", "Ben Okri"), person("eve", "=HYPERLINK(1)")
RECORDS = {
    "ana": Record(
        ANA,
        posts=(make_post("a1", at(8), url="https://ana.example/1/"), make_post("a2", at(9))),
    ),
    "ben": Record(
        BEN,
        posts=(
            make_post("b1", at(10), url="https://ben.example/1/", links=("https://ana.example/1",)),
            make_post(
                "b2",
                at(15),
                url="https://ben.example/2/",
                links=("https://ana.example/1/", "https://ben.example/1/"),
            ),
        ),
    ),
}
ROWS = participation(build_cohort([ANA, BEN, EVE], RECORDS, COURSE))


def test_each_cell_counts_posts_responses_given_and_received() -> None:
    cells = {
        row.member.participant.id: [(c.posts, c.given, c.received) for c in row.weeks[:2]] for row in ROWS
    }
    assert cells == {
        "ana": [(2, 0, 2), (0, 0, 0)],
        "ben": [(1, 1, 0), (1, 1, 0)],
        "eve": [(0, 0, 0), (0, 0, 0)],
    }
    assert [m.participant.id for m in silent(ROWS, 2)] == ["ana", "eve"]


def test_the_csv_has_a_row_per_participant_and_never_a_formula() -> None:
    lines = as_csv(ROWS).splitlines()
    assert lines[0].startswith("participant_id,name,week 1 posts,week 1 given,week 1 received,week 2 posts,")
    assert lines[0].endswith(",week 6 posts,week 6 given,week 6 received")
    assert lines[1:] == [
        "ana,Ana Lima,2,0,2" + ",0,0,0" * 5,
        "ben,Ben Okri,1,1,0,1,1,0" + ",0,0,0" * 4,
        "eve,'=HYPERLINK(1)" + ",0,0,0" * 6,
    ]


def test_the_job_summary_names_who_has_not_posted_in_the_current_week() -> None:
    assert as_markdown(ROWS, 2).splitlines()[-2:] == [
        "",
        "Not posted in week 2 (2 of 3): Ana Lima, \\=HYPERLINK\\(1\\)",
    ]
    assert as_markdown(ROWS, 1, people=2).splitlines()[-1] == "Not posted in week 1 (1 of 3)"
    assert "Not posted" not in as_markdown(ROWS)


def test_the_job_summary_is_a_matrix_and_totals_in_a_large_cohort() -> None:
    assert as_markdown(ROWS).splitlines()[4:9] == [
        "| participant | week 1 | week 2 | week 3 | week 4 | week 5 | week 6 |",
        "|---|---|---|---|---|---|---|",
        "| Ana Lima | 2 · 0 · 2 | – | – | – | – | – |",
        "| Ben Okri | 1 · 1 · 0 | 1 · 1 · 0 | – | – | – | – |",
        "| \\=HYPERLINK\\(1\\) | – | – | – | – | – | – |",
    ]
    assert as_markdown(ROWS, people=2).splitlines()[4:] == [
        "3 participants: the totals per week here, everyone in participation.csv.",
        "",
        "| participant | week 1 | week 2 | week 3 | week 4 | week 5 | week 6 |",
        "|---|---|---|---|---|---|---|",
        "| everyone | 3 · 1 · 2 | 1 · 1 · 0 | – | – | – | – |",
    ]


@pytest.mark.parametrize("public", [False, True])
def test_the_build_keeps_the_matrix_for_facilitators_and_publishes_it_only_when_asked(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, public: bool
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    opml = write_opml(tmp_path / "feeds.opml", serve_ada_and_ben(server))
    result = build(tmp_path, opml, participation_page=public)
    assert result.returncode == 0, result.stderr
    csv = (tmp_path / "cache" / "participation.csv").read_text(encoding="utf-8").splitlines()
    assert csv[1:] == [
        "ada-lovelace,Ada Lovelace,1,0,1,1,0,0" + ",0,0,0" * 4,
        "ben-okri,Ben Okri,0,0,0,1,1,0" + ",0,0,0" * 4,
    ]
    assert "| Ada Lovelace | 1 · 0 · 1 | 1 · 0 · 0 | – | – | – | – |" in summary.read_text(encoding="utf-8")
    page = tmp_path / "output" / "cohort" / "participation" / "index.html"
    sitemap = (tmp_path / "output" / "sitemap.xml").read_text(encoding="utf-8")
    assert page.exists() is public and ("cohort/participation/" in sitemap) is public
    if public:
        assert "<td>1 · 0 · 1</td>" in page.read_text(encoding="utf-8")
