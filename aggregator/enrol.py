"""Joining in one step: address -> feed -> a checked preview -> feeds.opml, added or changed.

`enrol` is the whole of `register` and `join` after their inputs are read: it cleans the address,
discovers the feed, reads what the feed holds (`summarize`, pure) and writes the participant into
feeds.opml (`opml_edit`, pure on bytes, then one atomic write). `report_lines` says what happened
in plain lines a participant understands.

Who a registration is about is decided by the blog, never by the name (`same_blog`). A new blog
is a new participant, whatever their name. A blog already registered is a request to change
that participant, which only they or a maintainer may make: the maintainer says so explicitly
(`register --replace ID`), a participant by joining from the GitHub account they joined with
(`hub:github`). Any other request to change someone is written for review, and says in plain
words that a facilitator must confirm it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .archive import Archive, Record, identity_keys, tombstone_keys
from .config import HubConfig, written_tag
from .discover import PLATFORM_NAMES, Attempt, Discovery, NoFeed, clean_address, discover, scheme_given
from .errors import EnrolmentError
from .files import write_atomically
from .inclusion import EVERY_POST, RULES, IncludedBy, included_by, inclusion_for
from .moderation import Moderation
from .names import mixed_scripts, namesakes
from .normalize import normalize
from .opml_edit import Edit, Entry, add_participant, change_participant
from .parse import ParsedFeed
from .registry import NAME_LIMIT, Participant, parse_opml
from .sanitize import plain_text
from .urls import feed_identity, site_at, site_host

DISPLAYS = ("title", "excerpt", "full")
LATEST = 3
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # for identities only: no post is dated by it
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Request:
    """What a participant asks for; None leaves the setting as it is (or at its default)."""

    address: str  # as typed
    name: str | None = None
    tag: str | None = None  # the participant's own course tag
    display: str | None = None
    licence: str | None = None
    webmention: str | None = None  # "no": the hub sends their posts no webmention (hub:webmention)
    replace: str | None = None  # the maintainer's explicit act: change the participant with this id
    joining: bool = False  # asked by a participant (the join form), not by a maintainer (register)
    github: str | None = None  # the GitHub account a join comes from, recorded as hub:github


@dataclass(frozen=True)
class PostLine:
    title: str
    url: str | None
    published: dt.datetime


@dataclass(frozen=True)
class FeedSummary:
    posts: int
    tag: str | None  # the tag that counts; None when the course has none
    included: tuple[tuple[IncludedBy, int], ...]  # course posts by the rule that includes them, in order
    tag_feed: bool
    latest: tuple[PostLine, ...]
    categorised: bool = True  # whether any entry of the feed carries a category (a tag)
    week_page: str | None = None  # the address of week 1's page, when the course site's is known

    @property
    def course_posts(self) -> int:
        return sum(count for _, count in self.included)

    @property
    def without_categories(self) -> bool:
        """Whether a tag would count but the feed gives its posts none: only a hashtag or a link
        makes their course posts, which the person must be told (and not that they tagged none)."""
        return (
            bool(self.posts)
            and not self.categorised
            and self.tag not in (None, EVERY_POST)
            and not self.tag_feed
        )


@dataclass(frozen=True)
class Enrolled:
    discovery: Discovery
    summary: FeedSummary
    edit: Edit
    written: bool  # False for a dry run, or when nothing changed
    namesakes: tuple[Participant, ...] = ()  # others a reader could take this participant for
    confirm: tuple[str, ...] = ()  # why a facilitator must confirm the change with the participant


def enrol(
    request: Request, config: HubConfig, now: dt.datetime, *, dry_run: bool = False
) -> Enrolled | NoFeed:
    """Find, check and register one participant. EnrolmentError for unusable input."""
    fallback = not scheme_given(request.address)
    request = checked(request)
    tag = request.tag or config.course.tag
    archive = Archive(config.archive)
    forgotten = Moderation(forgotten=archive.forgotten())
    _refuse_forgotten(forgotten, request.address)  # before anything of theirs is fetched
    # `*`: the feed given holds only course posts, so there is no tag feed to look for.
    found = discover(
        request.address, config.fetch, None if tag == EVERY_POST else tag, http_fallback=fallback
    )
    if isinstance(found, NoFeed):
        return found
    _refuse_forgotten(forgotten, found.feed_url, found.home_url, *filter(None, [found.feed.self_url]))
    current = _read_opml(config)
    term = config.term.slug if config.terms and config.term else None
    everyone = parse_opml(current)
    people = tuple(person for person in everyone if person.term == term)  # the current term's
    known = same_blog(found, people, archive)
    target = _target(request, known, people)
    entry = _entry(request, found, target, _returning(found, everyone, term, archive) if not target else None)
    edit = (
        change_participant(current, target.id, entry, term)
        if target
        else add_participant(current, entry, term)
    )
    if known and not request.replace and not request.joining and edit.change != "unchanged":
        raise EnrolmentError(
            f"{found.feed_url} is the blog of {known.name} ({known.id}), already registered; nothing "
            f"changed. To change their registration, run register again with --replace {known.id}"
        )
    write = not dry_run and edit.change != "unchanged"
    if write:
        write_atomically(config.opml, edit.opml)
    summary = summarize(found.feed, config, request.tag, found.tag_feed, now)
    person = edit.participant
    return Enrolled(
        found,
        summary,
        edit,
        write,
        namesakes(person.name, people, besides=person.id),
        _confirm(request, edit),
    )


def _returning(
    found: Discovery, everyone: tuple[Participant, ...], term: str | None, archive: Archive
) -> Participant | None:
    """The participant of an earlier term whose blog this is: welcome back, under the same id."""
    earlier = tuple(person for person in everyone if person.term != term)
    return same_blog(found, earlier, archive) if term is not None else None


def _refuse_forgotten(forgotten: Moderation, *addresses: str) -> None:
    if note := forgotten.forgotten_address_note(*addresses):
        raise EnrolmentError(f"{addresses[0]} is the blog of a participant who was {note}")


def same_blog(found: Discovery, people: tuple[Participant, ...], archive: Archive) -> Participant | None:
    """The registered participant whose blog `found` is, however its feed is spelled: by the feed's
    address (`feed_identity`), the address the feed gives itself, or entries the archive holds (or
    withdrew) for a participant on the same host. Home pages do not count: the authors of one group
    blog, each with their own feed, are different people."""
    spellings = {feed_identity(url) for url in (found.feed_url, found.feed.self_url) if url}
    by_feed = next((p for p in people if feed_identity(p.feed_url) in spellings), None)
    if by_feed is not None:
        return by_feed
    hosts = {site_host(found.feed_url), site_host(found.home_url)} - {None}
    nearby = [p for p in people if {site_host(p.feed_url), site_host(p.blog_url)} & hosts]
    if not nearby:
        return None
    posts = normalize(found.feed, _EPOCH).posts
    entries = {key for post in posts for key in identity_keys(post)[:2]}
    stones = {key for post in posts for key in tombstone_keys(post)}
    return next((p for p in nearby if _holds_any(archive.load(p.id, bodies=False), entries, stones)), None)


def _holds_any(record: Record | None, keys: set[str], stones: set[str]) -> bool:
    """Whether `record` holds one of the entries, or withdrew one (a withdrawn blog's record keeps
    only the hashes of its posts)."""
    if record is None:
        return False
    return not record.tombstone_keys.isdisjoint(stones) or any(
        not keys.isdisjoint(identity_keys(post)[:2]) for post in record.posts
    )


def _target(
    request: Request, known: Participant | None, people: tuple[Participant, ...]
) -> Participant | None:
    """The participant to change: the one named by --replace, else the one whose blog this is,
    else, for a join, the one who joined from the same GitHub account (a participant whose blog
    moved re-joins with the new address)."""
    if request.replace is None:
        return known or _joined_from(request, people)
    wanted = next((p for p in people if p.id == request.replace), None)
    if wanted is None:
        raise EnrolmentError(f"--replace {request.replace}: feeds.opml has no participant with that id")
    if known is not None and known.id != wanted.id:
        raise EnrolmentError(
            f"--replace {request.replace}: this feed is the blog of another participant, "
            f"{known.name} ({known.id})"
        )
    return wanted


def _joined_from(request: Request, people: tuple[Participant, ...]) -> Participant | None:
    if not request.joining:
        return None
    mine = [person for person in people if person.joined_from(request.github)]
    return mine[0] if len(mine) == 1 else None


def _confirm(request: Request, edit: Edit) -> tuple[str, ...]:
    """Why a facilitator must confirm this with the participant before it is merged."""
    reasons = []
    person, previous = edit.participant, edit.previous
    if (
        previous is not None
        and edit.change == "updated"
        and request.replace is None
        and not previous.joined_from(request.github)
    ):
        asked = f"@{request.github}" if request.github else "someone"
        joined = f"@{previous.github}" if previous.github else "no recorded GitHub account"
        reasons.append(
            f"This changes the registration of {previous.name} ({previous.id}): "
            f"{', '.join(edit.what_changed)}. It was asked for by {asked}; {previous.name} joined "
            f"from {joined}"
        )
    if mixed_scripts(person.name):
        reasons.append(f"The name {person.name} mixes alphabets in one word, and may imitate someone else's")
    return tuple(reasons)


def checked(request: Request) -> Request:
    """The request with its address and tag cleaned; EnrolmentError before any fetch if unusable."""
    return replace(
        request,
        address=clean_address(request.address),
        tag=clean_tag(request.tag),
        display=_display(request.display),
    )


def clean_tag(tag: str | None) -> str | None:
    if tag is None or not tag.strip().lstrip("#"):
        return None
    cleaned = written_tag(tag)
    if cleaned is None or _CONTROL.search(cleaned) or len(cleaned) > 60:
        raise EnrolmentError(f"the course tag must be one word such as openlearning26, got {tag.strip()!r}")
    return cleaned


def summarize(
    feed: ParsedFeed, config: HubConfig, own_tag: str | None, tag_feed: bool, now: dt.datetime
) -> FeedSummary:
    """How many posts the feed holds, how many are course posts of a participant whose `hub:tag`
    is `own_tag` and by which rule (`inclusion.included_by`, as the archive and the site decide),
    whether the feed carries categories at all, and the latest few. Every post of a tag feed counts."""
    posts = sorted(normalize(feed, now).posts, key=lambda post: post.published, reverse=True)
    site = site_at(config.public_url)
    inclusion = inclusion_for(config.course, EVERY_POST if tag_feed else own_tag, site)
    counts = Counter(included_by(post, inclusion) for post in posts)
    latest = tuple(PostLine(post.title, post.url, post.published) for post in posts[:LATEST])
    return FeedSummary(
        len(posts),
        own_tag or config.course.tag,
        tuple((rule, counts[rule]) for rule in RULES if counts[rule]),
        tag_feed,
        latest,
        categorised=any(entry.tags for entry in feed.entries),
        week_page=config.week_page(1),
    )


def _read_opml(config: HubConfig) -> bytes:
    try:
        return config.opml.read_bytes()
    except OSError as exc:
        raise EnrolmentError(f"cannot read {config.opml}: {exc.strerror}") from None


def _entry(
    request: Request, found: Discovery, target: Participant | None, returning: Participant | None = None
) -> Entry:
    hub = {
        "id": returning.id if returning else None,  # a returning participant keeps their id
        "platform": found.platform,
        "display": request.display,
        "licence": _one_line(request.licence, 100) or None,
        "webmention": request.webmention,
        "tag": EVERY_POST if found.tag_feed else request.tag,
        # Recorded once, by the join that adds someone; changing it is a maintainer's edit.
        "github": request.github if target is None else None,
    }
    return Entry(
        name=_name(request.name, found, target),
        feed_url=found.feed_url,
        blog_url=found.home_url,
        hub=tuple((key, value) for key, value in hub.items() if value),
    )


def _display(display: str | None) -> str | None:
    if display is not None and display not in DISPLAYS:
        raise EnrolmentError(f"display must be one of {', '.join(DISPLAYS)}, got {display!r}")
    return display


def _name(given: str | None, found: Discovery, target: Participant | None) -> str:
    """The name given, else the registered one, else the feed's title."""
    if given is not None and _one_line(given, NAME_LIMIT):
        return _one_line(given, NAME_LIMIT)
    name = (target.name if target else None) or _one_line(found.feed.title, NAME_LIMIT)
    if not name:
        raise EnrolmentError("the feed has no title to use as your name: give one with --name")
    return name


def _one_line(text: str | None, limit: int) -> str:
    return plain_text(text, limit, is_html=False)


# What to tell the participant, in plain lines.


def report_lines(result: Enrolled | NoFeed, *, dry_run: bool = False) -> Iterator[str]:
    found = result.discovery if isinstance(result, Enrolled) else result
    yield f"Looked at {found.address}{looked_at_kind(result)}{_scheme_note(found.address, found.tried)}"
    yield "Tried:"
    yield from (f"  {attempt.url} : {printable(attempt.result)}" for attempt in found.tried)
    if isinstance(result, NoFeed):
        yield from no_feed_lines(result)
        return
    yield chosen_line(result.discovery)
    yield found_line(result.summary)
    if result.summary.without_categories:
        yield f"Note: {no_categories(result.summary)}"
    yield change_line(result, dry_run=dry_run)
    yield from attention_lines(result)


def attention_lines(result: Enrolled) -> Iterator[str]:
    """What the person running the command must know: namesakes, and what to confirm."""
    person = result.edit.participant
    if result.edit.change == "added":
        for other in result.namesakes:
            yield (
                f"Note: {printable(other.name)} ({other.id}) is already registered with the same name; "
                f"{printable(person.name)} is a participant of their own ({person.id})"
            )
    yield from (f"A facilitator must confirm: {printable(reason)}" for reason in result.confirm)


def _scheme_note(address: str, tried: tuple[Attempt, ...]) -> str:
    if address.startswith("http://") and tried and tried[0].url.startswith("https://"):
        return " (https:// could not connect, so http:// was used)"
    return ""


def looked_at_kind(result: Enrolled | NoFeed) -> str:
    platform = result.discovery.platform if isinstance(result, Enrolled) else None
    if platform is None:
        return ""
    return f" (a {PLATFORM_NAMES[platform]} {'account' if platform == 'mastodon' else 'site'})"


def no_feed_lines(result: NoFeed) -> Iterator[str]:
    yield f"No feed found at {result.address}."
    yield (
        "What to do: paste your feed's address directly (it often ends in /feed/, /rss or .xml), "
        "or see the Join page for where each blog platform keeps its feed."
    )


def chosen_line(found: Discovery) -> str:
    if found.tag_feed:
        return f"Chose the tag feed {found.feed_url} (only your course posts; {found.why})"
    return f"Chose the feed {found.feed_url} ({found.why})"


def found_line(summary: FeedSummary) -> str:
    if summary.posts == 0:
        return "Found no posts yet: that is fine, your posts will appear once you publish them"
    count = f"Found {summary.posts} post{'s' if summary.posts != 1 else ''}"
    if summary.tag == EVERY_POST:
        count += f", all {summary.course_posts} taken (hub:tag is *: every post of this feed counts)"
    elif summary.tag is not None:
        count += f", course posts: {course_post_words(summary)}"
    latest = "; ".join(f"{printable(line.title)} ({line.published:%Y-%m-%d})" for line in summary.latest)
    return f"{count}; latest: {latest}"


def course_post_words(summary: FeedSummary, quote: Callable[[str], str] = str) -> str:
    """How many course posts a feed holds and by which rule: "2 with the course tag
    openlearning26", "3 (1 with the course tag ..., 2 with the hashtag ...)", "none yet". `quote`
    writes a tag (in code, in markdown)."""
    tag = summary.tag or ""
    words = {
        "tag": f"with the course tag {quote(tag)}",
        "hashtag": f"with the hashtag {quote('#' + tag)}",
        "link": "linking to the course site",
        "every": "from a feed of course posts only",
    }
    parts = [f"{count} {words[rule]}" for rule, count in summary.included]
    if len(parts) > 1:
        return f"{summary.course_posts} ({', '.join(parts)})"
    return parts[0] if parts else "none yet"


def no_categories(summary: FeedSummary, quote: Callable[[str], str] = str) -> str:
    """What makes a course post for someone whose feed gives its posts no categories."""
    page = f" ({quote(summary.week_page)} is week 1's)" if summary.week_page else ""
    return (
        "this feed gives its posts no categories (tags), so none can carry the course tag. A post "
        f"counts when {quote('#' + (summary.tag or ''))} is written in it, or when it links to the "
        f"week's page on the course site{page}"
    )


def change_line(result: Enrolled, *, dry_run: bool = False) -> str:
    name, change = printable(result.edit.participant.name), result.edit.change
    if change == "unchanged":
        return "Already registered, nothing changed"
    what = f" ({', '.join(result.edit.what_changed)})" if change == "updated" else ""
    if dry_run:
        verb = "add" if change == "added" else "update"
        return f"Would {verb} {name} in feeds.opml{what} (dry run: nothing written)"
    return f"Added {name} to feeds.opml" if change == "added" else f"Updated {name} in feeds.opml{what}"


def printable(text: str) -> str:
    """Feed text for a terminal: no control characters (escape sequences) get through."""
    return _CONTROL.sub("", text)
