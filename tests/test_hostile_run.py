"""One update over every kind of hostile server plus healthy blogs: bounded in time and memory."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from tests import hostile
from tests.conftest import DATA, run_python
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build, write_opml

DEADLINE, WORKERS = 2.0, 4
SETTINGS = (
    'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",'
    f' "timeout": 1.0, "deadline": {DEADLINE}, "workers": {WORKERS}, "max_bytes": 1000000}}\n'
)
# The peak is read from /proc (VmHWM), not getrusage: a child's ru_maxrss starts from the size of
# the process it was forked from, here pytest itself, which grows over a full test run.
MEASURED = (
    "import sys\nfrom aggregator.cli import main\ncode = main(sys.argv[1:])\n"
    "peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
    "print('peak-kb', peak.split()[1], file=sys.stderr)\nsys.exit(code)\n"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {c}{n} "{("&" + c + str(n - 1) + ";") * 10 if n else "lol"}">'.encode()
        for c in "b"
        for n in range(9)
    )
    + b']><rss version="2.0"><channel><title>&b8;</title></channel></rss>'
)


def hostile_routes(server: LoopbackServer) -> dict[str, str]:
    """Path -> what each hostile server does; every one of them must end as a reported failure."""
    rss = (DATA / "ada.rss").read_bytes()
    routes = {
        "/slow-body": Reply(body=rss, drip=0.05),
        "/stall": Reply(body=rss, stall=30),
        "/slow-headers": Reply(body=rss, header_drip=0.8),
        "/endless": Reply(body=b"<rss>", endless=True),
        "/gzip-bomb": Reply(
            body=gzip.compress(b"<rss>" + b" " * 50_000_000), headers={"Content-Encoding": "gzip"}
        ),
        "/loop": Reply(302, headers={"Location": "/loop"}),
        "/chain0": Reply(302, headers={"Location": "/chain1"}),
        "/to-private": Reply(302, headers={"Location": server.url("/x", host="127.0.0.2")}),
        "/to-file": Reply(302, headers={"Location": "file:///etc/passwd"}),
        "/gone": Reply(410),
        "/busy": Reply(429, headers={"Retry-After": "3600"}),
        "/missing": Reply(404, b"<html><body>Not here</body></html>"),
        "/error": Reply(
            500,
            b"<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "/html-page": Reply(
            body=b"<!DOCTYPE html><html><head><title>Blog</title></head><body>Hi</body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "/empty": Reply(body=b""),
        "/laughs": Reply(body=LAUGHS),
    }
    for hop in range(1, 8):
        routes[f"/chain{hop}"] = Reply(302, headers={"Location": f"/chain{hop + 1}"})
    server.routes.update(routes)
    return {path: path.strip("/") for path in routes if not path.startswith("/chain") or path == "/chain0"}


def test_hostile_servers_fail_alone_and_the_run_stays_bounded(server: LoopbackServer, tmp_path: Path) -> None:
    broken = hostile_routes(server)
    server.routes["/healthy-wrong-type"] = Reply(
        body=(DATA / "ada.rss").read_bytes(), headers={"Content-Type": "text/html"}
    )
    server.routes["/healthy-json"] = Reply(body=(DATA / "ben.json").read_bytes())
    server.routes["/healthy-moved"] = Reply(301, headers={"Location": "/healthy-json"})
    server.routes["/healthy-xss"] = Reply(body=hostile.rss(hostile.PAYLOADS))
    healthy = ["healthy-wrong-type", "healthy-json", "healthy-moved", "healthy-xss"]
    rows = [
        (name, server.url(f"/{name}"), f"https://{name}.example/") for name in [*broken.values(), *healthy]
    ]
    write_opml(tmp_path / "feeds.opml", rows)
    (tmp_path / "pelicanconf.py").write_text(SETTINGS)

    started = time.monotonic()
    result = run_python("-c", MEASURED, "update", "--allow-private", "127.0.0.1", cwd=tmp_path, timeout=120)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    lines = {line.split()[1]: line for line in result.stdout.splitlines()[:-1]}
    for name in broken.values():
        assert lines[name].startswith("failed "), lines[name]
    for name in healthy:
        assert lines[name].startswith("updated "), lines[name]
    assert "update feeds.opml to " + server.url("/healthy-json") in lines["healthy-moved"]
    assert took < DEADLINE * len(rows) / WORKERS
    peak_mb = int(result.stderr.split("peak-kb")[1].split()[0]) / 1024
    assert peak_mb < 100, peak_mb  # about 50 MB: no hostile server makes the hub hold much

    # ... and the healthy blogs are published: their posts are on the built week pages.
    assert build(tmp_path, tmp_path / "feeds.opml", offline=True, course_tag=None).returncode == 0
    site = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "output" / "cohort").rglob("*.html"))
    for link in ("https://ada.example/2026/09/13/sunday-night/", "https://ben.example/2026/09/14/hello"):
        assert f'href="{link}"' in site
