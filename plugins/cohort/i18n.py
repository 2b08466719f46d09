"""The course's language: the interface's words from the theme's catalogs, dates and numbers from
Babel (the Unicode CLDR's conventions of each locale), and arrows that point the way it reads.

Pelican's DEFAULT_LANG chooses all three. The catalogs are the theme's gettext files,
`translations/<language>/LC_MESSAGES/messages.po`, read as they are at each build: there is no
compiled file to forget to regenerate. A string a catalog does not translate (new, fuzzy, or the
whole catalog missing) stays in English, the language the templates are written in.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import Markup, escape

from aggregator import ConfigError

log = logging.getLogger(__name__)

CATALOGS = "translations"  # in the theme's folder
DOMAIN = "messages"
# The dates the pages show, as CLDR skeletons: which fields, not their order or punctuation, which
# are each locale's ("Mon, Sep 14, 2026", "lun. 14 sept. 2026", "الاثنين، 14 سبتمبر 2026").
DATE_SKELETONS = {
    "day": "yMMMEd",  # a post's date
    "weekday": "MMMEd",  # the first day of a week, whose year its last day says
    "short": "MMMd",  # within the weeks of a term
    "long": "yMMMMd",  # a course's first and last days
}
# Two dates as one span, in the locale's form of it: "Sep 14 – 20, 2026", "14-20 sept 2026".
SPAN_SKELETON = "yMMMd"


@dataclass(frozen=True)
class CourseLanguage:
    locale: Locale
    translations: gettext.NullTranslations
    direction: str  # "ltr" or "rtl", the page's

    @property
    def arrows(self) -> dict[str, str]:
        """ "forward" points the way a reader reads on (to what comes next), "back" the other way."""
        forward, back = ("←", "→") if self.direction == "rtl" else ("→", "←")
        return {"forward": forward, "back": back}


def course_language(lang: str | None, direction: str, theme: Path) -> CourseLanguage:
    """The language of DEFAULT_LANG ("en", "pt-BR", "ar"), its catalog from the theme."""
    locale = parse_locale(lang or "en")
    translations = catalog_for(theme / CATALOGS, locale)
    if translations is None:
        translations = gettext.NullTranslations()
        if locale.language != "en":
            log.warning(
                "course hub: the theme has no catalog for %r: the interface is in English, dates in "
                "that language. README, 'Adding a language', says how to add one.",
                lang,
            )
    return CourseLanguage(locale, translations, direction)


def parse_locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError) as exc:
        raise ConfigError(f"DEFAULT_LANG {lang!r} is not a language tag Babel knows ({exc})") from exc


def catalog_for(folder: Path, locale: Locale) -> Translations | None:
    """The most specific catalog there is: pt_PT's, else pt's."""
    for name in (str(locale), locale.language):
        po = folder / name / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            return compiled(po)
    return None


def compiled(po: Path) -> Translations:
    """The catalog's finished translations, compiled in memory. Babel's compiler would keep a plural
    message with some forms left empty, and show nothing for them: only whole messages are kept."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    for message in list(catalog):
        if message.id and not is_translated(message):
            catalog.delete(message.id, message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def is_translated(message: Any) -> bool:
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(forms)


def untranslated(catalog: Catalog) -> list[str]:
    """The messages of a catalog a reader would see in English: empty, partly empty or fuzzy (a
    plural named by its singular)."""
    return [message_id(message) for message in catalog if message.id and not is_translated(message)]


def message_id(message: Any) -> str:
    return str(message.id[0] if isinstance(message.id, tuple) else message.id)


def install(env: Any, language: CourseLanguage) -> None:
    """Give a Jinja environment the course's gettext (newstyle: `_("%(n)s posts", n=…)` escapes
    its values, and a plural is `ngettext`) and its arrows."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(language.translations, newstyle=True)
    env.globals["arrow"] = language.arrows
    env.globals["plural_samples"] = plural_samples(language.locale)


def plural_samples(locale: Locale) -> dict[str, int]:
    """A number of each of the locale's plural categories ("one": 1, "other": 0 in English; Arabic
    has six): a page's script, which counts in the reader's browser, picks a sentence by category
    (Intl.PluralRules, the same CLDR rules), and the template writes each one with `ngettext`."""
    samples: dict[str, int] = {}
    for number in (*range(1000), 10**6):  # Spanish, French and Portuguese say millions apart
        samples.setdefault(locale.plural_form(number), number)
    return samples


def locale_filters(language: CourseLanguage, zone: Callable[[], dt.tzinfo]) -> dict[str, Any]:
    """Dates in the zone of the term being rendered (`zone`), and numbers, as the locale writes
    them. A day is formatted once a build: a card's date is written 350,000 times at 35,000
    participants, and Babel takes some 40 µs a date."""
    locale = language.locale

    @functools.cache
    def day(value: dt.date, kind: str) -> str:
        return str(format_skeleton(DATE_SKELETONS[kind], value, locale=locale))

    @functools.cache
    def date_range(first: dt.date, last: dt.date) -> str:
        return str(format_interval(first, last, SPAN_SKELETON, locale=locale))

    @functools.cache
    def week_days(first: dt.date, last: dt.date) -> Markup:
        """A week's first and last days, each a <time> a machine reads: "Mon, Sep 14 – Sun, Sep 20,
        2026", in the locale's way of joining two dates."""
        start = "day" if first.year != last.year else "weekday"
        dates = (dated(first, day(first, start)), dated(last, day(last, "day")))
        return escape(locale.interval_formats[None]).format(*dates)

    def local_date(value: dt.datetime | dt.date, kind: str = "day") -> str:
        return day(local_day(value, zone()), kind)

    def number(value: int) -> str:
        return str(format_decimal(value, locale=locale))

    return {"local_date": local_date, "date_range": date_range, "week_days": week_days, "number": number}


def dated(value: dt.date, text: str) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), text)


def local_day(value: dt.datetime | dt.date, zone: dt.tzinfo) -> dt.date:
    return value.astimezone(zone).date() if isinstance(value, dt.datetime) else value
