"""The build writes the site beside the output folder and puts it in place only when it is whole
and fits its host: a build that stops, for any reason, leaves the last site in `output/`.

The new site is written to a hidden sibling (`.output.building/`), set as Pelican's output folder
as each build starts. Once every file is written, the search index included, the site is measured
against HUB['site_budget']; over it, the build stops and the new site is removed. Within it, the old
site is renamed away, the new one renamed in (the same file system: each rename is one step), and
the old one deleted. A build killed part-way leaves its staging folder, which the next build
removes first.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import Any

from aggregator import (
    HubConfig,
    SiteBudget,
    SiteBudgetError,
    SiteSize,
    append_site_summary,
    check_budget,
    measure_site,
    record_site_size,
)

from .stop import stops_with_message

log = logging.getLogger(__name__)

KEPT = "The build stopped: the output folder is as it was."


def staging_folder(output: Path) -> Path:
    return output.with_name(f".{output.name}.building")


def old_folder(output: Path) -> Path:
    return output.with_name(f".{output.name}.old")


def build_aside(pelican: Any) -> None:
    """Point Pelican at an empty staging folder. With DELETE_OUTPUT_DIRECTORY off, the build writes
    over a copy of the last site, as it would over the site itself."""
    # The output folder as given, kept for the builds after this one (`pelican --autoreload`).
    output = Path(pelican.settings.setdefault("HUB_OUTPUT_PATH", pelican.output_path))
    staging = staging_folder(output)
    for leftover in (staging, old_folder(output)):
        shutil.rmtree(leftover, ignore_errors=True)
    if not pelican.settings.get("DELETE_OUTPUT_DIRECTORY") and output.is_dir():
        shutil.copytree(output, staging, symlinks=True)
    pelican.output_path = pelican.settings["OUTPUT_PATH"] = str(staging)


@stops_with_message(KEPT)
def publish_within_budget(pelican: Any) -> None:
    """`finalized`, after the search index: measure the new site, stop when it is over budget (the
    job summary says why too), warn when near, else swap it in and record its size for `status`."""
    config: HubConfig = pelican.settings["HUB_CONFIG"]
    staging, output = Path(pelican.output_path), Path(pelican.settings["HUB_OUTPUT_PATH"])
    size = measure_site(staging, config.site_budget)
    append_site_summary(size, config.site_budget)
    if warning := _judged(size, config.site_budget, staging):
        log.warning("course hub: %s", warning)
    swap_in(staging, output, pelican.settings.get("OUTPUT_RETENTION", ()))
    pelican.output_path = pelican.settings["OUTPUT_PATH"] = str(output)  # for any later receiver
    record_site_size(config.site_size, size, dt.datetime.now(dt.UTC))


def _judged(size: SiteSize, budget: SiteBudget, staging: Path) -> str | None:
    """check_budget; a site over budget is removed, never to be published by mistake."""
    try:
        return check_budget(size, budget)
    except SiteBudgetError:
        shutil.rmtree(staging)
        raise


def swap_in(staging: Path, output: Path, retained: Any) -> None:
    """Put the new site in place of the old. What OUTPUT_RETENTION names (a .git, a CNAME) moves
    from the old site into the new, as Pelican would have left it in place."""
    if output.exists():
        for name in retained:
            if (output / name).exists() and not (staging / name).exists():
                (output / name).rename(staging / name)
        output.rename(old_folder(output))
    staging.rename(output)
    shutil.rmtree(old_folder(output), ignore_errors=True)
