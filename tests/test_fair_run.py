"""One feed never starves the others: feeds whose HTML would take the sanitizer (or a regular
expression) minutes are stopped by bounds checked before it, and reading feeds runs off the
event loop, so ten slow healthy blogs fetched meanwhile are all updated and the run stays short."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import DATA, run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import write_opml

SETTINGS = (
    'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",'
    ' "timeout": 2.0, "deadline": 4.0, "workers": 16}\n'
)
HEALTHY = 10


def feed(html: str, summary: str = "") -> bytes:
    """One entry whose content is `html`, as a blog's feed would carry it."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Hostile</title>'
        "<link>https://hostile.example/</link><item><title>The post</title>"
        "<link>https://hostile.example/post</link><pubDate>Tue, 08 Sep 2026 10:00:00 +0000</pubDate>"
        f"<description><![CDATA[{summary}]]></description>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item></channel></rss>"
    ).encode()


def names(count: int) -> str:
    """`count` distinct attribute names, as short as they come: the sanitizer checks each new
    attribute against all the earlier ones of its element."""
    digits = "abcdefghijklmnopqrstuvwxyz0123456789"
    found = []
    for n in range(count):
        name = "a"
        while n:
            n, d = divmod(n, 36)
            name += digits[d]
        found.append(name)
    return " ".join(f'{name}=""' for name in found)


HOSTILE = {
    # The feed of the report: 5 MB, 540,000 attributes on one tag (92 s of CPU on the loop).
    "five-megabytes": (feed(f"<p {names(540_000)}>hi</p>"), "characters long (the limit is 1,000,000)"),
    # Under the size limit: 80,000 attributes (about 1.4 s in the sanitizer; 200,000 took 8.5 s).
    "attributes": (feed(f"<p {names(80_000)}>hi</p>"), "an element of its HTML has 80,000 attributes"),
}
# "<a" 300,000 times: the tag pattern used before backtracked for minutes on it. A browser reads
# it as one unclosed tag, and so does the HTML pass: the post keeps its summary.
OPEN_TAGS = feed("<a" * 300_000, summary="A summary.")


def test_a_feed_too_costly_to_read_delays_no_other(server: LoopbackServer, tmp_path: Path) -> None:
    ada = (DATA / "ada.rss").read_bytes()
    rows = []
    for n in range(HEALTHY):
        server.routes[f"/slow{n}"] = Reply(
            body=ada.replace(b"ada.example", f"slow{n}.example".encode()), delay=1.5
        )
        rows.append((f"slow{n}", server.url(f"/slow{n}"), f"https://slow{n}.example/"))
    for name, body in {**{name: body for name, (body, _) in HOSTILE.items()}, "open-tags": OPEN_TAGS}.items():
        server.routes[f"/{name}"] = Reply(body=body)
        rows.append((name, server.url(f"/{name}"), f"https://{name}.example/"))
    write_opml(tmp_path / "feeds.opml", rows)
    (tmp_path / "pelicanconf.py").write_text(SETTINGS)

    started = time.monotonic()
    result = run_python(
        "-m", "aggregator", "update", "--allow-private", "127.0.0.1", cwd=tmp_path, timeout=300
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    lines = {line.split()[1]: line for line in result.stdout.splitlines()[:-1]}
    for n in range(HEALTHY):
        assert lines[f"slow{n}"].startswith(f"updated    slow{n} "), lines[f"slow{n}"]
    assert lines["five-megabytes"].endswith(
        "0 new, 0 changed, 0 archived; 1 kept out (the health report says why)"
    )
    assert lines["attributes"].endswith(
        "0 new, 0 changed, 0 archived; 1 kept out (the health report says why)"
    )
    assert lines["open-tags"].endswith("1 new, 0 changed, 1 archived")
    health = (tmp_path / "cache" / "health.md").read_text(encoding="utf-8")
    for name, (_, why) in HOSTILE.items():
        row = next(line for line in health.replace("\\", "").splitlines() if line.startswith(f"| {name} | "))
        assert row.startswith(f"| {name} | The post | ") and why in row, row
    assert took < 30, took  # the bounded work of reading 13 feeds; minutes before
