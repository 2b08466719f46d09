"""Every command the README and docs/publishing.md give a facilitator, checked the way they meet
it: parsed against the real definitions (argparse for `python -m aggregator` and Pelican, tasks.py
for invoke), and run as written in a copy of the repository, set up as a course is after
docs/publishing.md's step 2 (no `allow_private`), with the demo's blogs served on 127.0.0.1.

A command that cannot run here is listed below with the reason, and so is a new one until it is
run or listed: a command the docs give is never left unchecked."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pelican
import pytest
from invoke import Collection
from invoke.parser import ParseError, Parser

from aggregator.cli import _parser
from demo.farm import serving
from tests.checkout import copy_checkout, run_in
from tests.conftest import DATA, ROOT
from tests.loopback import LoopbackServer, Reply
from tests.test_join import issue_body

DOCS = ("README.md", "docs/publishing.md")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL = {"sh", "bash", "console", "shell"}
COMMENT = re.compile(r"(?:^|\s+)#.*$")
# Commands of the docs that are not the hub's, and why no test runs them.
NOT_RUN = {
    "python3 -m venv .venv": "creates the environment these tests run in",
    '.venv/bin/pip install -q -e ".[dev]"': "installs from PyPI",
    ".venv/bin/python -m pytest": "runs this very suite",
    "git rm -rq archive": "git, in a facilitator's clone; the test's checkout is a copy",
    "pip install git-filter-repo": "installs from PyPI",
    "git clone --mirror https://github.com/<you>/<hub>.git": "needs GitHub",
    "cd <hub>.git": "follows the clone from GitHub",
    "git filter-repo --path archive --invert-paths --force": "rewrites a clone's history",
    "git push --force --mirror": "pushes to GitHub",
    "git fetch origin archive": "needs the hub's remote (tests/test_workflows.py runs the archive branch)",
    "git worktree add ../hub-archive FETCH_HEAD": "needs the fetched branch; the test makes ../hub-archive",
    "git -C ../hub-archive add -A -- '*.json'": "git, in the archive branch's worktree",
    'git -C ../hub-archive commit -m "Forget <participant id>"': "git, in the archive branch's worktree",
    "git -C ../hub-archive push origin HEAD:archive": "pushes to GitHub",
    'git commit -m "Forget <participant id>" -- feeds.opml': "git, in a facilitator's clone",
    "git push": "pushes to GitHub",
}
# The hub's own commands that are parsed but not run, and why.
PARSE_ONLY = {
    ".venv/bin/invoke demo": "serves the demo's blogs on port 8606, which tests/test_demo.py builds with",
    "invoke preview": "fetches and serves until stopped: test_invoke_preview_serves_the_course runs it",
    "invoke preview --offline": "serves until stopped: test_invoke_preview_serves_the_course runs it",
    "python -m aggregator webmention": "tells the posts' own blogs, which are on the internet",
    "python -m aggregator new-term 2027-autumn --start 2027-09-06 --weeks 6": (
        "turns the demo into a course with terms for every later command: tests/test_terms_cli.py runs it"
    ),
    "python -m aggregator freeze 2026-autumn": "needs a course with terms: tests/test_terms_cli.py freezes one",
}
PARTICIPANT = "maya-okafor"
PLACEHOLDER_NAMES = ("<participant id>", "<id>", "ID", "ADDRESS", "BODY", "FILE", "OPML")
PLACEHOLDERS = re.compile(r"<participant id>|<id>|\b(?:ID|ADDRESS|BODY|FILE|OPML)\b")


def commands_in(line: str) -> list[str]:
    """The commands of one line of a code block: a prompt and a comment taken off, `&&` split."""
    line = COMMENT.sub("", line.strip().removeprefix("$ "))
    return [part.strip() for part in line.split("&&") if part.strip()]


def ours(command: str) -> bool:
    words = command.split()
    if words[0] in ("invoke", ".venv/bin/invoke"):
        return True
    return words[0] in ("python", ".venv/bin/python") and words[1:3] in (
        ["-m", "aggregator"],
        ["-m", "pelican"],
    )


def documented() -> list[str]:
    """Every command of the docs' shell blocks, and the hub's commands in their text blocks."""
    found = []
    for doc in DOCS:
        for language, block in FENCE.findall((ROOT / doc).read_text(encoding="utf-8")):
            for command in (c for line in block.splitlines() for c in commands_in(line)):
                if language in SHELL or (language == "text" and ours(command)):
                    found.append(command)
    return list(dict.fromkeys(found))


COMMANDS = documented()
RUN = [command for command in COMMANDS if ours(command) and command not in PARSE_ONLY]


def tasks_collection() -> Collection:
    spec = importlib.util.spec_from_file_location("course_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Collection.from_module(module)


def filled(command: str, values: dict[str, str]) -> str:
    return PLACEHOLDERS.sub(lambda found: values[found.group(0)], command)


def parse(command: str) -> None:
    """Parse with the definitions the command runs with: an unknown option fails the test."""
    words = shlex.split(filled(command, dict.fromkeys(PLACEHOLDER_NAMES, "x")))
    if words[0].endswith("invoke"):
        try:
            Parser(contexts=tasks_collection().to_contexts()).parse_argv(words[1:])
        except ParseError as exc:
            pytest.fail(f"invoke cannot run {command!r}: {exc}")
        return
    complaint = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaint):
            (_parser().parse_args if words[2] == "aggregator" else pelican.parse_arguments)(words[3:])
    except SystemExit:
        pytest.fail(f"{command!r} is refused: {complaint.getvalue()}")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_documented_command_is_checked_and_parses(command: str) -> None:
    if not ours(command):
        assert command in NOT_RUN, "a new command in the docs: run it in this test or list it in NOT_RUN"
        return
    parse(command)


def test_the_lists_of_commands_not_run_name_only_documented_ones() -> None:
    assert sorted(set(NOT_RUN) - set(COMMANDS)) == []
    assert sorted(set(PARSE_ONLY) - set(COMMANDS)) == []
    assert len(RUN) >= 12  # the docs' hub commands mostly run: a broken extraction would find none


# --- run as written ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def farm_port() -> Iterator[int]:
    """The demo's blogs, served as demo/farm.py serves them, on a port of their own."""
    with serving(port=0) as server:
        yield server.server_address[1]


@pytest.fixture
def checkout(tmp_path: Path, farm_port: int, server: LoopbackServer) -> Path:
    """The demo course as a facilitator has it after step 2: no allow_private in pelicanconf.py;
    its blogs on 127.0.0.1, Ada's blog ready to join, an issue body and a base registry to hand."""
    hub = copy_checkout(tmp_path / "hub")
    settings = hub / "pelicanconf.py"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(re.sub(r'\n *"allow_private": \[[^\]]*\],', "", text), encoding="utf-8")
    assert "allow_private" not in settings.read_text(encoding="utf-8").split("HUB = {")[1]
    opml = hub / "feeds.opml"
    opml.write_text(opml.read_text(encoding="utf-8").replace("127.0.0.1:8606", f"127.0.0.1:{farm_port}"))
    shutil.copy(opml, hub / "base.opml")
    shutil.copytree(hub / "archive", tmp_path / "hub-archive")
    server.routes["/ada.rss"] = Reply(body=(DATA / "ada.rss").read_bytes())
    (hub / "join-issue.md").write_text(issue_body(address=server.url("/ada.rss")), encoding="utf-8")
    return hub


def values(server: LoopbackServer) -> dict[str, str]:
    return {
        "<participant id>": PARTICIPANT,
        "<id>": PARTICIPANT,
        "ID": PARTICIPANT,
        "ADDRESS": server.url("/ada.rss"),
        "BODY": "join-issue.md",
        "FILE": "join-reply.md",
        "OPML": "base.opml",
    }


@pytest.mark.parametrize("command", RUN)
def test_every_documented_hub_command_runs_as_written(
    command: str, checkout: Path, server: LoopbackServer
) -> None:
    # Ada's blog, which these two read, is on 127.0.0.1: a course refuses it unless told, here by
    # the environment variable the README gives for one run.
    joins = shlex.split(command)[3:4] in (["register"], ["join"])
    result = run_in(
        checkout, filled(command, values(server)), env={"HUB_ALLOW_PRIVATE": "127.0.0.1"} if joins else {}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_invoke_build_allow_private_reads_the_blogs_on_this_machine(checkout: Path) -> None:
    refused = run_in(checkout, "invoke build")
    assert refused.returncode == 0, refused.stderr
    health = (checkout / "cache" / "health.md").read_text(encoding="utf-8")
    assert "15 feeds: 0 updated, 0 unchanged, 15 failed" in health
    assert "The feed's host is a local or private address, which the hub refuses" in health
    allowed = run_in(checkout, "invoke build --allow-private 127.0.0.1")
    assert allowed.returncode == 0, allowed.stderr
    assert ", 0 failed, 0 skipped" in (checkout / "cache" / "health.md").read_text(encoding="utf-8")
    assert (checkout / "output" / "cohort" / "week-1" / "index.html").is_file()


def test_the_reports_say_until_when_a_failing_feed_waits_as_the_docs_promise(
    checkout: Path, server: LoopbackServer
) -> None:
    assert 'say "waiting until 2026-10-02T14:00:00Z"' in (ROOT / "README.md").read_text(encoding="utf-8")
    server.routes["/down"] = Reply(500, b"<html>down</html>")
    opml = checkout / "feeds.opml"
    maya = re.search(r'xmlUrl="(http://127\.0\.0\.1:\d+/maya/feed\.xml)"', opml.read_text(encoding="utf-8"))
    assert maya is not None
    opml.write_text(opml.read_text(encoding="utf-8").replace(maya.group(1), server.url("/down")))
    for _ in range(2):
        assert run_in(checkout, "invoke update --allow-private 127.0.0.1").returncode == 0
    waiting = re.compile(r"\(2 failures in a row; waiting until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)")
    status = run_in(checkout, "python -m aggregator status --wide").stdout
    assert re.search(rf"Maya Okafor: HTTP 500 Internal Server Error {waiting.pattern}", status), status
    health = (checkout / "cache" / "health.md").read_text(encoding="utf-8")
    assert "waiting until 20" in health


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_invoke_preview_serves_the_course(checkout: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "invoke", "preview", "--offline", "--port", str(port)]
    log = (checkout / "preview.log").open("w")
    preview = subprocess.Popen(
        command, cwd=checkout, stdout=log, stderr=log, start_new_session=True, env={"PATH": "/usr/bin:/bin"}
    )
    try:
        home = wait_for_page(f"http://127.0.0.1:{port}/", preview)
        assert "<title>Learning in the Open" in home
        # The address the cohort had before terms leads to the current term's, where Maya is.
        moved = wait_for_page(f"http://127.0.0.1:{port}/cohort/participants/", preview)
        assert '<meta http-equiv="refresh" content="0; url=../../2026-autumn/cohort/participants/">' in moved
        assert "Maya Okafor" in wait_for_page(
            f"http://127.0.0.1:{port}/2026-autumn/cohort/participants/", preview
        )
    finally:
        os.killpg(preview.pid, signal.SIGTERM)
        preview.wait(timeout=30)
        log.close()


def wait_for_page(url: str, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "invoke preview stopped before it served the site"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
        time.sleep(0.3)
    pytest.fail(f"nothing served at {url}")
