"""The cohort as the site shows it, read from the archive: one set of rules for the Pelican
plugin, `export` and `status`, so that they show the same people, posts, weeks and conversations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .archive import Archive, Record, RecordsOnDemand
from .cohort import Cohort, build_cohort, signals_for
from .config import HubConfig
from .conversations import people_in_conversation
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

    def cohort(self, records: Mapping[str, Record] | None = None) -> Cohort:
        """The whole cohort. Without `records` (a caller that has read them already), records are
        read one at a time (post bodies only for those shown in full), so a large archive is never
        held twice."""
        if records is None:
            full = {person.id for person in self.shown if person.display == "full"}
            records = RecordsOnDemand(self.archive, (p.id for p in self.shown), bodies=False, full=full)
        return build_cohort(self.shown, records, self.config.course, self.moderation, self.signals)

    def alone(self, person: Participant) -> Cohort:
        """A cohort of one participant, as the whole cohort shows them when they are in no
        conversation (`talking`): the same weeks, posts and links to their own posts."""
        record = self.archive.load(person.id, bodies=person.display == "full")
        records: dict[str, Record] = {person.id: record} if record else {}
        return build_cohort([person], records, self.config.course, self.moderation, self.signals)

    def talking(self) -> frozenset[str]:
        """Who may take part in a conversation, from the addresses and links of the archive alone."""
        posts = ((p.id, url, links) for p in self.shown for url, links in self.archive.addresses(p.id))
        return people_in_conversation(posts)


def site_view(config: HubConfig, participants: Iterable[Participant]) -> SiteView:
    archive = Archive(config.archive)
    moderation = current_moderation(config.moderation, archive)
    shown = tuple(person for person in participants if not moderation.keeps_out(person))
    return SiteView(config, archive, moderation, shown, signals_for(config, moderation))


def load_cohort(
    config: HubConfig, participants: Iterable[Participant], records: Mapping[str, Record] | None = None
) -> tuple[Cohort, Moderation]:
    """The cohort of `participants` that the site shows, and the moderation it applied."""
    view = site_view(config, participants)
    return view.cohort(records), view.moderation
