"""Languages as feeds and settings state them -> tags a page may carry, and their direction. Pure.

A feed's language is untrusted text ("en_US", "EN-gb", "English", a paragraph): only what reads as
a BCP 47 tag is kept, in its usual case ("en-GB", "zh-Hant-TW"), so a card's `lang` attribute is
never anything else. The direction serves the course's own pages (`<html dir>`); participants'
words are laid out by the browser (`dir="auto"`), because a feed's stated language is often its
platform's default rather than the language of the post.
"""

from __future__ import annotations

import functools
import re

LANGUAGE_LIMIT = 35  # characters: RFC 5646 (4.4.1) asks room for 35, enough for any tag in use
# A primary language of two or three letters, then subtags of one to eight letters or digits.
_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*", re.IGNORECASE)
# Codes that name no one language: undetermined, several, none, not coded.
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})
# Languages written right to left when their tag names no script (Kurdish "ku" is usually written
# in Latin letters, Sorani "ckb" in Arabic ones), and the scripts written right to left.
RTL_LANGUAGES = frozenset(
    {"ar", "arc", "azb", "ckb", "dv", "fa", "glk", "he", "iw", "ji", "khw", "ks", "lrc", "mzn"}
    | {"nqo", "pnb", "ps", "sd", "syr", "ug", "ur", "yi"}
)
RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa", "yezi"})


@functools.lru_cache(maxsize=256)  # asked for every entry, and a feed states one language
def language_tag(value: str | None) -> str | None:
    """`value` as a language tag in its usual case, or None when it is none (or names none)."""
    text = (value or "").strip().replace("_", "-")
    if len(text) > LANGUAGE_LIMIT or not _TAG.fullmatch(text):
        return None
    primary, *subtags = text.lower().split("-")
    if primary in _NO_LANGUAGE:
        return None
    return "-".join([primary, *_cased(subtags)])


def _cased(subtags: list[str]) -> list[str]:
    """Scripts in title case, regions in upper case, the rest in lower case; after a singleton
    (an extension such as "-u-", or private use "-x-") everything stays in lower case."""
    cased: list[str] = []
    for number, subtag in enumerate(subtags):
        if len(subtag) == 1:
            return cased + subtags[number:]
        if len(subtag) == 4 and subtag.isalpha():
            subtag = subtag.title()
        cased.append(subtag.upper() if len(subtag) == 2 else subtag)
    return cased


def text_direction(tag: str | None) -> str:
    """Which way a language is written, "rtl" or "ltr": by its script when the tag names one."""
    primary, *subtags = (language_tag(tag) or "").lower().split("-")
    script = next((subtag for subtag in subtags if len(subtag) == 4 and subtag.isalpha()), None)
    if script is not None:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if primary in RTL_LANGUAGES else "ltr"
