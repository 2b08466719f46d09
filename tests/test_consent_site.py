"""The participant's choices and rights as the built site shows them, over real Pelican rebuilds.

A withdrawn post leaves every page, feed, sitemap and the search index at the next build and stays
out while the blog's feed still lists it; hidden people get no page; display and licence options
show as chosen.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build

WITHDRAWN = "Sunday night, still week one"
FULL_ONLY = "Written at 23:30 London time"  # in the post's body, beyond what a title-only card shows


def opml(server: LoopbackServer) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0" xmlns:hub="https://course-hub.example/ns/opml/1">
  <head><title>t</title></head>
  <body>
    <outline type="rss" text="Ada Lovelace" xmlUrl="{server.url("/ada.rss")}" htmlUrl="https://ada.example/" hub:display="full" hub:licence="CC BY-SA 4.0"/>
    <outline type="rss" text="Ben Okri" xmlUrl="{server.url("/ben.json")}" htmlUrl="https://ben.example/" hub:display="title" hub:licence="All rights reserved"/>
    <outline type="rss" text="Cy Twombly" xmlUrl="{server.url("/cy.rss")}" htmlUrl="https://cy.example/" hub:tag="*"/>
  </body>
</opml>
"""


def everything_public(output: Path) -> str:
    """Every page, feed, sitemap and search fragment of the site, as one text."""
    texts = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in output.rglob("*")
        if path.suffix in (".html", ".atom", ".xml", ".opml", ".json")
    ]
    texts += [
        gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        for path in output.rglob("*.pf_fragment")
    ]
    return "\n".join(texts)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LoopbackServer]:
    tmp = tmp_path_factory.mktemp("consent")
    server = LoopbackServer()
    server.routes["/ada.rss"] = Reply(body=(DATA / "ada.rss").read_bytes())
    server.routes["/ben.json"] = Reply(body=(DATA / "ben.json").read_bytes())
    # Cy registered a tag feed: no course tag on the post, and it is shown all the same (hub:tag="*").
    cy = (DATA / "ada.rss").read_bytes().replace(b"ada.example", b"cy.example").replace(b"?p=", b"?cy=")
    cy = cy.replace(b"My sourdough starter", b"Cy on sourdough").replace(b"Sunday night", b"Cy's night")
    server.routes["/cy.rss"] = Reply(body=cy)
    (tmp / "feeds.opml").write_text(opml(server), encoding="utf-8")
    yield tmp, server
    server.close()


def rebuild(tmp: Path, moderation: str | None = None) -> Path:
    if moderation is not None:
        (tmp / "moderation.yml").write_text(moderation, encoding="utf-8")
    result = build(
        tmp, tmp / "feeds.opml", moderation=str(tmp / "moderation.yml"), allow_private=["127.0.0.1"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp / "output"


def cards_of(output: Path, person: str) -> str:
    """The cards of `person`'s posts on the week pages (their own page lists the posts only)."""
    pages = sorted((output / "cohort").glob("week-*/index.html"))
    cards = [card for page in pages for card in page.read_text(encoding="utf-8").split("<article")[1:]]
    return "".join(card for card in cards if f"/people/{person}/" in card.split("</article>")[0])


def test_display_licence_and_tag_options_show_as_chosen(site: tuple[Path, LoopbackServer]) -> None:
    tmp, _ = site
    output = rebuild(tmp)
    ada = cards_of(output, "ada-lovelace")
    assert FULL_ONLY in ada and 'class="card-full e-content"' in ada
    assert (
        '<a rel="license noopener" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>'
        in ada
    )
    ben = cards_of(output, "ben-okri")
    assert ben and "card-excerpt" not in ben and "card-full" not in ben
    assert '<p class="card-licence">Licence: All rights reserved</p>' in ben
    cy = (output / "cohort/people/cy-twombly/index.html").read_text(encoding="utf-8")  # its list of posts
    assert "Cy on sourdough" in cy  # no course tag, shown because Cy's feed is a tag feed
    assert "My sourdough starter" not in everything_public(output)  # Ada's untagged post stays out
    feed = (output / "cohort/feed.atom").read_text(encoding="utf-8")
    assert '<content type="html">&lt;p&gt;Written at 23:30' in feed


def test_a_withdrawn_post_leaves_every_public_file_and_never_comes_back(
    site: tuple[Path, LoopbackServer],
) -> None:
    tmp, server = site
    output = rebuild(tmp, "")
    assert WITHDRAWN in everything_public(output)
    output = rebuild(
        tmp, "withdraw:\n  - post: https://ada.example/2026/09/13/sunday-night/\n    reason: Ada asked\n"
    )
    assert WITHDRAWN not in everything_public(output)
    assert WITHDRAWN not in (tmp / "archive/ada-lovelace.json").read_text(encoding="utf-8")
    # The rule is taken out again, and the blog's feed, edited since, still lists the post: the
    # feed is read again in full, and the tombstone holds.
    edited = (DATA / "ada.rss").read_bytes().replace(b"Late, but about", b"Late (edited), but about")
    server.routes["/ada.rss"] = Reply(body=edited)
    requests = len(server.requests_to("/ada.rss"))
    output = rebuild(tmp, "")
    assert len(server.requests_to("/ada.rss")) == requests + 1
    assert WITHDRAWN not in everything_public(output)
    assert "Late (edited), but about" in everything_public(output)


def test_hidden_participants_have_no_page_and_appear_nowhere(site: tuple[Path, LoopbackServer]) -> None:
    tmp, _ = site
    output = rebuild(tmp, "hide:\n  - participant: ben-okri\n    reason: asked by the facilitators\n")
    assert not (output / "cohort/people/ben-okri").exists()
    assert "Ben Okri" not in everything_public(output)
    assert "Ben Okri" in (tmp / "archive/ben-okri.json").read_text(encoding="utf-8")  # kept, not erased
