"""The site shows the hub's own copies of pictures and nothing from elsewhere: real Pelican builds
over a real feed on 127.0.0.1 and a real picture store."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from aggregator.picture_store import Kind, PictureStore, StoredPicture
from aggregator.pictures import Encoded
from aggregator.registry import HUB_NS
from tests.loopback import LoopbackServer, Reply
from tests.sitebuild import build

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>{name}'s notes</title><link>https://{slug}.example/</link><description>d</description>
  <image><url>{base}/{slug}/avatar.png</url><title>t</title><link>https://{slug}.example/</link></image>
  {items}
</channel>
</rss>
"""
ITEM = """<item><title>{title}</title><link>https://{slug}.example/{n}/</link><guid>{slug}-{n}</guid>
  <pubDate>{day} Sep 2026 09:00:00 +0000</pubDate><category>openlearning26</category>
  <content:encoded><![CDATA[{body}]]></content:encoded></item>"""


def picture(color: str, width: int = 8) -> tuple[bytes, StoredPicture]:
    """A small WebP, and its entry as the store names it (by its bytes)."""
    out = io.BytesIO()
    Image.new("RGB", (width, width), color).save(out, "WEBP")
    encoded = Encoded(out.getvalue(), width, width)
    return encoded.data, encoded.stored


def feed(base: str, slug: str, posts: list[tuple[int, str]]) -> bytes:
    items = "".join(
        ITEM.format(title=f"Post {n}", slug=slug, n=n, day=10 + n, body=body) for n, body in posts
    )
    return FEED.format(name=slug.title(), slug=slug, base=base, items=items).encode()


@pytest.fixture
def site(tmp_path: Path, server: LoopbackServer) -> tuple[Path, str, PictureStore]:
    """Ada shows excerpts with a thumbnail each (posts 1-3, newest 3); Ben shows his posts whole,
    with a stored picture, one not stored, and one inside a link."""
    base = server.url("").rstrip("/")
    ada = [(n, f'<p>Post {n}.</p><img src="{base}/ada/{n}.jpg" alt="">') for n in (1, 2, 3)]
    ben_body = (
        f'<p>Look: <img src="{base}/ben/kept.jpg" alt="A kept picture"></p>'
        f'<p><img src="{base}/ben/lost.jpg" alt="Lost &amp; found"></p>'
        f'<p><a href="https://ben.example/big"><img src="{base}/ben/linked.jpg" alt=""></a></p>'
    )
    for slug, posts in (("ada", ada), ("ben", [(1, ben_body)])):
        body = feed(base, slug, posts)
        server.routes[f"/{slug}.rss"] = Reply(body=body, headers={"Content-Type": "application/rss+xml"})
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        f'<?xml version="1.0"?>\n<opml version="2.0" xmlns:hub="{HUB_NS}"><head><title>t</title></head><body>\n'
        f'<outline type="rss" text="Ada" xmlUrl="{server.url("/ada.rss")}" hub:display="excerpt"/>\n'
        f'<outline type="rss" text="Ben" xmlUrl="{server.url("/ben.rss")}" hub:display="full"/>\n'
        "</body></opml>\n",
        encoding="utf-8",
    )
    store = PictureStore(tmp_path / "pictures")
    colours = {("avatar", "ada/avatar.png"): "red", ("inline", "ben/kept.jpg"): "blue"}
    colours |= {("thumb", f"ada/{n}.jpg"): colour for n, colour in ((1, "green"), (2, "white"), (3, "black"))}
    for (kind, path), colour in colours.items():
        data, stored = picture(colour)
        owner = path.split("/")[0]
        store.add(kind, f"{base}/{path}", owner, data, stored)
    store.save()
    return opml, base, store


def run(tmp_path: Path, opml: Path, **hub: object) -> str:
    done = build(tmp_path, opml, pictures=str(tmp_path / "pictures"), allow_private=True, **hub)
    assert done.returncode == 0, done.stderr
    return (tmp_path / "output" / "cohort" / "week-1" / "index.html").read_text(encoding="utf-8")


def file_of(store: PictureStore, kind: Kind, url: str) -> str:
    found = store.find(kind, url)
    assert found is not None
    return found.file


def test_cards_show_the_hubs_copies_and_ask_no_other_site(
    tmp_path: Path, site: tuple[Path, str, PictureStore]
) -> None:
    opml, base, store = site
    page = run(tmp_path, opml)
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page)
    avatar, thumbs = (
        file_of(store, "avatar", f"{base}/ada/avatar.png"),
        [file_of(store, "thumb", f"{base}/ada/{n}.jpg") for n in (3, 2, 1)],
    )
    kept = file_of(store, "inline", f"{base}/ben/kept.jpg")
    assert sorted(set(sources)) == sorted(f"../../pictures/{name}" for name in {avatar, kept, *thumbs})
    assert "img-src 'self';" in page
    assert "127.0.0.1" not in "".join(re.findall(r"<img [^>]*>", page))
    published = sorted(path.name for path in (tmp_path / "output" / "pictures").iterdir())
    assert published == sorted({avatar, kept, *thumbs})
    # Ben's avatar is not stored: his initials stand in for it.
    assert '<span class="avatar initials hue-' in page and ">B</span>" in page


def test_a_picture_not_kept_becomes_a_link_to_it_and_never_a_broken_image(
    tmp_path: Path, site: tuple[Path, str, PictureStore]
) -> None:
    opml, base, _store = site
    page = run(tmp_path, opml)
    assert (
        f'<a href="{base}/ben/lost.jpg" rel="ugc nofollow noopener noreferrer">[Picture: Lost &amp; found]</a>'
        in page
    )
    # Inside a link already, it is named only: links do not nest.
    assert (
        '<a href="https://ben.example/big" rel="ugc nofollow noopener noreferrer">[Picture: not shown]</a>'
        in page
    )


def test_a_terms_post_pictures_stop_at_their_budget_newest_first(
    tmp_path: Path, site: tuple[Path, str, PictureStore]
) -> None:
    opml, base, store = site
    newest = store.find("thumb", f"{base}/ada/3.jpg")
    assert newest is not None
    page = run(tmp_path, opml, picture_budget=newest.size)
    shown = re.findall(r'<img class="thumb" src="\.\./\.\./pictures/([^"]+)"', page)
    assert shown == [newest.file]
    published = {path.name for path in (tmp_path / "output" / "pictures").iterdir()}
    assert published == {file_of(store, "avatar", f"{base}/ada/avatar.png"), newest.file}


def test_a_persons_page_shares_their_own_copy_of_their_avatar(
    tmp_path: Path, site: tuple[Path, str, PictureStore]
) -> None:
    opml, base, store = site
    run(tmp_path, opml)
    person = next((tmp_path / "output" / "cohort" / "people").glob("ada*/index.html")).read_text(
        encoding="utf-8"
    )
    avatar = file_of(store, "avatar", f"{base}/ada/avatar.png")
    assert re.search(rf'<meta property="og:image" content="[^"]*/pictures/{avatar}">', person)
    assert f'<img class="avatar" src="../../../pictures/{avatar}"' in person
