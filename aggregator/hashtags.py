"""The hashtags a post writes (`#openlearning26`), found in its text as a reader sees it. Pure.

Blogs without categories (Substack, Bluesky, Write.as, Hugo's default feed) mark a course post
by writing the course's hashtag; Mastodon writes its hashtags as links whose text is `#tag`. A
hashtag is `#` and a word: letters, digits, marks and underscores of any script, with inner
hyphens (`#ds-106`). What a reader does not read as text is no hashtag: an address (a link's,
an image's, or one written out, `https://example.org/#openlearning26`), an attribute (`alt`,
`title`), code (`<code>`, `<pre>`). Nor is a `#` inside a word (`C#`, `page#part`).

Found once, when a feed is read (normalize.py), from the whole text: the archive keeps no body for
most participants, and a later build decides from what it kept.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from .limits import HASHTAGS_PER_POST, TAG_LIMIT
from .sanitize import safe_text

# Sanitized HTML, whose tags are all lower case: code and preformatted blocks, with what they hold.
_CODE = re.compile(r"<(pre|code)(?=[\s>]).*?</\1>", re.DOTALL)
# A "#" and what follows it up to a space; `_word` finds where the word ends. (Whether it begins
# a word is asked of each one found: a pattern that asks it first tries every character.)
_CANDIDATE = re.compile(rf"#(\w\S{{0,{TAG_LIMIT}}})")
# A "#" right after a Latin letter or a digit is inside a word (`C#`, `page#part`, `/#part`);
# after the letters of scripts written without spaces between words (Japanese, Chinese) it is not.
_INSIDE_A_WORD = re.compile(r"[0-9A-Za-z_/\u00c0-\u024f]")


def hashtags(title: str, text: str, safe_html: str) -> tuple[str, ...]:
    """The hashtags of a post, in lower case (casefolded), without '#', once each, at most
    HASHTAGS_PER_POST of them; `title` is the feed's title (not one made of the text), `text`
    the text of `safe_html`, the sanitized body (`sanitize.safe_text`).

    Costs one substring search for nearly every post, whose text holds no '#' (0.1 µs on a
    1,500-word post, timed); with a hashtag, about 20 µs for that post, code or not (the HTML pass
    of that post costs 260 µs).
    """
    if "#" not in text and "#" not in title:
        return ()
    found = list(_hashtags_in(f"{title} {text}"))
    if found and ("<code" in safe_html or "<pre" in safe_html):
        # The text of the code alone, rather than the whole text again without it: a few lines.
        in_code = safe_text(" ".join(block[0] for block in _CODE.finditer(safe_html)))
        outside = Counter(found) - Counter(_hashtags_in(in_code))
        found = [hashtag for hashtag in found if outside[hashtag]]
    return tuple(itertools.islice(dict.fromkeys(found), HASHTAGS_PER_POST))


def _hashtags_in(text: str) -> Iterator[str]:
    words = (_word(found[1]) for found in _CANDIDATE.finditer(text) if _begins(found))
    return (word.casefold() for word in words if len(word) <= TAG_LIMIT)


def _begins(found: re.Match[str]) -> bool:
    """Whether the "#" found begins a word, and one not in an address written out."""
    text, at = found.string, found.start()
    if at and _INSIDE_A_WORD.match(text, at - 1):
        return False
    written = text[text.rfind(" ", 0, at) + 1 : at].lower()  # what it is written against
    return "://" not in written and not written.startswith("www.")


def _word(candidate: str) -> str:
    """The word a candidate starts with: it ends before the first character that is not a
    letter, a digit, a mark or an underscore of any script (`#openlearning26.` and
    `#openlearning26、` are `openlearning26`), or at a hyphen that no such character follows."""
    end = next((i for i, char in enumerate(candidate) if not _in_word(char)), len(candidate))
    return candidate[:end].rstrip("-")


def _in_word(char: str) -> bool:
    return char in "_-" or unicodedata.category(char)[0] in "LMN"
