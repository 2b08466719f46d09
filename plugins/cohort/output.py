"""Writing the cohort's pages: rendered with the theme's Jinja environment and written directly.

A 35,000-participant course has about 50,000 cohort pages. Pelican's writer costs a log line and a
signal per file and writes from one process; this writer renders the same templates with the same
context and writes the file, from either of two processes.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

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


class PageWriter:
    def __init__(
        self,
        context: Mapping[str, Any],
        output_path: str,
        relative_urls: bool,
        template: Callable[[str], Any],
    ) -> None:
        self.context = context
        self.output_path = output_path
        self.relative_urls = relative_urls
        self.template = template

    def render(self, page: Page) -> str:
        """The page as Pelican's writer would render it: SITEURL relative to the page when asked."""
        site_url = path_to_url(get_relative_path(page.file_name)) if self.relative_urls else None
        local = {**self.context, "output_file": page.file_name, "page_path": page.path, **page.extra}
        if site_url is not None:
            local["SITEURL"] = site_url
        return str(self.template(page.template).render(local))

    def write(self, page: Page) -> None:
        target = sanitised_join(self.output_path, page.file_name)
        html = self.render(page)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(html)

    def write_all(self, pages: Iterable[Page]) -> None:
        for page in pages:
            self.write(page)


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
