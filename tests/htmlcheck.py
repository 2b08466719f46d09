"""Find script-capable constructs the way a browser would see them (html5lib parses like one)."""

from __future__ import annotations

import html5lib

DANGEROUS_ELEMENTS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "base",
    "meta",
    "form",
    "input",
    "svg",
    "math",
    "frame",
    "frameset",
    "link",
    "template",
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
}


def script_capable(fragment: str) -> list[str]:
    """Every element, event handler, style or non-http(s) URL in `fragment` that could run script."""
    found = []
    for element in html5lib.parseFragment(fragment, namespaceHTMLElements=False).iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.split("}")[-1] in DANGEROUS_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            local = name.split("}")[-1] if isinstance(name, str) else str(name)
            if local.startswith("on") or local == "style":
                found.append(f"{tag}[{local}]")
            elif local in URL_ATTRIBUTES and not value.strip().lower().startswith(
                ("http://", "https://", "mailto:")
            ):
                found.append(f"{tag}[{local}={value[:30]}]")
    return found
