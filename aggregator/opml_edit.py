"""feeds.opml edits as pure functions on bytes: add one participant, change one, remove one.

Which participant a registration is about is the caller's decision (enrol.py): these functions
never pick one by name.

The file is maintained by hand and reviewed in pull requests, so an edit touches as few bytes as
it can: an unchanged participant leaves the file byte-identical, an update rewrites one outline
tag, a new participant is one new line. Outline tags are found by a scan of the text (comments
masked), and the scan is checked against `registry.parse_opml`, which also validates the result.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from .errors import RegistryError
from .registry import HUB_NS, Participant, default_id, namesake_id, parse_opml
from .urls import feed_identity

_CORE = ("type", "text", "xmlUrl", "htmlUrl")
_OUTLINE = re.compile(r"""<(/?)outline\b((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>""")
_ATTRIBUTE = re.compile(r"""([^\s=]+)\s*=\s*("[^"]*"|'[^']*')""")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_OPML_START = re.compile(r"<opml\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_BODY = re.compile(r"<body\b[^>]*>")
_BODY_END = re.compile(r"</body\s*>")
_DECLARED_ENCODING = re.compile(r"^\ufeff?<\?xml[^>]*encoding=[\"']([^\"']+)")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_COMPARED = (("name", "name"), ("feed_url", "feed address"), ("blog_url", "blog address"))


@dataclass(frozen=True)
class Entry:
    """What to write for one participant. `hub` holds hub:* attributes to set (names unprefixed)."""

    name: str
    feed_url: str
    blog_url: str | None = None
    hub: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Edit:
    opml: bytes
    change: str  # "added", "updated" or "unchanged"
    participant: Participant  # as the registry reads it from the edited file
    previous: Participant | None  # the entry that was updated, if any

    @property
    def what_changed(self) -> tuple[str, ...]:
        return differences(self.previous, self.participant) if self.previous else ()


def differences(old: Participant, new: Participant) -> tuple[str, ...]:
    """What differs between two versions of a participant, in words: "name", "hub:display"..."""
    what = [label for field, label in _COMPARED if getattr(old, field) != getattr(new, field)]
    before, after = dict(old.extras), dict(new.extras)
    what += [
        f"hub:{key}" for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)
    ]
    return tuple(what)


@dataclass(frozen=True)
class _Tag:
    start: int
    end: int
    closing: bool
    self_closing: bool
    attributes: tuple[tuple[str, str], ...]  # (name as written, decoded value), in file order

    def get(self, name: str) -> str | None:
        return dict(self.attributes).get(name)


def add_participant(opml: bytes, entry: Entry, term: str | None = None) -> Edit:
    """`entry` as a new participant, with an id of their own written out (`free_id`), in the
    folder of `term` when the course has terms."""
    text, people = _decode(opml), parse_opml(opml)
    prefix, text = _hub_prefix(text)
    fresh = replace(
        entry, hub=_merged(entry.hub, {"id": dict(entry.hub).get("id") or free_id(entry, people)})
    )
    line = _render(_attributes(fresh, prefix, ()), self_closing=True)
    edited = _insert(text, _feed_tags(text, people), line, f"{prefix}:term", term)
    return _checked(edited, "added", fresh.feed_url, None, term)


def change_participant(opml: bytes, participant_id: str, entry: Entry, term: str | None = None) -> Edit:
    """The participant `participant_id` (of `term`) as `entry` says, in place. A new name or feed
    would give them another id: their id is written out, so that their archive and pages stay theirs."""
    text, people = _decode(opml), parse_opml(opml)
    prefix, text = _hub_prefix(text)
    previous = _by_id(people, participant_id, term)
    tag = _feed_tags(text, people)[people.index(previous)]
    moved = entry.name != previous.name or feed_identity(entry.feed_url) != feed_identity(previous.feed_url)
    pinned = replace(entry, hub=_merged(entry.hub, {"id": previous.id})) if moved else entry
    wanted = _attributes(pinned, prefix, tag.attributes)
    if dict(wanted) == dict(tag.attributes):
        return Edit(opml, "unchanged", previous, previous)
    edited = text[: tag.start] + _render(wanted, self_closing=tag.self_closing) + text[tag.end :]
    return _checked(edited, "updated", entry.feed_url, previous, term)


def free_id(entry: Entry, people: tuple[Participant, ...]) -> str:
    """The name's slug, unless someone has it (or would have it, without a hub:id): then the slug
    and a hash of the feed, as the registry gives namesakes."""
    slug = default_id(entry.name, entry.feed_url)
    taken = {p.id for p in people} | {default_id(p.name, p.feed_url) for p in people}
    return namesake_id(slug, entry.feed_url) if slug in taken else slug


def remove_participant(opml: bytes, participant_id: str) -> bytes:
    """feeds.opml without the participant `participant_id`, from the folder of every term they
    joined (a returning participant keeps their id); RegistryError if there is none."""
    text, people = _decode(opml), parse_opml(opml)
    _by_id(people, participant_id)
    theirs = [
        tag
        for person, tag in zip(people, _feed_tags(text, people), strict=True)
        if person.id == participant_id
    ]
    for tag in reversed(theirs):  # from the end: the offsets before each cut stay right
        start, end = _whole_line(text, tag.start, tag.end)
        text = text[:start] + text[end:]
    result = text.encode("utf-8")
    parse_opml(result)
    return result


def add_term_folder(opml: bytes, title: str, slug: str) -> bytes:
    """feeds.opml with an empty folder for the term `slug` at the end of its body, laid out as the
    body's other children are; unchanged when the folder is there already."""
    if _term_folder(opml, slug):
        return opml
    text = _decode(opml)
    prefix, text = _hub_prefix(text)
    at, closing = _body_end_line(text, _body_span(text)[1])
    newline = "\r\n" if "\r\n" in text else "\n"
    indent = closing + "  "
    opening = f'<outline text="{_escape(title)}" {prefix}:term="{_escape(slug)}">'
    folder = f"{indent}{opening}{newline}{indent}</outline>{newline}"
    return _parsed((text[:at] + folder + text[at:]).encode("utf-8"))


def wrap_in_term(opml: bytes, title: str, slug: str) -> bytes:
    """feeds.opml of a course without terms with everything in its body moved into the folder of
    the term `slug`, each line indented one step further; unchanged when that folder exists."""
    if _term_folder(opml, slug):
        return opml
    text = _decode(opml)
    prefix, text = _hub_prefix(text)
    body, end = _body_span(text)
    line_start, closing = _body_end_line(text, end)
    newline = "\r\n" if "\r\n" in text else "\n"
    inner = text[body:line_start].removeprefix(newline)
    indented = "".join(f"  {line}" if line.strip() else line for line in inner.splitlines(keepends=True))
    folder = (
        f'{newline}{closing}  <outline text="{_escape(title)}" {prefix}:term="{_escape(slug)}">{newline}'
        f"{indented}{closing}  </outline>{newline}"
    )
    return _parsed((text[:body] + folder + text[line_start:]).encode("utf-8"))


def _term_folder(opml: bytes, slug: str) -> bool:
    prefix, text = _hub_prefix(_decode(opml))
    return any(tag.get(f"{prefix}:term") == slug for tag in _tags(text))


def _body_end_line(text: str, end: int) -> tuple[int, str]:
    """Where the line of `</body>` starts, and its indentation ("" when the body ends mid-line)."""
    line_start = text.rfind("\n", 0, end) + 1
    before = text[line_start:end]
    return (line_start, before) if not before.strip() else (end, "")


def _body_span(text: str) -> tuple[int, int]:
    body, body_end = _BODY.search(text), _BODY_END.search(text)
    if body is None or body_end is None:
        raise RegistryError("feeds.opml has no <body> ... </body>")
    return body.end(), body_end.start()


def _parsed(data: bytes) -> bytes:
    parse_opml(data)
    return data


# Reading the file's text.


def _decode(opml: bytes) -> str:
    try:
        text = opml.decode("utf-8")
    except UnicodeDecodeError:
        raise RegistryError("feeds.opml must be UTF-8 to be edited") from None
    declared = _DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("-", "") != "utf8":
        raise RegistryError(f"feeds.opml declares {declared.group(1)}; it must be UTF-8 to be edited")
    return text


def _hub_prefix(text: str) -> tuple[str, str]:
    """The prefix the file binds to the hub namespace, declaring `hub` on <opml> when none is."""
    start = _OPML_START.search(text)
    if start is None:
        raise RegistryError("feeds.opml has no <opml> element")
    declared = re.search(rf"""xmlns:([\w.-]+)\s*=\s*["']{re.escape(HUB_NS)}["']""", start.group(0))
    if declared:
        return declared.group(1), text
    at = start.end() - (2 if start.group(0).endswith("/>") else 1)
    return "hub", text[:at] + f' xmlns:hub="{HUB_NS}"' + text[at:]


def _tags(text: str) -> list[_Tag]:
    masked = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    body = _BODY.search(masked)
    if body is None:
        raise RegistryError("feeds.opml has no <body> to add participants to")
    return [
        _Tag(m.start(), m.end(), m.group(1) == "/", m.group(3) == "/", _decoded(m.group(2)))
        for m in _OUTLINE.finditer(masked, body.end())
    ]


def _decoded(source: str) -> tuple[tuple[str, str], ...]:
    pairs = _ATTRIBUTE.findall(source)
    element = ET.fromstring(  # noqa: S314 - one tag's attributes, no DTD possible here
        "<a " + " ".join(f"a{i}={raw}" for i, (_, raw) in enumerate(pairs)) + "/>"
    )
    return tuple((name, element.get(f"a{i}", "")) for i, (name, _) in enumerate(pairs))


def _feed_tags(text: str, people: tuple[Participant, ...]) -> list[_Tag]:
    """The outline tag of each participant, in the registry's order (document order)."""
    feeds = [tag for tag in _tags(text) if not tag.closing and tag.get("xmlUrl") is not None]
    if [feed_identity(tag.get("xmlUrl") or "") for tag in feeds] != [
        feed_identity(p.feed_url) for p in people
    ]:
        raise RegistryError("feeds.opml is laid out in a way this editor cannot follow; edit it by hand")
    return feeds


def _by_id(people: tuple[Participant, ...], participant_id: str, term: str | None = None) -> Participant:
    """The participant with the id, in `term` when given (ids are unique within a term)."""
    found = next((p for p in people if p.id == participant_id and term in (None, p.term)), None)
    if found is None:
        raise RegistryError(f"feeds.opml has no participant with the id {participant_id!r}")
    return found


# Writing.


def _merged(hub: tuple[tuple[str, str], ...], extra: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple({**dict(hub), **extra}.items())


def _attributes(
    entry: Entry, prefix: str, existing: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """type, text, xmlUrl, htmlUrl, the file's other attributes as they were, then hub:* sorted."""
    old = dict(existing)
    core = {
        "type": old.get("type", "rss"),
        "text": entry.name,
        "xmlUrl": entry.feed_url,
        "htmlUrl": entry.blog_url or old.get("htmlUrl"),
    }
    hub_names = f"{prefix}:"
    hub = {k: v for k, v in existing if k.startswith(hub_names)}
    hub.update({f"{prefix}:{key}": value for key, value in entry.hub})
    others = [(k, v) for k, v in existing if k not in _CORE and not k.startswith(hub_names)]
    kept = [(k, v) for k, v in core.items() if v is not None]
    return (*kept, *others, *sorted(hub.items()))


def _render(attributes: tuple[tuple[str, str], ...], *, self_closing: bool) -> str:
    inside = " ".join(f'{name}="{_escape(value)}"' for name, value in attributes)
    return f"<outline {inside}/>" if self_closing else f"<outline {inside}>"


def _escape(value: str) -> str:
    value = _FORBIDDEN.sub("", value)
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        value = value.replace(raw, escaped)
    return value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def _insert(text: str, feeds: list[_Tag], line: str, term_attribute: str, term: str | None) -> str:
    """`line` as the last child of the Participants folder, the last folder, or the body (of the
    term's folder, when `term` is given)."""
    open_at, close_at = _container(text, term_attribute, term)
    newline = "\r\n" if "\r\n" in text else "\n"
    line_start = text.rfind("\n", 0, close_at) + 1
    closing_indent = text[line_start:close_at]
    if closing_indent.strip():
        return text[:close_at] + line + text[close_at:]
    children = [tag for tag in feeds if open_at < tag.start < close_at]
    indent = _indent_of(text, children[-1].start) if children else closing_indent + "  "
    return text[:line_start] + indent + line + newline + text[line_start:]


def _container(text: str, term_attribute: str, term: str | None) -> tuple[int, int]:
    """Where the folder new participants go into opens and closes (offsets in `text`)."""
    folders: list[tuple[_Tag, int]] = []
    stack: list[_Tag] = []
    for tag in _tags(text):
        if tag.closing and stack:
            folders.append((stack.pop(), tag.start))
        elif not tag.closing and not tag.self_closing:
            stack.append(tag)
    folders = [(tag, end) for tag, end in folders if tag.get("xmlUrl") is None]
    if term is not None:
        return _term_container(folders, term_attribute, term)
    named = [f for f in folders if (f[0].get("text") or f[0].get("title")) == "Participants"]
    if named or folders:
        tag, end = (named or sorted(folders, key=lambda f: f[0].start))[-1]
        return tag.end, end
    return _body_span(text)


def _term_container(folders: list[tuple[_Tag, int]], term_attribute: str, term: str) -> tuple[int, int]:
    """The term's Participants sub-folder, else the term's folder itself."""
    scope = next(((tag, end) for tag, end in folders if tag.get(term_attribute) == term), None)
    if scope is None:
        raise RegistryError(f'feeds.opml has no folder for the term {term!r} (hub:term="{term}")')
    inside = [f for f in folders if scope[0].start < f[0].start and f[1] < scope[1]]
    tag, end = next((f for f in inside if (f[0].get("text") or f[0].get("title")) == "Participants"), scope)
    return tag.end, end


def _indent_of(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    return before if not before.strip() else ""


def _whole_line(text: str, start: int, end: int) -> tuple[int, int]:
    """The span to delete for a tag: its whole line when nothing else is on it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end + 1
    if text[line_start:start].strip() or text[end:line_end].strip():
        return start, end
    return line_start, line_end


def _checked(
    text: str, change: str, feed_url: str, previous: Participant | None, term: str | None = None
) -> Edit:
    """Re-read the edited file as the registry will; the edit must be valid and findable."""
    data = text.encode("utf-8")
    people = [p for p in parse_opml(data) if term in (None, p.term)]
    person = next((p for p in people if feed_identity(p.feed_url) == feed_identity(feed_url)), None)
    if person is None:  # a bug in the editor, not the participant's doing
        raise RegistryError(f"the edited feeds.opml lost {feed_url}")
    return Edit(data, change, person, previous)
