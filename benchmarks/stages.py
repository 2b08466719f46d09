"""CPU time per feed for each stage of reading a feed, from bytes to the archive's JSON.

    python -m benchmarks.stages --feeds 1000 [--profile realistic] [--runs 5]

The farm's feeds (benchmarks/farm.py) are rendered in this process, then each stage runs over all
of them in turn, timed with `time.process_time`: parse (`parse_feed`), the HTML pass and the rest
of normalize (`normalize`, given the course's tag as the update gives it), what consent keeps (`kept_posts`), the merge into an empty record and
into the full one (`merge_posts`), and the record's JSON (`record_to_json`). No network and no
disk: the figures are the work the hub does per feed, which the whole-run benchmark (run.py)
measures together with fetching, the event loop and the file writes. Medians of `--runs`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from aggregator.archive import Record, merge_posts, record_to_json
from aggregator.config import Course
from aggregator.consent import course_filter, kept_posts
from aggregator.inclusion import inclusion_for
from aggregator.normalize import Normalized, normalize
from aggregator.parse import ParsedFeed, parse_feed
from aggregator.registry import Participant
from benchmarks import farm

NOW = dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC)
COURSE = Course(dt.date(2026, 9, 7), 6, dt.UTC, "openlearning26")  # type: ignore[arg-type]
_In = TypeVar("_In")
_Out = TypeVar("_Out")


def timed(stage: Callable[[_In], _Out], inputs: Sequence[_In]) -> tuple[float, list[_Out]]:
    started = time.process_time()
    outputs = [stage(each) for each in inputs]
    return time.process_time() - started, outputs


def one_run(bodies: Sequence[tuple[int, bytes]]) -> dict[str, float]:
    """Seconds of CPU for each stage over every feed."""
    people = {n: Participant(f"p{n}", f"Person {n}", farm_url(n), None) for n, _ in bodies}
    seconds: dict[str, float] = {}
    seconds["parse"], parsed = timed(lambda nb: _parsed(nb[1], farm_url(nb[0])), bodies)
    numbered = list(zip((n for n, _ in bodies), parsed, strict=True))
    seconds["HTML pass and normalize"], content = timed(lambda pair: _normalized(pair, people), numbered)
    pairs = list(zip((n for n, _ in bodies), content, strict=True))
    seconds["consent"], kept = timed(lambda pair: _kept(pair, people), pairs)
    records = [Record(people[n]) for n, _ in bodies]
    seconds["merge into an empty record"], merged = timed(_merge, list(zip(records, kept, strict=True)))
    seconds["merge again (nothing new)"], _ = timed(_merge, list(zip(merged, kept, strict=True)))
    seconds["JSON of the record"], _ = timed(record_to_json, merged)
    return seconds


def farm_url(n: int) -> str:
    return f"https://blog{n}.example/feed.{farm.kind(n)}"


def _parsed(body: bytes, url: str) -> ParsedFeed:
    feed = parse_feed(body, {}, url)
    assert isinstance(feed, ParsedFeed), feed
    return feed


def _normalized(pair: tuple[int, ParsedFeed], people: dict[int, Participant]) -> Normalized:
    """As the update normalizes a feed: only the posts the course keeps get the HTML pass."""
    n, feed = pair
    return normalize(feed, NOW, course_filter(inclusion_for(COURSE, people[n].tag, None)))


def _kept(pair: tuple[int, Normalized], people: dict[int, Participant]) -> tuple[Any, ...]:
    n, content = pair
    return kept_posts(content.posts, people[n], inclusion_for(COURSE, people[n].tag, None))


def _merge(pair: tuple[Record, tuple[Any, ...]]) -> Record:
    record, posts = pair
    return replace(record, posts=merge_posts(record.posts, posts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--profile", choices=("realistic", "short"), default=farm.DEFAULT_PROFILE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    farm.PROFILE["name"] = args.profile
    bodies = [(n, farm.render(n, 0)) for n in range(args.feeds)]
    runs = [one_run(bodies) for _ in range(args.runs)]
    per_feed = {stage: statistics.median(run[stage] for run in runs) * 1000 / args.feeds for stage in runs[0]}
    size = sum(len(body) for _, body in bodies) / len(bodies)
    posts = sum(len(_parsed(body, farm_url(n)).entries) for n, body in bodies) / len(bodies)
    if args.json:
        print(
            json.dumps({"profile": args.profile, "feed_bytes": size, "posts": posts, "ms_per_feed": per_feed})
        )
        return
    print(f"{args.feeds} {args.profile} feeds, {size / 1000:.1f} KB and {posts:.1f} posts each on average")
    print(f"CPU per feed, median of {args.runs} runs:")
    for stage, ms in per_feed.items():
        print(f"  {stage:<28} {ms:6.3f} ms")
    bytes_to_archive = sum(ms for stage, ms in per_feed.items() if stage != "merge again (nothing new)")
    print(f"  {'bytes to archived posts':<28} {bytes_to_archive:6.3f} ms")


if __name__ == "__main__":
    main()
