"""Writing the cohort's pages: rendered with the theme's Jinja environment and written directly.

A 35,000-participant course has about 50,000 cohort pages. Pelican's writer costs a log line per
file and writes from one process; this writer renders the same templates with the same context and
writes the file, from either of two processes.

Like Pelican's writer, it sends `content_written` for every file, so that other plugins (sitemaps,
minifiers, search indexers) see the cohort's pages too. Receivers run in the build process only: a
file the forked child writes is announced by the build process once the child has finished
(`announce`), so a receiver that counts or collects pages in memory sees every page, and one that
rewrites the file (a minifier) finds it complete on disk.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pelican import signals
from pelican.utils import get_relative_path, path_to_url, sanitised_join


@dataclass(frozen=True)
class Page:
    """One file to write: a folder path ("cohort/week-1/") gets an index.html."""

    path: str
    template: str  # "person" for person.html; feeds and the sitemap are named in full
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return self.path + "index.html" if self.path.endswith("/") else self.path


class Written:
    """How many files the writers of the build process and of its forked child have written: one
    counter in memory both share, for the build's progress (aggregator/progress.py)."""

    def __init__(self) -> None:
        self.shared = multiprocessing.get_context("fork").Value("q", 0)

    def add(self) -> None:
        with self.shared.get_lock():
            self.shared.value += 1

    @property
    def count(self) -> int:
        return int(self.shared.value)


class PageWriter:
    def __init__(
        self,
        context: Mapping[str, Any],
        output_path: str,
        relative_urls: bool,
        template: Callable[[str], Any],
        announce: bool = True,
        focus: Callable[[], None] | None = None,
        written: Written | None = None,
    ) -> None:
        self.context = context
        self.output_path = output_path
        self.relative_urls = relative_urls
        self.template = template
        self.announces = announce  # False in both processes for the pages the child may write
        self.focus = focus  # points the theme's filters at the pages' term before each is rendered
        self.written = written

    def local_context(self, page: Page) -> dict[str, Any]:
        """The page's context as Pelican's writer makes it: SITEURL relative to the page when asked."""
        local = {**self.context, "output_file": page.file_name, "page_path": page.path, **page.extra}
        if self.relative_urls:
            local["SITEURL"] = local["localsiteurl"] = relative_site_url(page.file_name)
        return local

    def target(self, page: Page) -> str:
        return str(sanitised_join(self.output_path, page.file_name))

    def write(self, page: Page) -> None:
        target = self.target(page)
        local = self.local_context(page)
        if self.focus is not None:
            self.focus()
        html = str(self.template(page.template).render(local))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(html)
        if self.written is not None:
            self.written.add()
        if self.announces:
            signals.content_written.send(target, context=local)

    def write_all(self, pages: Iterable[Page]) -> None:
        for page in pages:
            self.write(page)

    def announce(self, pages: Iterable[Page]) -> None:
        """Send `content_written` for pages written without it, with the arguments Pelican's writer
        sends: the file's path and the context the page was rendered with."""
        if not signals.content_written.receivers:
            return  # nobody listens: a large cohort's contexts are not rebuilt for nothing
        for page in pages:
            signals.content_written.send(self.target(page), context=self.local_context(page))


def relative_site_url(file_name: str) -> str:
    """SITEURL relative to the file `file_name`, as Pelican's writer gives it when RELATIVE_URLS."""
    return str(path_to_url(get_relative_path(file_name)))


class Claims:
    """The numbers 0 to count - 1, each handed to one process only, whichever asks first."""

    def __init__(self, count: int, batch: int = 32) -> None:
        self.count = count
        self.batch = batch
        self.next = multiprocessing.get_context("fork").Value("q", 0)  # shared with forked children

    def __iter__(self) -> Iterator[int]:
        while True:
            with self.next.get_lock():
                start = self.next.value
                self.next.value = start + self.batch
            if start >= self.count:
                return
            yield from range(start, min(start + self.batch, self.count))


def start_in_child(work: Callable[[], None]) -> multiprocessing.process.BaseProcess:
    """Run `work` in a forked child, which shares this process's memory as it is now."""
    child = multiprocessing.get_context("fork").Process(target=work, name="cohort-pages", daemon=True)
    child.start()
    return child


def wait_for(child: multiprocessing.process.BaseProcess) -> None:
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the process writing cohort pages failed (exit code {child.exitcode})")


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Build objects that live until the end of the build without the cyclic garbage collector.

    Loading 350,000 posts triggers a full collection over everything loaded so far again and again:
    loading and grouping took 10.7 s with the collector and 6.1 s without. Nothing loaded forms
    cycles, so nothing leaks. Frozen afterwards, the objects are never scanned again.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
