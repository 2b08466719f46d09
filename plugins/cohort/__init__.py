"""Pelican glue for the course hub: the only code here that knows Pelican.

It validates the course settings once, at start-up, updates the archive before rendering
(unless offline), writes the cohort pages with its own generator, and puts the new site in the
output folder only when it is whole and fits its host (publish.py). Syndicated posts are never
turned into Pelican Articles: rendering them ourselves costs about 0.02 ms a post instead of 4.5.
"""

from pelican import signals

from .generator import CohortGenerator, check_settings, install_language
from .links import prepare_links
from .publish import build_aside, publish_within_budget
from .search import index_for_search
from .terms import place_in_term


def get_generators(pelican: object) -> type[CohortGenerator]:
    """`get_generators`, sent as each build starts, before Pelican makes its generators: they and
    Pelican's writer get the staging folder beside the output folder as theirs (publish.py). Once
    per build, not once per Pelican: `pelican --autoreload` builds many times with one."""
    build_aside(pelican)
    return CohortGenerator


def prepare_content(content: object) -> None:
    """`content_object_init`: a page of a term's folder is that term's, then its links resolved."""
    place_in_term(content)
    prepare_links(content)


def finish(pelican: object) -> None:
    """`finalized`, in this order: the search index is part of the site that is measured."""
    index_for_search(pelican)
    publish_within_budget(pelican)


def register() -> None:
    # Module-level functions: Pelican's signals hold weak references, and a closure would vanish.
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(install_language)
    signals.content_object_init.connect(prepare_content)
    signals.finalized.connect(finish)
