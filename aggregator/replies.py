"""Markdown for GitHub: the reply to a join issue and the registry check's summary. Pure.

Everything a participant or a feed wrote is untrusted here: GitHub renders this markdown in an
issue, a pull request and a job summary. Text is escaped so it cannot open a link, an image, HTML
or a heading, and mention-like words (`@user`, `#12`) go into code spans, where GitHub neither
notifies anyone nor links anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .discover import PLATFORM_NAMES, Attempt, NoFeed
from .enrol import Enrolled, FeedSummary, PostLine, course_post_words, no_categories
from .inclusion import EVERY_POST
from .issueforms import DISPLAY_CHOICES, FormProblems
from .markdown_text import code, link, text
from .names import mixed_scripts
from .registry_check import Change, Preview
from .withdrawal import Withdrawal

DISPLAY_WORDS = {value: label for label, value in DISPLAY_CHOICES.items()}
WITHDRAW = (
    "To change your settings later, open a new Join issue with the same blog address, from this "
    'GitHub account. To take posts off the hub, open a "Withdraw my posts" issue.'
)


def post_lines(latest: Iterable[PostLine]) -> Iterator[str]:
    for number, post in enumerate(latest, 1):
        yield f"{number}. {link(post.title, post.url)} ({post.published:%Y-%m-%d})"


def tried_lines(tried: Iterable[Attempt]) -> Iterator[str]:
    yield from (f"- {code(attempt.url)}: {text(attempt.result)}" for attempt in tried)


def tag_words(summary: FeedSummary) -> str:
    if summary.tag is None:
        return "every post counts (the course uses no tag)"
    if summary.tag == EVERY_POST:
        return f"all {summary.course_posts} (every post of this feed counts)"
    return course_post_words(summary, code) + (" (a tag feed)" if summary.tag_feed else "")


def no_categories_line(summary: FeedSummary) -> Iterator[str]:
    """For a feed without categories: what makes a course post instead (never "0 tagged")."""
    if summary.without_categories:
        said = no_categories(summary, code)
        yield f"- **No categories:** {said[0].upper()}{said[1:]}."


# The join issue.


def join_reply(result: Enrolled | NoFeed | FormProblems | str, name: str | None) -> str:
    """The reply to a join issue, also the pull request's body. A str result is an error message."""
    hello = f"Hello {text(name)}, thank you for joining!" if name else "Hello, thank you for joining!"
    if isinstance(result, Enrolled):
        lines = [hello, "", *_joined(result)]
    elif isinstance(result, NoFeed):
        lines = [hello, "", *_not_found(result)]
    elif isinstance(result, FormProblems):
        lines = [hello, "", "The form is not complete yet:", "", *(f"- {p}" for p in result.problems)]
        lines += ["", "Please edit this issue (the ··· menu, then Edit) and fix it; I will look again."]
    else:
        lines = [hello, "", f"I could not use your address: {text(result)}", "", *_fix_address()]
    return "\n".join(lines) + "\n"


def _joined(result: Enrolled) -> Iterator[str]:
    found, summary, person = result.discovery, result.summary, result.edit.participant
    yield _what_happened(result)
    yield from ("", "**What I found**", "")
    yield f"- Blog: {code(found.home_url)}"
    yield f"- Feed: {code(found.feed_url)}" + (" (only your course posts)" if found.tag_feed else "")
    if found.platform:
        yield f"- Platform: {PLATFORM_NAMES[found.platform]}"
    yield f"- Posts in the feed: {summary.posts}; course posts: {tag_words(summary)}"
    yield from no_categories_line(summary)
    yield f"- Shown on the hub as: {DISPLAY_WORDS[person.hub_attribute('display') or 'excerpt']}"
    if person.hub_attribute("licence"):
        yield f"- Licence: {text(person.hub_attribute('licence'))}"
    if summary.latest:
        yield from ("", "**Your latest posts**", "", *post_lines(summary.latest))
    yield from ("", "**Next steps**", "", *_next_steps(summary))


def _what_happened(result: Enrolled) -> str:
    if result.edit.change == "added":
        said = (
            "I found your feed and added you to the list of participants. A maintainer will review it soon."
        )
    elif result.edit.change == "updated":
        said = (
            f"I found your feed and updated your entry ({', '.join(result.edit.what_changed)}). "
            "A maintainer will review it soon."
        )
    else:
        said = "You are already registered with these settings, so nothing needed to change."
    return said + "".join(_namesake_note(result)) + "".join(_confirm_note(result))


def _namesake_note(result: Enrolled) -> Iterator[str]:
    """A name proves nothing: someone else with it is another participant, and both are told so."""
    if not result.namesakes or result.edit.change != "added":
        return
    others = ", ".join(f"{text(p.name)} ({code(p.id)})" for p in result.namesakes)
    yield (
        f"\n\nSomeone with the same name is already registered: {others}. You are a participant of "
        f"your own, with the id {code(result.edit.participant.id)}; nothing of theirs changed."
    )


def _confirm_note(result: Enrolled) -> Iterator[str]:
    if result.confirm:
        reasons = " ".join(f"{text(reason)}." for reason in result.confirm)
        yield f"\n\n**A facilitator must confirm this with the participant before merging:** {reasons}"


def _next_steps(summary: FeedSummary) -> Iterator[str]:
    hashtag, page = code(f"#{summary.tag}"), "link to the week's page"
    if summary.without_categories:
        yield f"- Write {hashtag} in your course posts, or {page} in them: only those appear on the hub."
    elif summary.tag and summary.tag != EVERY_POST and not summary.tag_feed:
        yield (
            f"- Tag your course posts with {code(summary.tag)} (or write {hashtag} in them, or {page}): "
            "only those appear on the hub."
        )
    yield "- Your posts appear on the hub after this change is merged and the hub next updates."
    yield f"- {WITHDRAW}"


def _not_found(result: NoFeed) -> Iterator[str]:
    yield f"I could not find a feed at {code(result.address)}. This is what I tried:"
    yield from ("", *tried_lines(result.tried), "", *_fix_address())


def _fix_address() -> Iterator[str]:
    yield "**What to do**"
    yield ""
    yield (
        "- Paste your feed's address directly (it often ends in `/feed/`, `/rss` or `.xml`): "
        "edit this issue and change the address."
    )
    yield "- The Join page says where each blog platform keeps its feed."


# The withdraw issue.

HISTORY = (
    "The pages stop showing them at the next build, and from then on the archive (kept as a single "
    "version, replaced by every run) holds them nowhere in the repository. Out of the hub's reach: "
    "forks of the repository, and GitHub's cache of old versions, which a facilitator can ask "
    "GitHub Support to clear."
)


def withdraw_reply(result: Withdrawal | FormProblems | str) -> str:
    """The reply to a withdraw issue, also the pull request's body. A str result is an error."""
    if isinstance(result, Withdrawal):
        lines = ["Hello,", "", *_withdrawn(result)]
    elif isinstance(result, FormProblems):
        lines = ["Hello,", "", "The form is not complete yet:", "", *(f"- {p}" for p in result.problems)]
        lines += ["", "Please edit this issue (the ··· menu, then Edit) and fix it; I will look again."]
    else:
        lines = ["Hello,", "", f"I could not act on this request: {text(result)}", ""]
        lines += ["Please edit this issue with the address of the blog you joined with; I will look again."]
    return "\n".join(lines) + "\n"


def _withdrawn(result: Withdrawal) -> Iterator[str]:
    person = result.participant
    what = f"your post {code(result.post)}" if result.post else "all your posts"
    who = f"{text(person.name)} ({code(person.id)})"
    if result.already:
        yield f"moderation.yml already withdraws {what} ({who}): nothing more to do. {HISTORY}"
    elif result.written:
        yield f"I opened a pull request that withdraws {what} ({who}) in moderation.yml."
        yield ""
        yield f"Once a facilitator merges it, the next update erases them from the archive. {HISTORY}"
    else:
        joined = code("@" + person.github) if person.github else "no recorded GitHub account"
        yield (
            f"This request does not come from the GitHub account {who} joined from ({joined}), so I "
            f"changed nothing. A facilitator will check with the author that the request is theirs, and "
            f"then withdraw {what}."
        )


# The registry check.


def check_summary(previews: Iterable[Preview], removed: Iterable[str], moved: Iterable[Change] = ()) -> str:
    previews, removed, moved = list(previews), list(removed), list(moved)
    lines = ["## Registry check", ""]
    if not previews and not removed and not moved:
        lines.append("feeds.opml is valid. No participant was added or changed.")
    if moved:
        lines += [f"**Problem:** {text(moved_message(moved))}", ""]
    for preview in previews:
        lines += [*_preview(preview), ""]
    lines += [f"- Removed: {text(name)}" for name in removed]
    return "\n".join(lines).rstrip("\n") + "\n"


def moved_message(moved: Iterable[Change]) -> str:
    """Participants whose id this change would move, and the one-line fix for each."""
    fixes = "; ".join(
        f"{change.participant.name} would move from {change.what[0]} to {change.participant.id} (their "
        f'archive and page stay under the old id): write hub:id="{change.what[0]}" on their outline'
        for change in moved
    )
    return f"this change moves participants to new ids: {fixes}"


def invalid_summary(message: str) -> str:
    return f"## Registry check\n\nfeeds.opml is not valid: {text(message)}\n"


def _preview(preview: Preview) -> Iterator[str]:
    change, person = preview.change, preview.change.participant
    heading = "New participant" if change.kind == "new" else "Changed"
    yield f"### {heading}: {text(person.name)} ({code(person.id)})"
    yield ""
    if change.what:
        yield f"- What changed: {', '.join(change.what)}"
    for other in change.namesakes:
        yield (
            f"- **Same name as** {text(other.name)} ({code(other.id)}): a different participant; "
            "check it is not the same person"
        )
    if mixed_scripts(person.name):
        yield "- **The name mixes alphabets in one word:** it may imitate someone else's"
    yield f"- Blog: {code(person.blog_url) if person.blog_url else 'not given'}"
    yield f"- Feed: {code(person.feed_url)}"
    if person.tag == EVERY_POST:
        yield "- Every post of this feed counts (a tag feed)"
    if preview.summary is None:
        yield f"- **Problem:** the feed cannot be read: {text(preview.error)}"
        return
    yield f"- Posts found: {preview.summary.posts}"
    yield f"- Course posts: {tag_words(preview.summary)}"
    yield from no_categories_line(preview.summary)
    if preview.summary.latest:
        yield from ("- Latest:", *(f"  {line}" for line in post_lines(preview.summary.latest)))
