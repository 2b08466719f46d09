"""invoke tasks: thin wrappers that call the aggregator, Pelican and pytest. No logic lives here."""

from __future__ import annotations

import shlex
import sys

from invoke import Context, task

PY = sys.executable


# Progress is drawn live only on a terminal: when invoke has one, the command gets one too.
TERMINAL = sys.stdout.isatty()


@task
def update(c: Context, allow_private: str = "", quiet: bool = False) -> None:
    """Fetch every feed of feeds.opml into archive/; --quiet: no progress while it runs."""
    extra = f" --allow-private {allow_private}" if allow_private else ""
    extra += " --quiet" if quiet else ""
    c.run(f"{PY} -m aggregator update{extra}", pty=TERMINAL)


@task
def register(
    c: Context,
    address: str,
    name: str = "",
    tag: str = "",
    display: str = "",
    licence: str = "",
    webmention: str = "",
    dry_run: bool = False,
    allow_private: str = "",
) -> None:
    """Find a blog's feed, check it and add or update the participant in feeds.opml."""
    options = {
        "--name": name,
        "--tag": tag,
        "--display": display,
        "--licence": licence,
        "--webmention": webmention,
    }
    words = [PY, "-m", "aggregator", "register", address]
    words += [part for flag, value in options.items() if value for part in (flag, value)]
    words += ["--dry-run"] if dry_run else []
    words += ["--allow-private", *allow_private.split()] if allow_private else []
    c.run(shlex.join(words))  # quoted: names and addresses are typed by people


@task
def forget(c: Context, participant: str, reason: str = "") -> None:
    """Erase everything of a participant, at their request, and keep them from coming back."""
    why = ["--reason", reason] if reason else []
    c.run(shlex.join([PY, "-m", "aggregator", "forget", participant, *why]))


def _term(term: str) -> list[str]:
    return ["--term", term] if term else []


@task
def status(c: Context, wide: bool = False, term: str = "") -> None:
    """Show each participant's feed health, in 100 columns (--wide: every column in full), for the
    current term or TERM."""
    c.run(shlex.join([PY, "-m", "aggregator", "status", *(["--wide"] if wide else []), *_term(term)]))


@task
def export(c: Context, term: str = "") -> None:
    """Print every archived post of the current term (or TERM) as JSON."""
    c.run(shlex.join([PY, "-m", "aggregator", "export", *_term(term)]))


@task
def webmention(c: Context, dry_run: bool = False, settings: str = "pelicanconf.py", term: str = "") -> None:
    """Send each post the last build featured a webmention from its week page (after a publish)."""
    flag = ["--dry-run"] if dry_run else []
    c.run(shlex.join([PY, "-m", "aggregator", "webmention", "--settings", settings, *flag, *_term(term)]))


@task
def freeze(c: Context, term: str, early: bool = False) -> None:
    """End TERM: its feeds are no longer fetched, its pages are built from archive/TERM/."""
    c.run(shlex.join([PY, "-m", "aggregator", "freeze", term, *(["--early"] if early else [])]))


@task(name="new-term")
def new_term(
    c: Context,
    slug: str,
    start: str,
    weeks: int,
    tag: str = "",
    title: str = "",
    timezone: str = "",
    current: str = "",
) -> None:
    """Add the term SLUG starting on START (a Monday) for WEEKS weeks: settings, a folder in
    feeds.opml and week files copied from the previous term; then print what is left to write."""
    options = {"--tag": tag, "--title": title, "--timezone": timezone, "--current": current}
    words = [PY, "-m", "aggregator", "new-term", slug, "--start", start, "--weeks", str(weeks)]
    c.run(shlex.join(words + [part for flag, value in options.items() if value for part in (flag, value)]))


@task
def build(
    c: Context,
    settings: str = "pelicanconf.py",
    offline: bool = False,
    allow_private: str = "",
    verbose: bool = False,
    quiet: bool = False,
) -> None:
    """Update the archive (unless --offline) and build the site into output/. --allow-private
    ADDRESSES lets this build fetch from them (HUB_ALLOW_PRIVATE); --verbose is Pelican's -v;
    --quiet shows no progress while it runs (HUB_QUIET), its warnings still."""
    env = {"HUB_OFFLINE": "1"} if offline else {}
    env |= {"HUB_ALLOW_PRIVATE": allow_private} if allow_private else {}
    env |= {"HUB_QUIET": "1"} if quiet else {}
    flag = " -v" if verbose else ""
    c.run(f"{PY} -m pelican content -s {settings} -o output --fatal errors{flag}", env=env, pty=TERMINAL)


@task
def preview(c: Context, offline: bool = False, allow_private: str = "", port: int = 8000) -> None:
    """Build the site as `build` does and serve it on http://127.0.0.1:PORT/ until Ctrl-C: the
    course as it will look, before it is published."""
    build(c, offline=offline, allow_private=allow_private)
    serve(c, port)


@task
def demo(c: Context) -> None:
    """Build the demo hub, fetching the demo cohort's feeds from a server on 127.0.0.1."""
    from demo.farm import serving

    with serving():
        build(c)


@task
def serve(c: Context, port: int = 8000) -> None:
    """Serve output/ on http://127.0.0.1:PORT/."""
    c.run(f"{PY} -m http.server {port} --bind 127.0.0.1 --directory output")


@task
def bench(
    c: Context,
    feeds: str = "1000",
    latency: float = 0.15,
    workers: int = 256,
    profile: str = "realistic",
    json: bool = False,
) -> None:
    """Time the hub against a loopback farm of FEEDS blogs, e.g. 1000,5000,35000, whose posts are
    PROFILE: realistic or short (docs/benchmarks.md)."""
    flag = " --json" if json else ""
    c.run(
        f"{PY} -m benchmarks.run --feeds {feeds} --latency {latency} --workers {workers}"
        f" --profile {shlex.quote(profile)}{flag}"
    )


@task
def bench_term(c: Context, participants: int = 1000, runs: int = 12, json: bool = False) -> None:
    """A term of RUNS updates of PARTICIPANTS blogs: archive and repository sizes (docs/benchmarks.md)."""
    flag = " --json" if json else ""
    c.run(f"{PY} -m benchmarks.term --participants {participants} --runs {runs}{flag}")


@task
def bench_build(
    c: Context, participants: int = 35000, posts: int = 10, json: bool = False, pictures: bool = False
) -> None:
    """Time the offline build from a synthetic archive of PARTICIPANTS x POSTS (see docs/benchmarks.md);
    --pictures gives it a picture store as a term of updates leaves it."""
    flags = (" --json" if json else "") + (" --pictures" if pictures else "")
    c.run(f"{PY} -m benchmarks.build --participants {participants} --posts {posts}{flags}")


@task
def test(c: Context) -> None:
    """Run the whole test suite."""
    c.run(f"{PY} -m pytest")


@task
def lint(c: Context) -> None:
    """ruff (lint and format) and mypy (strict, on aggregator/)."""
    c.run(f"{PY} -m ruff check .")
    c.run(f"{PY} -m ruff format --check .")
    c.run(f"{PY} -m mypy")


TRANSLATIONS = "themes/commons/translations"


@task
def translations(c: Context, add: str = "") -> None:
    """Collect the theme's and the plugin's strings into messages.pot (pybabel extract) and bring
    every language's catalog up to date with it: a new string is added empty and a changed one
    marked fuzzy, and both show in English until translated. --add LANG starts a new language."""
    babel = f"{PY} -m babel.messages.frontend --quiet"
    pot = f"{TRANSLATIONS}/messages.pot"
    c.run(
        f"{babel} extract -F {TRANSLATIONS}/babel.cfg -o {pot} --no-wrap --sort-by-file "
        f"--add-comments=Translators: --project='course hub' plugins themes"
    )
    if add:
        c.run(f"{babel} init -i {pot} -d {TRANSLATIONS} -l {shlex.quote(add)} --no-wrap")
    c.run(f"{babel} update -i {pot} -d {TRANSLATIONS} --no-wrap --ignore-obsolete")
