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
import re
from collections.abc import Callable, Iterator
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
from jinja2.ext import Extension
from jinja2.lexer import TOKEN_LPAREN, TOKEN_NAME, TOKEN_RPAREN, TOKEN_STRING, Token, TokenStream
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
        """Arrows: "forward" points the way a reader reads on, to what comes next; "back" the other
        way."""
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
    """Give a Jinja environment the course's gettext and its arrows. Jinja's i18n extension, in its
    "newstyle": `_("%(n)s posts", n=…)` escapes the values it fills in, a plural is `ngettext`,
    and a theme may write `{% trans %}` blocks too."""
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True
    gettext, ngettext = newstyle(language.translations)
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.course_translations = language.translations
    env.add_extension(TranslatedConstants)
    env.globals["arrow"] = language.arrows
    env.globals["plural_samples"] = plural_samples(language.locale)


def newstyle(translations: gettext.NullTranslations) -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """gettext and ngettext as Jinja's newstyle ones behave in an autoescaping environment (the
    theme's: pelicanconf.py turns it on), with each translation looked up once a build. Jinja's own
    take the page's context on every call, which made 18% of a 5,000-participant build: a page
    calls them some 30 times (its menu, its footer, its cards), and 35,000 participants make
    100,000 pages."""

    @functools.cache
    def message(string: str) -> Markup:
        return Markup(translations.gettext(string))  # noqa: S704 (the catalog's: the theme's own text)

    @functools.cache
    def constant(string: str) -> Markup:
        return message(string) % {}  # "%%" is "%", as when values are given

    @functools.lru_cache(maxsize=4096)
    def counted(singular: str, plural: str, count: int) -> Markup:
        form = Markup(translations.ngettext(singular, plural, count))  # noqa: S704 (the catalog's)
        return form % {"num": count}

    def gettext_(string: str, **values: Any) -> Markup:
        return message(string) % values if values else constant(string)

    def ngettext_(singular: str, plural: str, count: int, **values: Any) -> Markup:
        if not values:  # "%(num)s min read", on every card
            return counted(singular, plural, count)
        form = Markup(translations.ngettext(singular, plural, count))  # noqa: S704 (the catalog's)
        return form % {"num": count, **values}

    return gettext_, ngettext_


class TranslatedConstants(Extension):
    """`_("Menu")`, a string alone, is translated as the template compiles: the language does not
    change during a build, and the page's menu, footer and labels are then text written into the
    compiled template, which costs nothing a page. A string with values, or HTML (in the English
    or in its translation, which must stay markup), is left to `_` at render time."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        translations = getattr(self.environment, "course_translations", None)
        window: list[Token] = []
        for token in stream:
            window.append(token)
            if len(window) < len(CALL):
                continue
            text = translations and constant_call(window, translations)
            if text is not None:
                yield Token(window[0].lineno, TOKEN_STRING, text)
                window.clear()
            else:
                yield window.pop(0)
        yield from window


CALL = ((TOKEN_NAME, "_"), (TOKEN_LPAREN, None), (TOKEN_STRING, None), (TOKEN_RPAREN, None))
# Values to fill in, or what a string of text and a string of markup write differently.
NOT_CONSTANT = re.compile(r"[%<>&'\"]")


def constant_call(tokens: list[Token], translations: gettext.NullTranslations) -> str | None:
    """The translation of `_("…")` spelled by these four tokens, if it is plain text."""
    expected = zip(tokens, CALL, strict=True)
    shaped = all(token.type == kind and value in (None, token.value) for token, (kind, value) in expected)
    if not shaped or NOT_CONSTANT.search(tokens[2].value):
        return None
    text = translations.gettext(tokens[2].value)
    return None if NOT_CONSTANT.search(text) else text


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
