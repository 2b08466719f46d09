"""One exception root for the aggregator.

Configuration, registry and archive errors stop a run: nothing sensible can happen without them.
Per-feed problems are *values*: a `FeedError` is recorded on that participant's state and the run
goes on. Anything else is a bug and is allowed to propagate.
"""

from __future__ import annotations

import datetime as dt

from .chars import xml_safe

MESSAGE_LIMIT = 300


class AggregatorError(Exception):
    """Root of every error the aggregator raises on purpose."""


class ConfigError(AggregatorError):
    """A course setting is missing or wrong; the message names the setting."""


class RegistryError(AggregatorError):
    """feeds.opml cannot be read or describes an impossible cohort."""


class ArchiveError(AggregatorError):
    """The archive cannot be read or written safely."""


class WebmentionError(AggregatorError):
    """The build's list of cards, which says what to send, is missing or damaged."""


class SiteBudgetError(AggregatorError):
    """The site the build wrote would not fit its host (HUB['site_budget']); it was not published."""


class FeedError(AggregatorError):
    """One participant's feed could not be fetched or read. Carried as a value, never fatal."""

    kind = "feed"

    def __init__(self, url: str, message: str) -> None:
        # Messages quote servers (a reason phrase, an address): one line of characters that can
        # be stored, printed and shown, and not a novel.
        message = " ".join(xml_safe(message).split())[:MESSAGE_LIMIT]
        super().__init__(message)
        self.url = url
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        # Feed errors cross process boundaries (parsing runs in worker processes); the subclasses'
        # constructors differ, so rebuild from the attributes rather than from the arguments.
        return _restore, (type(self), self.__dict__)


def _restore(cls: type[FeedError], state: dict[str, object]) -> FeedError:
    error = cls.__new__(cls)
    Exception.__init__(error, state["message"])
    error.__dict__.update(state)
    return error


class FetchError(FeedError):
    """The network failed us: DNS, refused connection, timeout, TLS, too many redirects."""

    kind = "fetch"


class BlockedAddressError(FetchError):
    """The feed resolved to a loopback, private, link-local or reserved address."""

    kind = "blocked-address"


class HTTPStatusError(FeedError):
    """The server answered with a status that carries no feed."""

    kind = "http-status"

    def __init__(self, url: str, status: int, message: str, retry_after: dt.datetime | None = None) -> None:
        super().__init__(url, message)
        self.status = status
        self.retry_after = retry_after  # when the server said to come back (429, 503)


class TooLargeError(FeedError):
    """The decoded body went past the size cap."""

    kind = "too-large"


class NotAFeedError(FeedError):
    """The body is not RSS, Atom or JSON Feed (an HTML page, an empty body, an error page)."""

    kind = "not-a-feed"


class EnrolmentError(AggregatorError):
    """A participant cannot be registered: the address is unusable, no feed was found there, the
    join form is incomplete, or a feed new to the registry cannot be read."""


# The exit status of a command, and of a build, that stops on one of these: one table for both, so
# that a script or a CI step can tell a settings mistake (3) from a broken registry (4).
EXIT_CODES: dict[type[AggregatorError], int] = {
    ConfigError: 3,
    RegistryError: 4,
    ArchiveError: 5,
    EnrolmentError: 6,
    WebmentionError: 8,
    SiteBudgetError: 9,
}


def exit_code(error: AggregatorError) -> int:
    return EXIT_CODES.get(type(error), 1)
