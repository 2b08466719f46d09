"""Build the real site with real Pelican into a temporary folder."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from aggregator.config import load_settings
from aggregator.registry import HUB_NS
from tests.conftest import DATA, ROOT
from tests.loopback import LoopbackServer, Reply

SETTINGS = """
import sys
sys.path.insert(0, {root!r})
from pelicanconf import *
PATH = {root!r} + "/content"
THEME = {root!r} + "/themes/commons"
PLUGIN_PATHS = [{root!r} + "/plugins"]
HUB = {{**HUB, "opml": {opml!r}, "archive": {archive!r}, **{overrides!r}}}
"""


def serve_ada_and_ben(server: LoopbackServer) -> list[tuple[str, str, str]]:
    """Serve the two small fixture feeds of tests/data; return their OPML rows."""
    server.routes["/ada.rss"] = Reply(
        body=(DATA / "ada.rss").read_bytes(), headers={"Content-Type": "application/rss+xml"}
    )
    server.routes["/ben.json"] = Reply(
        body=(DATA / "ben.json").read_bytes(), headers={"Content-Type": "application/feed+json"}
    )
    return [
        ("Ada Lovelace", server.url("/ada.rss"), "https://ada.example/"),
        ("Ben Okri", server.url("/ben.json"), "https://ben.example/"),
    ]


def write_opml(path: Path, feeds: list[tuple[str, str, str]], **choices: str) -> Path:
    """feeds: (name, feed URL, blog URL); `choices` are hub:* attributes given to every outline."""
    extras = "".join(f' hub:{key}="{value}"' for key, value in choices.items())
    outlines = "\n".join(
        f'    <outline type="rss" text="{name}" xmlUrl="{url}" htmlUrl="{blog}"{extras}/>'
        for name, url, blog in feeds
    )
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0" xmlns:hub="{HUB_NS}">\n'
        f"  <head><title>t</title></head>\n  <body>\n{outlines}\n  </body>\n</opml>\n",
        encoding="utf-8",
    )
    return path


def demo_terms() -> list[dict[str, Any]]:
    """The demo course's terms, as pelicanconf.py gives them."""
    terms: list[dict[str, Any]] = load_settings(ROOT / "pelicanconf.py")["HUB"]["terms"]
    return terms


def current_term() -> dict[str, Any]:
    return max(demo_terms(), key=lambda term: str(term["start"]))


def without_terms() -> dict[str, object]:
    """HUB settings for the demo's current term as a course without terms, as a fork is before its
    second term: most site tests need one cohort, at the addresses of the site's root."""
    term = current_term()
    keys = {
        "start": "course_start",
        "weeks": "course_weeks",
        "timezone": "course_timezone",
        "tag": "course_tag",
    }
    return {"terms": None, **{setting: term[key] for key, setting in keys.items()}}


@functools.cache
def course_without_terms() -> Path:
    """The demo course's content as a course without terms has it: the current term's week files
    in content/weeks/ with their own Slug, Url and Save_as. Written once per test process."""
    content = Path(tempfile.mkdtemp(prefix="hub-course-")) / "content"
    atexit.register(shutil.rmtree, content.parent, ignore_errors=True)
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    syllabus = content / "pages" / "syllabus.md"
    slug = current_term()["slug"]
    syllabus.write_text(syllabus.read_text(encoding="utf-8").replace(f"../weeks/{slug}/", "../weeks/"))
    for week in sorted((ROOT / "content" / "weeks" / slug).glob("week-*.md")):
        head, blank, body = week.read_text(encoding="utf-8").partition("\n\n")
        name = week.stem
        addresses = f"\nSlug: {name}\nUrl: weeks/{name}/\nSave_as: weeks/{name}/index.html"
        text = head + addresses + blank + body.replace("{filename}../../pages/", "{filename}../pages/")
        (content / "weeks").mkdir(parents=True, exist_ok=True)
        (content / "weeks" / week.name).write_text(text, encoding="utf-8")
    return content


def build(
    tmp: Path,
    opml: Path,
    *,
    offline: bool = False,
    content: Path | None = None,
    pelican: dict[str, object] | None = None,
    **overrides: object,
) -> subprocess.CompletedProcess[str]:
    """Build the site of `content` into tmp/output; `overrides` are HUB settings, `pelican` other
    Pelican settings (SITEURL, RELATIVE_URLS, PLUGINS ...). Unless `terms` are given, a course
    without terms: by default the demo course's current term (course_without_terms)."""
    command, env = build_command(tmp, opml, offline=offline, content=content, pelican=pelican, **overrides)
    return subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=120, check=False)


def build_command(
    tmp: Path,
    opml: Path,
    *,
    offline: bool = False,
    content: Path | None = None,
    pelican: dict[str, object] | None = None,
    **overrides: object,
) -> tuple[list[str], dict[str, str]]:
    """The command and environment of `build`, its settings file written: to run it another way."""
    content = content or course_without_terms()
    if "terms" not in overrides:
        overrides = {**without_terms(), **overrides}
    settings = tmp / "settings.py"
    text = SETTINGS.format(root=str(ROOT), opml=str(opml), archive=str(tmp / "archive"), overrides=overrides)
    extra = {"PATH": str(content), **(pelican or {})}
    settings.write_text(
        text + "".join(f"{name} = {value!r}\n" for name, value in extra.items()), encoding="utf-8"
    )
    env = {**os.environ, "HUB_OFFLINE": "1" if offline else "", "COLUMNS": "400"}
    command = [sys.executable, "-m", "pelican", str(content), "-s", str(settings)]
    command += ["-o", str(tmp / "output"), "--fatal", "errors"]
    return command, env
