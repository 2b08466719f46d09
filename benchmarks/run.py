"""Time the hub against the loopback feed farm: first run, nothing changed, 5% changed, raw fetch.

    python -m benchmarks.run --feeds 1000,5000,35000 [--latency 0.15] [--profile realistic] [--json]
    invoke bench --feeds 1000,5000,35000 --json

Each step runs as its own process, so wall time, CPU time and peak memory are that step's alone.
An "update" step is `python -m aggregator update`; a "build" step is an offline Pelican build of
the demo course with the farm's cohort as its current term's (benchmarks/course.py), from the
archive the update left, into a new output folder as on a fresh checkout. `--profile` says what the farm's posts are like (benchmarks/farm.py):
whole WordPress-like posts (realistic, the default) or three short paragraphs (short).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import course
from benchmarks.farm import DEFAULT_PROFILE, Farm, url

ROOT = Path(__file__).resolve().parent.parent
# On disk, as a checkout is: on our machine writing a small file into /tmp took 130 µs, into
# /var/tmp 50 µs, and an update of 35,000 participants writes 35,000 of them.
SCRATCH = "/var/tmp" if os.path.isdir("/var/tmp") else None  # noqa: S108 - mkdtemp makes a private folder there
SETTINGS = """
import sys
sys.path.insert(0, {root!r})
from pelicanconf import *
PATH = {root!r} + "/content"
THEME = {root!r} + "/themes/commons"
PLUGIN_PATHS = [{root!r} + "/plugins"]
COHORT_PER_PAGE = 20  # the plugin's default; the demo shows 10 because its cohort is small
HUB = {{**HUB, "opml": {opml!r}, "archive": {archive!r}, "health_report": "",
        "allow_private": ["127.0.0.1"], "workers": {workers}, "timeout": {timeout}, "deadline": {deadline}}}
"""


@dataclass(frozen=True)
class Step:
    wall_s: float
    cpu_s: float
    peak_mb: float


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[Step, str]:
    """Run one step as a child process; its own rusage gives CPU time and peak memory."""
    started = time.monotonic()
    child = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step failed: {' '.join(command)}\n{output[-3000:]}")
    return Step(
        round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2), round(usage.ru_maxrss / 1024, 1)
    ), output


class FarmProcess:
    def __init__(self, feeds: int, latency: float, faults: float, *options: str) -> None:
        command = [
            sys.executable,
            "-m",
            "benchmarks.farm",
            "--feeds",
            str(feeds),
            "--latency",
            str(latency),
            "--faults",
            str(faults),
            *options,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("ready "):
            raise SystemExit("the feed farm did not start")
        self.port = int(line.split()[1])

    def bump(self, fraction: float) -> int:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/_bump?fraction={fraction}", timeout=30
        ) as answer:
            return int(json.load(answer)["bumped"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def write_project(folder: Path, feeds: int, port: int, workers: int, timeout: float) -> None:
    outlines = (
        f'<outline type="rss" text="Blogger {n}" xmlUrl="{url(port, n)}" htmlUrl="https://blog{n}.example/"/>'
        for n in range(feeds)
    )
    (folder / "feeds.opml").write_text(course.opml("farm", outlines))
    settings = SETTINGS.format(
        root=str(ROOT),
        opml=str(folder / "feeds.opml"),
        archive=str(folder / "archive"),
        workers=workers,
        timeout=timeout,
        deadline=2 * timeout,
    )
    (folder / "settings.py").write_text(settings)


def scenario(folder: Path, name: str) -> dict[str, Any]:
    py = sys.executable
    update, log = measure(
        [py, "-m", "aggregator", "update", "--settings", "settings.py"], folder, {"PYTHONPATH": str(ROOT)}
    )
    # Each build writes a new folder, as on a fresh checkout. (Deleting the previous build's 50,000
    # files just before cost the next build up to a third more time: the disk was still busy.)
    build, _ = measure(
        [
            py,
            "-m",
            "pelican",
            str(ROOT / "content"),
            "-s",
            "settings.py",
            "-o",
            f"output-{name}",
            "--fatal",
            "errors",
        ],
        folder,
        {"PYTHONPATH": str(ROOT), "HUB_OFFLINE": "1"},
    )
    summary = log.strip().splitlines()[-1]
    return {
        "update": asdict(update),
        "build": asdict(build),
        "summary": summary,
        "wall_s": round(update.wall_s + build.wall_s, 2),
        "peak_mb": max(update.peak_mb, build.peak_mb),
    }


def run(
    feeds: int,
    latency: float,
    faults: float,
    workers: int,
    timeout: float = 5.0,
    profile: str = DEFAULT_PROFILE,
) -> dict[str, Any]:
    farm = FarmProcess(feeds, latency, faults, "--profile", profile)
    try:
        with tempfile.TemporaryDirectory(prefix="hub-bench-", dir=SCRATCH) as tmp:
            folder = Path(tmp)
            write_project(folder, feeds, farm.port, workers, timeout)
            farm_model = Farm(feeds, latency, faults)
            results: dict[str, Any] = {
                "feeds": feeds,
                "faulty_feeds": len(farm_model.faulty),
                "failing_feeds": len(farm_model.failing),
            }
            results["first_run"] = scenario(folder, "first_run")
            results["unchanged"] = scenario(folder, "unchanged")
            results["changed_5pct"] = {"bumped": farm.bump(0.05), **scenario(folder, "changed_5pct")}
            # The same farm, fetched as fast as the machine allows, with the hub's timeout.
            raw_command = [
                sys.executable,
                "-m",
                "benchmarks.raw",
                str(folder / "feeds.opml"),
                "--timeout",
                str(timeout),
            ]
            raw, output = measure(raw_command, ROOT)
            results["raw_fetch"] = {**asdict(raw), **json.loads(output.strip().splitlines()[-1])}
            archived = course.archive_folder(folder).glob("*.json")
            posts = sum(len(json.loads(p.read_text())["posts"]) for p in archived)
            results["posts_archived"] = posts
    finally:
        farm.stop()
    hub_rate = feeds / results["first_run"]["update"]["wall_s"]
    raw_rate = feeds / results["raw_fetch"]["wall_s"]
    results["feeds_per_s"] = {
        "hub_update": round(hub_rate, 1),
        "raw_fetch": round(raw_rate, 1),
        "ratio": round(hub_rate / raw_rate, 3),
    }
    return results


ROWS = (
    ("first run: update", lambda r: _step(r["first_run"]["update"])),
    ("first run: build", lambda r: _step(r["first_run"]["build"])),
    ("first run: total", lambda r: f"{r['first_run']['wall_s']:.2f} s"),
    ("unchanged: update", lambda r: _step(r["unchanged"]["update"])),
    ("unchanged: total", lambda r: f"{r['unchanged']['wall_s']:.2f} s"),
    ("5% changed: update", lambda r: _step(r["changed_5pct"]["update"])),
    ("5% changed: total", lambda r: f"{r['changed_5pct']['wall_s']:.2f} s"),
    ("peak memory", lambda r: f"{max(r[s]['peak_mb'] for s in SCENARIOS):.0f} MB"),
    ("raw fetch", lambda r: f"{r['raw_fetch']['wall_s']:.2f} s, {r['feeds_per_s']['raw_fetch']:.0f} feeds/s"),
    ("hub update", lambda r: f"{r['feeds_per_s']['hub_update']:.0f} feeds/s"),
    ("hub / raw", lambda r: f"{r['feeds_per_s']['ratio']:.2f}"),
    ("first run per feed", lambda r: f"{r['first_run']['wall_s'] / r['feeds'] * 1000:.2f} ms"),
)
SCENARIOS = ("first_run", "unchanged", "changed_5pct")


def _step(step: dict[str, float]) -> str:
    return f"{step['wall_s']:.2f} s (CPU {step['cpu_s']:.1f} s, {step['peak_mb']:.0f} MB)"


def table(runs: list[dict[str, Any]]) -> str:
    """The sizes side by side, so that growth shows at a glance."""
    header = ["", *(f"{r['feeds']:,} feeds, {r['posts_archived']:,} posts" for r in runs)]
    rows = [header, *([label, *(cell(r) for r in runs)] for label, cell in ROWS)]
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)) for row in rows
    )


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "date": time.strftime("%Y-%m-%d"),
    }


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--feeds", default="1000", help="one size or several, comma-separated: 1000,5000,35000"
    )
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--faults", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=256, help="feeds in flight per process")
    parser.add_argument("--timeout", type=float, default=5.0, help="the hub's timeout (deadline: twice that)")
    parser.add_argument(
        "--profile", choices=("realistic", "short"), default=DEFAULT_PROFILE, help="the farm's posts"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser


def main() -> None:
    args = parser().parse_args()
    sizes = [int(size) for size in args.feeds.split(",")]
    runs = [run(size, args.latency, args.faults, args.workers, args.timeout, args.profile) for size in sizes]
    settings = {
        "profile": args.profile,
        "latency_s": args.latency,
        "faults": args.faults,
        "workers": args.workers,
        "timeout_s": args.timeout,
    }
    print(
        json.dumps({"machine": machine(), "settings": settings, "runs": runs}) if args.json else table(runs)
    )


if __name__ == "__main__":
    main()
