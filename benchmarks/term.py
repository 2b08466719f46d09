"""A whole term of a course, measured: what the archive and the repository weigh at the end.

    python -m benchmarks.term --participants 1000 [--runs 12] [--share 0.25] [--posting 0.04] [--json]
    invoke bench-term --participants 35000

A farm of PARTICIPANTS blogs (`benchmarks.farm --profile term`: each feed lists its newest 10
posts of full content, 300 to 1,500 words, SHARE of them with the course tag) is updated RUNS
times by `python -m aggregator update`, with POSTING of the blogs publishing a post before each
run after the first. After each run the archive is published as the publish workflow does it:
one commit of archive/**/*.json, replacing the `archive` branch of a local repository. Reported:
the bytes of the current term's archive (in all, per participant, per archived post), the bytes
each run pushes (a pack of the objects the new commit adds), and the repository's size after
`git gc`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import course
from benchmarks.run import SCRATCH, FarmProcess, machine, measure, write_project

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None, data: bytes | None = None) -> bytes:
    """git as the publish workflow runs it (the one on PATH), in `repo`."""
    full = {**os.environ, **GIT_ENV, **(env or {})}
    command = ["git", *args]
    return subprocess.run(command, cwd=repo, env=full, input=data, capture_output=True, check=True).stdout


def publish(repo: Path, archive: Path, run: int) -> int:
    """The archive as the `archive` branch's only commit, as the publish workflow pushes it;
    returns the bytes a push of it would send (a pack of what the previous commit lacks)."""
    index = {"GIT_INDEX_FILE": str(repo / "archive.index")}
    (repo / "archive.index").unlink(missing_ok=True)
    git(archive, f"--git-dir={repo}", "--work-tree=.", "add", "--", "*.json", env=index)
    tree = git(repo, "write-tree", env=index).decode().strip()
    commit = git(repo, "commit-tree", tree, "-m", f"Archive update {run}").decode().strip()
    before = git(repo, "rev-parse", "-q", "--verify", "refs/heads/archive") if run else b""
    wanted = f"{commit}\n" + (f"^{before.decode().strip()}\n" if before else "")
    pushed = git(repo, "pack-objects", "--revs", "--stdout", "--thin", data=wanted.encode())
    git(repo, "update-ref", "refs/heads/archive", commit)
    return len(pushed)


def archive_figures(archive: Path) -> dict[str, Any]:
    files = [path for path in archive.glob("*.json") if not path.name.startswith("_")]
    size = sum(path.stat().st_size for path in files)
    posts = [post for path in files for post in json.loads(path.read_text(encoding="utf-8"))["posts"]]
    tagged = sum(1 for post in posts if "openlearning26" in {t.lower() for t in post["tags"]})
    bodies = sum(1 for post in posts if post["content_html"])
    return {
        "bytes": size,
        "participants": len(files),
        "posts": len(posts),
        "posts_with_the_course_tag": tagged,
        "posts_with_a_body": bodies,
        "bytes_per_participant": round(size / max(1, len(files))),
        "bytes_per_post": round(size / max(1, len(posts))),
    }


def run_term(participants: int, runs: int, share: float, posting: float, latency: float) -> dict[str, Any]:
    farm = FarmProcess(participants, latency, 0.02, "--profile", "term", "--share", str(share))
    try:
        with tempfile.TemporaryDirectory(prefix="hub-term-", dir=SCRATCH) as tmp:
            folder = Path(tmp)
            write_project(folder, participants, farm.port, workers=256, timeout=5.0)
            repo = folder / "hub.git"
            git(folder, "init", "--quiet", "--bare", str(repo))
            steps = []
            for number in range(runs):
                posted = farm.bump(posting) if number else 0
                step, log = measure(
                    [sys.executable, "-m", "aggregator", "update", "--settings", "settings.py"],
                    folder,
                    {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
                )
                pushed = publish(repo, folder / "archive", number)
                steps.append(
                    {"run": number + 1, "posted": posted, "wall_s": step.wall_s, "cpu_s": step.cpu_s,
                     "peak_mb": step.peak_mb, "pushed_bytes": pushed, "summary": log.strip().splitlines()[-1]}
                )  # fmt: skip
            git(repo, "gc", "--quiet", "--prune=now")
            repository = sum(path.stat().st_size for path in repo.rglob("*") if path.is_file())
            return {
                "participants": participants,
                "runs": steps,
                "archive": archive_figures(course.archive_folder(folder)),
                "repository_bytes_after_gc": repository,
                "pushed_bytes_per_run": round(sum(s["pushed_bytes"] for s in steps[1:]) / max(1, runs - 1)),
            }
    finally:
        farm.stop()


def table(result: dict[str, Any]) -> str:
    archive = result["archive"]
    first, last = result["runs"][0], result["runs"][-1]
    rows = [
        ("participants, runs", f"{result['participants']:,}, {len(result['runs'])}"),
        ("archived posts (with the tag, with a body)",
         f"{archive['posts']:,} ({archive['posts_with_the_course_tag']:,}, {archive['posts_with_a_body']:,})"),
        ("archive", f"{archive['bytes'] / 1e6:,.1f} MB"),
        ("per participant", f"{archive['bytes_per_participant']:,} bytes"),
        ("per archived post", f"{archive['bytes_per_post']:,} bytes"),
        ("first run: update, pushed", f"{first['wall_s']:.1f} s, {first['pushed_bytes'] / 1e6:,.1f} MB"),
        ("last run: update, pushed", f"{last['wall_s']:.1f} s, {last['pushed_bytes'] / 1e6:,.2f} MB"),
        ("pushed per run after the first", f"{result['pushed_bytes_per_run'] / 1e6:,.2f} MB"),
        ("repository after git gc", f"{result['repository_bytes_after_gc'] / 1e6:,.1f} MB"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--share", type=float, default=0.25, help="of posts with the course tag")
    parser.add_argument("--posting", type=float, default=0.04, help="of blogs posting before each run")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run_term(args.participants, args.runs, args.share, args.posting, args.latency)
    print(json.dumps({"machine": machine(), **result}) if args.json else table(result))


if __name__ == "__main__":
    main()
