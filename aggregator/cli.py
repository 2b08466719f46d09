"""python -m aggregator update|status|export|forget|register|join|withdraw|check-registry|webmention.

The one place that maps errors to exit codes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from . import archive as archive_mod
from .archive import FORGOTTEN_FILE, Archive, Record
from .cohort import NO_TALK, Talk, on_site, placement
from .config import Course, HubConfig, address_policy, hub_config, load_settings
from .conversations import Key
from .discover import NoFeed
from .enrol import Enrolled, Request, enrol, report_lines
from .errors import AggregatorError, ConfigError, EnrolmentError, RegistryError, exit_code
from .inclusion import inclusion_for
from .issueforms import NAME, FormProblems, WithdrawRequest, form_fields, read_join_form, read_withdraw_form
from .moderation import Moderation, forget
from .normalize import Post
from .participation import participation, silent, week_table
from .progress import update_progress
from .registry import Participant, load_registry
from .registry_check import preview_changes, registry_changes
from .replies import check_summary, invalid_summary, join_reply, moved_message, withdraw_reply
from .report import (
    outcome_lines,
    picture_summary,
    status_lines,
    summary,
    table,
    unmatched_rule_lines,
    webmention_lines,
    webmention_summary,
    write_health_report,
    write_webmention_report,
)
from .site_size import parts_text, recorded_site_size, site_line
from .site_view import load_cohort
from .term_admin import NewTerm, freeze, frozen_lines, plan_new_term
from .term_update import update_terms
from .terms import fetched_count, registered_in
from .webmention import webmentions
from .weeks import Signals
from .withdrawal import Withdrawal, request_withdrawal

# What forget cannot reach by itself, said every time rather than promised away (README).
STILL_TO_DO = (
    "Still to do: push this archive to the archive branch, where the next publish run replaces it "
    "with a single commit (docs/publishing.md); forks of the repository keep their own copies; and "
    "GitHub keeps unreachable commits in its cache until GitHub Support clears them on request."
)
EXIT_BUG = 7  # the run finished, but the hub failed on some participants: a warning, with tracebacks


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
        return int(args.command(config, args, out) or 0)
    except AggregatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_code(exc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aggregator", description="Syndicate the cohort's blogs into the archive."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, func, text in (
        ("update", cmd_update, "fetch every feed of feeds.opml into the archive"),
        ("status", cmd_status, "show each participant's feed health"),
        ("export", cmd_export, "print every archived post as JSON"),
        ("forget", cmd_forget, "erase everything of a participant, at their request, for good"),
        ("register", cmd_register, "find a participant's feed, check it and add them to feeds.opml"),
        ("join", cmd_join, "register a participant from a Join issue form; write the reply"),
        ("withdraw", cmd_withdraw, "withdraw posts from a Withdraw issue form; write the reply"),
        ("check-registry", cmd_check_registry, "preview new or changed feeds of feeds.opml (PR check)"),
        ("webmention", cmd_webmention, "send featured posts a webmention from the week page showing them"),
        (
            "freeze",
            cmd_freeze,
            "end a term: its feeds are no longer fetched, its pages built from its archive",
        ),
        ("new-term", cmd_new_term, "add the next term: settings, a folder in feeds.opml, its week files"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(command=func)
        _common_arguments(sub)
    commands.choices["update"].add_argument(
        "--quiet", action="store_true", help="no progress while it runs: the report only"
    )
    commands.choices["forget"].add_argument("participant", help="their hub id, as in cohort/people/<id>/")
    commands.choices["forget"].add_argument(
        "--reason",
        help="why, for the record: kept with the hashes in the archive, which is public (why, never who)",
    )
    commands.choices["status"].add_argument(
        "--week",
        type=int,
        metavar="N",
        help="who wrote and who answered whom in week N, and who has not posted",
    )
    commands.choices["status"].add_argument(
        "--wide",
        action="store_true",
        help="every column in full (by default the table fits 100 columns), and the site's largest parts",
    )
    _register_arguments(commands.choices["register"])
    _join_arguments(commands.choices["join"])
    _join_arguments(commands.choices["withdraw"])
    commands.choices["withdraw"].add_argument("--issue", metavar="NUMBER", help="the issue's number")
    _check_arguments(commands.choices["check-registry"])
    commands.choices["webmention"].add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send and record nothing"
    )
    _term_arguments(commands.choices)
    return parser


def _term_arguments(commands: Mapping[str, argparse.ArgumentParser]) -> None:
    for name in ("status", "export", "withdraw", "webmention"):
        commands[name].add_argument("--term", metavar="SLUG", help="the term (default: the current term)")
    commands["freeze"].add_argument("slug", metavar="TERM", help="the term's slug, as in HUB['terms']")
    commands["freeze"].add_argument("--early", action="store_true", help="freeze a term before its last day")
    new = commands["new-term"]
    new.add_argument("slug", metavar="SLUG", help="the new term's slug, such as 2027-autumn")
    new.add_argument("--start", type=_date, required=True, metavar="YYYY-MM-DD", help="the Monday of week 1")
    new.add_argument("--weeks", type=int, required=True, metavar="N", help="how many weeks it runs")
    new.add_argument("--tag", help="its course tag, such as openlearning27")
    new.add_argument("--title", help="its title (default: from the slug, 'Autumn 2027')")
    new.add_argument("--timezone", help="its time zone (default: the previous term's)")
    new.add_argument(
        "--current", metavar="SLUG", help="the first time: the slug for the term that has run so far"
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}") from None


def _common_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--settings",
        type=Path,
        default=Path("pelicanconf.py"),
        help="Pelican settings file with the HUB dict (default: pelicanconf.py)",
    )
    sub.add_argument("--opml", type=Path, help="participant registry (default: HUB['opml'])")
    sub.add_argument("--archive", type=Path, help="archive folder (default: HUB['archive'])")
    sub.add_argument(
        "--allow-private",
        nargs="*",
        metavar="ADDRESS",
        help="allow loopback and private addresses: all, or only those named (127.0.0.1, 10.0.0.0/8)",
    )


def _register_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("address", metavar="ADDRESS", help="blog, feed or Mastodon address (@user@instance)")
    sub.add_argument("--name", help="the participant's name as shown (default: kept, else the feed's title)")
    sub.add_argument("--tag", help="the participant's own course tag, if not the course's")
    sub.add_argument("--display", choices=("title", "excerpt", "full"), help="how posts appear on the hub")
    sub.add_argument("--licence", help="licence of the posts, e.g. 'CC BY 4.0'")
    sub.add_argument("--webmention", choices=("yes", "no"), help="whether their posts get webmentions")
    sub.add_argument("--dry-run", action="store_true", help="find and check, but change nothing")
    sub.add_argument(
        "--replace",
        metavar="ID",
        help="change the registered participant ID (their feed, name or choices): a maintainer's act",
    )


def _join_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("issue_body", type=Path, metavar="ISSUE_BODY_FILE", help="the Join issue's body")
    sub.add_argument("--reply", type=Path, required=True, help="where to write the markdown reply")
    sub.add_argument("--github", metavar="LOGIN", help="the GitHub account that opened the issue")


def _check_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--base", type=Path, required=True, help="feeds.opml as it is on the base branch")
    sub.add_argument(
        "--summary", type=Path, help="markdown preview (default: $GITHUB_STEP_SUMMARY, else stdout)"
    )


def _config(args: argparse.Namespace) -> HubConfig:
    settings_path: Path = args.settings
    config = hub_config(load_settings(settings_path), Path.cwd())  # as the Pelican plugin does
    fetch = config.fetch
    if args.allow_private is not None:
        fetch = dataclasses.replace(
            fetch, policy=address_policy(args.allow_private or True, "--allow-private")
        )
    config = dataclasses.replace(
        config,
        opml=args.opml or config.opml,
        archive=args.archive or config.archive,
        archive_root=args.archive or config.archive_root,
        fetch=fetch,
    )
    term = config.term_named(args.term) if getattr(args, "term", None) else config.term
    return config.for_term(term) if term else config


def cmd_update(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when every participant was handled, failing feeds included; EXIT_BUG when the hub
    itself failed on some participants, or in the pictures stage (everyone else, and every feed,
    was updated all the same). Progress goes to standard error while it runs (progress.py)."""
    people = load_registry(config.opml)
    with update_progress(fetched_count(config, people), quiet=args.quiet) as tally:
        report = update_terms(config, people, tally=tally)
    run = report.pictures
    pictures = [picture_summary(run)] if run and not run.idle else []
    for line in [*outcome_lines(report), *pictures, summary(report), *unmatched_rule_lines(report)]:
        print(line, file=out)
    write_health_report(config, report)
    bugs = [outcome for outcome in report.outcomes if outcome.bug]
    for outcome in bugs:
        print(f"Bug in the hub while updating {outcome.participant.name}:\n{outcome.bug}", file=sys.stderr)
    if run and run.bug:
        print(f"Bug in the hub's pictures stage:\n{run.bug}", file=sys.stderr)
    return EXIT_BUG if bugs or (run and run.bug) else 0


def _registry(config: HubConfig) -> tuple[Participant, ...]:
    """The participants of the term the command is about (--term, else the current one)."""
    return registered_in(config, load_registry(config.opml))


def cmd_freeze(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    done = freeze(args.settings, config, args.slug, early=args.early)
    for line in frozen_lines(done, config.archive_root or config.archive):
        print(line, file=out)
    return 0


def cmd_new_term(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    """Print the plan, carry it out, then say what the facilitator still has to write."""
    request = NewTerm(args.slug, args.start, args.weeks, args.tag, args.title, args.timezone, args.current)
    plan = plan_new_term(args.settings, config, request, dt.date.today())
    print("Plan:", *(f"  {n}. {step.says}" for n, step in enumerate(plan.steps, 1)), sep="\n", file=out)
    for step in plan.steps:
        step.run()
    print(f"Done: {args.slug} is in HUB['terms'].", *plan.todo, sep="\n", file=out)
    return 0


def cmd_webmention(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 whatever the posts' endpoints did (failures are reported, and tried again by a later
    run); EXIT_BUG when the hub itself failed on some posts."""
    report = webmentions(config, _registry(config), dry_run=args.dry_run)
    for line in [*webmention_lines(report), webmention_summary(report)]:
        print(line, file=out)
    if not args.dry_run:
        write_webmention_report(config, report)
    bugs = [d for d in report.deliveries if d.result == "bug"]
    for delivery in bugs:
        print(f"Bug in the hub while sending to {delivery.card.target}:\n{delivery.detail}", file=sys.stderr)
    return EXIT_BUG if bugs else 0


def cmd_status(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    if args.week is not None:
        return week_status(config, args.week, out)
    if config.term and config.terms:
        print(f"Term: {config.term.slug} ({config.term.name})", file=out)
    for line in site_lines(config, wide=args.wide):
        print(line, file=out)
    archive = Archive(config.archive)
    people = _registry(config)
    records = {person.id: archive.load(person.id, bodies=False) or Record(person) for person in people}
    cohort, _ = load_cohort(config, people, records)  # what the site shows of them
    shown = {member.participant.id: member.shown for member in cohort.members}
    for line in status_lines(list(records.values()), shown, dt.datetime.now(dt.UTC), wide=args.wide):
        print(line, file=out)
    return 0


def site_lines(config: HubConfig, *, wide: bool) -> list[str]:
    """The size of the site the last build published, against the budget; nothing before one."""
    size = recorded_site_size(config.site_size)
    if size is None:
        return []
    return [site_line(size, config.site_budget), *([parts_text(size)] if wide else [])]


def week_status(config: HubConfig, week: int, out: TextIO) -> int:
    """The facilitator's view of one week, from the cohort as the site shows it."""
    if not 1 <= week <= config.course.weeks:
        raise ConfigError(f"--week must be a week of the course, 1 to {config.course.weeks}; got {week}")
    rows = participation(load_cohort(config, _registry(config))[0])
    for line in table(week_table(rows, week)):
        print(line, file=out)
    quiet = silent(rows, week)
    names = ", ".join(member.participant.name for member in quiet) or "nobody"
    print(f"\nNot posted in week {week} ({len(quiet)} of {len(rows)}): {names}", file=out)
    return 0


def cmd_export(config: HubConfig, _args: argparse.Namespace, out: TextIO) -> int:
    records = Archive(config.archive).load_all(bodies=False)
    registered = _registry(config)
    cohort, moderation = load_cohort(config, registered, records)  # what the site shows of them
    view = ExportView(config.course, {p.id: p for p in registered}, moderation, cohort.signals, cohort.talk())
    rows = [export_row(record, post, view) for record in records.values() for post in record.posts]
    json.dump(rows, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def cmd_forget(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    done = forget(config, args.participant, dt.datetime.now(dt.UTC).replace(microsecond=0), args.reason)
    posts = f"{done.erased_posts} archived post{'' if done.erased_posts == 1 else 's'}"
    where = " and took them out of feeds.opml" if done.in_registry else ""
    why = f', with the reason "{done.reason}"' if done.reason else ""
    pictures = f", deleted {done.pictures} of their pictures" if done.pictures else ""
    print(f"Forgot {done.participant.name}: erased {posts}{pictures}{where}.", file=out)
    kept_in = f"{config.archive.name}/{FORGOTTEN_FILE}"
    if config.terms:
        kept_in = f"{FORGOTTEN_FILE} of every term ({', '.join(term.slug or '' for term in config.terms)})"
    print(
        f"Kept only hashes of their feed's and blog's addresses in {kept_in}{why}, "
        "so nothing of theirs comes back.",
        file=out,
    )
    print(STILL_TO_DO, file=out)
    return 0


@dataclass(frozen=True)
class ExportView:
    """What `export` needs to treat each archived post as the site does."""

    course: Course
    registered: Mapping[str, Participant]
    moderation: Moderation
    signals: Signals
    talk: Mapping[Key, Talk]  # the shown posts' conversations


def export_row(record: Record, post: Post, view: ExportView) -> dict[str, Any]:
    """One archived post as the site treats it: `shown` is what the pages show (the participant's
    own tag, moderation, and whether they are still in feeds.opml), decided by the site's function."""
    person = view.registered.get(record.participant.id)
    who = person or record.participant
    own = inclusion_for(view.course, who.tag, view.signals.site)
    where = placement(post, view.course, own, view.signals)
    rule = view.moderation.post_rule(who.id, post)
    talk = view.talk.get((who.id, post.id), NO_TALK)
    row = {
        "participant": who.name,
        "participant_id": who.id,
        "feed_url": who.feed_url,
        "id": post.id,
        "title": post.title,
        "url": post.url,
        "published": archive_mod.format_time(post.published),
        "week": where.week,
        "placed_by": where.placed_by,
        "included_by": where.included_by,
        "shown": person is not None
        and not view.moderation.keeps_out(who)
        and on_site(post, where, who.id, view.moderation),
        "tags": list(post.tags),
        "excerpt_html": post.excerpt_html,
        "responses": [entry.post.url for entry in talk.responses],
        "responds_to": [entry.post.url for entry in talk.responds_to],
    }
    if rule is not None and rule.action == "hide":
        row["hidden"] = True
    return row


def cmd_register(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    request = Request(
        args.address, args.name, args.tag, args.display, args.licence, args.webmention, replace=args.replace
    )
    result = enrol(request, config, dt.datetime.now(dt.UTC), dry_run=args.dry_run)
    for line in report_lines(result, dry_run=args.dry_run):
        print(line, file=out)
    if isinstance(result, NoFeed):
        raise EnrolmentError(f"no feed found at {result.address}")
    return 0


def cmd_join(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the participant was added or updated; otherwise the reply says how to fix it."""
    body = _read_text(args.issue_body)
    form = read_join_form(body)
    if not isinstance(form, FormProblems):
        form = dataclasses.replace(form, joining=True, github=args.github or None)
    result = form if isinstance(form, FormProblems) else _enrolled_or_why(form, config)
    _write_text(args.reply, join_reply(result, form_fields(body).get(NAME)))
    if isinstance(result, NoFeed | Enrolled):
        for line in report_lines(result):
            print(line, file=out)
    if not isinstance(result, Enrolled):
        raise EnrolmentError(f"not registered; the reply in {args.reply} says why")
    person = result.edit.participant
    _github_output(id=person.id, name=person.name, confirm="yes" if result.confirm else "no")
    return 0


def cmd_withdraw(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the request was understood (written, or left to a facilitator); otherwise the
    reply says what to fix."""
    form = read_withdraw_form(_read_text(args.issue_body))
    result = _withdrawal_or_why(form, config, args) if isinstance(form, WithdrawRequest) else form
    _write_text(args.reply, withdraw_reply(result))
    if not isinstance(result, Withdrawal):
        raise EnrolmentError(f"nothing withdrawn; the reply in {args.reply} says why")
    person, done = result.participant, "Wrote" if result.written else "Did not write"
    print(f"{done} the withdrawal of {person.name} ({person.id})", file=out)
    outcome = "written" if result.written else "already" if result.already else "facilitator"
    _github_output(id=person.id, name=person.name, outcome=outcome)
    return 0


def _withdrawal_or_why(
    form: WithdrawRequest, config: HubConfig, args: argparse.Namespace
) -> Withdrawal | str:
    try:
        return request_withdrawal(form, config, args.github, args.issue)
    except EnrolmentError as exc:
        return str(exc)


def cmd_check_registry(config: HubConfig, args: argparse.Namespace, out: TextIO) -> int:
    """Exit non-zero when feeds.opml is invalid or a feed new to it cannot be read."""
    try:
        head = load_registry(config.opml)
    except RegistryError as exc:
        _write_summary(args.summary, invalid_summary(str(exc)), out)
        raise
    changes = registry_changes(load_registry(args.base), head)
    previews = preview_changes(changes, config, dt.datetime.now(dt.UTC))
    removed = [change.participant.name for change in changes if change.kind == "removed"]
    moved = [change for change in changes if change.kind == "moved"]
    _write_summary(args.summary, check_summary(previews, removed, moved), out)
    if moved:
        raise RegistryError(moved_message(moved))
    failing = [p.change.participant.name for p in previews if p.error and p.change.new_feed]
    if failing:
        raise EnrolmentError(f"cannot read the new feed of {', '.join(failing)}")
    return 0


def _enrolled_or_why(request: Request, config: HubConfig) -> Enrolled | NoFeed | str:
    """For the join reply: an unusable address is a message to the participant, not a crash."""
    try:
        return enrol(request, config, dt.datetime.now(dt.UTC))
    except EnrolmentError as exc:
        return str(exc)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise EnrolmentError(f"cannot read {path}: {exc.strerror}") from None


def _write_text(path: Path, text: str, mode: str = "w") -> None:
    try:
        with path.open(mode, encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise EnrolmentError(f"cannot write {path}: {exc.strerror}") from None


def _write_summary(path: Path | None, text: str, out: TextIO) -> None:
    """To --summary; else appended to the job summary GitHub collects; else to stdout."""
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if path is not None:
        _write_text(path, text)
    elif step_summary:
        _write_text(Path(step_summary), text, mode="a")
    else:
        out.write(text)


def _github_output(**values: str) -> None:
    """Step outputs for the workflow: one `key=value` line each, newlines removed."""
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        lines = "".join(f"{key}={' '.join(value.split())}\n" for key, value in values.items())
        _write_text(Path(target), lines, mode="a")
