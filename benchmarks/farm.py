"""A deterministic loopback feed farm: N synthetic blogs with RSS, Atom and JSON feeds.

    python -m benchmarks.farm --feeds 35000 --latency 0.15 --faults 0.02

Every blog's feed is generated on request from its number and version, so the farm needs no
memory per feed and gives the same bytes on every machine. Feeds carry ETag and Last-Modified and
answer 304 to a matching conditional request, and are sent gzipped to clients that ask, as
blog hosts do. Every body is rendered and compressed before the farm says it is ready (and again
when a blog posts), so serving a feed costs the farm little of the CPU it shares with the hub,
and the hub's first run and the raw fetch meet the same farm. A fraction of blogs is faulty, in turn: 404, 410, 500, an HTML page,
malformed XML, a connection closed without an answer, and a server a second slower than the
rest. A server that never answers costs the hub one timeout per run whatever the cohort's size;
tests/test_hostile_run.py bounds that case, so it is left out here, where it would only add a
constant to every figure. `GET /_bump?fraction=0.05` gives that
fraction of blogs one more post, for the "5% changed" run. It listens on 127.0.0.1 only.

`--profile term` serves blogs as a term of a course sees them (benchmarks/term.py): each feed
lists its newest 10 posts of full content, 300 to 1,500 words each, and `--share` of the posts
carry the course tag; a post's own page is on the farm too, so a post that leaves its feed is
looked up there.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import gzip
import hashlib
import json
import random
from html import escape

from aiohttp import web

COURSE_START = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)
TOPICS = ["learning out loud", "weak ties", "feed readers", "open licences", "context collapse", "portfolios"]
FAULTS = ("404", "410", "500", "html", "malformed", "reset", "slow")
SLOW = 1.0  # seconds a slow server adds to the farm's latency
TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
PROFILE = {"name": "classic", "share": 0.8}  # set by main(): which posts() render() uses
TERM_LISTED = 10  # posts a term feed lists, the newest
VOCABULARY = [
    "learning",
    "open",
    "course",
    "blog",
    "network",
    "post",
    "read",
    "write",
    "share",
    "week",
    "cohort",
    "feed",
    "reader",
    "idea",
    "question",
    "answer",
    "practice",
    "public",
    "community",
    "reflection",
    "people",
    "connect",
    "discuss",
    "notes",
    "draft",
    "thinking",
    "web",
    "school",
    "teacher",
    "student",
    "library",
    "photo",
    "story",
    "link",
    "comment",
    "conversation",
    "time",
    "project",
    "annotate",
    "curiosity",
    "habit",
    "portfolio",
    "remix",
    "licence",
    "attribution",
    "context",
    "privacy",
    "voice",
    "identity",
    "tool",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "was",
    "this",
    "be",
    "by",
    "at",
    "from",
    "or",
    "not",
    "but",
    "are",
    "have",
]


def kind(n: int) -> str:
    return ("rss", "atom", "json")[n % 3]


class Farm:
    def __init__(self, feeds: int, latency: float, faults: float) -> None:
        self.feeds = feeds
        self.latency = latency
        self.faulty = {n for n in range(feeds) if _fraction(n, "fault") < faults}
        self.versions = [0] * feeds
        self.bumps = 0
        self.gzipped: dict[int, tuple[int, bytes]] = {}  # blog -> (version, gzipped body)

    @property
    def failing(self) -> set[int]:
        """The blogs whose every fetch fails (a slow one is faulty, but it does answer)."""
        return {n for n in self.faulty if self.fault(n) != "slow"}

    def fault(self, n: int) -> str | None:
        return FAULTS[n % len(FAULTS)] if n in self.faulty else None

    def bump(self, fraction: float) -> int:
        """Give about `fraction` of the healthy blogs one more post; return how many."""
        self.bumps += 1
        chosen = [
            n
            for n in range(self.feeds)
            if n not in self.faulty and _fraction(n, f"bump{self.bumps}") < fraction
        ]
        for n in chosen:
            self.versions[n] += 1
            self._gzipped(n)
        return len(chosen)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.latency)
        n = int(request.match_info["n"])
        if n >= self.feeds:
            raise web.HTTPNotFound()
        fault = self.fault(n)
        if fault == "slow":
            await asyncio.sleep(SLOW)  # then answers like any other blog
        elif fault is not None:
            return self._faulty(fault, n, request)
        etag = f'"{n}-{self.versions[n]}"'
        modified = (COURSE_START + dt.timedelta(days=self.versions[n])).strftime("%a, %d %b %Y %H:%M:%S GMT")
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = TYPES[kind(n)]
        if "gzip" not in request.headers.get("Accept-Encoding", ""):
            return web.Response(body=render(n, self.versions[n]), headers=headers)
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=self._gzipped(n), headers=headers)

    def prepare(self) -> None:
        """Render and compress every healthy blog's feed now, before the clock starts."""
        for n in range(self.feeds):
            if n not in self.faulty:
                self._gzipped(n)

    def _gzipped(self, n: int) -> bytes:
        version = self.versions[n]
        kept = self.gzipped.get(n)
        if kept is None or kept[0] != version:
            kept = (version, gzip.compress(render(n, version), compresslevel=6, mtime=0))
            self.gzipped[n] = kept
        return kept[1]

    def _faulty(self, fault: str, n: int, request: web.Request) -> web.StreamResponse:
        if fault == "reset" and request.transport is not None:
            request.transport.close()  # no answer at all: the client sees the connection drop
            return web.Response(status=500)
        if fault == "html":
            return web.Response(
                text="<!doctype html><html><body>My blog</body></html>", content_type="text/html"
            )
        if fault == "malformed":
            body = render(2, 0)  # a JSON Feed, cut in half
            return web.Response(body=body[: len(body) // 2], content_type=TYPES["json"])
        return web.Response(
            status=int(fault), text="<html><body>error</body></html>", content_type="text/html"
        )

    async def bump_handler(self, request: web.Request) -> web.Response:
        return web.json_response({"bumped": self.bump(float(request.query.get("fraction", "0.05")))})


def _fraction(n: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{salt}:{n}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def posts(n: int, version: int) -> list[dict[str, object]]:
    """10 to 20 posts, dated across the course, newest first; each version adds one."""
    count = 10 + n % 11 + version
    result = []
    for k in reversed(range(count)):
        when = COURSE_START + dt.timedelta(days=(n * 7 + k * 3) % 42, hours=k % 12)
        topic = TOPICS[(n + k) % len(TOPICS)]
        tags = ["openlearning26", topic.replace(" ", "-")] if (n + k) % 5 else [topic.replace(" ", "-")]
        html = (
            f"<p>Week {k % 6 + 1} got me thinking about <strong>{topic}</strong>. "
            f"This is post {k} on blog {n}, written for the course and linking to "
            f'<a href="https://blog{(n + 1)}.example/posts/{k}/">a classmate</a>.</p>'
            f"<p>{'Learning in public means sharing unfinished thoughts with people who care. ' * 6}</p>"
            f'<figure><img src="https://blog{n}.example/img/{k}.jpg" alt="A sketch" width="640" height="480"></figure>'
            f"<p>{'What I will try next week is to read two posts and answer one of them. ' * 4}</p>"
        )
        result.append(
            {"k": k, "title": f"{topic.capitalize()}, notes {k}", "when": when, "tags": tags, "html": html}
        )
    return result


@functools.cache
def _prose() -> str:
    """Two megabytes of words in a fixed pseudo-random order: posts are slices of it."""
    rng = random.Random(7)  # noqa: S311 - made-up prose, the same on every machine
    return " ".join(rng.choice(VOCABULARY) for _ in range(400_000))


def term_posts(n: int, version: int) -> list[dict[str, object]]:
    """The newest TERM_LISTED of 10 + version posts, 300 to 1,500 words each, newest first."""
    count = 10 + version
    text = _prose()
    result = []
    for k in reversed(range(max(0, count - TERM_LISTED), count)):
        words = 300 + int(_fraction(n * 1000 + k, "words") * 1200)
        start = text.index(" ", (n * 7919 + k * 104729) % (len(text) - 12_000)) + 1
        body = " ".join(text[start : start + words * 7].split()[:words])
        paragraphs = [" ".join(body.split()[i : i + 90]) for i in range(0, words, 90)]
        tagged = _fraction(n * 1000 + k, "tag") < float(PROFILE["share"])
        html = "".join(f"<p>{p}</p>" for p in paragraphs) + (
            f'<p>Replying to <a href="https://blog{n + 1}.example/posts/{k}/">a classmate</a>.</p>'
            f'<figure><img src="https://blog{n}.example/img/{k}.jpg" alt="A sketch"></figure>'
        )
        when = COURSE_START + dt.timedelta(days=(n * 7 + k * 3) % 70, hours=k % 12)
        tags = ["openlearning26" if tagged else "life", "notes"]
        result.append({"k": k, "title": f"Notes {k} from blog {n}", "when": when, "tags": tags, "html": html})
    return result


def render(n: int, version: int) -> bytes:
    term = PROFILE["name"] == "term"
    items = (term_posts if term else posts)(n, version)
    # A term blog's pages are on the farm (links resolve against the feed's address), so that the
    # hub's look-up of a post that left its feed is answered here.
    home = f"/blog/{n}/" if term else f"https://blog{n}.example/"
    if kind(n) == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"Blog {n}",
            "home_page_url": home,
            "items": [
                {
                    "id": f"{home}posts/{p['k']}/",
                    "url": f"{home}posts/{p['k']}/",
                    "title": p["title"],
                    "content_html": p["html"],
                    "date_published": p["when"].isoformat(),
                    "tags": p["tags"],
                }  # type: ignore[union-attr]
                for p in items
            ],
        }
        return json.dumps(doc).encode()
    if kind(n) == "atom":
        entries = "".join(
            f"<entry><title>{escape(str(p['title']))}</title><id>{home}posts/{p['k']}/</id>"
            f'<link rel="alternate" href="{home}posts/{p["k"]}/"/><updated>{p["when"].isoformat()}</updated>'  # type: ignore[union-attr]
            + "".join(f'<category term="{t}"/>' for t in p["tags"])  # type: ignore[union-attr]
            + f'<content type="html">{escape(str(p["html"]))}</content></entry>'
            for p in items
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog {n}</title>'
            f'<id>{home}</id><link href="{home}"/><updated>{COURSE_START.isoformat()}</updated>{entries}</feed>'
        ).encode()
    entries = "".join(
        f"<item><title>{escape(str(p['title']))}</title><link>{home}posts/{p['k']}/</link><guid>{home}?p={p['k']}</guid>"
        f"<pubDate>{p['when'].strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"  # type: ignore[union-attr]
        + "".join(f"<category>{t}</category>" for t in p["tags"])  # type: ignore[union-attr]
        + f"<description><![CDATA[{p['html']}]]></description></item>"
        for p in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog {n}</title>'
        f"<link>{home}</link>{entries}</channel></rss>"
    ).encode()


def url(port: int, n: int) -> str:
    return f"http://127.0.0.1:{port}/blog/{n}/feed.{kind(n)}"


async def _post_page(request: web.Request) -> web.Response:
    return web.Response(
        text="<!doctype html><title>A post</title><p>Still here.</p>", content_type="text/html"
    )


async def serve(farm: Farm, port: int) -> None:
    app = web.Application()
    app.router.add_get(r"/blog/{n:\d+}/feed.{ext}", farm.handle)
    app.router.add_get("/_bump", farm.bump_handler)
    app.router.add_get(r"/blog/{n:\d+}/posts/{k:\d+}/", _post_page)
    runner = web.AppRunner(app, access_log=None, handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"ready {bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--faults", type=float, default=0.02)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--profile", choices=("classic", "term"), default="classic")
    parser.add_argument("--share", type=float, default=0.25, help="term: posts with the course tag")
    args = parser.parse_args()
    PROFILE.update(name=args.profile, share=args.share)
    farm = Farm(args.feeds, args.latency, args.faults)
    farm.prepare()
    asyncio.run(serve(farm, args.port))


if __name__ == "__main__":
    main()
