from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aggregator.config import AddressPolicy, Course, FetchOptions
from tests.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = Path(__file__).resolve().parent / "data"
LONDON = ZoneInfo("Europe/London")
COURSE = Course(start=dt.date(2026, 9, 7), weeks=6, timezone=LONDON, tag=None)
ONLY_LOOPBACK = AddressPolicy(networks=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    yield srv
    srv.close()


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
