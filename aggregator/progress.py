"""Long runs that say how far they are: the update's participants, the build's pages.

One display, two forms, chosen by whether its stream is a terminal:

* in a terminal, a live line (rich) redrawn a few times a second and cleared at the end, so that
  what the command prints afterwards is all that stays;
* in a log (GitHub Actions), one plain line every PLAIN_EVERY seconds, and nothing at all from a
  run that ends sooner.

Neither form writes anything per participant: the update's processes add to counters in shared
memory (`Tally`), and the display reads them when it draws.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.shared_memory import SharedMemory
from types import TracebackType
from typing import Protocol

from rich.console import Console, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table

PLAIN_EVERY = 10.0  # seconds between two lines in a log
LIVE_REFRESH = 4  # redraws a second in a terminal
FAILED = ("failed", "bug")  # the outcomes counted as failures: the feed's, or the hub's own
# One row of counters for each process an update may start: one per core, or HUB['processes'],
# which is at most 64.
ROWS = max(64, os.cpu_count() or 1)
ROW = struct.Struct("3q")  # participants done, new posts, failures


@dataclass(frozen=True)
class Task:
    """What a run counts, as its lines name it."""

    name: str  # the plain line's first word
    noun: str  # what is counted
    unit: str  # what the rate is of


UPDATE = Task("update", "participants", "feeds")
PAGES = Task("build", "cohort pages written", "pages")


@dataclass(frozen=True)
class Counts:
    done: int
    posts: int | None = None  # new posts found (the update's)
    failed: int | None = None  # participants whose feed failed, or the hub on them (the update's)


class Outcome(Protocol):
    """What a finished participant's outcome tells the tally (pipeline.FeedOutcome)."""

    @property
    def status(self) -> str: ...

    @property
    def new_posts(self) -> int: ...


def progress_text(task: Task, counts: Counts, total: int | None, elapsed: float) -> str:
    """Pure: "12,000 of 35,000 participants, 48,211 new posts, 37 failed, 410 feeds/s, about 56 s
    left"; the rate once something is done, the time left when the total is known."""
    parts = [
        f"{counts.done:,} of {total:,} {task.noun}" if total is not None else f"{counts.done:,} {task.noun}"
    ]
    parts += [f"{counts.posts:,} new posts"] if counts.posts is not None else []
    parts += [f"{counts.failed:,} failed"] if counts.failed is not None else []
    if counts.done and elapsed > 0:
        rate = counts.done / elapsed
        parts.append(f"{rate:,.0f} {task.unit}/s" if rate >= 10 else f"{rate:.1f} {task.unit}/s")
        if total is not None:
            parts.append(f"about {duration((total - counts.done) / rate)} left")
    return ", ".join(parts)


def duration(seconds: float) -> str:
    """Pure: "56 s" under a minute and a half, "3 min" beyond."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class Tally:
    """The counts of one update, in shared memory: a row per process, which that process alone
    adds to (no lock), summed when the display reads them. A row handed to a worker process is
    pickled as the memory's name and its number."""

    def __init__(self, rows: int = ROWS) -> None:
        self.size = rows * ROW.size
        self.memory = SharedMemory(create=True, size=self.size)

    def row(self, number: int) -> TallyRow:
        return TallyRow(self.memory.name, number)

    def counts(self) -> Counts:
        rows = list(ROW.iter_unpack(cells(self.memory)[: self.size]))  # some systems round up the size
        return Counts(*(sum(column) for column in zip(*rows, strict=True)))

    def close(self) -> None:
        self.memory.close()
        self.memory.unlink()


class TallyRow:
    """One process's counters of a Tally: called with each participant's outcome as it finishes."""

    def __init__(self, name: str, number: int) -> None:
        self.name = name
        self.offset = number * ROW.size
        self.memory: SharedMemory | None = None  # attached in the process that counts

    def __call__(self, outcome: Outcome) -> None:
        if self.memory is None:
            self.memory = SharedMemory(self.name)
        view = cells(self.memory)
        done, posts, failed = ROW.unpack_from(view, self.offset)
        ROW.pack_into(
            view, self.offset, done + 1, posts + outcome.new_posts, failed + (outcome.status in FAILED)
        )

    def __getstate__(self) -> tuple[str, int]:
        return self.name, self.offset

    def __setstate__(self, state: tuple[str, int]) -> None:
        self.name, self.offset = state
        self.memory = None


def cells(memory: SharedMemory) -> memoryview:
    view = memory.buf
    assert view is not None  # None only once closed
    return view


class Display:
    """How far a run is, in the form its console calls for, while the `with` block runs."""

    def __init__(
        self, task: Task, total: int | None, read: Callable[[], Counts], console: Console | None = None
    ) -> None:
        self.task, self.total, self.read = task, total, read
        self.console = console or Console(stderr=True)
        self.started = time.monotonic()
        self.stopped = threading.Event()
        terminal = self.console.is_terminal and not self.console.is_dumb_terminal
        self.shown: Live | threading.Thread = (
            Live(self, console=self.console, refresh_per_second=LIVE_REFRESH, transient=True)
            if terminal
            else threading.Thread(target=self._log, name="progress", daemon=True)
        )

    def text(self, counts: Counts) -> str:
        return progress_text(self.task, counts, self.total, time.monotonic() - self.started)

    def __rich__(self) -> RenderableType:
        """The terminal's form, drawn anew on every refresh: a bar and the text."""
        counts = self.read()
        grid = Table.grid(padding=(0, 1))
        bar = ProgressBar(total=self.total, completed=counts.done, width=30)
        grid.add_row(f"{self.task.name}:", bar, self.text(counts))
        return grid

    def _log(self) -> None:
        """The log's form: a line every PLAIN_EVERY seconds until the run is over."""
        while not self.stopped.wait(PLAIN_EVERY):
            self.console.file.write(f"{self.task.name}: {self.text(self.read())}\n")
            self.console.file.flush()

    def __enter__(self) -> Display:
        self.shown.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stopped.set()
        if isinstance(self.shown, Live):
            self.shown.refresh()  # the last count is shown, also inside Pelican's own display
            self.shown.stop()
        else:
            self.shown.join()


@contextlib.contextmanager
def update_progress(
    total: int, console: Console | None = None, quiet: bool = False
) -> Iterator[Tally | None]:
    """The tally an update counts into, shown while the block runs; none when `quiet`."""
    if quiet:
        yield None
        return
    tally = Tally()
    try:
        with Display(UPDATE, total, tally.counts, console):
            yield tally
    finally:
        tally.close()


def pages_progress(
    written: Callable[[], int], console: Console | None = None, quiet: bool = False
) -> contextlib.AbstractContextManager[object]:
    """The build's pages written so far (`written`), shown while the block runs, unless `quiet`."""
    return contextlib.nullcontext() if quiet else Display(PAGES, None, lambda: Counts(written()), console)
