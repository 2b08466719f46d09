"""Where the cohort's pages live, and how long lists are split into pages. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Paged:
    """One page of a long list: its items and the addresses of its neighbours."""

    items: tuple[Any, ...]
    number: int
    count: int
    base: str  # the first page's path, e.g. "cohort/week-1/"

    def path(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def own_path(self) -> str:
        return self.path(self.number)

    @property
    def prev_path(self) -> str | None:
        return self.path(self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.path(self.number + 1) if self.number < self.count else None


def paginate(items: Sequence[Any], per_page: int, base: str) -> list[Paged]:
    """At least one page, even for an empty list, so that every week has its page."""
    count = max(1, math.ceil(len(items) / per_page))
    return [
        Paged(tuple(items[(n - 1) * per_page : n * per_page]), n, count, base) for n in range(1, count + 1)
    ]
