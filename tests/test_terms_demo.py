"""The demo course's two terms, built together as a facilitator builds them, and what starting the
next term keeps: every address of every term, and the frozen term's pages byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.checkout import copy_checkout, run_in

BUILD = "python -m pelican content -s pelicanconf.py -o output --fatal errors"
OFFLINE = {"HUB_OFFLINE": "1"}


def files(output: Path) -> dict[str, str]:
    """Every file of a built site and a hash of its bytes, by its path in the site."""
    return {
        str(path.relative_to(output)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def next_term(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str], Path]:
    """The demo built offline, then again after `new-term` started a third term."""
    hub = copy_checkout(tmp_path_factory.mktemp("terms") / "hub")
    built = run_in(hub, BUILD, OFFLINE)
    assert built.returncode == 0, built.stdout + built.stderr
    before = files(hub / "output")
    started = run_in(
        hub, "python -m aggregator new-term 2027-spring --start 2027-03-01 --weeks 6 --tag openlearning27"
    )
    assert started.returncode == 0, started.stdout + started.stderr
    rebuilt = run_in(hub, BUILD, OFFLINE)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    return before, files(hub / "output"), hub


def test_the_frozen_term_is_built_byte_for_byte_as_before_the_next_term_started(
    next_term: tuple[dict[str, str], dict[str, str], Path],
) -> None:
    before, after, _ = next_term
    frozen = {path: digest for path, digest in before.items() if path.startswith("2025-autumn/")}
    assert len(frozen) > 20
    assert {path: after.get(path) for path in frozen} == frozen


def test_every_address_of_every_term_survives_the_next_term_s_start(
    next_term: tuple[dict[str, str], dict[str, str], Path],
) -> None:
    before, after, _ = next_term
    pages = [path for path in before if path.endswith(".html") or path.endswith(".atom")]
    assert [path for path in pages if path not in after] == []
    assert "2027-spring/cohort/index.html" in after
