from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aggregator.config import AddressPolicy, Course, FetchOptions, HubConfig
from tests.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
# The real-world feeds live beside the repository, not in it: a lone clone skips the tests that
# read them, and .ci/run requires them (HUB_REQUIRE_CORPUS=1).
REQUIRE_CORPUS = bool(os.environ.get("HUB_REQUIRE_CORPUS"))
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir() and not REQUIRE_CORPUS,
    reason=f"the real-world feed corpus is not beside this clone ({CORPUS})",
)


def corpus_files(*folders: str) -> list[Path]:
    """The corpus's files in `folders`; none in a lone clone. Required, they fail when missing."""
    if not CORPUS.is_dir() and not REQUIRE_CORPUS:
        return []
    return [path for folder in folders for path in sorted((CORPUS / folder).iterdir())]


DATA = Path(__file__).resolve().parent / "data"
LONDON = ZoneInfo("Europe/London")
COURSE = Course(start=dt.date(2026, 9, 7), weeks=6, timezone=LONDON, tag=None)
ONLY_LOOPBACK = AddressPolicy(networks=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    yield srv
    srv.close()


def run_python(
    *args: str, cwd: Path, timeout: float = 60, planted: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in a clean environment, as a user would start it from `cwd`; with `planted`,
    a folder from plant_bug(), every interpreter of the run carries that bug."""
    path = f"{planted}:{ROOT}" if planted else str(ROOT)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"},
    )


def plant_bug(folder: Path, code: str) -> Path:
    """A sitecustomize that runs `code` when any Python process starts (worker processes too): a
    bug planted from outside, so that the hub needs no hook of its own to be tested against one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(code, encoding="utf-8")
    return folder


def invoke(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """An invoke task of this repository's tasks.py, run from `cwd` (a course project)."""
    return run_python("-m", "invoke", "--search-root", str(ROOT), *args, cwd=cwd)


def hub_in(tmp_path: Path, options: FetchOptions, **settings: Any) -> HubConfig:
    """A hub in tmp_path: feeds.opml, archive/ and moderation.yml there, none of them written yet;
    `settings` are other fields of HubConfig."""
    return HubConfig(
        course=COURSE,
        opml=tmp_path / "feeds.opml",
        archive=tmp_path / "archive",
        offline=False,
        fetch=options,
        moderation=tmp_path / "moderation.yml",
        **settings,
    )


@pytest.fixture
def config(tmp_path: Path, options: FetchOptions) -> HubConfig:
    return hub_in(tmp_path, options)


@pytest.fixture
def options() -> FetchOptions:
    """Fetch options for tests: only 127.0.0.1 is allowed, and waits are short."""
    return FetchOptions(timeout=1.0, deadline=5.0, workers=4, policy=ONLY_LOOPBACK)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("HUB_REQUIRE_BROWSER"):
            pytest.fail(f"HUB_REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real site build whose cohort is two healthy blogs and three full of XSS payloads."""
    from tests import hostile
    from tests.loopback import Reply
    from tests.sitebuild import build, serve_ada_and_ben, write_opml

    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "sources.sha256").write_text(sources_digest())
    feeds = LoopbackServer()
    rows = serve_ada_and_ben(feeds)
    for name, make, path in (
        ("Rita Rss", hostile.rss, "/rss"),
        ("Alan Atom", hostile.atom, "/atom"),
        ("Jo Json", hostile.json_feed, "/json"),
    ):
        feeds.routes[path] = Reply(body=make(hostile.PAYLOADS))
        rows.append((name, feeds.url(path), f"https://{path[1:]}.example/"))
    # Twice: each feed holds one payload more than the 50 new posts a run takes from a participant,
    # and the last comes in with the second run. Shown in full: the archive keeps, and the pages
    # show, every payload's whole sanitized body.
    results = [build(tmp, write_opml(tmp / "feeds.opml", rows, display="full")) for _ in range(2)]
    feeds.close()
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    return tmp


def source_files() -> list[Path]:
    """Everything a build reads as code or content: feed text must never end up in these."""
    folders = ("content", "themes", "plugins")
    return [
        p
        for f in folders
        for p in sorted((ROOT / f).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    ]


def sources_digest() -> str:
    import hashlib

    return hashlib.sha256(b"".join(p.read_bytes() for p in source_files())).hexdigest()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo hub built as Quick start builds it, into a temporary folder: the demo blogs served
    on 127.0.0.1, the committed archive copied so the repository's own stays untouched."""
    from demo.farm import serving
    from tests.sitebuild import build, demo_terms

    tmp = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "archive", tmp / "archive", ignore=shutil.ignore_patterns(".lock"))
    with serving():
        result = build(tmp, ROOT / "feeds.opml", content=ROOT / "content", terms=demo_terms())
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp
