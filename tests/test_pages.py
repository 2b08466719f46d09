"""The plugin's pagination: pure."""

from __future__ import annotations

from plugins.cohort.pages import page_of, page_path, paginate


def test_pages_and_their_neighbours() -> None:
    pages = paginate(list(range(25)), 10, "cohort/week-1/")
    assert [(p.number, p.items[:1], p.own_path, p.prev_path, p.next_path) for p in pages] == [
        (1, (0,), "cohort/week-1/", None, "cohort/week-1/page/2/"),
        (2, (10,), "cohort/week-1/page/2/", "cohort/week-1/", "cohort/week-1/page/3/"),
        (3, (20,), "cohort/week-1/page/3/", "cohort/week-1/page/2/", None),
    ]
    assert len(pages[2].items) == 5


def test_page_of_says_where_paginate_puts_each_item() -> None:
    """Participants' pages link each card before the week pages are split: by page_of."""
    pages = paginate(list(range(25)), 10, "cohort/week-1/")
    placed = {item: page.own_path for page in pages for item in page.items}
    assert {n: page_path("cohort/week-1/", page_of(n, 10)) for n in range(25)} == placed


def test_an_empty_list_still_has_its_page() -> None:
    (only,) = paginate([], 10, "cohort/week-6/")
    assert (only.items, only.count, only.next_path) == ((), 1, None)
