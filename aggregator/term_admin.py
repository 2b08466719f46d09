"""Between terms: `freeze` ends a term, `new-term` starts the next one.

Both edit pelicanconf.py's HUB['terms'] (settings_edit.py). `new-term` is a plan of steps, all
computed before the first is carried out, and each step finds its own work done when it is run
again; the settings file, which decides whether the term exists, is written last. So a run that
fails midway (a full disk, a killed process) is finished by running the same command again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .archive import FORGOTTEN_FILE, Archive, move_records
from .config import HubConfig, Term, from_mapping, load_settings
from .errors import ConfigError
from .files import write_atomically
from .opml_edit import add_term_folder, wrap_in_term
from .registry import load_registry
from .settings_edit import hub_calendar, hub_terms, with_terms
from .terms import members_of

WEEKS_FOLDER = Path("content/weeks")
# Metadata lines a copied week file loses: its dates, and the addresses of a course without terms
# (a term's week pages get theirs, "<slug>/weeks/week-N/", and their slugs from the plugin).
DROPPED = re.compile(r"^(date|modified|url|save_as|slug)\s*:", re.IGNORECASE)
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DATE_WORDS = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}(st|nd|rd|th)? ({MONTHS})\b"
    rf"|\b({MONTHS}) \d{{1,2}}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Frozen:
    term: Term
    participants: int
    posts: int
    already: bool = False


def freeze(
    settings: Path, config: HubConfig, slug: str, today: dt.date | None = None, early: bool = False
) -> Frozen:
    """Mark the term frozen in the settings file: no update reads its feeds again."""
    term = config.term_named(slug)
    archive = Archive(config.for_term(term).archive)
    kept = Frozen(
        term,
        len(members_of(term, load_registry(config.opml))),
        sum(len(record.posts) for record in archive.load_all(bodies=False).values()),
    )
    if term.frozen:
        return dataclasses.replace(kept, already=True)
    today = today or dt.datetime.now(term.course.timezone).date()
    if today <= term.course.last_day and not early:
        raise ConfigError(
            f"term {slug!r} has not ended: its last day is {term.course.last_day.isoformat()}. "
            "Freeze it before then with --early"
        )
    text = settings.read_text(encoding="utf-8")
    terms = hub_terms(text, str(settings)) or []
    edited = [{**each, "frozen": True} if each.get("slug") == slug else each for each in terms]
    write_atomically(settings, with_terms(text, edited, str(settings)).encode("utf-8"))
    return kept


def frozen_lines(done: Frozen, archive_root: Path) -> list[str]:
    term, folder = done.term, f"{archive_root.name}/{done.term.slug}/"
    if done.already:
        return [f"{term.slug} is frozen already: nothing changed."]
    return [
        f"Froze {term.slug} ({term.name}): {done.participants} participants, {done.posts} posts kept "
        f"in {folder}",
        f"Its feeds are no longer fetched; its pages are built from {folder} from now on.",
        "Withdrawals (moderation.yml) and forget still reach it. Commit pelicanconf.py.",
    ]


@dataclass(frozen=True)
class NewTerm:
    slug: str
    start: dt.date
    weeks: int
    tag: str | None = None
    title: str | None = None
    timezone: str | None = None
    current: str | None = None  # the slug for the term so far, when the course has no terms yet


@dataclass(frozen=True)
class Step:
    says: str
    run: Callable[[], None]


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    todo: tuple[str, ...]  # what the facilitator still has to write, printed at the end


def plan_new_term(settings: Path, config: HubConfig, request: NewTerm, today: dt.date) -> Plan:
    """Every step of adding the term, computed and checked before any is carried out."""
    text = settings.read_text(encoding="utf-8")
    terms = hub_terms(text, str(settings))
    steps: list[Step] = []
    if terms is None:
        terms = [_first_term(text, settings, request)]
        steps += _migration(config, terms[0])
    previous = max(terms, key=lambda each: str(each["start"]))
    entry = _term_entry(request, previous)
    new_terms = [*terms, entry]
    checked = _check(settings, config, new_terms, request)
    ended = checked.term_named(str(previous["slug"])).course.last_day
    weeks = _week_files(previous, request)
    steps += _new_term_steps(config, previous, entry, weeks)
    steps.append(
        Step(f"add {request.slug} to HUB['terms'] in {settings.name}", _writer(settings, text, new_terms))
    )
    return Plan(tuple(steps), tuple(_todo(previous, entry, weeks, today, ended)))


def _first_term(text: str, settings: Path, request: NewTerm) -> dict[str, Any]:
    """The term that has run so far, from the course_* settings."""
    if not request.current:
        raise ConfigError(
            "this course has no terms yet: give the slug for the term that has run so far with "
            "--current SLUG (such as --current 2026-autumn); its pages move under /SLUG/, and its "
            "old addresses redirect there"
        )
    calendar = hub_calendar(text, str(settings))
    term = {
        "slug": request.current,
        "title": title_of(request.current),
        "start": calendar.get("course_start"),
        "weeks": calendar.get("course_weeks"),
        "timezone": calendar.get("course_timezone"),
        "tag": calendar.get("course_tag"),
        "moved_from_root": True,
    }
    return {key: value for key, value in term.items() if value is not None}


def title_of(slug: str) -> str:
    """A term's title from its slug: "2027-autumn" is "Autumn 2027"."""
    words = slug.split("-")
    return " ".join([*(w.capitalize() for w in words if not w.isdigit()), *(w for w in words if w.isdigit())])


def _term_entry(request: NewTerm, previous: dict[str, Any]) -> dict[str, Any]:
    entry = {
        "slug": request.slug,
        "title": request.title or title_of(request.slug),
        "start": request.start.isoformat(),
        "weeks": request.weeks,
        "timezone": request.timezone or previous.get("timezone"),
        "tag": request.tag,
    }
    return {key: value for key, value in entry.items() if value is not None}


def _check(settings: Path, config: HubConfig, terms: list[dict[str, Any]], request: NewTerm) -> HubConfig:
    """The new settings as the hub will read them: every rule of config.py holds."""
    if request.slug in [each.get("slug") for each in terms[:-1]]:
        raise ConfigError(f"there is a term {request.slug!r} already in HUB['terms']: choose another slug")
    hub = {
        key: value for key, value in load_settings(settings)["HUB"].items() if not key.startswith("course_")
    }
    return from_mapping({**hub, "terms": terms}, config.opml.parent)


def _writer(path: Path, text: str, terms: list[dict[str, Any]]) -> Callable[[], None]:
    return lambda: write_atomically(path, with_terms(text, terms, str(path)).encode("utf-8"))


# The first time: the course so far becomes the term `current`.


def _migration(config: HubConfig, term: dict[str, Any]) -> list[Step]:
    slug, root = term["slug"], config.archive_root or config.archive
    return [
        Step(f"move {root.name}/*.json to {root.name}/{slug}/", lambda: move_records(root, root / slug)),
        Step(
            f"move {WEEKS_FOLDER}/week-*.md to {WEEKS_FOLDER}/{slug}/ without their Url and Save_as lines",
            lambda: _move_weeks(WEEKS_FOLDER, slug),
        ),
        Step(
            f"put everyone in {config.opml.name} into the folder of {slug}",
            lambda: _edit_opml(config.opml, lambda data: wrap_in_term(data, term["title"], slug)),
        ),
    ]


def _move_weeks(weeks: Path, slug: str) -> None:
    for path in sorted(weeks.glob("week-*.md")):
        write_atomically(
            weeks / slug / path.name, without_addresses(path.read_text(encoding="utf-8")).encode()
        )
        path.unlink()


def without_addresses(text: str) -> str:
    """A week file without the dates and addresses of its metadata (the lines before the first
    blank line); its text untouched."""
    head, blank, body = text.partition("\n\n")
    kept = [line for line in head.split("\n") if not DROPPED.match(line)]
    return "\n".join(kept) + blank + body


def _edit_opml(path: Path, edit: Callable[[bytes], bytes]) -> None:
    data = path.read_bytes()
    if (edited := edit(data)) != data:
        write_atomically(path, edited)


# The new term's folder of feeds.opml, forgotten list and week files.


def _week_files(previous: dict[str, Any], request: NewTerm) -> dict[Path, str]:
    """Each week file of the new term: the previous term's, without dates, or a stub."""
    folder = WEEKS_FOLDER / str(previous["slug"])
    sources = {n: folder / f"week-{n}.md" for n in range(1, request.weeks + 1)}
    if previous.get("moved_from_root") and not folder.exists():  # not moved yet: a first run
        sources = {n: WEEKS_FOLDER / f"week-{n}.md" for n in sources}
    return {
        WEEKS_FOLDER / request.slug / f"week-{n}.md": with_tag(
            without_addresses(path.read_text(encoding="utf-8")), previous.get("tag"), request.tag
        )
        if path.is_file()
        else stub(n)
        for n, path in sources.items()
    }


def with_tag(text: str, old: str | None, new: str | None) -> str:
    """A copied week file that asks for the new term's tag where it asked for the old one
    (`openlearning26`, `#OpenLearning26`), never inside a longer word or tag."""
    if not old or not new:
        return text
    return re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text, flags=re.IGNORECASE)


def stub(number: int) -> str:
    return (
        f"Title: Week {number}\nWeek: {number}\nTemplate: week\nSummary: To be written.\n\n"
        "This week's page is still to be written.\n"
    )


def _new_term_steps(
    config: HubConfig, previous: dict[str, Any], entry: dict[str, Any], weeks: dict[Path, str]
) -> list[Step]:
    slug, root = entry["slug"], config.archive_root or config.archive
    for path, text in weeks.items():
        if path.exists() and path.read_text(encoding="utf-8") != text:  # not this command's own
            raise ConfigError(f"{path} exists already: move it away, or choose another slug")
    forgotten = root / str(previous["slug"]) / FORGOTTEN_FILE
    return [
        Step(
            f"copy the list of the forgotten to {root.name}/{slug}/ (consent outlives a term)",
            lambda: _copy_forgotten(forgotten, root, slug),
        ),
        Step(
            f"write {len(weeks)} week files in {WEEKS_FOLDER}/{slug}/, copied from {previous['slug']} "
            f"without dates{_retagged(previous, entry)}",
            lambda: _write_all(weeks),
        ),
        Step(
            f'add the folder <outline text="{entry["title"]}" hub:term="{slug}"> to {config.opml.name}',
            lambda: _edit_opml(config.opml, lambda data: add_term_folder(data, entry["title"], slug)),
        ),
    ]


def _retagged(previous: dict[str, Any], entry: dict[str, Any]) -> str:
    old, new = previous.get("tag"), entry.get("tag")
    return f", {old} written {new}" if old and new else ""


def _write_all(files: dict[Path, str]) -> None:
    for path, text in files.items():
        write_atomically(path, text.encode("utf-8"))


def _copy_forgotten(previous: Path, root: Path, slug: str) -> None:
    source = previous if previous.is_file() else root / FORGOTTEN_FILE  # before the first move
    if source.is_file():
        write_atomically(root / slug / FORGOTTEN_FILE, source.read_bytes())


def _todo(
    previous: dict[str, Any], entry: dict[str, Any], weeks: dict[Path, str], today: dt.date, last_day: dt.date
) -> Iterator[str]:
    yield f"Still to write for {entry['slug']}:"
    for path, text in weeks.items():
        stubbed = text.startswith("Title: Week ") and "Summary: To be written." in text
        copied = f"review it (copied from {previous['slug']})"
        yield f"  {path}: {'write it (a stub)' if stubbed else copied}"
    old_tag = previous.get("tag")
    for path, text in weeks.items():
        for number, line in enumerate(text.split("\n"), 1):
            if DATE_WORDS.search(line):
                yield f"  {path}:{number}: mentions a date: {line.strip()}"
            elif old_tag and old_tag.casefold() in line.casefold():
                yield f"  {path}:{number}: mentions the old tag {old_tag}: {line.strip()}"
    if entry.get("tag"):
        yield f"  Announce the new course tag: {entry['tag']}"
    if not previous.get("frozen"):
        when = "it has ended" if today > last_day else f"after its last day, {last_day.isoformat()}"
        yield f"  Freeze {previous['slug']} ({when}): python -m aggregator freeze {previous['slug']}"
