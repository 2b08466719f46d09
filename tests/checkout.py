"""A facilitator's checkout in a temporary folder: this repository's files (tracked and new, never
output/, cache/ or anything else git ignores), where commands run as the docs give them."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import ROOT

# What a facilitator's shell finds for the words the docs begin commands with.
PROGRAMS = {
    "python": [sys.executable],
    ".venv/bin/python": [sys.executable],
    "invoke": [sys.executable, "-m", "invoke"],
    ".venv/bin/invoke": [sys.executable, "-m", "invoke"],
}


def copy_checkout(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is still listed
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_in(
    checkout: Path, command: str, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`command`, a line as the docs write it, run in `checkout` with a clean environment."""
    words = shlex.split(command)
    words = [*PROGRAMS.get(words[0], [words[0]]), *words[1:]]
    return subprocess.run(
        words,
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", **(env or {})},
    )
