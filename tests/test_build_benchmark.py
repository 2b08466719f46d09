"""A smoke run of the build benchmark at a small size. It checks figures and pages, never timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_build_benchmark_builds_the_synthetic_site_and_reports_figures(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "benchmarks.build", "--participants", "50", "--posts", "5"]
    command += ["--cache", str(tmp_path), "--keep", "--json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout)
    assert (figures["participants"], figures["posts"], figures["per_page"]) == (50, 250, 20)
    for step in ("build", "pagefind_alone"):
        assert set(figures[step]) == {"wall_s", "cpu_s", "peak_mb"}
        assert all(value > 0 for value in figures[step].values())
    output = Path(figures["output"])
    # The demo's terms: the synthetic cohort is the current term's, the past term has no one.
    cohort = output / "2026-autumn" / "cohort"
    assert len(list((cohort / "people").iterdir())) == 50
    assert (cohort / "week-1" / "index.html").is_file()
    assert not (output / "2025-autumn" / "cohort" / "people").exists()
    assert figures["html_pages"] == sum(1 for _ in output.rglob("*.html"))
    # Pagefind alone indexes what the build's own run does: the course pages, and every cohort
    # week page of each term, under the term's folder.
    term_weeks = list(output.glob("20*-autumn/cohort/week-*/**/index.html"))
    assert len(term_weeks) > 12 and figures["indexed_pages"] > len(term_weeks)
    assert "everything the cohort wrote" in (output / "search" / "index.html").read_text(encoding="utf-8")
    # What the site weighs: every file's bytes, its heaviest parts first, and the week pages' cards.
    files = [path for path in output.rglob("*") if path.is_file()]
    site = figures["site"]
    assert (site["files"], site["bytes"]) == (len(files), sum(path.stat().st_size for path in files))
    # Its largest parts, as a build over its budget names them: each a folder and what it holds.
    folders = [part for part in site["parts"] if part["name"].endswith("/") and "*" not in part["name"]]
    assert folders and any(part["name"].startswith("2026-autumn/") for part in folders)
    for part in folders:
        held = [path for path in (output / part["name"]).rglob("*") if path.is_file()]
        assert (part["files"], part["bytes"]) == (len(held), sum(path.stat().st_size for path in held))
    week_pages = [page.read_text(encoding="utf-8") for page in term_weeks]
    assert figures["cards"]["cards"] == sum(page.count("<article") for page in week_pages) > 0
    assert figures["cards"]["page_bytes"] > figures["cards"]["card_bytes"] > 0
