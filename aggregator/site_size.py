"""The site's size against its host's limits (HUB['site_budget']).

The build measures the folder it wrote, stops when the site would not fit its host and warns when it
comes near. A 35,000-participant site holds about 100,000 files: a message listing folders would be
unreadable, so the site is told in a few parts. A part is a top folder; the part holding more than
half the site is told as its own folders instead, and so on down, so that the part that matters is
named ("2026-autumn/cohort/people/"), not the term's folder that holds everything. A week's folders
("week-1/" ...) are counted together as "week-*/", numbered ones ("page/2/" ...) as "*/".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import SiteBudget
from .errors import SiteBudgetError
from .files import write_atomically

WARN_AT = 0.8  # of either limit: the build warns
PARTS_NAMED = 5
# A folder of more subfolders than this (one per participant, per tag) is told whole: its members
# are each too small to name, and naming a few of them says nothing about the rest.
MOST_SUBFOLDERS = 40
BUDGET_SETTING = "HUB['site_budget']"
_NUMBERED = re.compile(r"^(?P<name>.*?)(?P<number>\d+)$")


@dataclass(frozen=True)
class Part:
    name: str
    bytes: int
    files: int


@dataclass(frozen=True)
class SiteSize:
    bytes: int
    files: int
    parts: tuple[Part, ...]  # the largest, largest first


@dataclass
class _Folder:
    """A folder's totals, everything under it included, and its own files' alone."""

    bytes: int = 0
    files: int = 0
    own_bytes: int = 0
    own_files: int = 0
    folders: dict[str, _Folder] = field(default_factory=dict)


def measure_site(site: Path, budget: SiteBudget) -> SiteSize:
    """The bytes and files under `site`, and its largest parts by whichever of the two the site
    uses more of its budget."""
    root = _scan(site, _Folder())
    by = "files" if root.files / budget.files > root.bytes / budget.bytes else "bytes"
    return SiteSize(root.bytes, root.files, _largest_parts(root, by))


def _scan(path: Path | str, folder: _Folder) -> _Folder:
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                sub = folder.folders.setdefault(_collapsed(entry.name), _Folder())
                _scan(entry.path, sub)
            else:
                folder.own_bytes += entry.stat(follow_symlinks=False).st_size
                folder.own_files += 1
    folder.bytes = folder.own_bytes + sum(sub.bytes for sub in folder.folders.values())
    folder.files = folder.own_files + sum(sub.files for sub in folder.folders.values())
    return folder


def _collapsed(name: str) -> str:
    """ "week-3" -> "week-*", "2" -> "*": folders that differ by a number alone count as one."""
    found = _NUMBERED.match(name)
    return f"{found['name']}*" if found else name


def _largest_parts(root: _Folder, by: str) -> tuple[Part, ...]:
    """Open the part that holds more than half the site into its own parts, while there is one."""
    parts = dict(_opened("", root))
    while name := _to_open(parts, getattr(root, by), by):
        parts.update(_opened(name, parts.pop(name)))
    largest = sorted(parts.items(), key=lambda part: (-getattr(part[1], by), part[0]))
    return tuple(Part(name, f.bytes, f.files) for name, f in largest[:PARTS_NAMED] if f.files)


def _to_open(parts: dict[str, _Folder], total: int, by: str) -> str | None:
    for name, folder in parts.items():
        if getattr(folder, by) * 2 > total and 0 < len(folder.folders) <= MOST_SUBFOLDERS:
            return name
    return None


def _opened(name: str, folder: _Folder) -> Iterator[tuple[str, _Folder]]:
    """A folder's parts: its subfolders, and its own files as one."""
    for sub, inner in folder.folders.items():
        yield f"{name}{sub}/", inner
    if folder.own_files:
        yield f"files in {name}" if name else "files at the top", _Folder(folder.own_bytes, folder.own_files)


# --- what the build and status say ----------------------------------------------------------------


def is_over(size: SiteSize, budget: SiteBudget) -> bool:
    return size.bytes > budget.bytes or size.files > budget.files


def is_near(size: SiteSize, budget: SiteBudget) -> bool:
    return size.bytes >= WARN_AT * budget.bytes or size.files >= WARN_AT * budget.files


def check_budget(size: SiteSize, budget: SiteBudget) -> str | None:
    """Stop a site over its budget; a warning for one near it, else None."""
    judged = f"{size_text(size, budget)} ({BUDGET_SETTING})"
    if is_over(size, budget):
        raise SiteBudgetError(f"the site is over its budget, at {judged}. {parts_text(size)}")
    # One line: the job summary and `status --wide` name the parts.
    return f"the site is near its budget, at {judged}" if is_near(size, budget) else None


def site_line(size: SiteSize, budget: SiteBudget) -> str:
    return f"Site: {size_text(size, budget)}"


def size_text(size: SiteSize, budget: SiteBudget) -> str:
    """ "412 MB in 52,470 files: 41% of the 1 GB budget of GitHub Pages, 26% of its 200,000 files" """
    limit = readable_bytes(budget.bytes)
    return (
        f"{readable_bytes(size.bytes)} in {files_text(size.files)}: "
        f"{_percent(size.bytes, budget.bytes)} of the {limit} budget of {budget.host}, "
        f"{_percent(size.files, budget.files)} of its {budget.files:,} files"
    )


def parts_text(size: SiteSize, markdown: bool = False) -> str:
    """ "Largest parts: cohort/people/ (640 MB, 35,000 files), ..." (names as code in Markdown,
    where "week-*/" would start emphasis)."""
    parts = ", ".join(_part_text(part, markdown) for part in size.parts)
    return f"Largest parts: {parts}."


def _part_text(part: Part, markdown: bool) -> str:
    name = f"`{part.name}`" if markdown else part.name
    return f"{name} ({readable_bytes(part.bytes)}, {files_text(part.files)})"


def files_text(count: int) -> str:
    return f"{count:,} file{'' if count == 1 else 's'}"


def _percent(used: int, limit: int) -> str:
    # Rounded down: a site at 99.6% is not yet at 100%.
    return f"{math.floor(100 * used / limit)}%"


def readable_bytes(count: int) -> str:
    """Decimal units, as hosts state their limits: "850 bytes", "18 kB", "1.4 GB", "640 MB"."""
    if count < 1000:
        return f"{count} bytes"
    texts = [_in_unit(count, exponent) for exponent in range(1, 5)]
    return next((text for text in texts if float(text.split()[0]) < 1000), texts[-1])


def _in_unit(count: int, exponent: int) -> str:
    """ "9.9 kB", "10 kB", "999 kB": the number as shown, rounded, in units of 1000**exponent."""
    value = count / 1000**exponent
    shown = f"{value:.1f}".removesuffix(".0") if value < 9.95 else f"{value:.0f}"
    return f"{shown} {('kB', 'MB', 'GB', 'TB')[exponent - 1]}"


def summary_markdown(size: SiteSize, budget: SiteBudget) -> str:
    """The job summary's section."""
    return f"## Site size\n\n{site_line(size, budget)}\n\n{parts_text(size, markdown=True)}\n"


def append_site_summary(size: SiteSize, budget: SiteBudget) -> None:
    if summary_file := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(size, budget))


# --- the record status reads ----------------------------------------------------------------------


def record_site_size(path: Path, size: SiteSize, at: dt.datetime) -> None:
    data = {"measured": at.isoformat(timespec="seconds"), **asdict(size)}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, (json.dumps(data, indent=1) + "\n").encode(), durable=False)


def recorded_site_size(path: Path) -> SiteSize | None:
    """What the last build published, measured; None before the first build. It is only a cache:
    a damaged record is as good as none."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        parts = tuple(Part(str(p["name"]), int(p["bytes"]), int(p["files"])) for p in data["parts"])
        return SiteSize(int(data["bytes"]), int(data["files"]), parts)
    except (OSError, ValueError, KeyError, TypeError):
        return None
