"""The health report: plain-text lines for the command line and the build log, and a Markdown
summary, written by every update, that a CI job can show."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping

from .archive import FeedState, Record, format_time
from .chars import clip, display_width, pad, wrap
from .config import HubConfig
from .markdown_text import cell_code, text
from .moderation import Rule
from .picture_store import PictureNote, PictureRun
from .pipeline import FeedOutcome, UpdateReport
from .registry import Participant
from .schedule import waiting_until
from .webmention import Delivery, WebmentionReport

KEPT_OUT_SHOWN = 5  # posts listed per participant in the health report; the rest are counted
PICTURE_NOTES_SHOWN = 5  # pictures listed per participant in the health report; the rest are counted
# `status` fits a terminal of 100 columns: names and feeds are cut (with an ellipsis) to these
# widths, the last error is left to the advice under the table. `--wide` shows everything whole.
STATUS_COLUMNS = 100
NAME_COLUMN, FEED_COLUMN = 20, 32
STATUS_HEADER = ("participant", "feed", "last success", "failures", "shown", "archived")
WIDE_HEADER = ("participant", "feed", "last success", "last error", "failures", "shown", "archived")


def who(person: Participant) -> str:
    """A participant as the report names them: with their term, when the course has terms (a
    returning participant is in the report once for each term they joined)."""
    return f"{person.name} ({person.term})" if person.term else person.name


def describe_outcome(outcome: FeedOutcome, width: int = 0) -> str:
    name = who(outcome.participant).ljust(width)
    if outcome.status == "failed" and outcome.error is not None:
        detail = f"{outcome.error.message} ({outcome.participant.feed_url})"
    elif outcome.status == "skipped":
        detail = outcome.note or "not fetched"
    elif outcome.status == "bug":
        detail = f"the hub hit a bug ({_last_line(outcome.bug)}); the health report has the traceback"
    elif outcome.status == "updated":
        detail = f"{outcome.new_posts} new, {outcome.changed_posts} changed, {outcome.archived} archived"
    else:
        detail = f"not modified, {outcome.archived} archived"
    if outcome.withdrawn:
        detail += f"; {outcome.withdrawn} withdrawn (erased, tombstone kept)"
    if outcome.kept_out:
        detail += f"; {len(outcome.kept_out)} kept out (the health report says why)"
    if outcome.moved_to:
        detail += f"; the feed moved permanently: update feeds.opml to {outcome.moved_to}"
    return f"{outcome.status:<9}  {name}  {detail}".rstrip()


def outcome_lines(report: UpdateReport) -> list[str]:
    width = max((len(who(o.participant)) for o in report.outcomes), default=0)
    return [describe_outcome(outcome, width) for outcome in report.outcomes]


def summary(report: UpdateReport) -> str:
    bugs = report.count("bug")
    return (
        f"{len(report.outcomes)} feeds: {report.count('updated')} updated, "
        f"{report.count('unchanged')} unchanged, {report.count('failed')} failed, "
        f"{report.count('skipped')} skipped; "
        f"{report.new_posts} new posts"
        + (f"; the hub hit a bug on {bugs}" if bugs else "")
        + _by_term(report.outcomes)
    )


def _by_term(outcomes: tuple[FeedOutcome, ...]) -> str:
    """Each term's share of the run, when the course has terms: " (2026-autumn: 12 feeds, 3 new posts)"."""
    terms = dict.fromkeys(o.participant.term for o in outcomes if o.participant.term)
    parts = [
        f"{term}: {len(mine)} feeds, {sum(o.new_posts for o in mine)} new posts"
        for term in terms
        if (mine := [o for o in outcomes if o.participant.term == term])
    ]
    return f" ({'; '.join(parts)})" if parts else ""


def _last_line(trace: str | None) -> str:
    """The exception of a traceback, e.g. "ValueError: ...": what a log line has room for."""
    lines = (trace or "").strip().splitlines()
    return lines[-1] if lines else "no traceback"


def status_lines(
    records: list[Record], shown: Mapping[str, int], now: dt.datetime, *, wide: bool
) -> list[str]:
    """The status command: a line per participant with their posts on the site (`shown`) and in
    the archive, then what to do about each feed that needs attention."""
    rows = [status_row(record, shown.get(record.participant.id, 0), wide=wide) for record in records]
    lines = table([WIDE_HEADER if wide else STATUS_HEADER, *rows])
    advice = advice_lines(records, now)
    if not wide:
        advice = [line for each in advice for line in wrap(each, STATUS_COLUMNS)]
    return [*lines, *(["", "What to do:", *advice] if advice else [])]


def status_row(record: Record, shown: int, *, wide: bool) -> tuple[str, ...]:
    state, person = record.state, record.participant
    counts = (str(state.consecutive_failures), str(shown), str(len(record.posts)))
    if not wide:
        success = (
            f"{state.last_success.astimezone(dt.UTC):%Y-%m-%d %H:%MZ}" if state.last_success else "never"
        )
        return (clip(person.name, NAME_COLUMN), clip(person.feed_url, FEED_COLUMN), success, *counts)
    error = state.last_error
    return (
        person.name,
        person.feed_url,
        format_time(state.last_success) if state.last_success else "never",
        f"{format_time(error.at)} {error.message}" if error else "-",
        *counts,
    )


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Columns two spaces apart, as wide as their widest cell on a terminal (CJK takes two)."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


# --- the Markdown health report ------------------------------------------------------------------


def write_health_report(config: HubConfig, report: UpdateReport) -> None:
    """Write the Markdown report where the settings say, and to the CI job summary if there is one."""
    text = health_markdown(report)
    if config.health_report is not None:
        config.health_report.parent.mkdir(parents=True, exist_ok=True)
        config.health_report.write_text(text, encoding="utf-8")
    if summary_file := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(text)


def health_markdown(report: UpdateReport) -> str:
    """Per participant: what went wrong and what to do about it."""
    lines = [f"# Feed health, {format_time(report.at)}", "", summary(report), "", *bug_lines(report)]
    troubled = [(o.participant, o.state) for o in report.outcomes if problem(o.state, report.at)]
    if troubled:
        lines += [
            "## Needs attention",
            "",
            "| Participant | Feed | Problem | What to do |",
            "|---|---|---|---|",
        ]
        lines += [
            _row(text(who(p)), cell_code(p.feed_url), text(problem(s, report.at)), text(advice(p, s)))
            for p, s in troubled
        ]
        lines.append("")
    else:
        lines += ["Every feed is healthy.", ""]
    lines += kept_out_lines(report)
    lines += picture_lines(report)
    lines += moderation_lines(report)
    lines += [
        "## Everyone",
        "",
        "| Participant | Result | Posts archived | Last success |",
        "|---|---|---|---|",
    ]
    for outcome in report.outcomes:
        success = outcome.state.last_success
        last = format_time(success) if success else "never"
        lines.append(_row(text(who(outcome.participant)), outcome.status, str(outcome.archived), last))
    return "\n".join(lines) + "\n"


def bug_lines(report: UpdateReport) -> list[str]:
    """First in the report: participants the hub failed on, each with the traceback to report."""
    bugs = [outcome for outcome in report.outcomes if outcome.status == "bug"]
    if not bugs:
        return []
    lines = [
        "## Bugs in the hub",
        "",
        "The hub itself failed on these participants. Their archive is as it was; everyone else was "
        "updated. Please report the traceback to the hub's maintainers.",
        "",
    ]
    for outcome in bugs:
        lines += [f"### {text(who(outcome.participant))}", "", *fenced(outcome.bug or ""), ""]
    return lines


def kept_out_lines(report: UpdateReport, shown: int = KEPT_OUT_SHOWN) -> list[str]:
    """Posts the archive did not take, and why: the first few of each participant's."""
    rows = []
    for outcome in report.outcomes:
        name = text(who(outcome.participant))
        rows += [_row(name, text(post.title), text(post.why)) for post in outcome.kept_out[:shown]]
        if len(outcome.kept_out) > shown:
            rows.append(_row(name, f"and {len(outcome.kept_out) - shown} more", "-"))
    if not rows:
        return []
    header = ["## Kept out of the archive", "", "| Participant | Post | Why |", "|---|---|---|"]
    return [*header, *rows, ""]


def picture_summary(run: PictureRun) -> str:
    if run.bug:
        return f"pictures: the hub hit a bug ({_last_line(run.bug)}); the feeds were updated all the same"
    return (
        f"pictures: {run.stored} stored, {run.failed} could not be had, {run.waiting} left for a later "
        f"run; {run.kept} kept, {run.deleted} deleted (no page shows them any more)"
    )


def picture_lines(report: UpdateReport, shown: int = PICTURE_NOTES_SHOWN) -> list[str]:
    """The pictures stage: what it did, and each shown picture the hub has no copy of, and why."""
    run = report.pictures
    if run is None or run.idle:
        return []
    lines = ["## Pictures", "", picture_summary(run), ""]
    if run.bug:
        lines += ["The pictures stage failed; please report the traceback.", "", *fenced(run.bug), ""]
    rows = _picture_rows(run.notes, {o.participant.id: o.participant.name for o in report.outcomes}, shown)
    if rows:
        lines += [
            "The pages show initials or no picture in their place. The hub asks again after "
            "HUB['picture_retry_days'] days.",
            "",
            "| Participant | Picture | Why the hub has no copy |",
            "|---|---|---|",
            *rows,
            "",
        ]
    return lines


def _picture_rows(notes: tuple[PictureNote, ...], names: Mapping[str, str], shown: int) -> list[str]:
    by_owner: dict[str, list[PictureNote]] = {}
    for note in notes:
        by_owner.setdefault(note.owner, []).append(note)
    rows = []
    for owner, theirs in by_owner.items():
        name = text(names.get(owner, owner))
        rows += [_row(name, f"{n.kind} {cell_code(n.url)}", text(_picture_why(n))) for n in theirs[:shown]]
        if len(theirs) > shown:
            rows.append(_row(name, f"and {len(theirs) - shown} more", "-"))
    return rows


def _picture_why(note: PictureNote) -> str:
    return f"{note.note} (tried {format_time(note.tried)})" if note.tried else note.note


def fenced(block: str) -> list[str]:
    """A code block that nothing in `block` can close: its fence is longer than any run of
    backticks inside (a traceback quotes feed text)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", block)), default=0))
    return [fence, *block.rstrip("\n").splitlines(), fence]


def moderation_lines(report: UpdateReport) -> list[str]:
    """What is kept off the site and why (moderation.yml), and this run's erasures."""
    names = {o.participant.id: o.participant.name for o in report.outcomes}
    lines: list[str] = []
    if rules := report.moderation.rules:
        lines += ["## Kept off the site", "", "| Rule | Participant or post | Reason |", "|---|---|---|"]
        for rule in rules:
            what = (
                text(f"{names.get(rule.participant, rule.participant)} (every post)")
                if rule.participant
                else cell_code(rule.post or "")
            )
            lines.append(_row(rule.action, what, text(rule.reason or "-")))
        lines.append("")
    if unmatched := unmatched_rules(report):
        lines += [
            "## Rules that match no archived post",
            "",
            "Nothing was withdrawn or hidden for these: check each address against the post's own page.",
            "",
            "| Rule | Post |",
            "|---|---|",
            *(_row(rule.action, cell_code(rule.post or "")) for rule in unmatched),
            "",
        ]
    if erased := [_row(text(who(o.participant)), str(o.withdrawn)) for o in report.outcomes if o.withdrawn]:
        lines += ["## Withdrawn in this run", "", "| Participant | Posts erased |", "|---|---|", *erased, ""]
    if forgotten := len(report.moderation.forgotten):
        lines += [
            f"{forgotten} participant(s) asked to be forgotten: nothing of theirs is fetched or shown.",
            "",
        ]
    return lines


def unmatched_rules(report: UpdateReport) -> list[Rule]:
    """moderation.yml's post rules that named no archived post (nor one withdrawn before)."""
    found = {post for outcome in report.outcomes for post in outcome.rules_found}
    return [rule for rule in report.moderation.rules if rule.post and rule.post not in found]


def unmatched_rule_lines(report: UpdateReport) -> list[str]:
    return [
        f"moderation.yml: the {rule.action} rule for {rule.post} matches no archived post: nothing was done"
        for rule in unmatched_rules(report)
    ]


def advice_lines(records: list[Record], now: dt.datetime) -> list[str]:
    """For the status command: per participant whose feed needs attention, the problem and what
    to do about it."""
    return [
        f"{r.participant.name}: {found}. {advice(r.participant, r.state)}"
        for r in records
        if (found := problem(r.state, now))
    ]


def problem(state: FeedState, now: dt.datetime) -> str | None:
    """What is wrong with a feed, and until when the hub leaves it alone (backoff, Retry-After)."""
    error = state.last_error
    if error is not None:
        waiting = f"; {until}" if (until := waiting_until(state, now)) else ""
        return f"{error.message} ({state.consecutive_failures} failures in a row{waiting})"
    if state.moved_to:
        return f"moved permanently to {state.moved_to}"
    return None


def advice(person: Participant, state: FeedState) -> str:
    error = state.last_error
    if state.gone_url:
        return (
            "The blog says this feed is gone for good; archived posts stay. Remove the outline, or put "
            f"{person.name}'s new feed address in feeds.opml: fetching resumes when the address changes."
        )
    if error is None:
        return f"Update xmlUrl in feeds.opml to {state.moved_to}."
    if error.status in (429, 503) and state.retry_at is not None:
        return "The server is busy; the hub leaves it alone until then and tries again by itself."
    if error.status in (401, 403):
        return (
            f"The server refuses the hub: the blog may be private or block feed readers. Ask {person.name}."
        )
    if error.status in (400, 404):
        return (
            f"The feed address no longer works. Ask {person.name} for the current one and update feeds.opml."
        )
    if error.status is not None:
        return (
            "The blog's server is failing; usually temporary. The hub retries with backoff; "
            "if it lasts for days, tell the participant."
        )
    return _KIND_ADVICE.get(error.kind, "Check the feed address in feeds.opml.").format(name=person.name)


_KIND_ADVICE = {
    "fetch": (
        "The blog did not answer in time or refused the connection; usually temporary, and the hub "
        "retries with backoff. If it lasts, check that {name}'s blog is online."
    ),
    "blocked-address": (
        "The feed's host is a local or private address, which the hub refuses. Check xmlUrl for a typo."
    ),
    "too-large": "The feed is larger than HUB['max_bytes']. Ask {name} to shorten it, or raise the limit.",
    "not-a-feed": (
        "The address does not serve a feed (often it is the blog's home page). "
        "Find the feed address (see the Join page) and update feeds.opml."
    ),
}


def _row(*cells: str) -> str:
    """A table row of cells already made inert (markdown_text): GitHub renders the job summary."""
    return "| " + " | ".join(cells) + " |"


# --- webmentions ---------------------------------------------------------------------------------

WEBMENTION_HEADING = "## Webmentions"
_TOLD = {
    "sent": "sent",
    "no-endpoint": "no endpoint",
    "failed": "FAILED",
    "bug": "BUG",
    "opted-out": "opted out",
    "later": "next run",
    "would-send": "would send",
}


def webmention_summary(report: WebmentionReport) -> str:
    bugs = report.count("bug")
    return (
        f"webmentions: {report.count('sent')} sent, {report.count('failed')} failed, "
        f"{report.count('no-endpoint')} without an endpoint, {report.count('opted-out')} opted out, "
        f"{report.count('later')} left for the next run, {report.unchanged} already told"
        + (f", {report.count('would-send')} to send (dry run)" if report.count("would-send") else "")
        + (f"; the hub hit a bug on {bugs}" if bugs else "")
    )


def webmention_lines(report: WebmentionReport) -> list[str]:
    """One line per post: what was (or would be) sent, from which page, and what came of it."""
    return [
        f"{_TOLD[d.result]:<11}  {report.names.get(d.card.participant, d.card.participant)}  "
        f"{d.card.source} -> {d.card.target}  {_last_line(d.detail) if d.result == 'bug' else d.detail}"
        for d in report.deliveries
    ]


def webmention_markdown(report: WebmentionReport) -> str:
    """The health report's webmention section: per participant, then each post that failed."""
    lines = [WEBMENTION_HEADING, "", webmention_summary(report), ""]
    per_person: dict[str, list[Delivery]] = {}
    for delivery in report.deliveries:
        per_person.setdefault(delivery.card.participant, []).append(delivery)
    if per_person:
        lines += [
            "| Participant | Sent | Failed | No endpoint | Opted out | Next run |",
            "|---|---|---|---|---|---|",
        ]
        for person, done in per_person.items():
            counts = [str(sum(1 for d in done if d.result == kind)) for kind in _COUNTED]
            lines.append(_row(text(report.names.get(person, person)), *counts))
        lines.append("")
    if troubled := [d for d in report.deliveries if d.result in ("failed", "bug")]:
        lines += ["| Participant | Post | Why |", "|---|---|---|"]
        lines += [
            _row(text(report.names.get(d.card.participant, "")), cell_code(d.card.target), text(_why(d)))
            for d in troubled
        ]
        lines.append("")
    for delivery in (d for d in report.deliveries if d.result == "bug"):
        lines += [f"### Bug while sending to {text(delivery.card.target)}", "", *fenced(delivery.detail), ""]
    return "\n".join(lines) + "\n"


_COUNTED = ("sent", "failed", "no-endpoint", "opted-out", "later")


def _why(delivery: Delivery) -> str:
    return (
        f"the hub hit a bug ({_last_line(delivery.detail)})" if delivery.result == "bug" else delivery.detail
    )


def write_webmention_report(config: HubConfig, report: WebmentionReport) -> None:
    """Put the section in the health report in place of the last one, and in the CI job summary."""
    section = webmention_markdown(report)
    if config.health_report is not None:
        try:
            before = config.health_report.read_text(encoding="utf-8")
        except FileNotFoundError:
            before = ""
        kept = before.split(f"\n{WEBMENTION_HEADING}\n", 1)[0].rstrip("\n")
        config.health_report.parent.mkdir(parents=True, exist_ok=True)
        config.health_report.write_text(f"{kept}\n\n{section}" if kept else section, encoding="utf-8")
    if summary_file := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(section)
