"""python -m aggregator update|status|export. The one place that maps errors to exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import archive as archive_mod
from .archive import Archive, Record
from .config import Course, HubConfig, address_policy, from_mapping, load_settings
from .errors import AggregatorError, ArchiveError, ConfigError, RegistryError
from .normalize import Post
from .pipeline import update
from .registry import load_registry
from .report import (
    STATUS_HEADER,
    advice_lines,
    outcome_lines,
    status_row,
    summary,
    table,
    write_health_report,
)
from .weeks import place

EXIT_CODES: dict[type[AggregatorError], int] = {ConfigError: 3, RegistryError: 4, ArchiveError: 5}


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
        return int(args.command(config, out) or 0)
    except AggregatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CODES.get(type(exc), 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aggregator", description="Syndicate the cohort's blogs into the archive."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, func, text in (
        ("update", cmd_update, "fetch every feed of feeds.opml into the archive"),
        ("status", cmd_status, "show each participant's feed health"),
        ("export", cmd_export, "print every archived post as JSON"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(command=func)
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
    return parser


def _config(args: argparse.Namespace) -> HubConfig:
    settings_path: Path = args.settings
    config = from_mapping(load_settings(settings_path), Path.cwd())  # as the Pelican plugin does
    fetch = config.fetch
    if args.allow_private is not None:
        fetch = dataclasses.replace(
            fetch, policy=address_policy(args.allow_private or True, "--allow-private")
        )
    return dataclasses.replace(
        config,
        opml=args.opml or config.opml,
        archive=args.archive or config.archive,
        fetch=fetch,
    )


def cmd_update(config: HubConfig, out: TextIO) -> int:
    report = update(config, load_registry(config.opml))
    for line in [*outcome_lines(report), summary(report)]:
        print(line, file=out)
    write_health_report(config, report)
    return 0


def cmd_status(config: HubConfig, out: TextIO) -> int:
    archive = Archive(config.archive)
    records = [archive.load(person.id) or Record(person) for person in load_registry(config.opml)]
    for line in table([STATUS_HEADER, *(status_row(record) for record in records)]):
        print(line, file=out)
    if advice := advice_lines(records):
        print("\nWhat to do:", *advice, sep="\n", file=out)
    return 0


def cmd_export(config: HubConfig, out: TextIO) -> int:
    records = Archive(config.archive).load_all(bodies=False).values()
    posts = [export_row(record, post, config.course) for record in records for post in record.posts]
    json.dump(posts, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def export_row(record: Record, post: Post, course: Course) -> dict[str, Any]:
    placement = place(post.published, post.tags, course)
    return {
        "participant": record.participant.name,
        "feed_url": record.participant.feed_url,
        "id": post.id,
        "title": post.title,
        "url": post.url,
        "published": archive_mod.format_time(post.published),
        "week": placement.week,
        "shown": placement.shown,
        "tags": list(post.tags),
        "excerpt_html": post.excerpt_html,
    }
