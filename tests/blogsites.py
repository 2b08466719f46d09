"""Fake blogs on a LoopbackServer, one server per site (a site's root paths matter to discovery).

Pages are tests/data/register/*.html (written like each platform's own markup, with `{site}` for
the server's address); feeds are the demo cohort's real-platform feeds (demo/blogs), and a tag feed
is that feed with only the course-tag posts left, as the platform would serve it.
"""

from __future__ import annotations

from lxml import etree

from tests.conftest import DATA, ROOT
from tests.loopback import LoopbackServer, Reply

DEMO = ROOT / "demo" / "blogs"
PAGES = DATA / "register"
TAG = "openlearning26"
HTML = {"Content-Type": "text/html; charset=UTF-8"}
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=UTF-8"}
JSON = {"Content-Type": "application/feed+json"}


def page(server: LoopbackServer, name: str) -> Reply:
    text = (PAGES / name).read_text(encoding="utf-8").replace("{site}", server.url(""))
    return Reply(body=text.encode(), headers=HTML)


def feed(name: str, headers: dict[str, str] = RSS) -> Reply:
    return Reply(body=(DEMO / name).read_bytes(), headers=headers)


def tag_feed(name: str, headers: dict[str, str] = RSS) -> Reply:
    return Reply(body=only_tagged((DEMO / name).read_bytes(), TAG), headers=headers)


def only_tagged(body: bytes, tag: str) -> bytes:
    """The feed with only the items (RSS) or entries (Atom) that carry `tag`, as a tag feed is."""
    root = etree.fromstring(body)
    atom = "{http://www.w3.org/2005/Atom}"
    for item in [*root.iter("item"), *root.iter(f"{atom}entry")]:
        categories = [*item.iter("category"), *item.iter(f"{atom}category")]
        terms = {(c.get("term") or c.text or "").strip().lower() for c in categories}
        if tag.lower() not in terms:
            item.getparent().remove(item)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def wordpress(server: LoopbackServer, *, with_tag_feed: bool = True) -> None:
    server.routes["/"] = page(server, "wordpress-home.html")
    server.routes["/2026/10/18/closing-the-circle/"] = page(server, "wordpress-post.html")
    server.routes["/feed/"] = feed("maya/feed.xml")
    server.routes["/comments/feed/"] = Reply(
        body=(PAGES / "wordpress-comments.rss").read_bytes(), headers=RSS
    )
    if with_tag_feed:
        server.routes[f"/tag/{TAG}/feed/"] = tag_feed("maya/feed.xml")


def blogger(server: LoopbackServer) -> None:
    server.routes["/"] = page(server, "blogger-home.html")
    server.routes["/feeds/posts/default"] = feed("rosa/atom.xml", ATOM)
    server.routes["/feeds/posts/default?alt=rss"] = Reply(404)
    server.routes[f"/feeds/posts/default/-/{TAG}"] = tag_feed("rosa/atom.xml", ATOM)


def ghost(server: LoopbackServer) -> None:
    server.routes["/"] = page(server, "ghost-home.html")
    server.routes["/rss/"] = feed("priya/rss.xml")
    server.routes[f"/tag/{TAG}/rss/"] = tag_feed("priya/rss.xml")


def hugo(server: LoopbackServer) -> None:
    server.routes["/"] = page(server, "hugo-home.html")
    server.routes["/posts/a-blogroll-for-the-school-library/"] = page(server, "hugo-post.html")
    server.routes["/index.xml"] = feed("sione/index.xml")
    server.routes[f"/tags/{TAG}/index.xml"] = tag_feed("sione/index.xml")


def mastodon(server: LoopbackServer) -> None:
    server.routes["/@amara"] = page(server, "mastodon-profile.html")
    server.routes["/@amara.rss"] = feed("amara/amara.rss")
    server.routes[f"/@amara/tagged/{TAG}.rss"] = tag_feed("amara/amara.rss")
    # The instance's feed of everyone's posts with the tag: served, and never to be chosen.
    server.routes[f"/tags/{TAG}.rss"] = feed("amara/amara.rss")


def microblog(server: LoopbackServer) -> None:
    server.routes["/"] = page(server, "microblog-home.html")
    server.routes["/feed.json"] = feed("keiko/feed.json", JSON)
