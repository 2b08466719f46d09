"""The cohort as the site shows it, read from the archive: one loader for the Pelican plugin,
`export` and `status`, so that they show the same people, posts, weeks and conversations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .archive import Archive, Record, RecordsOnDemand
from .cohort import Cohort, build_cohort, signals_for
from .config import HubConfig
from .moderation import Moderation, current_moderation
from .registry import Participant
from .weeks import Signals


@dataclass(frozen=True)
class SiteView:
    """Who the site shows, under which rules: withdrawn, hidden and forgotten participants are
    left out, and moderated posts, on every page."""

    config: HubConfig
    archive: Archive
    moderation: Moderation
    shown: tuple[Participant, ...]
    signals: Signals

    def cohort(self) -> Cohort:
        """The whole cohort. Records are read one at a time (post bodies only for those shown in
        full), so a large archive is never held twice."""
        full = {person.id for person in self.shown if person.display == "full"}
        records = RecordsOnDemand(self.archive, (p.id for p in self.shown), bodies=False, full=full)
        return build_cohort(self.shown, records, self.config.course, self.moderation, self.signals)

    def alone(self, person: Participant) -> Cohort:
        """A cohort of one participant: the same member, weeks, posts and links to their own posts
        as in the whole cohort, and no conversation with anybody else."""
        record = self.archive.load(person.id, bodies=person.display == "full")
        records: dict[str, Record] = {person.id: record} if record else {}
        return build_cohort([person], records, self.config.course, self.moderation, self.signals)


def site_view(config: HubConfig, participants: Iterable[Participant]) -> SiteView:
    archive = Archive(config.archive)
    moderation = current_moderation(config.moderation, archive)
    shown = tuple(person for person in participants if not moderation.keeps_out(person))
    return SiteView(config, archive, moderation, shown, signals_for(config, moderation))


def load_cohort(config: HubConfig, participants: Iterable[Participant]) -> tuple[Cohort, Moderation]:
    """The cohort of `participants` that the site shows, and the moderation it applied."""
    view = site_view(config, participants)
    return view.cohort(), view.moderation
