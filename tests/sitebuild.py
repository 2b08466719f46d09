"""Build the real site with real Pelican into a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def build(
    tmp: Path,
    opml: Path,
    *,
    offline: bool = False,
    site: dict[str, object] | None = None,
    **overrides: object,
) -> subprocess.CompletedProcess[str]:
    """`overrides` are HUB settings; `site` other Pelican settings (DEFAULT_LANG, COURSE_LICENCE)."""
    settings = tmp / "settings.py"
    text = SETTINGS.format(root=str(ROOT), opml=str(opml), archive=str(tmp / "archive"), overrides=overrides)
    text += "".join(f"{name} = {value!r}\n" for name, value in (site or {}).items())
    settings.write_text(text, encoding="utf-8")
    env = {**os.environ, "HUB_OFFLINE": "1" if offline else "", "COLUMNS": "400"}
    command = [sys.executable, "-m", "pelican", str(ROOT / "content"), "-s", str(settings)]
    command += ["-o", str(tmp / "output"), "--fatal", "errors"]
    return subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=120, check=False)
