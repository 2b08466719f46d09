"""The issue forms ("Join the course", "Withdraw my posts"), read back from the issue body GitHub
renders for them. Pure.

GitHub writes each field as `### <label>`, a blank line, then the value; an empty optional field
is `_No response_` and a ticked checkbox is `- [X] <text>`. The labels below are the forms' own
(.github/ISSUE_TEMPLATE), so a change there must be made here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .enrol import Request

NAME = "Your name"
ADDRESS = "Your blog or feed address"
TAG = "Your course tag, if different"
DISPLAY = "How your posts appear on the hub"
LICENCE = "Licence of your posts"
WEBMENTION = "Webmentions"
CONSENT = "Consent"
CONSENT_TEXT = (
    "I agree that the hub shows my course posts as chosen above, with links back to my blog, "
    "and I know how to withdraw them."
)
DISPLAY_CHOICES = {"Title and excerpt (default)": "excerpt", "Title only": "title", "Full post": "full"}
WEBMENTION_CHOICES = {"Yes, tell my posts (default)": "yes", "No webmentions": "no"}
NO_RESPONSE = "_No response_"
# The withdraw form.
BLOG = "Your blog or feed address"
WHAT = "What to withdraw"
POST = "The post's address"
CONFIRM = "Confirmation"
CONFIRM_TEXT = "I wrote the posts I ask to withdraw, on the blog given above."
WHAT_CHOICES = {"One post": "post", "All my posts": "all"}
_HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_TICKED = re.compile(r"^\s*[-*]\s+\[[xX]\]\s+(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class FormProblems:
    """What is missing or wrong in the form, one sentence each."""

    problems: tuple[str, ...]


def read_join_form(body: str) -> Request | FormProblems:
    fields = form_fields(body)
    problems = [
        *(f"“{label}” is empty." for label in (NAME, ADDRESS) if not fields.get(label)),
        *_display_problems(fields.get(DISPLAY)),
        *_webmention_problems(fields.get(WEBMENTION)),
        *_consent_problems(fields.get(CONSENT)),
    ]
    if problems:
        return FormProblems(tuple(problems))
    return Request(
        address=fields[ADDRESS],
        name=fields[NAME],
        tag=fields.get(TAG),
        display=DISPLAY_CHOICES[fields[DISPLAY]],
        licence=fields.get(LICENCE),
        webmention=WEBMENTION_CHOICES.get(fields.get(WEBMENTION, "")),  # forms before the question: None
    )


@dataclass(frozen=True)
class WithdrawRequest:
    blog: str  # the blog or feed address, as typed: who the participant is
    post: str | None  # the post's address; None withdraws every post


def read_withdraw_form(body: str) -> WithdrawRequest | FormProblems:
    fields = form_fields(body)
    what = WHAT_CHOICES.get(fields.get(WHAT, ""))
    problems = [
        *([f"“{BLOG}” is empty."] if not fields.get(BLOG) else []),
        *([f"“{WHAT}” must be one of {_choices(WHAT_CHOICES)}."] if what is None else []),
        *([f"“{POST}” is empty: which post?"] if what == "post" and not fields.get(POST) else []),
        *_ticked_problems(fields.get(CONFIRM), CONFIRM_TEXT, "The confirmation box is not ticked."),
    ]
    if problems:
        return FormProblems(tuple(problems))
    return WithdrawRequest(fields[BLOG], fields.get(POST) if what == "post" else None)


def form_fields(body: str) -> dict[str, str]:
    """Label -> value; fields left empty (`_No response_`) are absent."""
    text = body.replace("\r\n", "\n")
    headings = list(_HEADING.finditer(text))
    if not headings:
        return {}
    ends = [h.start() for h in headings[1:]] + [len(text)]
    fields = {h.group(1): text[h.end() : end].strip() for h, end in zip(headings, ends, strict=True)}
    return {label: value for label, value in fields.items() if value and value != NO_RESPONSE}


def _display_problems(value: str | None) -> list[str]:
    return [] if value in DISPLAY_CHOICES else [f"“{DISPLAY}” must be one of {_choices(DISPLAY_CHOICES)}."]


def _webmention_problems(value: str | None) -> list[str]:
    if value is None or value in WEBMENTION_CHOICES:
        return []
    return [f"“{WEBMENTION}” must be one of {_choices(WEBMENTION_CHOICES)}."]


def _choices(choices: dict[str, str]) -> str:
    return ", ".join(f"“{choice}”" for choice in choices)


def _consent_problems(value: str | None) -> list[str]:
    why = "The consent box is not ticked: without it the hub cannot show your posts."
    return _ticked_problems(value, CONSENT_TEXT, why)


def _ticked_problems(value: str | None, statement: str, why: str) -> list[str]:
    return [] if statement in _TICKED.findall(value or "") else [f"{why} ({statement})"]
