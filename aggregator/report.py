"""Plain-text health report lines, shared by the command line and the Pelican build log."""

from __future__ import annotations

from .archive import Record, format_time
from .pipeline import FeedOutcome, UpdateReport

STATUS_HEADER = ("participant", "feed", "last success", "last error", "failures", "posts")


def describe_outcome(outcome: FeedOutcome, width: int = 0) -> str:
    name = outcome.participant.name.ljust(width)
    if outcome.status == "failed" and outcome.error is not None:
        detail = f"{outcome.error.message} ({outcome.participant.feed_url})"
    elif outcome.status == "skipped":
        detail = outcome.note or "not fetched"
    elif outcome.status == "updated":
        detail = f"{outcome.new_posts} new, {outcome.changed_posts} changed, {outcome.archived} archived"
    else:
        detail = f"not modified, {outcome.archived} archived"
    if outcome.moved_to:
        detail += f"; the feed moved permanently: update feeds.opml to {outcome.moved_to}"
    return f"{outcome.status:<9}  {name}  {detail}".rstrip()


def outcome_lines(report: UpdateReport) -> list[str]:
    width = max((len(o.participant.name) for o in report.outcomes), default=0)
    return [describe_outcome(outcome, width) for outcome in report.outcomes]


def summary(report: UpdateReport) -> str:
    return (
        f"{len(report.outcomes)} feeds: {report.count('updated')} updated, "
        f"{report.count('unchanged')} unchanged, {report.count('failed')} failed, "
        f"{report.count('skipped')} skipped; "
        f"{report.new_posts} new posts"
    )


def status_row(record: Record) -> tuple[str, ...]:
    state = record.state
    error = state.last_error
    return (
        record.participant.name,
        record.participant.feed_url,
        format_time(state.last_success) if state.last_success else "never",
        f"{format_time(error.at)} {error.message}" if error else "-",
        str(state.consecutive_failures),
        str(len(record.posts)),
    )


def table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
