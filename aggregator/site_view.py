"""The cohort as the site shows it, read from the archive: one loader for the Pelican plugin,
`export` and `status`, so that they show the same people, posts, weeks and conversations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .archive import Archive, Record, RecordsOnDemand
from .cohort import Cohort, build_cohort, signals_for
from .config import HubConfig
from .moderation import Moderation, current_moderation
from .registry import Participant, load_registry
from .terms import check_term_folders


def load_cohort(
    config: HubConfig, participants: Iterable[Participant], records: Mapping[str, Record] | None = None
) -> tuple[Cohort, Moderation]:
    """The cohort of `participants` that the site shows, and the moderation it applied.

    Withdrawn, hidden and forgotten participants are left out. Without `records` (a caller that
    has read them already), records are read one at a time (post bodies only for those shown in
    full), so a large archive is never held twice.
    """
    archive = Archive(config.archive)
    moderation = current_moderation(config.moderation, archive)
    shown = tuple(person for person in participants if not moderation.keeps_out(person))
    if records is None:
        full = {person.id for person in shown if person.display == "full"}
        records = RecordsOnDemand(archive, (person.id for person in shown), bodies=False, full=full)
    cohort = build_cohort(shown, records, config.course, moderation, signals_for(config, moderation))
    return cohort, moderation


def check_inputs(config: HubConfig) -> tuple[Participant, ...]:
    """Read what people write by hand and a build reads (feeds.opml, moderation.yml with the weeks
    its `place:` entries name, the archive's list of the forgotten), so that a mistake in any of
    them stops the build before it changes anything. Returns the registry."""
    participants = load_registry(config.opml)
    check_term_folders(config, participants, str(config.opml))
    for term in config.course_terms:
        term_config = config.for_term(term)
        signals_for(term_config, current_moderation(term_config.moderation, Archive(term_config.archive)))
    return participants
