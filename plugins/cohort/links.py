"""Links in the course's own content that work wherever the site is served.

Course pages link each other with Pelican's `{filename}`. A cohort page, which has no source file,
is linked as `{cohort}week-1/`: it becomes the address of /cohort/week-1/ from SITEURL, as Pelican
makes `{filename}` links (relative to the page when RELATIVE_URLS, else absolute). In a course with
terms, `{cohort}` is the cohort of the page's own term (a week file in content/weeks/<slug>/), and
on a page of no term (the syllabus, /join/) the current term's: /2026-autumn/cohort/week-1/. A link from the
root of the domain ("/cohort/week-1/") works only when the site is served there, not under GitHub
Pages' /<repository>/: the build warns about each one, and about each link to a page the site does
not have, naming the content file and the link.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from aggregator import HubConfig

from .output import relative_site_url
from .terms import term_of_source

log = logging.getLogger(__name__)

CONTENT_KINDS = ("pages", "hidden_pages", "articles", "hidden_articles")  # published content in context
ANY_SITE = "https://site.invalid/"  # a stand-in origin: links resolve against it as a browser would


def prepare_links(content: Any) -> None:
    """`content_object_init`: resolve `{cohort}` links, and warn about links from the domain's root."""
    if not isinstance(getattr(content, "_content", None), str) or not content._content:
        return  # static files and empty pages have no links
    for link in links_in(content._content):
        if link.startswith("/") and not link.startswith("//"):
            log.warning(
                "course hub: %s links to %s, from the root of the domain: that breaks when the site is "
                "served under a path (GitHub Pages' /<repository>/). Link a course page with "
                "{filename}, a cohort page with {cohort} (for example {cohort}week-1/)",
                content.get_relative_source_path(),
                link,
            )
    content._content = with_cohort_links(content, content._content)


def with_cohort_links(content: Any, html: str) -> str:
    """`html` with each `{cohort}` link made the address of that cohort page from the content's page.

    Resolved for the page the content is saved as: the only page this theme shows it on.
    """
    site = page_site_url(content.save_as, content.settings) + "/" + term_root(content)

    def resolve(found: Any) -> str:
        if found["what"] != "cohort":
            return str(found[0])  # Pelican's own, replaced when the page is written
        return f"{found['markup']}{found['quote']}{site}cohort/{found['value']}{found['quote']}"

    return str(content._get_intrasite_link_regex().sub(resolve, html))


def term_root(content: Any) -> str:
    """The folder of the cohort pages that `{cohort}` means on this content's page."""
    config: HubConfig | None = content.settings.get("HUB_CONFIG")
    if config is None or not config.terms:
        return ""
    own = term_of_source(content.get_relative_source_path(), config)
    return (own or config.term or config.terms[-1]).root


def page_site_url(file_name: str, settings: Mapping[str, Any]) -> str:
    """SITEURL as Pelican's writer gives it to the page saved as `file_name`."""
    return relative_site_url(file_name) if settings["RELATIVE_URLS"] else str(settings["SITEURL"])


def check_content_links(context: Mapping[str, Any], site: Published) -> None:
    """Warn about each link in the course's content to a page the site does not have."""
    for content in (item for kind in CONTENT_KINDS for item in context.get(kind, [])):
        page = content.save_as
        for link in links_in(content.get_content(page_site_url(page, context))):
            path = site_path(link, page, context["SITEURL"])
            if path is not None and not site.has(path):
                log.warning(
                    "course hub: %s links to %s, a page the site does not have",
                    content.get_relative_source_path(),
                    link,
                )


def site_path(link: str, page: str, site_url: str) -> str | None:
    """The file under the site that `link`, on the page saved as `page`, leads to; None elsewhere."""
    if site_url and link.startswith(site_url + "/"):
        link = "/" + link.removeprefix(site_url + "/")
    address = urljoin(ANY_SITE + page, link)
    if not address.startswith(ANY_SITE):
        return None  # another site, or mailto: and the like
    path = unquote(urlsplit(address).path).removeprefix("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


@dataclass(frozen=True)
class Published:
    """What the site has, checked once everything but the static files is written: those are
    looked up where Pelican is about to copy them from."""

    output: Path
    static: frozenset[str]  # the content's static files, as saved
    theme_sources: tuple[Path, ...]  # the theme's static folders, copied into theme_dir
    theme_dir: str

    @classmethod
    def of(cls, context: Mapping[str, Any], output: str, theme: str) -> Published:
        static = frozenset(item.save_as for item in context.get("static_content", {}).values() if item)
        sources = tuple(Path(theme, folder) for folder in context["THEME_STATIC_PATHS"])
        return cls(Path(output), static, sources, context["THEME_STATIC_DIR"] + "/")

    def has(self, path: str) -> bool:
        written = self.output / path
        if written.is_file() or (written / "index.html").is_file() or path in self.static:
            return True
        inside = path.removeprefix(self.theme_dir)
        return inside != path and any((source / inside).is_file() for source in self.theme_sources)


def links_in(html: str) -> list[str]:
    finder = _LinkFinder()
    finder.feed(html)
    finder.close()
    return finder.links


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value is not None]
