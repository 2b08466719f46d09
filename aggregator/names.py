"""People's names, compared the way a reader would confuse them. Pure.

A name proves nothing: two people may share one, and one person may be impersonated by a name
that only looks the same ("Mayа Okafor" with a Cyrillic а). `skeleton` folds what a reader cannot
tell apart (case, accents, spacing, the Cyrillic and Greek letters drawn like Latin ones), so that
registrations can say "someone with this name is already here"; `mixed_scripts` finds a word
written in two alphabets, which real names almost never are.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from .registry import Participant

# Letters drawn like Latin ones (from Unicode's confusables list, the ones seen in impersonation).
_LOOKALIKES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁӏһԛԝ", "aeopcyxijsdlhqw", strict=True)),  # Cyrillic small
        **dict(zip("АВЕКМНОРСТХІЈЅ", "abekmhopctxijs", strict=True)),  # Cyrillic capital
        **dict(zip("αβεικνορτυχ", "abeiknoptux", strict=True)),  # Greek small
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "abezhikmnoptyx", strict=True)),  # Greek capital
        "ı": "i",
        "ℓ": "l",
    }
)


@functools.lru_cache(maxsize=4096)
def skeleton(name: str) -> str:
    """What is left of a name once everything a reader could mistake is folded away."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LOOKALIKES))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.translate(_LOOKALIKES).casefold().split())


def mixed_scripts(name: str) -> bool:
    """Whether a word of `name` mixes letters of two alphabets (Latin and Cyrillic, say)."""
    return any(len({_script(ch) for ch in word if ch.isalpha()}) > 1 for word in name.split())


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def namesakes(
    name: str, people: Iterable[Participant], *, besides: str | None = None
) -> tuple[Participant, ...]:
    """The participants (other than the one with the id `besides`) a reader could take `name` for."""
    wanted = skeleton(name)
    return tuple(person for person in people if person.id != besides and skeleton(person.name) == wanted)
