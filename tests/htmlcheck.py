"""Find script-capable constructs the way a browser would see them (html5lib parses like one)."""

from __future__ import annotations

import re
from typing import Any

import html5lib

FORBIDDEN = {
    "script",
    "iframe",
    "object",
    "embed",
    "applet",
    "style",
    "base",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "svg",
    "math",
    "frame",
    "frameset",
    "template",
    "noscript",
    "portal",
    "isindex",
}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "background",
    "xlink:href",
    "data",
    "srcset",
    "cite",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "ping",
    "manifest",
    "codebase",
    "archive",
}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20]")


def problems_in_fragment(fragment: str) -> list[str]:
    """Every element, attribute or URL in a piece of feed HTML that could run script or restyle us."""
    return _problems(html5lib.parseFragment(fragment, namespaceHTMLElements=False).iter(), page=False)


def problems_in_page(page: str) -> list[str]:
    """The same for a whole built page, where our own <meta> and stylesheet <link> are expected."""
    return _problems(html5lib.parse(page, namespaceHTMLElements=False).iter(), page=True)


def _problems(elements: Any, page: bool) -> list[str]:
    found = []
    for element in elements:
        tag = element.tag.split("}")[-1] if isinstance(element.tag, str) else ""
        ours = page and tag in ("meta", "link", "script") and _ours(tag, element.attrib)
        if not ours and tag in FORBIDDEN | {"meta", "link"}:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            attribute = (name if isinstance(name, str) else name[1]).split("}")[-1].lower()
            if attribute.startswith("on") or attribute in ("style", "srcdoc"):
                found.append(f"<{tag} {attribute}>")
            elif attribute in URL_ATTRIBUTES and _bad_url(value):
                found.append(f"<{tag} {attribute}={value[:40]!r}>")
    return found


def _ours(tag: str, attrib: dict[str, str]) -> bool:
    """Our own <head>: charset, viewport, CSP, description, robots, Open Graph, canonical, feeds,
    CSS, icon."""
    if tag == "link":
        return attrib.get("rel") in (
            "stylesheet",
            "canonical",
            "alternate",
            "outline",
            "icon",
        ) and not _bad_url(attrib.get("href", ""))
    if tag == "script":  # the search page loads our script from this site (it imports Pagefind)
        return attrib.get("src", "").endswith("theme/js/search.js") and not _SCHEME.match(attrib["src"])
    named = attrib.get("name", "").split(":")[0] in (
        "viewport",
        "description",
        "referrer",
        "twitter",
        "robots",
    )
    return (
        "charset" in attrib
        or named
        or attrib.get("property", "").startswith("og:")
        or attrib.get("http-equiv") == "Content-Security-Policy"
    )


def _bad_url(value: str) -> bool:
    scheme = _SCHEME.match(_IGNORED_IN_URLS.sub("", value).lower())
    return bool(scheme) and scheme.group(1) not in ("http", "https", "mailto")
