"""The health report, as GitHub renders it in the job summary: what servers say stays text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from markdown_it import MarkdownIt

from aggregator.config import HubConfig
from aggregator.pipeline import update
from aggregator.registry import Participant
from aggregator.report import health_markdown, outcome_lines
from tests.loopback import LoopbackServer, Reply

T0 = dt.datetime(2026, 9, 12, 12, 0, tzinfo=dt.UTC)
HOSTILE = "Not \xff Found ![pixel](https://evil.example/p.png) <details open><summary>x</summary> | cell |"
MOVED = "/moved?<img src=x onerror=alert(1)>![p](https://evil.example/p.png)"
MOVED_AS_SENT = "/moved?%3Cimg+src=x+onerror=alert(1)%3E!%5Bp%5D(https://evil.example/p.png)"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title></channel></rss>'


def render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_reason_phrases_and_redirect_targets_are_inert_in_the_report_and_the_archive(
    config: HubConfig, server: LoopbackServer
) -> None:
    server.routes["/lost"] = Reply(404, b"<html>x</html>", reason=HOSTILE)
    server.routes["/old"] = Reply(301, headers={"Location": MOVED})
    server.routes[MOVED_AS_SENT] = Reply(body=RSS)
    people = [
        Participant("lu", "Lu [me](https://evil.example/)", server.url("/lost"), None),
        Participant("mo", "Mo", server.url("/old"), None),
    ]
    report = update(config, people, now=T0)
    assert [o.status for o in report.outcomes] == ["failed", "updated"]
    paths = [r.path for r in server.requests]
    # Participants are fetched concurrently: only a redirect's own order is fixed.
    assert sorted(paths) == sorted(["/lost", "/old", MOVED_AS_SENT])
    assert paths.index("/old") < paths.index(MOVED_AS_SENT)

    markdown = health_markdown(report)
    rows = [line for line in markdown.splitlines() if line.startswith("| Lu") or line.startswith("| Mo")]
    assert rows[0] == (
        f"| Lu \\[me\\]\\(https\\://evil\\.example/\\) | `{server.url('/lost')}` | HTTP 404 Not \ufffd Found "
        "\\!\\[pixel\\]\\(https\\://evil\\.example/p\\.png\\) &lt;details open&gt;&lt;summary&gt;x&lt;/summary&gt; "
        "\\| cell \\| \\(1 failures in a row\\) | The feed address no longer works\\. Ask Lu \\[me\\]\\(https\\:"
        "//evil\\.example/\\) for the current one and update feeds\\.opml\\. |"
    )
    assert rows[1] == (
        f"| Mo | `{server.url('/old')}` | moved permanently to {_text_url(server.url(MOVED_AS_SENT))} | "
        f"Update xmlUrl in feeds\\.opml to {_text_url(server.url(MOVED_AS_SENT))}\\. |"
    )
    html = render(markdown)
    for live in ("<img", "<a ", "<details", "<summary", 'href="', 'src="'):
        assert live not in html
    table = html[html.index("<table>") : html.index("</table>")]
    assert table.count("<tr>") - 1 == 2 and all(row.count("<td>") == 4 for row in table.split("<tr>")[2:])

    stored = json.loads((config.archive / "lu.json").read_text(encoding="utf-8"))["state"]["last_error"]
    assert stored["message"] == f"HTTP 404 {HOSTILE.replace(chr(0xFF), chr(0xFFFD))}"
    moved = json.loads((config.archive / "mo.json").read_text(encoding="utf-8"))["state"]["moved_to"]
    assert moved == server.url(MOVED_AS_SENT)


def _text_url(url: str) -> str:
    return (
        url.replace(":", "\\:")
        .replace(".", "\\.")
        .replace("(", "\\(")
        .replace(")", "\\)")
        .replace("!", "\\!")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace("=", "\\=")
        .replace("+", "\\+")
    )


def test_a_report_file_is_whole_utf_8(config: HubConfig, server: LoopbackServer, tmp_path: Path) -> None:
    server.routes["/lost"] = Reply(503, b"", reason="\xed\xa0\x80 Unavailable")  # a surrogate in UTF-8
    report = update(config, [Participant("lu", "Lu", server.url("/lost"), None)], now=T0)
    text = health_markdown(report)
    text.encode("utf-8")  # no lone surrogate reached the report
    assert "HTTP 503 \ufffd\ufffd\ufffd Unavailable" in text


def test_every_report_says_until_when_a_failing_feed_is_left_alone(
    config: HubConfig, server: LoopbackServer
) -> None:
    """The second failure in a row waits an hour: the update's line, the health report and its
    next run all say until when."""
    server.routes["/down"] = Reply(500, b"<html>down</html>")
    sam = Participant("sam", "Sam", server.url("/down"), None)
    first = update(config, [sam], now=T0)
    assert "waiting" not in health_markdown(first)  # one failure is often a blip: no wait
    second = update(config, [sam], now=T0 + dt.timedelta(hours=4))
    third = update(config, [sam], now=T0 + dt.timedelta(hours=4, minutes=30))
    problem = (
        "HTTP 500 Internal Server Error \\(2 failures in a row; waiting until 2026\\-09\\-12T17\\:00\\:00Z\\)"
    )
    for report in (second, third):
        needs_attention = health_markdown(report).split("## Needs attention")[1].split("## Everyone")[0]
        [row] = [line for line in needs_attention.splitlines() if line.startswith("| Sam |")]
        assert row.split(" | ")[2] == problem
    assert outcome_lines(third) == [
        "skipped    Sam  waiting until 2026-09-12T17:00:00Z (HTTP 500 Internal Server Error; 2 failures in a row)"
    ]
    assert len(server.requests) == 2
