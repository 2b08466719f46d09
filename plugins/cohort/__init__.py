"""Pelican glue for the course hub: the only code here that knows Pelican.

It validates the course settings once, at start-up, updates the archive before rendering
(unless offline), and writes the cohort pages with its own generator. Syndicated posts are never
turned into Pelican Articles: rendering them ourselves costs about 0.02 ms a post instead of 4.5.
"""

from pelican import signals

from .generator import CohortGenerator, check_settings
from .links import prepare_links
from .search import index_for_search
from .terms import place_in_term


def get_generators(_pelican: object) -> type[CohortGenerator]:
    return CohortGenerator


def prepare_content(content: object) -> None:
    """`content_object_init`: a page of a term's folder is that term's, then its links resolved."""
    place_in_term(content)
    prepare_links(content)


def register() -> None:
    # Module-level functions: Pelican's signals hold weak references, and a closure would vanish.
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(get_generators)
    signals.content_object_init.connect(prepare_content)
    signals.finalized.connect(index_for_search)
