"""The facilitator's view: who wrote, who answered whom, week by week, from the cohort.

It is about people (who has not posted this week), so it goes to the facilitators (the job
summary, a CSV file among the build's files, `status --week N`) and onto the public site only
when the course opts in (`HUB['participation_page']`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass

from .cohort import Cohort, CohortWeek, Entry, Member
from .config import HubConfig
from .files import write_atomically
from .markdown_text import text

SUMMARY_PEOPLE = 200  # beyond this, the job summary gives the weeks' totals and leaves people to the CSV


@dataclass(frozen=True)
class Cell:
    """One participant's week: posts written, responses given to others, responses received."""

    posts: int = 0
    given: int = 0
    received: int = 0


@dataclass(frozen=True)
class Row:
    member: Member
    weeks: tuple[Cell, ...]  # week 1 first


def participation(cohort: Cohort) -> tuple[Row, ...]:
    """One row per participant shown, in feeds.opml order, with a cell for every week."""
    count = len(cohort.weeks)
    return tuple(
        Row(member, _cells(cohort.by_member(member.participant.id), count)) for member in cohort.members
    )


def _cells(weeks: tuple[CohortWeek, ...], count: int) -> tuple[Cell, ...]:
    cells = [Cell()] * count
    for cohort_week in weeks:
        cells[cohort_week.week.number - 1] = _cell(cohort_week.entries)
    return tuple(cells)


def _cell(entries: tuple[Entry, ...]) -> Cell:
    return Cell(
        len(entries),
        sum(len(entry.talk.responds_to) for entry in entries),
        sum(len(entry.talk.responses) for entry in entries),
    )


def silent(rows: tuple[Row, ...], week: int) -> tuple[Member, ...]:
    """Who has not posted in `week`."""
    return tuple(row.member for row in rows if not row.weeks[week - 1].posts)


def as_csv(rows: tuple[Row, ...]) -> str:
    """participant id, name, then posts, given and received for each week."""
    weeks = len(rows[0].weeks) if rows else 0
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = [f"week {n} {kind}" for n in range(1, weeks + 1) for kind in ("posts", "given", "received")]
    writer.writerow(["participant_id", "name", *head])
    for row in rows:
        cells = [value for cell in row.weeks for value in (cell.posts, cell.given, cell.received)]
        writer.writerow([row.member.participant.id, _csv_safe(row.member.participant.name), *cells])
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """A spreadsheet runs a cell that starts with = + - or @ as a formula: a name never does."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def week_table(rows: tuple[Row, ...], week: int) -> list[tuple[str, ...]]:
    """One week for the terminal: a header, then participant, posts, responses given and received."""
    lines: list[tuple[str, ...]] = [("participant", "posts", "responses given", "responses received")]
    for row in rows:
        cell = row.weeks[week - 1]
        lines.append((row.member.participant.name, str(cell.posts), str(cell.given), str(cell.received)))
    return lines


def as_markdown(rows: tuple[Row, ...], week: int | None = None, people: int = SUMMARY_PEOPLE) -> str:
    """The matrix for the job summary: a cell per participant and week ("posts · given · received"),
    or, in a large cohort, the weeks' totals only; then who has not posted in `week`."""
    return "\n".join([*_matrix(rows, people), *_quiet_lines(rows, week, people), ""])


def _matrix(rows: tuple[Row, ...], people: int) -> list[str]:
    weeks = len(rows[0].weeks) if rows else 0
    head = "| participant | " + " | ".join(f"week {n}" for n in range(1, weeks + 1)) + " |"
    rule = "|---|" + "---|" * weeks
    lines = ["## Participation", "", "Each cell: posts · responses given · responses received.", ""]
    if len(rows) > people:
        lines += [f"{len(rows)} participants: the totals per week here, everyone in participation.csv.", ""]
        totals = [_total(row.weeks[n] for row in rows) for n in range(weeks)]
        return [*lines, head, rule, "| everyone | " + " | ".join(map(_shown, totals)) + " |"]
    body = [
        f"| {text(row.member.participant.name)} | " + " | ".join(map(_shown, row.weeks)) + " |"
        for row in rows
    ]
    return [*lines, head, rule, *body]


def _quiet_lines(rows: tuple[Row, ...], week: int | None, people: int) -> list[str]:
    """Who has not posted in `week`: by name, or only how many in a large cohort."""
    if week is None or not rows:
        return []
    quiet = silent(rows, week)
    names = ", ".join(text(member.participant.name) for member in quiet) if len(rows) <= people else ""
    counted = f"Not posted in week {week} ({len(quiet)} of {len(rows)})"
    return ["", counted + (f": {names}" if names else "")]


def _total(cells: Iterable[Cell]) -> Cell:
    found = list(cells)
    return Cell(sum(c.posts for c in found), sum(c.given for c in found), sum(c.received for c in found))


def _shown(cell: Cell) -> str:
    return f"{cell.posts} · {cell.given} · {cell.received}" if cell.posts else "–"


def write_participation(config: HubConfig, rows: tuple[Row, ...], week: int | None) -> None:
    """The CSV where the settings say (among the build's files, not the site's), and the matrix in
    the CI job summary if there is one."""
    if config.participation_report is not None:
        config.participation_report.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(config.participation_report, as_csv(rows).encode())
    if summary_file := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(as_markdown(rows, week))
