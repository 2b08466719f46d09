"""Withdrawing in one step, like joining: the "Withdraw my posts" form -> a line in moderation.yml.

Who asks matters more here than anywhere: a withdrawal erases words for good. The participant is
found by their blog, never by a name; the request is taken as theirs only when it comes from the
GitHub account they joined from (`hub:github`). Then the line is written and a pull request opened
for a facilitator to merge. Any other request writes nothing: a facilitator checks with the
author first. The update erases withdrawn posts from the archive (tombstones), the next build
from every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from .archive import Archive
from .config import HubConfig
from .discover import clean_address
from .errors import EnrolmentError
from .files import write_atomically
from .issueforms import WithdrawRequest
from .moderation import load_moderation, with_rule
from .registry import Participant, load_registry
from .terms import registered_in
from .urls import canonical_address, feed_identity, site_host


@dataclass(frozen=True)
class Withdrawal:
    participant: Participant
    post: str | None  # the post's address; None for every post
    own: bool  # asked from the GitHub account the participant joined from
    written: bool  # moderation.yml has the new line
    already: bool = False  # moderation.yml already withdraws it


def request_withdrawal(
    request: WithdrawRequest, config: HubConfig, github: str | None, issue: str | None
) -> Withdrawal:
    """Find the participant and the post; write the line when the request is theirs."""
    person = participant_of(clean_address(request.blog), registered_in(config, load_registry(config.opml)))
    post = _their_post(request.post, person, Archive(config.archive)) if request.post else None
    own = person.joined_from(github)
    if _already(config, person, post):
        return Withdrawal(person, post, own, written=False, already=True)
    if not own:
        return Withdrawal(person, post, own, written=False)
    path = config.moderation or config.opml.parent / "moderation.yml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    entry = {"post": post} if post else {"participant": person.id}
    entry["reason"] = "withdrawn by the author" + (f" (issue #{issue})" if issue else "")
    write_atomically(path, with_rule(text, "withdraw", entry).encode("utf-8"))
    return Withdrawal(person, post, own, written=True)


def participant_of(address: str, people: tuple[Participant, ...]) -> Participant:
    """The participant whose feed or blog `address` is, however it is spelled. Several authors of
    one group blog share its address: then only their own feed's address tells them apart."""
    wanted = feed_identity(address)
    by_feed = [p for p in people if feed_identity(p.feed_url) == wanted]
    found = by_feed or [p for p in people if p.blog_url and feed_identity(p.blog_url) == wanted]
    if not found:
        raise EnrolmentError(f"no registered participant has the blog or feed {address}")
    if len(found) > 1:
        raise EnrolmentError(f"several participants write on {address}: give the address of your own feed")
    return found[0]


def _their_post(address: str, person: Participant, archive: Archive) -> str:
    """The post's address, when it is on the participant's blog or among their archived posts."""
    url = clean_address(address)
    record = archive.load(person.id, bodies=False)
    archived = record is not None and any(
        canonical_address(url) in {canonical_address(post.url or ""), canonical_address(post.id)}
        for post in record.posts
    )
    hosts = {site_host(person.feed_url), site_host(person.blog_url)}
    if not archived and site_host(url) not in hosts:
        raise EnrolmentError(f"{url} is not a post of {person.name}'s blog")
    return url


def _already(config: HubConfig, person: Participant, post: str | None) -> bool:
    rules = [rule for rule in load_moderation(config.moderation).rules if rule.action == "withdraw"]
    if any(rule.participant == person.id for rule in rules):
        return True
    return post is not None and any(rule.post_identity == canonical_address(post) for rule in rules)
