"""Time the offline site build alone, from a synthetic archive.

    python -m benchmarks.build --participants 35000 --posts 10 [--per-page 20] [--keep] [--json]

The project (feeds.opml, archive, settings) is synthesized first, untimed, and cached in /var/tmp
(kept across runs, and on the disk like a checkout's output/: /tmp may be a RAM disk, or as on our
2-core machine, a folder where creating a file costs ten times more), so a second run with the same
arguments starts at once. The site is built into a new folder, removed afterwards unless --keep.

The build runs as a child process: its wall time, CPU time and peak memory include Pagefind's,
which the build runs as its own child. Pagefind is then run alone over the finished site, the same
way the build runs it, to show its own share. Last, untimed, what the site weighs (sitesize.py):
its bytes and files, its largest parts, and the bytes of a card on the week pages.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks import course, synth
from benchmarks.pictures import write_store
from benchmarks.run import ROOT, measure
from benchmarks.sitesize import card_size, site_size, size_lines
from plugins.cohort.search import pagefind_command, term_roots

CACHE = Path("/var/tmp")  # noqa: S108 - a cache meant to outlive the run
# Bump when the archive's bytes change (synth.py, the file layout): cached projects are rebuilt.
SYNTH_VERSION = 5


def project(participants: int, posts: int, per_page: int, cache: Path, pictures: bool = False) -> Path:
    """The cached synthetic project for these sizes, written first if needed; its folder."""
    folder = cache / f"hub-synth-{participants}x{posts}-v{SYNTH_VERSION}"
    if not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        synth.write_archive(course.archive_folder(folder), participants, posts)
        (folder / "complete").touch()  # last, so an interrupted synthesis is never reused
    store = folder / "pictures" if pictures else None
    if store and not (folder / "pictures-complete").exists():
        shutil.rmtree(store, ignore_errors=True)
        write_store(store, participants, posts, course.demo_config().picture_budget)
        (folder / "pictures-complete").touch()
    synth.write_registry_and_settings(folder, participants, per_page, store)  # the settings' current shape
    return folder


def build_command(folder: Path, output: Path) -> list[str]:
    settings = str(folder / "settings.py")
    return [
        sys.executable,
        "-m",
        "pelican",
        str(ROOT / "content"),
        "-s",
        settings,
        "-o",
        str(output),
        "--fatal",
        "errors",
    ]


def run(
    participants: int, posts: int, per_page: int, cache: Path, keep: bool = False, pictures: bool = False
) -> dict[str, Any]:
    folder = project(participants, posts, per_page, cache, pictures)
    # A new folder for every build, as a fresh checkout has: creating 100,000 files where as many
    # were just deleted cost this machine's disk up to twice the time.
    site = Path(tempfile.mkdtemp(prefix="hub-site-", dir=cache))
    try:
        return measure_build(folder, site / "output", participants, posts, per_page)
    finally:
        if not keep:
            shutil.rmtree(site)


def measure_build(folder: Path, output: Path, participants: int, posts: int, per_page: int) -> dict[str, Any]:
    build, _ = measure(build_command(folder, output), folder, {"PYTHONPATH": str(ROOT), "HUB_OFFLINE": "1"})
    # The build's own command: each term's pages are under its folder.
    search, _ = measure(pagefind_command(output, roots=term_roots(course.demo_config())), folder)
    return {
        "participants": participants,
        "posts": participants * posts,
        "per_page": per_page,
        "build": asdict(build),
        "pagefind_alone": asdict(search),
        "html_pages": sum(1 for _ in output.rglob("*.html")),
        "indexed_pages": pagefind_pages(output),
        "site": site_size(output),
        "cards": card_size(output),
        "output": str(output),
    }


def pagefind_pages(output: Path) -> int:
    entry = json.loads((output / "pagefind" / "pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def table(results: dict[str, Any]) -> str:
    build, search = results["build"], results["pagefind_alone"]
    return (
        f"{results['participants']} participants, {results['posts']} posts, {results['html_pages']} pages ({results['per_page']} posts a page)\n"
        f"  build     {build['wall_s']:>7.2f} s (cpu {build['cpu_s']:.1f} s, peak {build['peak_mb']:.0f} MB, Pagefind included)\n"
        f"  pagefind  {search['wall_s']:>7.2f} s (cpu {search['cpu_s']:.1f} s, peak {search['peak_mb']:.0f} MB) alone, "
        f"{results['indexed_pages']} pages indexed\n"
        + "\n".join(size_lines(results["site"], results["cards"]))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--per-page", type=int, default=synth.PER_PAGE, help="posts per cohort page")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where projects are kept")
    parser.add_argument(
        "--keep", action="store_true", help="keep the built site (its folder is in the output)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--pictures", action="store_true", help="with a picture store: every avatar, thumbnails to the budget"
    )
    args = parser.parse_args()
    results = run(args.participants, args.posts, args.per_page, args.cache, args.keep, args.pictures)
    print(json.dumps(results) if args.json else table(results))


if __name__ == "__main__":
    main()
