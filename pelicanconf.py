"""Site and course settings for the demo course, "Learning in the Open".

To run your own course, change SITENAME and the HUB dict below, then replace content/ and
feeds.opml. Every HUB setting is explained in the README ("Settings").
"""

AUTHOR = "Learning in the Open facilitators"
SITENAME = "Learning in the Open"
SITESUBTITLE = "A six-week open course on connected learning: learning with and from each other, in public."
SITEURL = ""
RELATIVE_URLS = True
DELETE_OUTPUT_DIRECTORY = True  # a build is whole: nothing stale (a removed participant) survives it
# The public address, for canonical links, Open Graph, the sitemap and the cohort's feeds.
PUBLIC_URL = "https://learning-in-the-open.example"

PATH = "content"
PAGE_PATHS = ["pages", "weeks"]
ARTICLE_PATHS = ["articles"]
STATIC_PATHS: list[str] = []
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"  # the course's language; its direction follows (DEFAULT_DIR = "rtl" to choose)
# The licence of the course's own text, in every page's footer: a Creative Commons name links to its
# deed (another licence needs COURSE_LICENCE_URL). Participants' posts keep the licences they chose.
COURSE_LICENCE = "CC BY 4.0"

THEME = "themes/commons"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["cohort"]
# Autoescape on: feed titles can contain literal <script>. Only sanitized HTML is marked safe.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "extensions": ["jinja2.ext.do"],
}

PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DIRECT_TEMPLATES = ["index"]
TAGS_SAVE_AS = CATEGORIES_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
TAG_SAVE_AS = CATEGORY_SAVE_AS = AUTHOR_SAVE_AS = ""
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None

# Cohort pages: posts per page, participants per page, posts in the all-weeks feed.
COHORT_PER_PAGE = 10
PARTICIPANTS_PER_PAGE = 48
COHORT_FEED_SIZE = 100
# Static search with Pagefind, indexed after every build.
SEARCH = True

HUB = {
    # The course runs in terms. Each has its calendar (week 1 starts at midnight, course time, on
    # the Monday `start`), its course tag and its cohort (its folder in feeds.opml). The current
    # term is the one whose dates hold today, else the latest. A frozen term is no longer fetched:
    # its pages are built from archive/<slug>/ as it is. `moved_from_root`: the term that ran
    # before the course had terms, whose old addresses (/cohort/week-1/) redirect to its own.
    # Only course posts appear: posts carrying the term's tag (case-insensitive, a leading #
    # ignored), writing it as a hashtag (#openlearning26), or linking to a page of PUBLIC_URL.
    # `python -m aggregator new-term` adds a term, `freeze` ends one.
    "terms": [
        {
            "slug": "2025-autumn",
            "title": "Autumn 2025",
            "start": "2025-09-08",
            "weeks": 6,
            "timezone": "Europe/London",
            "tag": "openlearning25",
            "frozen": True,
        },
        {
            "slug": "2026-autumn",
            "title": "Autumn 2026",
            "start": "2026-09-07",
            "weeks": 6,
            "timezone": "Europe/London",
            "tag": "openlearning26",
            "moved_from_root": True,
        },
    ],
    "opml": "feeds.opml",
    "archive": "archive",
    # The demo cohort is served from this machine (see demo/). A real course removes this line:
    # by default the hub refuses loopback and private addresses.
    "allow_private": ["127.0.0.1"],
}
