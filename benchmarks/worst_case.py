"""What one hostile participant can cost the hub per run, within the bounds of aggregator/limits.py.

    python -m benchmarks.worst_case [--runs 8]

Each case is a feed built to get the most out of one limit (the largest decoded body the hub
takes, 5 MB, is the common ceiling). A case runs in a fresh process: the feed is read as the update
reads a fetched body (parse, sanitize, merge) and saved into an empty archive folder, then read
again `--runs` times, each time with new guids, as a feed that changes every post on every run
would be. Printed per case: CPU seconds of the first read, the process's peak memory, bytes written
to the archive file by the first run and by the largest later run, and the file's size at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aggregator.archive import Archive, Record
from aggregator.fetch import Fetched, Validators
from aggregator.pipeline import apply_fetch
from aggregator.registry import Participant

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
HEAD = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Worst</title>'
    "<link>https://worst.example/</link>"
)


def feed(run: int, entries: int, html: str) -> bytes:
    """`entries` posts whose content is `html` (CDATA), all of them new on each run."""
    items = "".join(
        f"<item><title>Post {n}</title><link>https://worst.example/{run}/{n}</link>"
        f"<pubDate>{(NOW + dt.timedelta(hours=4 * run - n)):%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item>"
        for n in range(entries)
    )
    return (HEAD + items + "</channel></rss>").encode()


def crowded_element(attributes: int) -> str:
    return "<p " + " ".join(f'a{n:x}=""' for n in range(attributes)) + ">x</p>"


CASES = {
    # The report's feed: 200 posts of nothing but "&" (4.95 MB).
    "ampersands": lambda run: feed(run, 200, "&amp;" * 4_950),
    # One element with 540,000 attributes (the sanitizer would take minutes): kept out.
    "attributes": lambda run: feed(run, 1, crowded_element(540_000)),
    # Just inside the bounds: 5 posts of elements with 256 attributes each, 1 MB of HTML a post.
    "crowded": lambda run: feed(run, 5, crowded_element(256) * 390),
    # 200 posts of 3,000 small tags each.
    "dense-tags": lambda run: feed(run, 200, "<b>x</b> " * 2_700),
    # 19 posts whose "<" become "&lt;" in the archive: 4 bytes stored for 1 fetched.
    "expanding": lambda run: feed(run, 19, "&lt; " * 50_000),
    # A full-text blog at its largest: 19 posts of 250 KB of words.
    "long-posts": lambda run: feed(run, 19, "<p>" + "words " * 41_600 + "</p>"),
}


def measure(case: str, runs: int) -> dict[str, object]:
    """One case, in this process: the first read's CPU time, then bytes written run after run."""
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive(Path(folder))
        record = Record(Participant("worst", "Worst", "https://worst.example/feed", None))
        written, cpu_first, kept_out = [], 0.0, 0
        for run in range(runs):
            body = CASES[case](run)
            fetched = Fetched(
                record.participant.feed_url, record.participant.feed_url, body, {}, Validators(), None
            )
            started = time.process_time()
            record, outcome = apply_fetch(record, fetched, NOW + dt.timedelta(hours=4 * run))
            cpu_first = cpu_first or time.process_time() - started
            kept_out = kept_out or len(outcome.kept_out)
            before = archive.path("worst").stat().st_size if archive.path("worst").exists() else 0
            archive.save(record)
            written.append(archive.path("worst").stat().st_size - before)
        return {
            "case": case,
            "feed_bytes": len(CASES[case](0)),
            "cpu_first_read_s": round(cpu_first, 2),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "kept_out_first_run": kept_out,
            "written_first_run": written[0],
            "written_largest_later_run": max(written[1:], default=0),
            "file_at_end": archive.path("worst").stat().st_size,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, in a child process
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case, args.runs)))
        return
    for case in CASES:
        command = [sys.executable, "-m", "benchmarks.worst_case", "--case", case, "--runs", str(args.runs)]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        print(result.stdout.strip())


if __name__ == "__main__":
    main()
