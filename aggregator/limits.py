"""Every bound on what one participant's feed can make the hub do or keep, in one place.

A feed is untrusted, and the archive is committed to a public repository whose host refuses a file
over 100 MB. These bounds keep one participant from starving the others' update or growing the
archive without end. What goes past a bound is kept out and named in the health report; nothing
already archived is touched. README's "Safety by default" lists them with the worst case they
allow, and docs/benchmarks.md how that was measured.
"""

from __future__ import annotations

# One feed. (Its decoded size is HUB['max_bytes'], 5,000,000 bytes unless set.)
MAX_ENTRIES = 200  # entries read, the newest first

# One entry's HTML, checked before the sanitizer, whose time grows with the square of the
# attributes on one element: an entry past one of these is kept out.
MAX_HTML_CHARACTERS = 1_000_000  # in one HTML field (the content or the summary)
MAX_TAGS = 20_000  # start and end tags in one HTML field
MAX_ATTRIBUTES = 256  # on one element
MAX_DEPTH = 256  # elements open inside one another

# One post, as stored. Text past its limit is shortened at a word; an address or a body past its
# limit keeps the post out (a shortened address leads nowhere, a shortened body misquotes).
TITLE_LIMIT = 200  # characters
UNTITLED_LIMIT = 80  # characters of the text that stands in for a missing title
AUTHOR_LIMIT = 100  # characters
TAGS_PER_POST = 20
TAG_LIMIT = 60  # characters, of a tag and of a hashtag (a longer one is not kept)
HASHTAGS_PER_POST = 20  # hashtags written in its text, the first ones (hashtags.py)
EXCERPT_WORDS = 60
EXCERPT_CHARACTERS = 600  # of text: a 24,000-character "word" is still one word
URL_LIMIT = 2048  # characters in a post's address, its guid or its picture's address
BODY_LIMIT = 256 * 1024  # bytes of sanitized HTML (UTF-8)
LINKS_PER_POST = 20  # outbound links kept (the first ones), for the conversation features

# One participant's archive file, archive/<id>.json, and what one run may write to it (the
# archive's history in git grows by what runs write). New and edited posts are taken the newest
# first; the others come in with later runs (a new post waits, an edited one stays as stored).
NEW_POSTS_PER_RUN = 50
RUN_BYTES_LIMIT = 2 * 1024 * 1024  # bytes of new and edited posts written in one run
ARCHIVE_FILE_LIMIT = 10 * 1024 * 1024  # bytes; what would take the file past it is kept out
