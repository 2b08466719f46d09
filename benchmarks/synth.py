"""A synthetic course project for build benchmarks: feeds.opml, an archive and a settings file.

    python -m benchmarks.synth FOLDER --participants 35000 --posts 10

The course is the demo's, terms and content (benchmarks/course.py): the synthetic cohort is its
current term's, in archive/<slug>/, and its past term has no one. The archive is written with the
aggregator's own serializer, so it is exactly what `update` would leave: sanitized-looking HTML
bodies of about 150 words, 60-word excerpts, varied titles and tags (most posts carry the term's
course tag "openlearning26", a few a week tag), dates spread over its six weeks from 2026-09-07,
a picture on about a third of the posts, and an avatar for every blog. Everything derives from the participant's number, so
the same arguments give the same bytes on every machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aggregator.archive import FeedInfo, FeedState, Record, record_to_json
from aggregator.normalize import Post
from aggregator.registry import Participant
from benchmarks import course

ROOT = Path(__file__).resolve().parent.parent
COURSE_START = dt.datetime(2026, 9, 7, 7, 0, tzinfo=dt.UTC)
COURSE_SECONDS = 6 * 7 * 24 * 3600
SYNCED = dt.datetime(2026, 10, 20, 6, 0, tzinfo=dt.UTC)  # when the archive was last updated
COURSE_TAG = "openlearning26"
FIRST = ("Maya", "Leo", "Sam", "Amara", "Deniz", "Ellen", "Ravi", "Yuki", "Ines", "Tomas", "Noor", "Kofi")
LAST = ("Okafor", "Tanaka", "Reyes", "Nwosu", "Sahin", "Fairweather", "Patel", "Mori", "Costa", "Novak")
TOPICS = (
    "learning out loud",
    "weak ties",
    "feed readers",
    "open licences",
    "context collapse",
    "portfolios",
    "annotation",
    "care and consent",
)
WORDS = tuple(
    " ".join(
        (
            "learning in public means sharing unfinished thoughts with people who care about the answer",
            "this week I read two posts and answered one of them the network grows when we link to each other",
            "a feed reader turns strangers into colleagues slowly and without an algorithm choosing for us",
        )
    ).split()
)
# A settings file like benchmarks/run.py's, offline: the build renders the archive as it is.
SETTINGS = """
import sys
sys.path.insert(0, {root!r})
from pelicanconf import *
PATH = {root!r} + "/content"
THEME = {root!r} + "/themes/commons"
PLUGIN_PATHS = [{root!r} + "/plugins"]
HUB = {{**HUB, "opml": {opml!r}, "archive": {archive!r}, "health_report": "", "offline": True,
       "pictures": {pictures!r}}}
COHORT_PER_PAGE = {per_page}
"""
PER_PAGE = 20  # the plugin's default; the demo's 10 shows pagination with its 13 blogs


def participant(n: int) -> Participant:
    name = f"{FIRST[n % len(FIRST)]} {LAST[n // len(FIRST) % len(LAST)]}"
    return Participant(f"p{n:06d}", name, f"https://blog{n}.example/feed/", f"https://blog{n}.example/")


def record(n: int, posts: int) -> Record:
    rng = random.Random(n)  # noqa: S311 - reproducible test data, not secrets
    made = (post(n, k, rng) for k in range(posts))
    return Record(
        participant=participant(n),
        feed=FeedInfo(
            title=f"Notes from blog {n}", home_url=f"https://blog{n}.example/", image_url=avatar_url(n)
        ),
        state=FeedState(etag=f'"{n}-0"', last_success=SYNCED, body_sha256=f"{n:064x}"),
        posts=tuple(sorted(made, key=lambda p: (p.published, p.id), reverse=True)),
    )


def avatar_url(n: int) -> str:
    return f"https://blog{n}.example/avatar.jpg"


def post(n: int, k: int, rng: random.Random) -> Post:
    topic = rng.choice(TOPICS)
    published = COURSE_START + dt.timedelta(seconds=rng.randrange(COURSE_SECONDS))
    url = f"https://blog{n}.example/{published:%Y/%m/%d}/{topic.replace(' ', '-')}-{k}/"
    body = html_body(topic, rng)
    return Post(
        id=url,
        url=url,
        title=f"{topic.capitalize()}: {' '.join(rng.sample(WORDS, 5))}",
        published=published,
        date_source="published",
        updated=None,
        first_seen=published + dt.timedelta(hours=1),
        tags=tags(topic, rng),
        author=None,
        content_html=body,
        excerpt_html=f"<p>{' '.join(rng.choices(WORDS, k=60))}…</p>",
        image_url=f"https://blog{n}.example/img/{k}.jpg" if rng.random() < 0.3 else None,
        words=150,
        links=links(n, k, topic),
    )


def links(n: int, k: int, topic: str) -> tuple[str, ...]:
    """A reading, a news page and a neighbour's blog: most links leave the cohort, and every blog
    is linked to, so the conversation pass compares every post's address (no rng: the other
    posts stay as they were before links were made up)."""
    wiki = f"https://en.wikipedia.example/wiki/{topic.replace(' ', '_')}"
    return (wiki, f"https://news.example/2026/{k}/", f"https://blog{n + 1 + k}.example/")


def html_body(topic: str, rng: random.Random) -> str:
    link = f'<a href="https://blog{rng.randrange(1000)}.example/" rel="ugc nofollow noopener noreferrer">a classmate</a>'
    paragraphs = (" ".join(rng.choices(WORDS, k=50)) for _ in range(3))
    return f"<p>On <strong>{topic}</strong>, after reading {link}.</p>" + "".join(
        f"<p>{text}.</p>" for text in paragraphs
    )


def tags(topic: str, rng: random.Random) -> tuple[str, ...]:
    found = [topic.replace(" ", "-")]
    if rng.random() < 0.9:  # the others are off-topic posts the course page does not show
        found.insert(0, COURSE_TAG)
    if rng.random() < 0.05:  # a participant catching up files a post under an earlier week
        found.append(f"week-{rng.randint(1, 6)}")
    return tuple(found)


def write_archive_files(folder: Path, numbers: range, posts: int) -> None:
    # Plain writes: Archive.save's fsync per file would add minutes and proves nothing here.
    for n in numbers:
        (folder / f"p{n:06d}.json").write_text(record_to_json(record(n, posts)), encoding="utf-8")


def write_archive(folder: Path, participants: int, posts: int, processes: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    step = -(-participants // processes)
    chunks = [range(start, min(start + step, participants)) for start in range(0, participants, step)]
    with ProcessPoolExecutor(processes) as pool:
        for done in [pool.submit(write_archive_files, folder, chunk, posts) for chunk in chunks]:
            done.result()


def opml(participants: int) -> str:
    outlines = (
        f'<outline type="rss" text="{p.name}" xmlUrl="{p.feed_url}" htmlUrl="{p.blog_url}" hub:id="{p.id}"/>'
        for p in map(participant, range(participants))
    )
    return course.opml("synthetic cohort", outlines)


def write_project(folder: Path, participants: int, posts: int, per_page: int = PER_PAGE) -> Path:
    """Write the project into `folder`; return its settings file."""
    write_archive(course.archive_folder(folder), participants, posts)
    return write_registry_and_settings(folder, participants, per_page)


def write_registry_and_settings(
    folder: Path, participants: int, per_page: int = PER_PAGE, pictures: Path | None = None
) -> Path:
    """feeds.opml and settings.py, cheap to write: the archive is what takes time. Without
    `pictures` (a picture store), the site shows none."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feeds.opml").write_text(opml(participants), encoding="utf-8")
    settings = folder / "settings.py"
    settings.write_text(
        SETTINGS.format(
            root=str(ROOT),
            opml=str(folder / "feeds.opml"),
            archive=str(folder / "archive"),
            per_page=per_page,
            pictures=str(pictures or folder / "no-pictures"),
        ),
        encoding="utf-8",
    )
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--per-page", type=int, default=PER_PAGE, help="posts per cohort page")
    args = parser.parse_args()
    print(write_project(args.folder, args.participants, args.posts, args.per_page))


if __name__ == "__main__":
    main()
