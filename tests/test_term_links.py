"""How a page links its term's pages: the in_term filter. Pure."""

from __future__ import annotations

import pytest

from aggregator import Term
from plugins.cohort.terms import in_term
from tests.conftest import COURSE

TERM = Term("2026-autumn", COURSE)


@pytest.mark.parametrize(
    ("site_url", "page", "term_site"),
    [
        # A page of the term, relative URLs: no climb to the root and back into the term's folder.
        ("../../../../..", "2026-autumn/cohort/week-3/page/7/index.html", "../../../.."),
        ("../../..", "2026-autumn/weeks/week-1/index.html", "../.."),
        ("..", "2026-autumn/index.html", "."),
        # A page of no term, or of another term, or absolute URLs: through the site's root.
        (".", "index.html", "./2026-autumn"),
        ("../../..", "2025-autumn/cohort/people/ada/index.html", "../../../2026-autumn"),
        ("https://hub.example", "2026-autumn/cohort/index.html", "https://hub.example/2026-autumn"),
        ("", "2026-autumn/cohort/index.html", "/2026-autumn"),
        ("../..", "", "../../2026-autumn"),
    ],
)
def test_a_page_of_the_term_links_its_pages_the_short_way(site_url: str, page: str, term_site: str) -> None:
    assert in_term(site_url, TERM, page) == term_site


def test_a_course_without_terms_links_from_the_root() -> None:
    assert in_term("../..", Term(None, COURSE), "cohort/week-1/index.html") == "../.."
