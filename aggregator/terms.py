"""Terms: which participants belong to which term, and which terms are still fetched.

Pure decisions over the settings (`config.Term`) and the registry. A course without terms has one
term without a slug, and every participant belongs to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .config import HubConfig, Term
from .errors import RegistryError
from .registry import Participant


def members_of(term: Term, participants: Iterable[Participant]) -> tuple[Participant, ...]:
    """The participants who joined `term`: those in its folder of feeds.opml."""
    return tuple(person for person in participants if person.term == term.slug)


def registered_in(config: HubConfig, participants: Iterable[Participant]) -> tuple[Participant, ...]:
    """The participants of the term `config` is for: everyone, for a course without terms."""
    return members_of(config.term, participants) if config.terms and config.term else tuple(participants)


def fetched_terms(config: HubConfig) -> tuple[Term, ...]:
    """The terms whose feeds an update reads: every term not frozen."""
    return tuple(term for term in config.course_terms if not term.frozen)


def fetched_count(config: HubConfig, participants: Iterable[Participant]) -> int:
    """How many participants an update reads: the members of every term still fetched."""
    people = tuple(participants)
    return sum(len(members_of(term, people)) for term in fetched_terms(config))


def check_term_folders(config: HubConfig, participants: Iterable[Participant], source: str) -> None:
    """Every outline is in the folder of a term the settings know, or in none when there are no
    terms: a participant outside every term would be silently left out."""
    known = {term.slug for term in config.course_terms}
    for person in participants:
        if person.term in known:
            continue
        if person.term is None:
            raise RegistryError(
                f"{source}: {person.name!r} is in no term's folder; put their outline in the folder "
                f'of the term they joined (<outline text="..." hub:term="{config.course_terms[-1].slug}">)'
            )
        raise RegistryError(
            f"{source}: {person.name!r} is in the folder of term {person.term!r}, which HUB['terms'] "
            "does not define"
            if config.terms
            else f"{source}: {person.name!r} is in a folder of term {person.term!r}, but HUB defines no terms"
        )
