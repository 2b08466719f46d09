"""The "Join the course" issue form, read back from the issue body GitHub renders for it. Pure.

GitHub writes each field as `### <label>`, a blank line, then the value; an empty optional field
is `_No response_` and a ticked checkbox is `- [X] <text>`. The labels below are the form's own
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
CONSENT = "Consent"
CONSENT_TEXT = (
    "I agree that the hub shows my course posts as chosen above, with links back to my blog, "
    "and I know how to withdraw them."
)
DISPLAY_CHOICES = {"Title and excerpt (default)": "excerpt", "Title only": "title", "Full post": "full"}
NO_RESPONSE = "_No response_"
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
    )


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
    if value in DISPLAY_CHOICES:
        return []
    choices = ", ".join(f"“{choice}”" for choice in DISPLAY_CHOICES)
    return [f"“{DISPLAY}” must be one of {choices}."]


def _consent_problems(value: str | None) -> list[str]:
    ticked = _TICKED.findall(value or "")
    if CONSENT_TEXT in ticked:
        return []
    return [f"The consent box is not ticked: without it the hub cannot show your posts. ({CONSENT_TEXT})"]
