"""Course and hub settings: read once, validated once, then passed around as frozen values.

The settings live in `pelicanconf.py` as one namespaced dict, `HUB`, so that the course is defined
in the same file as the site. The aggregator reads that file without importing Pelican.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import os
import re
import runpy
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .urls import absolute_http_url

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = "course-hub/0.1 (+https://github.com/course-hub/course-hub; feed aggregator)"


@dataclass(frozen=True)
class Course:
    """The course calendar: week 1 starts at local midnight of `start`, a Monday."""

    start: dt.date
    weeks: int
    timezone: ZoneInfo
    tag: str | None

    @property
    def last_day(self) -> dt.date:
        return self.start + dt.timedelta(weeks=self.weeks, days=-1)


# A term's slug names its folder of pages, of archive records and of content: it carries a digit
# (a year, as in "2026-autumn"), so that it never takes the name of one of the site's own folders.
_TERM_SLUG = re.compile(r"^(?=[a-z0-9-]*[0-9])[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Term:
    """One run of the course: its calendar, course tag and cohort (a folder of feeds.opml).

    A course without terms has one, with no slug: its pages are at the site's root as they were
    before terms. A term's pages are under its slug ("2026-autumn/cohort/week-2/") for good.
    """

    slug: str | None
    course: Course
    title: str = ""
    frozen: bool = False  # no longer fetched: its pages are built from the archive as it is
    moved_from_root: bool = False  # it once was the course without terms: its old addresses redirect

    @property
    def root(self) -> str:
        """The folder of the term's pages under the site, "" or "2026-autumn/"."""
        return f"{self.slug}/" if self.slug else ""

    @property
    def name(self) -> str:
        return self.title or self.slug or ""


# Global by the address registries, yet no feed lives there: Azure's WireServer, which every
# Azure machine (a GitHub-hosted runner among them) can reach and which hands out its secrets.
NEVER_PUBLIC = (ipaddress.ip_network("168.63.129.16/32"),)
# IPv6 addresses that carry an IPv4 address, which a gateway or the kernel then connects to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: for one network's own use
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated, never a public address


def is_public(ip: IPAddress) -> bool:
    """Whether `ip` is an address on the public internet, and so is every IPv4 address it carries."""
    if not ip.is_global or ip.is_multicast or any(ip in net for net in (*NEVER_PUBLIC, _NAT64_LOCAL)):
        return False
    return all(is_public(inner) for inner in embedded_ipv4(ip))


def embedded_ipv4(ip: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address stands for: mapped, NAT64, 6to4, Teredo, compatible."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ()
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return tuple(inner for inner in found if inner is not None)


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses a fetch may connect to. Public addresses are always allowed."""

    allow_all: bool = False
    networks: tuple[IPNetwork, ...] = ()

    def allows(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if self.allow_all or is_public(ip):
            return True
        return any(each in net for each in (ip, *embedded_ipv4(ip)) for net in self.networks)


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    workers: int = 256  # feeds in flight at once, in each process
    user_agent: str = USER_AGENT
    policy: AddressPolicy = AddressPolicy()


@dataclass(frozen=True)
class PictureLimits:
    """How much picture fetching one update does (README, "Pictures")."""

    max_bytes: int = 5_000_000  # a picture's size cap, checked while it is read
    per_run: int = 2000  # pictures fetched in one update, at most
    per_participant: int = 20  # pictures of one participant fetched in one update, at most
    retry_days: int = 7  # a picture that could not be had is asked for again after this long


@dataclass(frozen=True)
class SiteBudget:
    """What the site's host publishes at most: GitHub Pages by default. GitHub refuses a site over
    1 GB and states no limit on files; 200,000 is GitLab Pages' limit, our target."""

    bytes: int = 10**9
    files: int = 200_000
    host: str = "GitHub Pages"


@dataclass(frozen=True)
class HubConfig:
    course: Course
    opml: Path
    archive: Path
    offline: bool
    fetch: FetchOptions
    health_report: Path | None = None
    processes: int = 0  # 0: one per core for large cohorts, else in-process
    moderation: Path | None = None  # withdrawals and hidden posts (moderation.yml)
    public_url: str | None = None  # the site's public address (Pelican's PUBLIC_URL)
    week_url: str = "weeks/week-{number}/"  # a course week page's path under public_url
    participation_page: bool = False  # whether the participation matrix is on the public site
    participation_report: Path | None = None  # the participation matrix as CSV, for facilitators
    cards_manifest: Path = Path("cache/cards.json")  # the build's cards and their week pages (webmention)
    webmention_limit: int = 50  # posts told about their page per run, at most
    pictures: Path = Path("cache/pictures")  # the hub's copies of avatars and post pictures
    picture_budget: int = 60_000_000  # bytes of post pictures a term's pages show, newest first
    picture_limits: PictureLimits = PictureLimits()
    site_budget: SiteBudget = SiteBudget()  # the host's limits, which the build keeps the site within
    site_size: Path = Path("cache/site.json")  # what the last build published measured (status)
    terms: tuple[Term, ...] = ()  # every term, oldest first; () for a course without terms
    term: Term | None = None  # the term `course`, `archive` and `week_url` belong to
    archive_root: Path | None = None  # the folder of every term's archive folder

    @property
    def course_terms(self) -> tuple[Term, ...]:
        """Every term of the course, oldest first: one without a slug for a course without terms."""
        return self.terms or (self.term or Term(None, self.course),)

    def for_term(self, term: Term) -> HubConfig:
        """These settings for `term`: its calendar, its archive folder and its week pages."""
        if term.slug is None:
            return self
        root = self.archive_root or self.archive
        base_url = self.week_url.removeprefix(self.term.root if self.term else "")
        return replace(
            self, term=term, course=term.course, archive=root / term.slug, week_url=term.root + base_url
        )

    def term_named(self, slug: str) -> Term:
        for term in self.terms:
            if term.slug == slug:
                return term
        known = ", ".join(term.slug or "" for term in self.terms) or "none: HUB defines no terms"
        raise ConfigError(f"no term {slug!r} in HUB['terms'] (terms: {known})")

    def week_page(self, number: int) -> str | None:
        """The public address of a course week's page, when the site's is known."""
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/{self.week_url.format(number=number).lstrip('/')}"


DEFAULTS: dict[str, Any] = {
    "course_tag": None,
    "opml": "feeds.opml",
    "archive": "archive",
    "health_report": "cache/health.md",
    "moderation": "moderation.yml",
    "offline": False,
    "allow_private": False,
    "timeout": 10.0,
    "deadline": 30.0,
    "max_bytes": 5_000_000,
    "workers": 256,
    "processes": 0,
    "user_agent": USER_AGENT,
    "week_url": "weeks/week-{number}/",
    "participation_page": False,
    "participation_report": "cache/participation.csv",
    "cards_manifest": "cache/cards.json",
    "webmention_limit": 50,
    "pictures": "cache/pictures",
    "picture_budget": 60_000_000,
    "picture_max_bytes": 5_000_000,
    "pictures_per_run": 2000,
    "pictures_per_participant": 20,
    "picture_retry_days": 7,
    "site_budget": None,
    "site_size": "cache/site.json",
    "terms": None,
}
REQUIRED = ("course_start", "course_weeks", "course_timezone")
CALENDAR = (*REQUIRED, "course_tag")
TERM_KEYS = ("slug", "title", "start", "weeks", "timezone", "tag", "frozen", "moved_from_root")


def load_settings(path: Path) -> dict[str, Any]:
    """Run a Pelican settings file as plain Python and return its settings."""
    if not path.is_file():
        raise ConfigError(f"settings file not found: {path}")
    settings = runpy.run_path(str(path))
    if not isinstance(settings.get("HUB"), Mapping):
        raise ConfigError(f"{path} defines no HUB settings dict")
    return settings


def hub_config(settings: Mapping[str, Any], base_dir: Path) -> HubConfig:
    """The hub's settings from Pelican's: the `HUB` dict, and PUBLIC_URL for the week pages."""
    return from_mapping(settings.get("HUB") or {}, base_dir, settings.get("PUBLIC_URL"))


def from_mapping(
    raw: Mapping[str, Any], base_dir: Path, public_url: Any = None, today: dt.date | None = None
) -> HubConfig:
    """Validate the `HUB` dict and the site's PUBLIC_URL; every error names the setting at fault.

    The settings returned are those of the current term (`current_term`) when HUB has terms."""
    unknown = sorted(set(raw) - set(DEFAULTS) - set(REQUIRED))
    if unknown:
        raise ConfigError(f"HUB has unknown setting(s): {', '.join(unknown)}")
    settings = {**DEFAULTS, **raw}
    terms = _terms(settings)
    if not terms:
        missing = [key for key in REQUIRED if raw.get(key) in (None, "")]
        if missing:
            raise ConfigError(f"HUB['{missing[0]}'] is required")
    config = HubConfig(
        course=terms[-1].course if terms else _course(settings),
        opml=base_dir / _text(settings, "opml"),
        archive=base_dir / _text(settings, "archive"),
        archive_root=base_dir / _text(settings, "archive"),
        terms=terms,
        offline=_flag(settings, "offline") or os.environ.get("HUB_OFFLINE", "") not in ("", "0"),
        fetch=_fetch_options(settings),
        health_report=_optional_path(settings, "health_report", base_dir),
        processes=_number(settings, "processes", int, 0, 64),
        moderation=base_dir / _text(settings, "moderation"),
        public_url=_public_url(public_url),
        week_url=_week_url(settings),
        participation_page=_flag(settings, "participation_page"),
        participation_report=_optional_path(settings, "participation_report", base_dir),
        cards_manifest=base_dir / _text(settings, "cards_manifest"),
        webmention_limit=_number(settings, "webmention_limit", int, 0, 10_000),
        pictures=base_dir / _text(settings, "pictures"),
        picture_budget=_number(settings, "picture_budget", int, 0, 10**12),
        picture_limits=_picture_limits(settings),
        site_budget=_site_budget(settings["site_budget"]),
        site_size=base_dir / _text(settings, "site_size"),
    )
    return config.for_term(current_term(terms, today)) if terms else config


def current_term(terms: tuple[Term, ...], today: dt.date | None = None) -> Term:
    """The term whose dates hold today (in its time zone), else the one that starts last."""
    for term in terms:
        day = today or dt.datetime.now(term.course.timezone).date()
        if term.course.start <= day <= term.course.last_day:
            return term
    return max(terms, key=lambda term: term.course.start)


def _terms(settings: Mapping[str, Any]) -> tuple[Term, ...]:
    """HUB['terms']: a list of dicts, one per term. A course with terms has its calendar there."""
    value = settings["terms"]
    if value is None:
        return ()
    if isinstance(value, str | Mapping) or not isinstance(value, list | tuple) or not value:
        raise ConfigError("HUB['terms'] must be a list of terms, each a dict with slug, start and weeks")
    both = [key for key in CALENDAR if settings.get(key) not in (None, "")]
    if both:
        raise ConfigError(
            f"HUB['{both[0]}'] and HUB['terms'] both describe the calendar: give each term its own "
            "start, weeks, timezone and tag, and remove the course_* settings"
        )
    terms = tuple(sorted((_term(each, n) for n, each in enumerate(value)), key=lambda t: t.course.start))
    _check_terms(terms)
    return terms


def _term(value: Any, number: int) -> Term:
    if not isinstance(value, Mapping):
        raise ConfigError(f"HUB['terms'][{number}] must be a dict, got {value!r}")
    where = f"HUB['terms'][{number}]"
    unknown = sorted(set(value) - set(TERM_KEYS))
    if unknown:
        raise ConfigError(f"{where} has unknown key(s): {', '.join(map(str, unknown))}")
    slug = value.get("slug")
    if not isinstance(slug, str) or not _TERM_SLUG.match(slug):
        raise ConfigError(
            f"{where}['slug'] must be lower-case letters, digits and dashes with a digit in it, "
            f"such as '2026-autumn', got {slug!r}"
        )
    where = f"HUB['terms'] {slug!r}"
    settings = {
        "course_start": value.get("start"),
        "course_weeks": value.get("weeks"),
        "course_timezone": value.get("timezone"),
        "course_tag": value.get("tag"),
    }
    for key, given in (("start", "course_start"), ("weeks", "course_weeks"), ("timezone", "course_timezone")):
        if settings[given] is None:
            raise ConfigError(f"{where} needs '{key}'")
    try:
        course = _course(settings)
    except ConfigError as exc:
        raise ConfigError(_term_message(str(exc), where)) from None
    title = value.get("title", "")
    if not isinstance(title, str):
        raise ConfigError(f"{where}: 'title' must be a string, got {title!r}")
    flags = {key: value.get(key, False) for key in ("frozen", "moved_from_root")}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            raise ConfigError(f"{where}: '{key}' must be True or False, got {flag!r}")
    return Term(slug, course, title.strip(), **flags)


def _term_message(message: str, where: str) -> str:
    """A calendar error about one term, in the words of the term's own keys."""
    for key, term_key in zip(CALENDAR, ("start", "weeks", "timezone", "tag"), strict=True):
        message = message.replace(f"HUB['{key}']", f"{where}['{term_key}']")
    return message


def _check_terms(terms: tuple[Term, ...]) -> None:
    slugs = Counter(term.slug for term in terms)
    if twice := [slug for slug, count in slugs.items() if count > 1]:
        raise ConfigError(f"HUB['terms'] has two terms named {twice[0]!r}: a slug names one term")
    for before, after in itertools.pairwise(terms):
        if after.course.start <= before.course.last_day:
            raise ConfigError(
                f"HUB['terms'] {before.slug!r} and {after.slug!r} overlap: {after.slug!r} starts on "
                f"{after.course.start.isoformat()}, before {before.slug!r} ends on "
                f"{before.course.last_day.isoformat()}"
            )
    if sum(term.moved_from_root for term in terms) > 1:
        raise ConfigError("HUB['terms']: only one term can have moved from the site's root")


def _optional_path(settings: Mapping[str, Any], key: str, base_dir: Path) -> Path | None:
    """A file the hub writes, or None when the setting is empty."""
    return base_dir / _text(settings, key) if settings[key] else None


def _public_url(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or absolute_http_url(value.strip()) is None:
        raise ConfigError(f"PUBLIC_URL must be the site's http(s) address, got {value!r}")
    return value.strip().rstrip("/")


def _week_url(settings: Mapping[str, Any]) -> str:
    value = _text(settings, "week_url")
    if value.count("{number}") != 1 or "://" in value or value.startswith("/"):
        raise ConfigError(
            f"HUB['week_url'] must be a path under the site such as 'weeks/week-{{number}}/', got {value!r}"
        )
    return value


def _course(settings: Mapping[str, Any]) -> Course:
    return Course(
        start=_start_date(settings["course_start"]),
        weeks=_number(settings, "course_weeks", int, 1, 52),
        timezone=_zone(settings["course_timezone"]),
        tag=_course_tag(settings["course_tag"]),
    )


def _fetch_options(settings: Mapping[str, Any]) -> FetchOptions:
    return FetchOptions(
        timeout=_number(settings, "timeout", float, 0.1, 300),
        deadline=_number(settings, "deadline", float, 0.1, 3600),
        max_bytes=_number(settings, "max_bytes", int, 1024, 500_000_000),
        workers=_number(settings, "workers", int, 1, 4096),
        user_agent=_text(settings, "user_agent"),
        policy=_private_policy(settings),
    )


def _picture_limits(settings: Mapping[str, Any]) -> PictureLimits:
    return PictureLimits(
        max_bytes=_number(settings, "picture_max_bytes", int, 1024, 100_000_000),
        per_run=_number(settings, "pictures_per_run", int, 0, 1_000_000),
        per_participant=_number(settings, "pictures_per_participant", int, 0, 10_000),
        retry_days=_number(settings, "picture_retry_days", int, 0, 365),
    )


def _private_policy(settings: Mapping[str, Any]) -> AddressPolicy:
    """HUB['allow_private'], unless the environment names the addresses for this one run
    (HUB_ALLOW_PRIVATE, space- or comma-separated: what `invoke build --allow-private` sets)."""
    named = os.environ.get("HUB_ALLOW_PRIVATE", "").replace(",", " ").split()
    if named:
        return address_policy(named, "HUB_ALLOW_PRIVATE")
    return address_policy(settings["allow_private"], "HUB['allow_private']")


BUDGET_KEYS = ("host", "bytes", "files")
# Decimal units, as hosts state their limits ("1 GB" is 10^9 bytes).
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}


def _site_budget(value: Any) -> SiteBudget:
    """HUB['site_budget']: a dict of host, bytes and files; what it leaves out is GitHub Pages'."""
    name = "HUB['site_budget']"
    if value is None:
        return SiteBudget()
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{name} must be a dict such as {{'host': 'GitLab Pages', 'bytes': '1 GB', 'files': 200000}}, "
            f"got {value!r}"
        )
    if unknown := sorted(map(str, set(value) - set(BUDGET_KEYS))):
        raise ConfigError(f"{name} has unknown key(s): {', '.join(unknown)} (it takes host, bytes and files)")
    given = {**asdict(SiteBudget()), **value}
    return SiteBudget(
        _size_in_bytes(given["bytes"], f"{name}['bytes']"),
        _file_count(given["files"], f"{name}['files']"),
        _host(given["host"], f"{name}['host']"),
    )


def _file_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a whole number of files, such as 200000, got {value!r}")
    return value


def _host(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} must be the host's name, such as 'GitLab Pages', got {value!r}")
    return value.strip()


def _size_in_bytes(value: Any, name: str) -> int:
    """A whole number of bytes, or a size as people write it: "1 GB", "500 MB", "1.5GB"."""
    size = _written_size(value) if isinstance(value, str) else value
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(
            f"{name} must be a size such as '1 GB' or '500 MB' (decimal units) or a number of bytes, "
            f"got {value!r}"
        )
    return size


def _written_size(text: str) -> int | None:
    found = _SIZE.match(text)
    return round(float(found[1]) * _UNITS[(found[2] or "").lower()]) if found else None


def _start_date(value: Any) -> dt.date:
    name = "HUB['course_start']"
    if isinstance(value, dt.datetime):
        raise ConfigError(f"{name} must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None
    if not isinstance(value, dt.date):
        raise ConfigError(f"{name} must be a date as YYYY-MM-DD, got {value!r}")
    if value.weekday() != 0:
        raise ConfigError(f"{name} must be the Monday of week 1; {value.isoformat()} is a {value:%A}")
    return value


def _zone(value: Any) -> ZoneInfo:
    name = "HUB['course_timezone']"
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name} must be an IANA time zone name such as 'Europe/London'")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}: unknown time zone {value!r}") from None


def written_tag(value: str) -> str | None:
    """A tag as people write it, without the spaces around it and a leading #; None unless it is
    one word. The course's tag, a participant's own and a registration's are all read this way."""
    tag = value.strip().lstrip("#")
    return tag if tag and not any(ch.isspace() for ch in tag) else None


def _course_tag(value: Any) -> str | None:
    if value is None or value == "":
        return None
    tag = written_tag(value) if isinstance(value, str) else None
    if tag is None:
        raise ConfigError(f"HUB['course_tag'] must be one word such as 'openlearning26', got {value!r}")
    return tag


def _number(settings: Mapping[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"HUB['{key}'] must be a number, got {value!r}")
    if kind is int and not isinstance(value, int):
        raise ConfigError(f"HUB['{key}'] must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"HUB['{key}'] must be between {low:g} and {high:g}, got {value!r}")
    return kind(value)


def _text(settings: Mapping[str, Any], key: str) -> str:
    value = settings[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"HUB['{key}'] must be a non-empty string, got {value!r}")
    return value


def _flag(settings: Mapping[str, Any], key: str) -> bool:
    value = settings[key]
    if not isinstance(value, bool):
        raise ConfigError(f"HUB['{key}'] must be True or False, got {value!r}")
    return value


def address_policy(value: Any, name: str) -> AddressPolicy:
    """`True` allows every private address; a list allows those addresses or networks only."""
    if value is True:
        return AddressPolicy(allow_all=True)
    if value is False or value is None:
        return AddressPolicy()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"{name} must be True, False or a list of addresses, got {value!r}")
    try:
        return AddressPolicy(networks=tuple(ipaddress.ip_network(v, strict=False) for v in value))
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
