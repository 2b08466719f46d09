"""Pictures kept by the hub: real feeds and real pictures (made with Pillow here) served on
127.0.0.1, a real update, and the picture store and health report it leaves."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from aggregator.config import FetchOptions, HubConfig, PictureLimits
from aggregator.moderation import forget
from aggregator.picture_store import PictureStore, StoredPicture
from aggregator.picture_update import Wish, fetch_plan, owners
from aggregator.pictures import process
from aggregator.pipeline import UpdateReport
from aggregator.registry import HUB_NS, Participant
from aggregator.report import health_markdown
from aggregator.term_update import update_terms
from tests.conftest import ONLY_LOOPBACK, hub_in
from tests.loopback import LoopbackServer, Reply

NOW = dt.datetime(2026, 9, 20, 12, tzinfo=dt.UTC)
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def jpeg_with_gps(size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photograph as a phone writes it: turned on its side (orientation 6), with a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 26.0)
    return encode(Image.new("RGB", size, (200, 30, 30)), "JPEG", exif=exif)


def transparent_png(shade: int = 0) -> bytes:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    image.paste((20 + shade, 120, 220, 255), (100, 50, 300, 250))
    return encode(image, "PNG")


def animated_gif() -> bytes:
    """Two frames: red, then blue. The hub keeps the first."""
    red, blue = Image.new("RGB", (300, 200), (255, 0, 0)), Image.new("RGB", (300, 200), (0, 0, 255))
    return encode(red, "GIF", save_all=True, append_images=[blue], duration=100, loop=0)


def bomb_png() -> bytes:
    """A small file that declares 30000 x 30000 pixels: 900 million once decoded."""
    return encode(Image.new("1", (30000, 30000)), "PNG")


def encode(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def rss(posts: list[tuple[str, str]]) -> bytes:
    """A feed of (slug, body HTML) posts, one day apart, newest first."""
    items = "".join(
        f"<item><title>Post {slug}</title><link>https://blog.example/{slug}</link>"
        f"<pubDate>{(NOW - dt.timedelta(days=n + 1)):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<description><![CDATA[<p>About {slug}.</p>{body}]]></description></item>"
        for n, (slug, body) in enumerate(posts)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link>{items}</channel></rss>"
    ).encode()


def img(server: LoopbackServer, path: str) -> str:
    return f'<img src="{server.url(path)}">'


def person(server: LoopbackServer, pid: str, posts: list[tuple[str, str]], **extras: str) -> Participant:
    server.routes[f"/{pid}.rss"] = Reply(body=rss(posts), headers={"Content-Type": "application/rss+xml"})
    return Participant(pid, pid.title(), server.url(f"/{pid}.rss"), None, extras=tuple(extras.items()))


def hub(tmp_path: Path, **limits: int) -> HubConfig:
    options = FetchOptions(timeout=1.0, deadline=2.0, workers=4, policy=ONLY_LOOPBACK)
    return hub_in(tmp_path, options, pictures=tmp_path / "pictures", picture_limits=PictureLimits(**limits))


def stored_file(config: HubConfig, picture: StoredPicture | None) -> bytes:
    assert picture is not None
    return (config.pictures / picture.file).read_bytes()


# --- one update of a cohort with good and hostile pictures ---------------------------------------


@dataclasses.dataclass
class Run:
    config: HubConfig
    server: LoopbackServer
    report: UpdateReport

    def url(self, path: str) -> str:
        return self.server.url(path)

    def find(self, kind: str, path: str) -> StoredPicture | None:
        return PictureStore.load(self.config.pictures).find(kind, self.url(path))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    server = LoopbackServer()
    routes = {
        "/ada.jpg": Reply(body=jpeg_with_gps(), headers={"Content-Type": "image/jpeg"}),
        "/glass.png": Reply(body=transparent_png(), headers={"Content-Type": "image/png"}),
        "/wave.gif": Reply(body=animated_gif(), headers={"Content-Type": "image/gif"}),
        "/photo.jpg": Reply(body=jpeg_with_gps(), headers={"Content-Type": "application/octet-stream"}),
        "/eve.svg": Reply(body=SVG, headers={"Content-Type": "image/svg+xml"}),
        "/bomb.png": Reply(body=bomb_png(), headers={"Content-Type": "image/png"}),
        "/huge.gif": Reply(
            body=b"GIF89a" + bytes(50_000_000), headers={"Content-Type": "image/gif"}, length=False
        ),
        "/page.jpg": Reply(
            body=b"<!doctype html><title>Not here</title>", headers={"Content-Type": "image/jpeg"}
        ),
        "/png-as-svg": Reply(body=transparent_png(), headers={"Content-Type": "image/svg+xml"}),
        "/inside.jpg": Reply(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/drip.jpg": Reply(body=jpeg_with_gps((64, 64)), drip=0.2),
    }
    server.routes.update(routes)
    hostile = ["/bomb.png", "/huge.gif", "/page.jpg", "/png-as-svg", "/inside.jpg", "/drip.jpg"]
    people = [
        person(server, "ada", [("a1", img(server, "/glass.png"))], avatar=server.url("/ada.jpg")),
        person(server, "ben", [("b1", img(server, "/wave.gif") + img(server, "/photo.jpg"))], display="full"),
        person(
            server,
            "eve",
            [(f"e{n}", img(server, path)) for n, path in enumerate(hostile)],
            avatar=server.url("/eve.svg"),
        ),
    ]
    config = hub(tmp_path_factory.mktemp("pictures"))
    yield Run(config, server, update_terms(config, people, NOW))
    server.close()


def test_a_photograph_is_kept_upright_small_and_without_its_gps_position(run: Run) -> None:
    avatar = run.find("avatar", "/ada.jpg")
    data = stored_file(run.config, avatar)
    assert avatar == StoredPicture(hashlib.sha256(data).hexdigest()[:20] + ".webp", 96, 96, len(data))
    kept = Image.open(io.BytesIO(data))
    assert (kept.format, kept.size, dict(kept.getexif())) == ("WEBP", (96, 96), {})
    assert not any(chunk in data for chunk in (b"EXIF", b"Exif", b"XMP ", b"ICCP"))
    # Shown in full, the same photograph keeps its ratio at 640 px wide, turned upright: 1600 x
    # 1200 on its side is 1200 x 1600, so 640 x 853.
    inline = run.find("inline", "/photo.jpg")
    assert inline is not None and (inline.width, inline.height) == (640, 853)
    assert Image.open(io.BytesIO(stored_file(run.config, inline))).getexif() == {}


def test_a_transparent_png_keeps_its_transparency(run: Run) -> None:
    thumb = run.find("thumb", "/glass.png")
    assert thumb is not None and (thumb.width, thumb.height) == (224, 224)
    kept = Image.open(io.BytesIO(stored_file(run.config, thumb)))
    assert kept.mode == "RGBA"
    assert kept.getpixel((2, 112))[3] == 0 and kept.getpixel((112, 112))[3] == 255


def test_an_animated_gif_is_kept_as_its_first_frame(run: Run) -> None:
    inline = run.find("inline", "/wave.gif")
    assert inline is not None and (inline.width, inline.height) == (300, 200)
    kept = Image.open(io.BytesIO(stored_file(run.config, inline)))
    assert getattr(kept, "n_frames", 1) == 1
    red, green, blue = kept.convert("RGB").getpixel((150, 100))
    assert red > 240 and green < 15 and blue < 15


def test_each_hostile_picture_is_a_note_in_the_health_report(run: Run) -> None:
    notes = {note.url.rsplit("/", 1)[1]: note.note for note in run.report.pictures.notes}
    assert notes == {
        "eve.svg": "an SVG drawing, which can carry scripts: the hub keeps only JPEG, PNG, GIF and WebP",
        "bomb.png": "more than 25,000,000 pixels, the most the hub decodes",
        "huge.gif": "the picture is larger than 5,000,000 bytes (decoded)",
        "page.jpg": "not a JPEG, PNG, GIF or WebP picture (by its first bytes, whatever the server called it)",
        "png-as-svg": "the server calls it image/svg+xml, but its bytes are a PNG picture",
        "inside.jpg": "refused to connect to non-public address 169.254.169.254 "
        "(allow it with --allow-private 169.254.169.254)",
        "drip.jpg": "gave up after the 2 s deadline",
    }
    report = health_markdown(run.report)
    assert "pictures: 4 stored, 7 could not be had, 0 left for a later run; 4 kept, 0 deleted" in report
    assert f"| Eve | avatar `{run.url('/eve.svg')}` | an SVG drawing, which can carry scripts\\:" in report
    assert f"| Eve | thumb `{run.url('/bomb.png')}` | more than 25,000,000 pixels" in report
    assert "| Eve | and 2 more | - |" in report  # five a participant, the rest counted


def test_the_50_mb_gif_is_refused_while_it_is_read(run: Run) -> None:
    assert run.server.sent["/huge.gif"] < 20_000_000  # the cap stopped the reading, not its end


def test_a_picture_failure_fails_no_feed_and_stores_nothing_of_it(run: Run) -> None:
    assert [(o.participant.id, o.status) for o in run.report.outcomes] == [
        ("ada", "updated"),
        ("ben", "updated"),
        ("eve", "updated"),
    ]
    store = PictureStore.load(run.config.pictures)
    assert sorted(path.name for path in run.config.pictures.glob("*.webp")) == sorted(
        entry.stored.file for entry in store if entry.stored
    )
    assert all(entry.owners == {"eve"} for entry in store if not entry.stored)


def test_every_picture_was_asked_for_as_an_image(run: Run) -> None:
    accepts = {r.headers.get("accept") for r in run.server.requests if not r.path.endswith(".rss")}
    assert accepts == {"image/webp, image/png, image/jpeg, image/gif"}


# --- bounds, retries, withdrawal and forget ------------------------------------------------------


def thumbs(server: LoopbackServer, pid: str, count: int) -> list[tuple[str, str]]:
    for n in range(count):
        server.routes[f"/{pid}{n}.png"] = Reply(body=transparent_png(shade=len(server.routes)))
    return [(f"{pid}{n}", img(server, f"/{pid}{n}.png")) for n in range(count)]


def asked(server: LoopbackServer) -> list[str]:
    return [r.path for r in server.requests if not r.path.endswith(".rss")]


def test_a_run_fetches_at_most_its_limit_in_turns_and_the_rest_later(
    tmp_path: Path, server: LoopbackServer
) -> None:
    server.routes["/ada.png"] = Reply(body=transparent_png())
    ada = person(server, "ada", thumbs(server, "ada", 3), avatar=server.url("/ada.png"))
    people = [ada, person(server, "ben", thumbs(server, "ben", 3))]
    config = hub(tmp_path, per_run=3)
    first = update_terms(config, people, NOW).pictures
    # In turns: Ada's avatar and Ben's newest post, then Ada's newest post (not all of Ada's first).
    assert sorted(asked(server)) == ["/ada.png", "/ada0.png", "/ben0.png"]
    assert first is not None and (first.stored, first.waiting) == (3, 4)
    server.requests.clear()
    second = update_terms(config, people, NOW).pictures
    assert sorted(asked(server)) == ["/ada1.png", "/ada2.png", "/ben1.png"]  # the kept are not asked again
    assert second is not None and (second.stored, second.waiting, second.kept) == (3, 1, 6)


def test_a_run_fetches_at_most_its_limit_of_a_participant() -> None:
    mine = tuple(("thumb", f"https://a.example/{n}.png") for n in range(5))
    plan, waiting = fetch_plan(
        [Wish("ada", mine)], PictureStore(Path("/nonexistent")), NOW, PictureLimits(per_participant=2)
    )
    assert ([wanted.url for wanted in plan], waiting) == (
        ["https://a.example/0.png", "https://a.example/1.png"],
        3,
    )


def test_a_failed_picture_is_asked_for_again_after_its_days_not_every_run(
    tmp_path: Path, server: LoopbackServer
) -> None:
    people = [person(server, "ada", [("a1", img(server, "/late.png"))])]
    config = hub(tmp_path, retry_days=7)
    for day in (0, 1, 6):
        update_terms(config, people, NOW + dt.timedelta(days=day))
    assert asked(server) == ["/late.png"]
    notes = PictureStore.load(config.pictures).entry("thumb", server.url("/late.png"))
    assert notes is not None and notes.note == "HTTP 404 Not Found" and notes.tried == NOW
    server.routes["/late.png"] = Reply(body=transparent_png())
    update_terms(config, people, NOW + dt.timedelta(days=7))
    assert asked(server) == ["/late.png", "/late.png"]
    assert PictureStore.load(config.pictures).find("thumb", server.url("/late.png")) is not None


def test_pictures_no_page_shows_any_more_are_deleted(tmp_path: Path, server: LoopbackServer) -> None:
    ada = person(server, "ada", thumbs(server, "ada", 2))
    ben = person(server, "ben", thumbs(server, "ben", 1))
    config = hub(tmp_path)
    update_terms(config, [ada, ben], NOW)
    store = PictureStore.load(config.pictures)
    files = {path: store.find("thumb", server.url(path)) for path in ("/ada0.png", "/ada1.png", "/ben0.png")}
    assert all(files.values())
    # Ada withdraws one post; Ben leaves the course (his outline is taken out of feeds.opml).
    config.moderation.write_text("withdraw:\n  - post: https://blog.example/ada0\n", encoding="utf-8")
    run = update_terms(config, [ada], NOW).pictures
    store = PictureStore.load(config.pictures)
    assert [entry.url for entry in store] == [server.url("/ada1.png")]
    assert run is not None and run.deleted == 2
    assert sorted(p.name for p in config.pictures.glob("*.webp")) == [files["/ada1.png"].file]


def test_forget_deletes_their_pictures_at_once(tmp_path: Path, server: LoopbackServer) -> None:
    ada = person(server, "ada", thumbs(server, "ada", 2))
    ben = person(server, "ben", thumbs(server, "ben", 1))
    config = hub(tmp_path)
    (tmp_path / "feeds.opml").write_text(opml([ada, ben]), encoding="utf-8")
    update_terms(config, [ada, ben], NOW)
    assert len(list(config.pictures.glob("*.webp"))) == 3
    done = forget(config, "ada", NOW)
    assert done.pictures == 2
    store = PictureStore.load(config.pictures)
    assert [entry.url for entry in store] == [server.url("/ben0.png")]
    assert [p.name for p in config.pictures.glob("*.webp")] == [
        store.find("thumb", server.url("/ben0.png")).file
    ]


def opml(people: list[Participant]) -> str:
    outlines = "".join(
        f'<outline type="rss" text="{p.name}" xmlUrl="{p.feed_url}" hub:id="{p.id}"/>' for p in people
    )
    return (
        f'<?xml version="1.0"?><opml version="2.0" xmlns:hub="{HUB_NS}">'
        f"<head><title>t</title></head><body>{outlines}</body></opml>"
    )


def test_a_frozen_term_s_pictures_are_kept_and_never_fetched(tmp_path: Path) -> None:
    store = PictureStore(tmp_path)
    wishes = [
        Wish("ada", (("avatar", "https://a.example/a.png"),), frozen=True),
        Wish("ben", (("thumb", "https://b.example/b.png"),)),
    ]
    plan, waiting = fetch_plan(wishes, store, NOW, PictureLimits())
    assert ([(w.owner, w.url) for w in plan], waiting) == ([("ben", "https://b.example/b.png")], 0)
    assert owners(wishes) == {
        ("avatar", "https://a.example/a.png"): {"ada"},
        ("thumb", "https://b.example/b.png"): {"ben"},
    }


@pytest.mark.parametrize(
    ("kind", "size"), [("avatar", (96, 96)), ("thumb", (224, 224)), ("inline", (640, 480))]
)
def test_each_kind_has_its_size(kind: str, size: tuple[int, int]) -> None:
    picture = process(encode(Image.new("RGB", (1600, 1200), "white"), "PNG"), kind)
    assert not isinstance(picture, str) and (picture.width, picture.height) == size
