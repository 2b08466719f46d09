"""A deterministic loopback feed farm: N synthetic blogs with RSS, Atom and JSON feeds.

    python -m benchmarks.farm --feeds 35000 --latency 0.15 --faults 0.02 [--profile realistic]

Every blog's feed is generated from its number and version, so the farm gives the same bytes on
every machine. Feeds carry ETag and Last-Modified and answer 304 to a matching conditional
request, and are sent gzipped to clients that ask, as blog hosts do. Every body is rendered and
compressed before the farm says it is ready (and again when a blog posts), so serving a feed costs
the farm little of the CPU it shares with the hub, and the hub's first run and the raw fetch meet
the same farm. A fraction of blogs is faulty, in turn: 404, 410, 500, an HTML page,
malformed XML, a connection closed without an answer, and a server a second slower than the
rest. A server that never answers costs the hub one timeout per run whatever the cohort's size;
tests/test_hostile_run.py bounds that case, so it is left out here, where it would only add a
constant to every figure. `GET /_bump?fraction=0.05` gives that
fraction of blogs one more post, for the "5% changed" run. It listens on 127.0.0.1 only.

Three profiles say what the posts are like:

- `--profile realistic`, the default: each feed lists the newest 10 of its 10 to 20 posts dated
  across the course, most with the course tag, each a whole post of 300 to 1,500 words (most
  near 300, 411 on average) as WordPress writes one: paragraphs, headings, a list, a quote, a
  code block, 2 to 4 pictures (some at relative addresses, some with srcset), a YouTube embed,
  3 to 8 links (to classmates' posts, to other sites with utm_ parameters, to a heading of the
  post), classes and styles the sanitizer drops. RSS carries the post in content:encoded and its
  first words in the description, Atom and JSON Feed in content and summary. A feed weighs 48 KB
  on average (10 KB gzipped); the blogs' pages are on the farm.
- `--profile short`: the same posts, dates and tags, each three short paragraphs, a link and a
  picture, in the description or content alone; about 20 KB a feed.
- `--profile term` serves blogs as a term of a course sees them (benchmarks/term.py): each feed
  lists its newest 10 posts of full content, 300 to 1,500 words each, and `--share` of the posts
  carry the course tag; a post's own page is on the farm too, so a post that leaves its feed is
  looked up there.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
import datetime as dt
import functools
import gzip
import hashlib
import itertools
import json
import random
from html import escape, unescape

from aiohttp import web

COURSE_START = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)
TOPICS = ["learning out loud", "weak ties", "feed readers", "open licences", "context collapse", "portfolios"]
FAULTS = ("404", "410", "500", "html", "malformed", "reset", "slow")
SLOW = 1.0  # seconds a slow server adds to the farm's latency
TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
DEFAULT_PROFILE = "realistic"
# Set by main(): which of PROFILES render() uses, and the farm's own origin, which the blogs'
# addresses start with ("" before it is known: addresses relative to the feed's).
PROFILE = {"name": DEFAULT_PROFILE, "share": 0.8, "origin": ""}
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
    """10 to 20 short posts, dated across the course, newest first; each version adds one."""
    result = []
    for k in _numbers(n, version):
        topic = TOPICS[(n + k) % len(TOPICS)]
        html = (
            f"<p>Week {k % 6 + 1} got me thinking about <strong>{topic}</strong>. "
            f"This is post {k} on blog {n}, written for the course and linking to "
            f'<a href="https://blog{(n + 1)}.example/posts/{k}/">a classmate</a>.</p>'
            f"<p>{'Learning in public means sharing unfinished thoughts with people who care. ' * 6}</p>"
            f'<figure><img src="https://blog{n}.example/img/{k}.jpg" alt="A sketch" width="640" height="480"></figure>'
            f"<p>{'What I will try next week is to read two posts and answer one of them. ' * 4}</p>"
        )
        result.append({**_course_post(n, k), "html": html})
    return result


def _numbers(n: int, version: int) -> range:
    """The numbers of blog n's posts in the short and realistic profiles: 10 to 20, newest first;
    each version adds one."""
    return range(10 + n % 11 + version - 1, -1, -1)


def _course_post(n: int, k: int) -> dict[str, object]:
    """Post k of blog n without its HTML: dated across the course, most with the course tag."""
    when = COURSE_START + dt.timedelta(days=(n * 7 + k * 3) % 42, hours=k % 12)
    topic = TOPICS[(n + k) % len(TOPICS)]
    tags = ["openlearning26", topic.replace(" ", "-")] if (n + k) % 5 else [topic.replace(" ", "-")]
    return {"k": k, "title": f"{topic.capitalize()}, notes {k}", "when": when, "tags": tags}


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


# The realistic profile: whole posts as a blog platform's feed carries them (WordPress, mostly).
REALISTIC_WORDS = (300, 1500)  # words of text in a post, headings, lists, captions and code included
REALISTIC_SKEW = 10.0  # lengths lean short, as posts do: the median post has 301 words, the mean 411
REALISTIC_LISTED = 10  # posts a feed lists, the newest (WordPress's default)
SUMMARY_WORDS = 40  # the summary a feed gives beside the whole post, as text
CONTENT_MODULE = "http://purl.org/rss/1.0/modules/content/"
CODE_SNIPPETS = (  # escaped as an editor escapes them
    '&lt;link rel="alternate" type="application/rss+xml" href="/feed/"&gt;\n'
    '&lt;a href="/feed/"&gt;Subscribe &amp; follow&lt;/a&gt;',
    "for post in feed.entries[:10]:\n"
    '    if "openlearning26" in post.tags and post.words &gt; 300:\n'
    '        print(post.title, "&amp;", post.link)',
    'curl -s "https://blog.example/feed/?paged=2&amp;orderby=date" \\\n  | grep -c "&lt;item&gt;"',
)
CODE_WORDS = tuple(len(unescape(snippet).split()) for snippet in CODE_SNIPPETS)


def realistic_posts(n: int, version: int) -> list[dict[str, object]]:
    """The newest REALISTIC_LISTED of posts()'s posts, dates and tags, each a whole post with a
    summary, as WordPress feeds them."""
    result = []
    for k in _numbers(n, version)[:REALISTIC_LISTED]:
        html, summary = _realistic_body(n, k)
        result.append({**_course_post(n, k), "html": html, "summary": summary})
    return result


@functools.cache
def _starts() -> array.array[int]:
    """Where each word of _prose() starts (words are one space apart), and where one more would."""
    starts = array.array("I", [0])
    starts.extend(itertools.accumulate(len(word) + 1 for word in _prose().split()))
    return starts


def _realistic_body(n: int, k: int) -> tuple[str, str]:
    """Post k of blog n and its summary: 300 to 1,500 words of _prose() in paragraphs, with
    headings, a list, a quote, code, 2 to 4 pictures, a video and 3 to 8 links in a mix that
    depends on (n, k) alone. Words are sliced out of _prose() by offset: splitting and joining
    them would double the farm's time to render its feeds."""
    d = hashlib.blake2b(f"realistic:{n}:{k}".encode(), digest_size=32).digest()
    low, high = REALISTIC_WORDS
    total = low + int((high - low) * (int.from_bytes(d[:2], "big") / 65536) ** REALISTIC_SKEW)
    text, starts = _prose(), _starts()
    base = (n * 7919 + k * 104729) % (len(starts) - 2 * high)

    def span(first: int, end: int) -> str:
        """Words first to end - 1 of the post."""
        return text[starts[base + first] : starts[base + end] - 1]

    alts = span(total, total + 12).split()  # words for alt text and addresses: none of the post's text
    block = d[2] < 160  # the block editor, which writes classes everywhere, or the classic one
    tail = total  # headings, lists, captions and quotes take words from the end, paragraphs the rest

    def take(count: int) -> str:
        nonlocal tail
        tail -= count
        return span(tail, tail + count)

    def figure(i: int) -> str:
        caption = take(4 + d[10 + i] % 5)
        alt = " ".join(alts[i : i + 3])
        if d[14 + i] % 3 == 0:  # a relative address, which the feed's address resolves
            src = f"/img/{k}{i}.jpg"
        else:
            src = f"https://blog{n}.example/wp-content/uploads/2026/09/{alts[i]}-{k}{i}.jpg"
        if not block:
            return (
                f'<figure><img src="{src}" alt="{alt}" width="640" height="480" style="max-width: 100%;">'
                f"<figcaption>{caption}</figcaption></figure>"
            )
        srcset = (
            f' srcset="{src[:-4]}-300x200.jpg 300w, {src} 1024w" sizes="(max-width: 1024px) 100vw, 1024px"'
            if d[18 + i] % 2
            else ""
        )
        return (
            f'<figure class="wp-block-image size-large"><img src="{src}" alt="{alt}" width="1024" height="683"'
            f' class="wp-image-{k}{i}"{srcset}><figcaption class="wp-element-caption">{caption}</figcaption></figure>'
        )

    headings = d[3] % 4 != 0
    heading = ' class="wp-block-heading"' if block else ""
    extras = [figure(0)]
    if headings:
        extras.append(f'<h2{heading} id="section-1">{take(3 + d[4] % 4)}</h2>')
    if d[5] % 3:
        tag = "ul" if d[5] % 3 == 1 else "ol"
        items = "".join(f"<li>{take(3 + (d[6] + i) % 6)}</li>" for i in range(3 + d[6] % 3))
        list_class = ' class="wp-block-list"' if block else ""
        extras.append(f"<{tag}{list_class}>{items}</{tag}>")
    extras.append(figure(1))
    if headings:
        extras.append(f'<h2{heading} id="section-2">{take(3 + d[7] % 4)}</h2>')
    if d[8] % 2:
        quote = f"<p>{take(20 + d[9] % 21)}</p>"
        extras.append(
            f'<blockquote class="wp-block-quote">{quote}<cite>{take(2)}</cite></blockquote>'
            if block
            else f"<blockquote>{quote}</blockquote>"
        )
    if d[20] % 3 == 0:
        snippet = d[21] % len(CODE_SNIPPETS)
        tail -= CODE_WORDS[snippet]  # the code's words are the post's words too
        code_class = ' class="wp-block-code"' if block else ""
        extras.append(f"<pre{code_class}><code>{CODE_SNIPPETS[snippet]}</code></pre>")
    extras += [figure(i) for i in range(2, 2 + d[22] % 3)]
    if headings and d[23] % 2:
        extras.append(f"<h3{heading}>{take(2 + d[24] % 4)}</h3>")
    if d[25] % 3 == 0:
        video = base64.urlsafe_b64encode(d[26:]).decode()[:8] + alts[0][:3]
        extras.append(
            f'<iframe src="https://www.youtube.com/embed/{video}" width="560" height="315" allowfullscreen></iframe>'
        )

    # Links and inline markup, spread over the paragraphs: (opening tag, closing tag, words).
    inline = []
    for i in range(3 + d[27] % 6):
        if i == 0 and headings:
            href = "#section-2"
        elif i % 2:  # a classmate's post
            m = n - 1 - (d[i] + i) % 20 if n > 20 else n + 1 + (d[i] + i) % 20
            href = f"https://blog{m}.example/posts/{(d[i + 8] + k) % (10 + m % 11)}/"
        elif d[i + 16] % 2:
            href = f"https://en.wikipedia.org/wiki/{alts[i].capitalize()}_{alts[i + 1]}"
        else:
            href = (
                f"https://www.example.org/{alts[i]}/{alts[i + 1]}-{k}/?utm_source=blog{n}"
                "&amp;utm_medium=referral&amp;utm_campaign=openlearning26"
            )
        inline.append((f'<a href="{href}">', "</a>", 1 + d[i + 4] % 3))
    if d[28] % 3:
        inline.append(("<em>", "</em>", 1 + d[28] % 2))
    if d[29] % 2:
        inline.append(("<strong>", "</strong>", 2))
    if d[30] % 3 == 0:
        inline.append(("<code>", "</code>", 1))

    bounds = []  # each paragraph's first word and the word after its last
    done = 0
    while done < tail:
        size = 40 + d[len(bounds) % 32] % 70
        if tail - done - size < 25:
            size = tail - done  # the rest, rather than a stub of a paragraph
        bounds.append((done, done + size))
        done += size
    marks: list[list[tuple[str, str, int]]] = [[] for _ in bounds]
    for i, mark in enumerate(inline):
        marks[(i * 3 + d[31]) % len(bounds)].append(mark)
    opening = '<p class="wp-block-paragraph">' if block else "<p>"
    if not block and d[31] % 4 == 0:
        opening = '<p style="text-align: left;">'  # pasted from a word processor
    after = [max(1, (e + 1) * len(bounds) // (len(extras) + 1)) for e in range(len(extras))]
    pieces = []
    for number, (first, end) in enumerate(bounds):
        pieces += [extra for extra, place in zip(extras, after, strict=True) if place == number]
        pieces.append(opening)
        cursor = starts[base + first]
        if marks[number]:
            room = (end - first) // len(marks[number])
            for slot, (open_tag, close_tag, words) in enumerate(marks[number]):
                words = max(1, min(words, room))
                start = first + slot * room + d[(number + slot) % 32] % (room - words + 1)
                at, stop = starts[base + start], starts[base + start + words] - 1
                pieces += [text[cursor:at], open_tag, text[at:stop], close_tag]
                cursor = stop
        pieces += [text[cursor : starts[base + end] - 1], "</p>"]
    return "".join(pieces), span(0, SUMMARY_WORDS) + " [\u2026]"


PROFILES = {"short": posts, "realistic": realistic_posts, "term": term_posts}


def render(n: int, version: int) -> bytes:
    profile = PROFILE["name"]
    items = PROFILES[str(profile)](n, version)
    # A blog's pages are on the farm, so that the hub's look-up of a post that left its feed
    # (realistic and term feeds list their newest posts only) is answered here, on the loopback
    # interface; their addresses are absolute, as blog platforms write them.
    home = f"https://blog{n}.example/" if profile == "short" else f"{PROFILE['origin']}/blog/{n}/"
    if kind(n) == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"Blog {n}",
            "home_page_url": home,
            "items": [_json_item(p, home) for p in items],
        }
        return json.dumps(doc).encode()
    if kind(n) == "atom":
        entries = "".join(
            f"<entry><title>{escape(str(p['title']))}</title><id>{home}posts/{p['k']}/</id>"
            f'<link rel="alternate" href="{home}posts/{p["k"]}/"/><updated>{p["when"].isoformat()}</updated>'  # type: ignore[union-attr]
            + "".join(f'<category term="{t}"/>' for t in p["tags"])  # type: ignore[union-attr]
            + (f"<summary>{escape(str(p['summary']))}</summary>" if "summary" in p else "")
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
        + (
            # As WordPress writes it: a summary in the description, the whole post in content:encoded.
            f"<description><![CDATA[{p['summary']}]]></description>"
            f"<content:encoded><![CDATA[{p['html']}]]></content:encoded></item>"
            if "summary" in p
            else f"<description><![CDATA[{p['html']}]]></description></item>"
        )
        for p in items
    )
    namespace = f' xmlns:content="{CONTENT_MODULE}"' if profile == "realistic" else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{namespace}><channel><title>Blog {n}</title>'
        f"<link>{home}</link>{entries}</channel></rss>"
    ).encode()


def _json_item(p: dict[str, object], home: str) -> dict[str, object]:
    item: dict[str, object] = {
        "id": f"{home}posts/{p['k']}/",
        "url": f"{home}posts/{p['k']}/",
        "title": p["title"],
    }
    if "summary" in p:
        item["summary"] = p["summary"]
    item["content_html"] = p["html"]
    item["date_published"] = p["when"].isoformat()  # type: ignore[attr-defined]
    item["tags"] = p["tags"]
    return item


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
    PROFILE["origin"] = f"http://127.0.0.1:{bound}"
    farm.prepare()
    print(f"ready {bound}", flush=True)
    await asyncio.Event().wait()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--faults", type=float, default=0.02)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--profile", choices=tuple(PROFILES), default=DEFAULT_PROFILE)
    parser.add_argument("--share", type=float, default=0.25, help="term: posts with the course tag")
    return parser


def main() -> None:
    args = parser().parse_args()
    PROFILE.update(name=args.profile, share=args.share)
    farm = Farm(args.feeds, args.latency, args.faults)
    asyncio.run(serve(farm, args.port))


if __name__ == "__main__":
    main()
