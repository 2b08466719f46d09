"""The hub's own copies of participants' pictures: small files named by a hash of their bytes,
and an index of where each came from and whose page shows it.

The store lives outside git (README, "Pictures"): losing it costs a run of fetching, never a post.
The site shows a stored picture from its own address, so a reader's browser asks no one else for
it. A picture that could not be had is kept in the index too, with the note the health report
prints, so that it is not asked for again on every run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, cast

from .errors import ArchiveError
from .files import write_atomically

Kind = Literal["avatar", "thumb", "inline"]
KINDS: tuple[Kind, ...] = ("avatar", "thumb", "inline")
INDEX = "index.json"
VERSION = 1


@dataclass(frozen=True)
class StoredPicture:
    file: str  # "<hash>.webp", the name it is published under
    width: int
    height: int
    size: int  # bytes


@dataclass(frozen=True)
class PictureEntry:
    """One picture of one kind, by the address it was found at: stored, or why it is not."""

    kind: Kind
    url: str
    owners: frozenset[str]  # ids of the participants who show it
    stored: StoredPicture | None = None
    note: str | None = None  # why it could not be had
    tried: dt.datetime | None = None  # when it was last asked for


@dataclass(frozen=True)
class PictureNote:
    """A picture a participant's pages would show and the hub could not have: for the report."""

    owner: str  # the participant's id
    kind: Kind
    url: str
    note: str
    tried: dt.datetime | None


@dataclass(frozen=True)
class PictureRun:
    """What an update's pictures stage did."""

    stored: int = 0  # pictures fetched and kept in this run
    failed: int = 0  # pictures asked for in this run that could not be had
    waiting: int = 0  # pictures to fetch that the limits left for a later run
    kept: int = 0  # pictures in the store after the run, every one shown by someone
    deleted: int = 0  # files deleted: pictures no page shows any more
    notes: tuple[PictureNote, ...] = ()  # every shown picture the hub has no copy of, and why
    bug: str | None = None  # the traceback, when the stage itself failed (the feeds are updated)

    @property
    def idle(self) -> bool:
        """Nothing to say: no page shows a picture, and none was fetched or deleted."""
        return self == PictureRun()


class PictureStore:
    """The folder of pictures and its index. Changes are kept in memory until `save`."""

    def __init__(self, folder: Path, entries: Iterable[PictureEntry] = ()) -> None:
        self.folder = folder
        self._entries = {(entry.kind, entry.url): entry for entry in entries}

    @classmethod
    def load(cls, folder: Path) -> PictureStore:
        """The store in `folder`; an empty one when there is none yet."""
        try:
            doc = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(folder)
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{folder / INDEX}: cannot read the picture index: {exc}") from exc
        if doc.get("version") != VERSION:
            raise ArchiveError(f"{folder / INDEX}: unknown picture index version {doc.get('version')!r}")
        return cls(folder, (_entry(item) for item in doc["pictures"]))

    def find(self, kind: Kind, url: str) -> StoredPicture | None:
        entry = self._entries.get((kind, url))
        return entry.stored if entry else None

    def entry(self, kind: Kind, url: str) -> PictureEntry | None:
        return self._entries.get((kind, url))

    def __iter__(self) -> Iterator[PictureEntry]:
        return iter(sorted(self._entries.values(), key=lambda entry: (entry.kind, entry.url)))

    def path(self, picture: StoredPicture) -> Path:
        return self.folder / picture.file

    def add(self, kind: Kind, url: str, owner: str, data: bytes, stored: StoredPicture) -> None:
        """Keep `data`, re-encoded already, as the picture of `kind` found at `url`."""
        target = self.path(stored)
        if not target.exists():  # named by its bytes: the same name is the same picture
            write_atomically(target, data, durable=False)
        owners = self._owners(kind, url) | {owner}
        self._entries[kind, url] = PictureEntry(kind, url, owners, stored)

    def note_failure(self, kind: Kind, url: str, owner: str, note: str, tried: dt.datetime) -> None:
        """Remember why the picture at `url` could not be had (the previous copy, if any, stays)."""
        old = self._entries.get((kind, url))
        owners = self._owners(kind, url) | {owner}
        stored = old.stored if old else None
        self._entries[kind, url] = PictureEntry(kind, url, owners, stored, note, tried)

    def keep_only(self, owners: Mapping[tuple[Kind, str], frozenset[str]]) -> list[str]:
        """Keep the pictures in `owners`, with those owners, and delete every other one, file and
        all: what no page shows any more (a withdrawn post, a participant who left). Returns the
        files deleted."""
        self._entries = {
            key: replace(entry, owners=owners[key]) for key, entry in self._entries.items() if key in owners
        }
        return self._delete_unused()

    def forget(self, owner: str) -> list[str]:
        """Drop `owner` from every picture; a picture nobody shows any more is deleted, file and
        all. Returns the files deleted."""
        left = {key: entry.owners - {owner} for key, entry in self._entries.items()}
        return self.keep_only({key: owners for key, owners in left.items() if owners})

    def save(self) -> None:
        """Write the index; files no entry names any more are deleted first."""
        self._delete_unused()
        items = [_item(entry) for entry in self]
        text = json.dumps({"version": VERSION, "pictures": items}, indent=1, sort_keys=True)
        write_atomically(self.folder / INDEX, (text + "\n").encode())

    def publish(self, pictures: Iterable[StoredPicture], folder: Path) -> int:
        """Put `pictures` into the site's `folder` (hard links where the file system allows):
        the bytes written."""
        folder.mkdir(parents=True, exist_ok=True)
        written = 0
        for picture in set(pictures):
            _link_or_copy(self.path(picture), folder / picture.file)
            written += picture.size
        return written

    def _owners(self, kind: Kind, url: str) -> frozenset[str]:
        entry = self._entries.get((kind, url))
        return entry.owners if entry else frozenset()

    def _delete_unused(self) -> list[str]:
        used = {entry.stored.file for entry in self._entries.values() if entry.stored}
        unused = (
            sorted(path.name for path in self.folder.glob("*.webp") if path.name not in used)
            if self.folder.is_dir()
            else []
        )
        for name in unused:
            (self.folder / name).unlink(missing_ok=True)
        return unused


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)


def _item(entry: PictureEntry) -> dict[str, object]:
    item: dict[str, object] = {"kind": entry.kind, "url": entry.url, "owners": sorted(entry.owners)}
    if entry.stored:
        stored = entry.stored
        item |= {"file": stored.file, "width": stored.width, "height": stored.height, "bytes": stored.size}
    if entry.note:
        item |= {"note": entry.note, "tried": entry.tried.isoformat() if entry.tried else None}
    return item


def _entry(item: dict[str, object]) -> PictureEntry:
    kind = cast(Kind, item["kind"])
    if kind not in KINDS:
        raise ArchiveError(f"picture index: unknown kind {kind!r}")
    stored = None
    if "file" in item:
        size = cast(int, item["bytes"])
        stored = StoredPicture(str(item["file"]), cast(int, item["width"]), cast(int, item["height"]), size)
    tried = item.get("tried")
    when = dt.datetime.fromisoformat(str(tried)) if tried else None
    owners = frozenset(str(owner) for owner in cast(list[object], item["owners"]))
    note = str(item["note"]) if item.get("note") else None
    return PictureEntry(kind, str(item["url"]), owners, stored, note, when)
