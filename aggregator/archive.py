"""The durable record: one JSON file per participant in `archive/`, committed with the site.

Merging never deletes a post: it only adds posts or updates them in place. A post leaves the
archive only when its author withdraws it (`withdraw`): what stays is a tombstone, the hashes of the
post's identity, so that no later fetch brings it back. A participant who asks to be forgotten
leaves one line in `_forgotten.json`: the hash of their feed address. Files are written
atomically (temporary file, rename) and only when their bytes change, so a run that finds
nothing new leaves the archive byte-identical and gives the publish job nothing to commit. A
killed run leaves every file old or new; `Archive.sync` makes a whole run's writes durable at
once (a flush per file cost a 35,000-participant run about 7 CPU-seconds).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import html
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from .errors import ArchiveError
from .files import write_atomically
from .normalize import Post
from .registry import Participant
from .sanitize import rough_text, same_markup
from .urls import canonical_address, feed_identity, url_identity

FINGERPRINT_WORDS = 40
FINGERPRINT_MIN_WORDS = 12  # "First week done." twice is two posts, not one republished
_WORDS = re.compile(r"\w+")
FORMAT_VERSION = 2  # 2: only course posts, bodies only for display "full", outbound links
READABLE_FORMATS = (1, 2)  # a format-1 file is read, and written as format 2 by the next update
_Value = TypeVar("_Value")


@dataclass(frozen=True)
class LastError:
    """The last thing that went wrong with a feed, as stored (the exception itself is not)."""

    at: dt.datetime
    kind: str
    message: str
    status: int | None = None  # the HTTP status, when there was one


@dataclass(frozen=True)
class FeedState:
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    last_success: dt.datetime | None = None
    last_error: LastError | None = None
    consecutive_failures: int = 0
    moved_to: str | None = None  # where a permanent redirect pointed
    gone_url: str | None = None  # the feed address that answered 410 Gone
    retry_at: dt.datetime | None = None  # not fetched before this time (Retry-After, backoff)
    listed: tuple[str, ...] = ()  # short hashes of the post ids in the feed's last parsed version


@dataclass(frozen=True)
class FeedInfo:
    """What the feed says about the blog: its name, home page and image."""

    title: str | None = None
    home_url: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class Tombstone:
    """What is left of a withdrawn post: one hash of its identity, never its words or address."""

    key: str
    at: dt.datetime
    why: str  # "withdrawn" (the author asked) or "gone" (the original answered 410 Gone)


@dataclass(frozen=True)
class Record:
    participant: Participant
    feed: FeedInfo = field(default_factory=FeedInfo)
    state: FeedState = field(default_factory=FeedState)
    posts: tuple[Post, ...] = ()
    complete: bool = True  # False when loaded without post bodies, for rendering: never saved
    withdrawn: tuple[Tombstone, ...] = ()
    format: int = field(default=FORMAT_VERSION, compare=False)  # the format the file was read in

    @functools.cached_property
    def tombstone_keys(self) -> frozenset[str]:
        return frozenset(stone.key for stone in self.withdrawn)

    def buried(self, post: Post) -> bool:
        """Whether `post` was withdrawn before, under any of its identities."""
        if not self.withdrawn:
            return False
        # Tombstones laid before fragments were part of a post's identity hold keys without them.
        keys = {*tombstone_keys(post), *tombstone_keys(post, fragment=False)}
        return not self.tombstone_keys.isdisjoint(keys)


def tombstone_keys(post: Post, *, fragment: bool = True) -> tuple[str, ...]:
    """Hashes of everything a post is known by, and of what would tell it again if its blog
    republished it: its address however shared (canonical_address), and its words."""
    canonical = {canonical_address(a, fragment=fragment) for a in (post.url, post.id) if a}
    keys = [*identity_keys(post, fragment=fragment), *(f"canon {c}" for c in sorted(canonical))]
    if words := _fingerprint(post):
        keys.append(f"text {words}")
    return tuple(_digest(key) for key in keys)


@functools.lru_cache(maxsize=4096)  # asked for each post rule, for each participant of a run
def address_digest(url: str) -> str:
    """The tombstone key a post at `url` leaves: to tell whether a rule's post was withdrawn."""
    return _digest(f"canon {canonical_address(url)}")


def _fingerprint(post: Post) -> str | None:
    """The first words of a post's text, when there are enough of them to tell it from another
    post of the same blog (a republished post keeps its words, not its guid, link or date)."""
    words = _WORDS.findall(html.unescape(rough_text(post.excerpt_html)).casefold())
    return " ".join(words[:FINGERPRINT_WORDS]) if len(words) >= FINGERPRINT_MIN_WORDS else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def withdraw(record: Record, posts: Iterable[Post], why: str, now: dt.datetime) -> Record:
    """Erase `posts` from the record and keep their tombstones."""
    gone = {post.id: post for post in posts}
    if not gone:
        return record
    known = record.tombstone_keys
    stones = {
        key: Tombstone(key, now, why)
        for post in gone.values()
        for key in tombstone_keys(post)
        if key not in known
    }
    kept = tuple(post for post in record.posts if post.id not in gone)
    return replace(record, posts=kept, withdrawn=record.withdrawn + tuple(stones.values()))


def merge_posts(known: Iterable[Post], incoming: Iterable[Post]) -> tuple[Post, ...]:
    """Union of posts by identity. Nothing is ever dropped.

    An edit updates a post in place and keeps its first-seen and published dates (a feed that
    re-dates its entries on every fetch cannot move them). A post whose guid changed, as when a
    blog moves from http to https or from `?p=123` links to slugs, is recognised by its link or by
    its title and date, and is not archived twice (`matches`). The incoming post replaces the one
    it matches whole: no post ever carries fields of two.
    """
    merged = {post.id: post for post in known}
    incoming = tuple(incoming)
    matched = matches(tuple(merged.values()), incoming)
    for number, post in enumerate(incoming):
        if (same := matched.get(number)) is not None:
            old = merged.pop(same)
            post = replace(
                post,
                id=old.id,
                published=old.published,
                date_source=old.date_source,
                first_seen=old.first_seen,
            )
            post = old if _only_spelled_anew(old, post) else post
        merged[post.id] = post
    return _in_archive_order(merged.values())


def _only_spelled_anew(old: Post, new: Post) -> bool:
    """Whether `new` is `old` with its HTML written another way (attributes in another order):
    then the stored post stays, and no archive is rewritten because the sanitizer changed."""
    if new == old:
        return True
    same_text = replace(new, content_html=old.content_html, excerpt_html=old.excerpt_html) == old
    return (
        same_text
        and same_markup(old.content_html, new.content_html)
        and same_markup(old.excerpt_html, new.excerpt_html)
    )


def new_posts(known: Iterable[Post], incoming: Iterable[Post]) -> list[Post]:
    """The incoming posts that are none of the known ones."""
    incoming = tuple(incoming)
    matched = matches(tuple(known), incoming)
    return [post for number, post in enumerate(incoming) if number not in matched]


def matches(known: tuple[Post, ...], incoming: tuple[Post, ...]) -> dict[int, str]:
    """Which known post each incoming post is (by its place in `incoming`, to a known id).

    The same guid always matches. Then, strongest first, a guid or link spelled another way, and
    the title and date: a key matches only when exactly one known and one incoming post hold it,
    and each known post is matched once. So two entries of one fetch are never taken for one
    post, however alike their links (a linkblog's items citing one article, entries that all link
    to the blog's home page).
    """
    known_ids = {post.id for post in known}
    matched = {n: post.id for n, post in enumerate(incoming) if post.id in known_ids}
    for kind in range(len(_KEY_KINDS)):
        taken = set(matched.values())
        old = _unique_keys((p.id, _key(p, kind)) for p in known if p.id not in taken)
        new = _unique_keys((n, _key(p, kind)) for n, p in enumerate(incoming) if n not in matched)
        matched.update({n: old[key] for key, n in new.items() if key in old})
    return matched


_KEY_KINDS = ("id", "url", "title")
_Owner = TypeVar("_Owner", int, str)


def _unique_keys(owned: Iterable[tuple[_Owner, str | None]]) -> dict[str, _Owner]:
    """Key -> owner, for the keys that exactly one owner holds."""
    owners: dict[str, _Owner | None] = {}
    for owner, key in owned:
        if key is not None:
            owners[key] = owner if key not in owners else None
    return {key: owner for key, owner in owners.items() if owner is not None}


def _key(post: Post, kind: int, *, fragment: bool = True) -> str | None:
    if kind == 0:
        return f"id {url_identity(post.id, fragment=fragment)}"
    if kind == 1:
        return f"url {url_identity(post.url, fragment=fragment)}" if post.url else None
    if post.date_source == "first-seen":
        return None
    return f"title {post.title.casefold()} {format_time(post.published)}"


@dataclass(frozen=True)
class Fitted:
    """A record within its limits, and the new or edited posts it could not take this run."""

    record: Record
    later: tuple[Post, ...] = ()  # past the run's budget: taken in with a later run
    too_large: tuple[Post, ...] = ()  # would take the file past its cap


def fit(before: Record, after: Record, file_limit: int, run_limit: int) -> Fitted:
    """`after`, or as much of its new and edited posts as one run may write (`run_limit` bytes of
    them) and the file may hold (`file_limit` bytes), taken the newest first. A new post that does
    not fit is left out; an edit that does not fit leaves the stored post as it was."""
    stored = {post.id: post for post in before.posts}
    changes = [post for post in after.posts if stored.get(post.id) != post]
    if _surely_within(after.posts, file_limit) and _surely_within(changes, run_limit):
        return Fitted(after)  # the usual case: nothing to encode twice
    posts = dict(stored)
    size, budget = _file_size(replace(after, posts=before.posts)), run_limit
    later, too_large = [], []
    for post in sorted(changes, key=_newest_first):
        line = _line_size(post)
        grows = line - (_line_size(stored[post.id]) if post.id in stored else 0)
        if line > budget:
            later.append(post)
        elif size + grows > file_limit:
            too_large.append(post)
        else:
            posts[post.id], budget, size = post, budget - line, size + grows
    return Fitted(replace(after, posts=_in_archive_order(posts.values())), tuple(later), tuple(too_large))


def _surely_within(posts: Collection[Post], limit: int) -> bool:
    """Without encoding: a character is at most 4 bytes in the file (UTF-8, or an escape such as
    \\" for a 1-byte one); the rest of a post's line, and a record's head, are well under 600 and
    16,384 bytes."""
    chars = sum(len(p.content_html) + len(p.excerpt_html) + len(p.title) + len(p.id) for p in posts)
    chars += sum(len(p.url or "") + len(p.author or "") + len(p.image_url or "") for p in posts)
    chars += sum(len(tag) for p in posts for tag in p.tags) + sum(len(url) for p in posts for url in p.links)
    chars += sum(len(hashtag) for p in posts for hashtag in p.hashtags)
    return 4 * chars + 600 * len(posts) + 16_384 <= limit


def _file_size(record: Record) -> int:
    return len(record_to_json(record).encode("utf-8"))


def _line_size(post: Post) -> int:
    return len(_dumps(_post_doc(post)).encode("utf-8")) + 2  # and the ",\n" that joins it


def _newest_first(post: Post) -> tuple[float, str]:
    return (-post.published.timestamp(), post.id)


def _in_archive_order(posts: Iterable[Post]) -> tuple[Post, ...]:
    return tuple(sorted(posts, key=lambda p: (p.published, p.id), reverse=True))


def identity_keys(post: Post, *, fragment: bool = True) -> tuple[str, ...]:
    """Every key a post is known by: its guid, its link, its title and date."""
    keys = (_key(post, kind, fragment=fragment) for kind in range(len(_KEY_KINDS)))
    return tuple(key for key in keys if key is not None)


class Archive:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, participant_id: str) -> Path:
        return self.directory / f"{participant_id}.json"

    def load(self, participant_id: str, *, bodies: bool = True) -> Record | None:
        path = self.path(participant_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ArchiveError(f"cannot read {path}: {exc.strerror}") from None
        return record_from_json(text, str(path), bodies=bodies)

    def ids(self) -> tuple[str, ...]:
        """The id of every record in the archive, sorted."""
        if not self.directory.is_dir():
            return ()
        names = sorted(path.name for path in self.directory.glob("*.json") if not path.name.startswith("_"))
        return tuple(name.removesuffix(".json") for name in names)

    def load_all(self, *, bodies: bool = True) -> dict[str, Record]:
        """Every record, including those of participants no longer in feeds.opml.

        Rendering shows excerpts only: `bodies=False` leaves each post's full HTML on disk. Such
        records cannot be saved.
        """
        return {
            participant_id: record
            for participant_id in self.ids()
            if (record := self.load(participant_id, bodies=bodies))
        }

    def save(self, record: Record) -> bool:
        """Write the record if its bytes changed; return whether anything was written."""
        if not record.complete:
            raise ArchiveError(f"refusing to save {record.participant.id}: it was loaded without post bodies")
        path = self.path(record.participant.id)
        data = record_to_json(record).encode("utf-8")
        with contextlib.suppress(OSError):
            if path.read_bytes() == data:
                return False
        write_atomically(path, data, durable=False)
        return True

    def forgotten(self) -> dict[str, dt.datetime]:
        """Hashes of the feed addresses of participants who asked to be forgotten, and when."""
        return {key: at for key, (at, _) in self._forgotten_entries().items()}

    def _forgotten_entries(self) -> dict[str, tuple[dt.datetime, str | None]]:
        """Each key of _forgotten.json, when it was forgotten and the reason recorded, if any."""
        path = self.directory / FORGOTTEN_FILE
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return {e["key"]: (_required_time(e["at"]), e.get("reason")) for e in doc["forgotten"]}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ArchiveError(f"{path} is damaged ({exc}); restore it from git") from None

    def forget(
        self,
        participant_id: str,
        feed_urls: Iterable[str],
        now: dt.datetime,
        blog_urls: Iterable[str] = (),
        reason: str | None = None,
    ) -> bool:
        """Erase a participant's record and remember their feeds and blogs (as hashes, with the
        facilitator's `reason`), so nothing of theirs comes back under any spelling or path
        (`forgotten_keys`). The tombstone is written first: a run killed in between has erased
        nothing yet. Returns whether there was a record."""
        keys = {key for url in feed_urls for key in _feed_keys(url)}
        keys |= {_digest(f"blog {feed_identity(url)}") for url in blog_urls}
        entries = {**self._forgotten_entries(), **dict.fromkeys(keys, (now, reason))}
        lines = ",\n".join(_forgotten_line(key, at, why) for key, (at, why) in sorted(entries.items()))
        write_atomically(self.directory / FORGOTTEN_FILE, f'{{"forgotten": [\n{lines}\n]}}\n'.encode())
        path = self.path(participant_id)
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed

    @staticmethod
    def sync() -> None:
        """Make every write so far durable, in one call for the whole run rather than one per file."""
        os.sync()

    @contextlib.contextmanager
    def lock(self) -> Iterator[int]:
        """One writer at a time: a second update waits for nobody, it stops with a clear error.
        Yields the locked file's descriptor: worker processes hold the lock by holding a copy."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ArchiveError(
                    f"another update is writing {self.directory} right now; try again when it ends"
                ) from None
            for leftover in self.directory.glob(".*.tmp"):  # from a run that was killed mid-write
                leftover.unlink(missing_ok=True)
            yield handle.fileno()


FORGOTTEN_FILE = "_forgotten.json"  # participant ids never start with "_"


def move_records(root: Path, folder: Path) -> None:
    """Move the files of an archive kept at `root` (a course before terms) into `folder`, its
    term's: each file once, a copy already there with the same bytes taken as moved. Two different
    files of one name stop the move with nothing lost."""
    for path in sorted(root.glob("*.json")):
        target = folder / path.name
        if target.exists() and target.read_bytes() != path.read_bytes():
            raise ArchiveError(
                f"{path} and {target} are two different files: keep the right one, delete the other"
            )
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def _forgotten_line(key: str, at: dt.datetime, reason: str | None) -> str:
    return _dumps({"at": format_time(at), "key": key, **({"reason": reason} if reason else {})})


def feed_key(feed_url: str) -> str:
    """The key `forget` wrote for a feed before feeds were compared by feed_identity."""
    return _digest(f"feed {url_identity(feed_url)}")


def _feed_keys(feed_url: str) -> set[str]:
    return {feed_key(feed_url), _digest(f"feed {feed_identity(feed_url)}")}


def forgotten_keys(address: str) -> set[str]:
    """The keys under which `address` (a feed, a blog, a page of either) is forgotten: as a feed,
    in any spelling, and as a page of a forgotten blog (the blog's address, or one of its parents:
    `/rss`, `/?feed=rss2` and `/feed/atom/` are all pages of `https://maya.example/`)."""
    identity = feed_identity(address).split("?", 1)[0]
    parents = [identity[:end] for end in _path_ends(identity)]
    return _feed_keys(address) | {_digest(f"blog {parent}") for parent in parents}


def _path_ends(identity: str) -> list[int]:
    """Where each parent of `//host/a/b` ends: `//host/a/b`, `//host/a`, `//host`."""
    host_end = identity.find("/", 2)
    if host_end == -1:
        return [len(identity)]
    return [len(identity), *(i for i in range(len(identity) - 1, host_end - 1, -1) if identity[i] == "/")]


class RecordsOnDemand(Mapping[str, Record]):
    """The records of `ids`, each read from the archive when asked for and not kept.

    For one pass over a large archive: whoever reads a record keeps what it needs of it, and the
    rest (a blog's posts outside the course, say) is freed at once instead of held for all 35,000.
    """

    def __init__(
        self, archive: Archive, ids: Iterable[str], *, bodies: bool = True, full: Collection[str] = ()
    ) -> None:
        self.archive = archive
        self.ids = tuple(ids)
        self.bodies = bodies
        self.full = full  # ids whose post bodies are read all the same (they chose to be shown in full)

    def __getitem__(self, participant_id: str) -> Record:
        record = self.archive.load(participant_id, bodies=self.bodies or participant_id in self.full)
        if record is None:
            raise KeyError(participant_id)
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


# --- JSON form ----------------------------------------------------------------------------------


def record_to_json(record: Record) -> str:
    """One line per part and one line per post: small diffs in git, and the C encoder's speed
    (json.dumps with `indent` falls back to a pure-Python encoder, 0.5 ms a record)."""
    head = {
        "feed": asdict(record.feed),
        "format": FORMAT_VERSION,
        "participant": _participant_doc(record.participant),
        "state": _state_doc(record.state),
    }
    lines = [f"{_dumps(key)}: {_dumps(value)}" for key, value in head.items()]
    if record.withdrawn:  # written only when there is one: older archives stay byte-identical
        stones = ",\n".join(_dumps(_encode(asdict(stone))) for stone in record.withdrawn)
        lines.append(f'"withdrawn": [\n{stones}\n]')
    posts = ",\n".join(_dumps(_post_doc(post)) for post in record.posts)
    lines.append(f'"posts": [\n{posts}\n]' if posts else '"posts": []')
    return "{" + ",\n".join(lines) + "}\n"


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _post_doc(post: Post) -> dict[str, Any]:
    """asdict() without its deep copies (a post's values are immutable, and json writes tuples as
    lists): only the dates need turning into text. The fields added since format 2 are written
    only when they say something, so that a file written before stays byte-identical."""
    doc = {name: getattr(post, name) for name in _POST_FIELDS}
    for name in _POST_TIMES:
        if doc[name] is not None:
            doc[name] = format_time(doc[name])
    for name, unsaid in _POST_OPTIONAL.items():
        if doc[name] == unsaid:
            del doc[name]
    return doc


def record_from_json(text: str, source: str, *, bodies: bool = True) -> Record:
    try:
        doc = json.loads(text)
        if type(doc.get("format")) is not int or doc["format"] not in READABLE_FORMATS:
            raise ArchiveError(f"{source}: unknown archive format {doc.get('format')!r}")
        return Record(
            participant=_participant(doc["participant"]),
            feed=FeedInfo(**doc["feed"]),
            state=_state(doc["state"]),
            posts=tuple(_post(item, bodies) for item in doc["posts"]),
            complete=bodies,
            withdrawn=tuple(_tombstone(item) for item in doc.get("withdrawn", ())),
            format=doc["format"],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArchiveError(
            f"{source} is damaged ({type(exc).__name__}: {exc}); restore it from git"
        ) from None


def _participant_doc(person: Participant) -> dict[str, Any]:
    doc = {"id": person.id, "name": person.name, "feed_url": person.feed_url, "blog_url": person.blog_url}
    if person.display == "full":  # what the archive holds depends on it (consent.py)
        doc["display"] = "full"
    return doc


def _participant(doc: dict[str, Any]) -> Participant:
    extras = (("display", doc["display"]),) if "display" in doc else ()
    return Participant(doc["id"], doc["name"], doc["feed_url"], doc["blog_url"], extras=extras)


def _state(doc: dict[str, Any]) -> FeedState:
    values: dict[str, Any] = dict(doc)
    error = values.pop("last_error")
    for key in ("last_success", "retry_at"):
        values[key] = _decode_time(values.get(key))
    if error:
        values["last_error"] = LastError(**{**error, "at": _required_time(error["at"])})
    values["listed"] = tuple(values.get("listed", ()))
    return FeedState(**values)


def _state_doc(state: FeedState) -> dict[str, Any]:
    doc = _encode(asdict(state))
    if not state.listed:  # as with tombstones: no new key until there is something in it
        del doc["listed"]
    return dict(doc)


def _tombstone(doc: dict[str, Any]) -> Tombstone:
    return Tombstone(key=doc["key"], at=_required_time(doc["at"]), why=doc["why"])


def _post(doc: dict[str, Any], bodies: bool) -> Post:
    values: dict[str, Any] = dict(doc)
    if not bodies:
        values["content_html"] = ""
        values["excerpt_html"] = _compact(values["excerpt_html"])
    for key in ("published", "updated", "first_seen"):
        values[key] = _decode_time(values[key])
    # Values that repeat across posts are stored once: a 35,000-participant archive has 500,000
    # posts and a few hundred distinct tag sets; a guid is usually the post's link.
    values["tags"] = _shared(tuple(values["tags"]))
    values["links"] = tuple(values.get("links", ()))
    values["date_source"] = _shared(values["date_source"])
    if "lang" in values:
        values["lang"] = _shared(values["lang"])
    if "hashtags" in values:
        values["hashtags"] = _shared(tuple(values["hashtags"]))
    if values["id"] == values["url"]:
        values["id"] = values["url"]
    return Post(**values)


def _compact(safe_html: str) -> str:
    """The same HTML in half the memory, when the ellipsis that ends an excerpt is its only
    non-ASCII character: Python keeps such a string at two bytes a character. For rendering only."""
    return safe_html.replace("\u2026", "&#8230;")


@functools.lru_cache(maxsize=4096)
def _shared(value: _Value) -> _Value:
    """The first value equal to `value` seen, so that equal values share one object."""
    return value


_POST_FIELDS = tuple(f.name for f in fields(Post))
_POST_TIMES = tuple(name for name in _POST_FIELDS if name in ("published", "updated", "first_seen"))
_POST_OPTIONAL: dict[str, object] = {"lang": None, "untitled": False, "hashtags": ()}  # absent: says nothing


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decode_time(value: str | None) -> dt.datetime | None:
    return None if value is None else _required_time(value)


@functools.lru_cache(maxsize=4096)  # posts fetched in one run share their first-seen time
def _required_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)
