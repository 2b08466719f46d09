"""A browser tab on a built site that records everything the page tried to do."""

from __future__ import annotations

from typing import Any

from tests.loopback import StaticSite

# A 1x1 transparent PNG: the answer to a picture asked of another site (a page should ask for none;
# tests/test_picture_browser.py checks that), so that nothing leaves the machine.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63606060600000000500017aa857500000000049454e44ae426082"
)


class Tab:
    """Console errors, CSP violations, dialogs and every request not for the site are recorded.

    Requests elsewhere (a click on a backlink) are answered by the tab itself, with a placeholder,
    so that nothing is sent anywhere but loopback."""

    def __init__(self, browser: Any, site: StaticSite, width: int = 1280, dark: bool = False) -> None:
        self.site = site
        self.page = browser.new_page(
            viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light"
        )
        self.errors: list[str] = []
        self.csp_violations: list[str] = []
        self.dialogs: list[str] = []
        self.elsewhere: list[tuple[str, str]] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.route("**/*", self._route)

    def open(self, path: str) -> Any:
        self.page.goto(self.site.url(path))
        self.page.wait_for_load_state("networkidle")
        return self.page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)
        elif message.type == "error":
            self.errors.append(message.text)

    def _route(self, route: Any) -> None:
        request = route.request
        if request.url.startswith(self.site.url("/")):
            route.continue_()
            return
        self.elsewhere.append((request.resource_type, request.url))
        if request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png", body=PIXEL)
        else:
            route.fulfill(status=200, content_type="text/html", body="<title>elsewhere</title>")


def serious_violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    """What axe-core finds serious or critical on the page: each rule, its impact, and where (the
    first three places)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
