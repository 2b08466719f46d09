"""The site's budget (HUB['site_budget']): the build measures what it wrote, stops over the host's
limits with the last site still in output/, warns near them; status and the job summary say it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aggregator.config import SiteBudget, from_mapping
from aggregator.errors import ConfigError
from aggregator.site_size import Part, files_text, measure_site, readable_bytes
from tests.conftest import run_python
from tests.sitebuild import build, write_opml

GOOD = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London"}
KEPT = (
    "The build stopped: the output folder is as it was. "
    "(pelican -v, or invoke build --verbose, shows the traceback)"
)

# --- the setting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "budget"),
    [
        (None, SiteBudget(10**9, 200_000, "GitHub Pages")),
        ({"bytes": "500 MB"}, SiteBudget(500_000_000, 200_000, "GitHub Pages")),
        (
            {"host": " GitLab Pages ", "bytes": "1.5gb", "files": 100_000},
            SiteBudget(1_500_000_000, 100_000, "GitLab Pages"),
        ),
        ({"bytes": 12_345, "files": 7}, SiteBudget(12_345, 7, "GitHub Pages")),
        ({"bytes": "250kB"}, SiteBudget(250_000, 200_000, "GitHub Pages")),
    ],
)
def test_the_budget_reads_numbers_and_sizes_as_people_write_them(value: object, budget: SiteBudget) -> None:
    raw = {**GOOD, "site_budget": value} if value is not None else GOOD
    assert from_mapping(raw, Path("/hub")).site_budget == budget


SIZE_WORDS = "must be a size such as '1 GB' or '500 MB' (decimal units) or a number of bytes"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "1 GB",
            "HUB['site_budget'] must be a dict such as {'host': 'GitLab Pages', 'bytes': '1 GB', "
            "'files': 200000}, got '1 GB'",
        ),
        ({"size": 5}, "HUB['site_budget'] has unknown key(s): size (it takes host, bytes and files)"),
        ({"bytes": "1 GiB"}, f"HUB['site_budget']['bytes'] {SIZE_WORDS}, got '1 GiB'"),
        ({"bytes": "0 MB"}, f"HUB['site_budget']['bytes'] {SIZE_WORDS}, got '0 MB'"),
        ({"bytes": 1.5}, f"HUB['site_budget']['bytes'] {SIZE_WORDS}, got 1.5"),
        (
            {"files": "200000"},
            "HUB['site_budget']['files'] must be a whole number of files, such as 200000, got '200000'",
        ),
        (
            {"files": True},
            "HUB['site_budget']['files'] must be a whole number of files, such as 200000, got True",
        ),
        (
            {"host": " "},
            "HUB['site_budget']['host'] must be the host's name, such as 'GitLab Pages', got ' '",
        ),
    ],
)
def test_a_wrong_budget_is_refused_naming_the_setting(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        from_mapping({**GOOD, "site_budget": value}, Path("/hub"))
    assert str(error.value) == message


# --- measuring and telling the parts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1 kB"),
        (9_949, "9.9 kB"),
        (9_950, "10 kB"),
        (999_499, "999 kB"),
        (999_500, "1 MB"),
        (412_000_000, "412 MB"),
        (1_412_345_678, "1.4 GB"),
        (10**9, "1 GB"),
    ],
)
def test_sizes_are_told_in_decimal_units(count: int, text: str) -> None:
    assert readable_bytes(count) == text


def write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A term's site in small: 60 participants' pages, three week pages, the search index and
    the old addresses' redirects at the root."""
    site = tmp_path / "output"
    for n in range(60):
        write(site / "2026-autumn" / "cohort" / "people" / f"person{n}-x" / "index.html", 1000)
        write(site / "cohort" / "people" / f"person{n}-x" / "index.html", 200)
    for page in ("week-1/index.html", "week-1/page/2/index.html", "week-12/index.html"):
        write(site / "2026-autumn" / "cohort" / page, 5000)
    write(site / "2026-autumn" / "cohort" / "index.html", 500)
    write(site / "2026-autumn" / "cohort" / "feed.atom", 500)
    write(site / "2026-autumn" / "weeks" / "week-1" / "index.html", 300)
    write(site / "cohort" / "week-1" / "index.html", 200)
    write(site / "pagefind" / "fragment" / "en_1.pf_fragment", 4000)
    write(site / "pagefind" / "pagefind.js", 2000)
    write(site / "index.html", 100)
    return site


def test_the_largest_parts_are_named_down_to_the_folder_that_holds_most(site: Path) -> None:
    size = measure_site(site, SiteBudget(bytes=1_000_000, files=1_000_000))  # nearer its byte limit
    assert (size.bytes, size.files) == (94_600, 130)
    # The term's folder holds more than half, and so does its cohort/: both are told by their
    # folders. people/ holds more than half too, but of 60 folders, each too small to name.
    assert size.parts == (
        Part("2026-autumn/cohort/people/", 60_000, 60),
        Part("2026-autumn/cohort/week-*/", 15_000, 3),
        Part("cohort/", 12_200, 61),
        Part("pagefind/", 6_000, 2),
        Part("files in 2026-autumn/cohort/", 1_000, 2),
    )


def test_a_site_nearer_its_file_limit_is_told_by_files(site: Path) -> None:
    size = measure_site(site, SiteBudget(files=150))
    # 66 of 130 files are the term's; its cohort/ holds 65, exactly half: not more.
    assert size.parts == (
        Part("2026-autumn/cohort/", 76_000, 65),
        Part("cohort/", 12_200, 61),
        Part("pagefind/", 6_000, 2),
        Part("2026-autumn/weeks/", 300, 1),
        Part("files at the top", 100, 1),
    )


# --- the build -----------------------------------------------------------------------------------


def files_of(output: Path) -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes() for path in output.rglob("*") if path.is_file()
    }


def size_of(files: dict[str, bytes], folder: str = "") -> tuple[int, int]:
    inside = [data for name, data in files.items() if name.startswith(folder)]
    return sum(map(len, inside)), len(inside)


def own_files_of(files: dict[str, bytes], folder: str) -> tuple[int, int]:
    inside = [
        data for name, data in files.items() if name.startswith(folder) and "/" not in name[len(folder) :]
    ]
    return sum(map(len, inside)), len(inside)


def told(name: str, measured: tuple[int, int], markdown: bool) -> str:
    return f"{f'`{name}`' if markdown else name} ({readable_bytes(measured[0])}, {files_text(measured[1])})"


def expected_parts(files: dict[str, bytes], markdown: bool = False) -> str:
    """The test site's parts, counted here: its search index, Pagefind's own files, holds more
    than half of it, and so is told by its folders and files."""
    assert size_of(files, "pagefind/")[0] * 2 > size_of(files)[0]
    tops = {name.split("/")[0] for name in files if "/" in name}
    parts = {f"{top}/": size_of(files, f"{top}/") for top in tops - {"pagefind"}}
    inner = {name.split("/")[1] for name in files if name.startswith("pagefind/") and name.count("/") > 1}
    parts |= {f"pagefind/{sub}/": size_of(files, f"pagefind/{sub}/") for sub in inner}
    parts |= {
        "files in pagefind/": own_files_of(files, "pagefind/"),
        "files at the top": own_files_of(files, ""),
    }
    largest = sorted(parts.items(), key=lambda part: (-part[1][0], part[0]))[:5]
    return "Largest parts: " + ", ".join(told(name, measured, markdown) for name, measured in largest) + "."


def site_words(files: dict[str, bytes], budget: str, host: str, limit: int) -> str:
    """ "952 kB in 66 files: 190% of the 500 kB budget of Tiny Pages, 0% of its 200,000 files" """
    total, count = size_of(files)
    share = math.floor(100 * total / {"500 kB": 500_000, "1 GB": 10**9}[budget])
    return (
        f"{readable_bytes(total)} in {files_text(count)}: {share}% of the {budget} budget of {host}, "
        f"{math.floor(100 * count / limit)}% of its {limit:,} files"
    )


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A course built once, within its budget: output/ holds its site."""
    result = build(tmp_path, write_opml(tmp_path / "feeds.opml", []), offline=True)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_a_site_over_budget_stops_the_build_and_keeps_the_last_site(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(built / "output")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(built / "summary.md"))
    tiny = {"host": "Tiny Pages", "bytes": "500 kB"}
    result = build(built, built / "feeds.opml", offline=True, site_budget=tiny)
    assert result.returncode == 9
    # The same course as before: the site this build wrote is the one in output/, byte for byte.
    words = site_words(before, "500 kB", "Tiny Pages", 200_000)
    assert result.stderr == (
        f"course hub: the site is over its budget, at {words} (HUB['site_budget']). "
        f"{expected_parts(before)}\n{KEPT}\n"
    )
    assert files_of(built / "output") == before
    assert sorted(path.name for path in built.iterdir() if path.name.startswith(".")) == []
    assert (
        (built / "summary.md")
        .read_text(encoding="utf-8")
        .endswith(f"## Site size\n\nSite: {words}\n\n{expected_parts(before, markdown=True)}\n")
    )


def test_a_site_near_its_budget_is_published_with_a_warning(built: Path) -> None:
    count = size_of(files_of(built / "output"))[1]
    limit = math.ceil(count / 0.9)  # 90% of the files allowed
    result = build(built, built / "feeds.opml", offline=True, site_budget={"files": limit})
    assert result.returncode == 0, result.stderr
    words = site_words(files_of(built / "output"), "1 GB", "GitHub Pages", limit)
    assert f"course hub: the site is near its budget, at {words} (HUB['site_budget'])" in result.stdout
    assert f"{math.floor(100 * count / limit)}% of its" in words and 80 <= 100 * count / limit < 100


def test_a_site_within_budget_replaces_the_last_and_leaves_no_staging_folder(built: Path) -> None:
    (built / "output" / "stale.html").write_text("a page of the last build", encoding="utf-8")
    for leftover in (".output.building", ".output.old"):  # as a killed build leaves them
        write(built / leftover / "cohort" / "index.html", 10)
    result = build(built, built / "feeds.opml", offline=True)
    assert result.returncode == 0, result.stderr
    assert "near its budget" not in result.stdout
    assert not (built / "output" / "stale.html").exists()
    assert (built / "output" / "cohort" / "index.html").stat().st_size > 10
    assert sorted(path.name for path in built.iterdir() if path.name.startswith(".")) == []


def test_the_size_recorded_is_the_published_sites_search_index_included(built: Path) -> None:
    files = files_of(built / "output")
    record = json.loads((built / "cache" / "site.json").read_text(encoding="utf-8"))
    assert (record["bytes"], record["files"]) == size_of(files)
    assert any(name.startswith("pagefind/") for name in files)


def test_status_shows_the_sites_size_against_its_budget(built: Path) -> None:
    words = site_words(files_of(built / "output"), "1 GB", "GitHub Pages", 200_000)
    status = run_python("-m", "aggregator", "status", "--settings", "settings.py", cwd=built)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[0] == f"Site: {words}"
    wide = run_python("-m", "aggregator", "status", "--settings", "settings.py", "--wide", cwd=built)
    assert wide.stdout.splitlines()[:2] == [f"Site: {words}", expected_parts(files_of(built / "output"))]


def test_what_pelican_keeps_in_the_output_folder_moves_into_the_new_site(built: Path) -> None:
    write(built / "output" / ".git" / "HEAD", 40)
    result = build(built, built / "feeds.opml", offline=True, pelican={"OUTPUT_RETENTION": [".git"]})
    assert result.returncode == 0, result.stderr
    assert (built / "output" / ".git" / "HEAD").read_bytes() == b"x" * 40


def test_without_delete_output_directory_the_build_writes_over_the_last_site(built: Path) -> None:
    (built / "output" / "kept.html").write_text("a page of the last build", encoding="utf-8")
    result = build(built, built / "feeds.opml", offline=True, pelican={"DELETE_OUTPUT_DIRECTORY": False})
    assert result.returncode == 0, result.stderr
    assert (built / "output" / "kept.html").read_text(encoding="utf-8") == "a page of the last build"
