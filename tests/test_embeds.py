"""Click-to-load embeds: which players the sanitizer recognises, the placeholder it stores in their
place, and what a page's Content-Security-Policy must let in for them."""

from __future__ import annotations

import re

import html5lib
import pytest

from aggregator import sanitize
from aggregator.embeds import frame_sources, from_token, recognise
from tests.htmlcheck import problems_in_fragment

UUID = "9c9de5e8-0a1e-484a-b099-e80766180a6d"
SHORT = "kkGMgK9ZtnKfYAgnEtQxbv"  # PeerTube's short id of the same kind, base58
REL = 'rel="ugc nofollow noopener noreferrer"'

# (the player's address as blogs embed it, the token stored, the original's page)
SHAPES = [
    (
        "https://www.youtube.com/embed/dQw4w9WgXcQ?si=x&start=30",
        "youtube:dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "http://youtube.com/embed/dQw4w9WgXcQ",
        "youtube:dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://www.youtube-nocookie.com/embed/a-_Bc9xYz01",
        "youtube:a-_Bc9xYz01",
        "https://www.youtube.com/watch?v=a-_Bc9xYz01",
    ),
    (
        "https://youtu.be/dQw4w9WgXcQ?t=4",
        "youtube:dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&list=x",
        "youtube:dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    ("https://player.vimeo.com/video/76979871?dnt=1", "vimeo:76979871", "https://vimeo.com/76979871"),
    (
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293&color=%23ff5500",
        "soundcloud:tracks/293",
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293",
    ),
    (
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/playlists/soundcloud%253Aplaylists%253A17",
        "soundcloud:playlists/17",
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/playlists/17",
    ),
    (
        f"https://framatube.org/videos/embed/{UUID}",
        f"peertube:framatube.org/{UUID}",
        f"https://framatube.org/videos/watch/{UUID}",
    ),
    (
        f"https://tube.xn--bcher-kva.example/videos/embed/{SHORT}?start=1",
        f"peertube:tube.xn--bcher-kva.example/{SHORT}",
        f"https://tube.xn--bcher-kva.example/videos/watch/{SHORT}",
    ),
    (
        "https://codepen.io/keiko/embed/abXYZq?default-tab=result",
        "codepen:keiko/abXYZq",
        "https://codepen.io/keiko/pen/abXYZq",
    ),
    (
        "https://codepen.io/team-x/embed/preview/PoaBcD",
        "codepen:team-x/PoaBcD",
        "https://codepen.io/team-x/pen/PoaBcD",
    ),
    (
        "https://www.flickr.com/photos/12345678@N00/53012345678/player/",
        "flickr:12345678@N00/53012345678",
        "https://www.flickr.com/photos/12345678@N00/53012345678/",
    ),
]

NOT_OURS = [
    "https://youtube.com.evil.example/embed/dQw4w9WgXcQ",  # lookalike hosts
    "https://evil-youtube.com/embed/dQw4w9WgXcQ",
    "https://www.youtube.com.:443/embed/dQw4w9WgXcQ",
    "https://evil.example/www.youtube.com/embed/dQw4w9WgXcQ",
    "https://www.youtube.com:8443/embed/dQw4w9WgXcQ",
    "https://www.youtube.com/embed/dQw4w9WgXc",  # ids of the wrong shape
    "https://www.youtube.com/embed/dQw4w9WgXcQ/x",
    "https://www.youtube.com/embed/videoseries?list=PL1",  # a playlist
    "https://player.vimeo.com/video/76979871?h=8272103f6e",  # unlisted: plays only with its key
    "https://player.vimeo.com/video/abc",
    "https://w.soundcloud.com/player/?url=https%3A//evil.example/tracks/293",
    "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/users/293",
    "https://127.0.0.1/videos/embed/" + UUID,  # PeerTube on an address, not a name
    "https://peertube.example/videos/embed/not-an-id",
    "https://codepen.io/keiko/pen/abXYZq",
    "https://www.flickr.com/photos/keiko/53012345678/",
    "https://example.com/embed/dQw4w9WgXcQ",
    "ftp://www.youtube.com/embed/dQw4w9WgXcQ",
    "javascript:alert(1)//www.youtube.com/embed/dQw4w9WgXcQ",
]


@pytest.mark.parametrize(("src", "token", "page"), SHAPES)
def test_each_providers_player_addresses_are_recognised(src: str, token: str, page: str) -> None:
    embed = recognise(src)
    assert embed is not None
    assert (embed.token, embed.page_url) == (token, page)
    assert from_token(token) == embed


@pytest.mark.parametrize("src", NOT_OURS)
def test_lookalikes_and_odd_ids_are_not_recognised(src: str) -> None:
    assert recognise(src) is None


def test_a_known_player_becomes_a_placeholder_with_its_title_and_a_link_to_the_original() -> None:
    cleaned = sanitize.clean_html(
        '<p>Before.</p><iframe width="560" src="https://www.youtube.com/embed/dQw4w9WgXcQ" '
        'title="Kerning, &amp; why it matters" allowfullscreen></iframe>'
        '<iframe src="//player.vimeo.com/video/76979871"></iframe>',
        "https://keiko.example.org/post/",
    )
    assert cleaned == (
        "<p>Before.</p>"
        '<figure data-embed="youtube:dQw4w9WgXcQ"><p>YouTube video: '
        f'<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" {REL}>Kerning, &amp; why it matters</a></p></figure>'
        f'<figure data-embed="vimeo:76979871"><p><a href="https://vimeo.com/76979871" {REL}>Vimeo video</a></p></figure>'
    )


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("YouTube video player", "YouTube video"),
        ("youtube-player", "YouTube video"),
        ("Embedded video", "YouTube video"),
        ("A video about players", "YouTube video: A video about players"),
    ],
)
def test_a_title_that_only_names_the_player_is_left_out(title: str, shown: str) -> None:
    cleaned = sanitize.clean_html(
        f'<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="{title}"></iframe>',
        "https://a.example/",
    )
    assert "".join(html5lib.parse(cleaned, namespaceHTMLElements=False).itertext()) == shown


@pytest.mark.parametrize("src", ["https://v.example/a.mp4", *NOT_OURS[:4]])
def test_any_other_embed_stays_a_plain_link(src: str) -> None:
    cleaned = sanitize.clean_html(f'<p><iframe src="{src}" title="t"></iframe></p>')
    assert "data-embed" not in cleaned
    assert f'<a href="{src}" {REL}>Embedded media from ' in cleaned


@pytest.mark.parametrize(
    ("fragment", "token"),
    [
        (
            '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="&quot;><script>alert(1)</script>">',
            "youtube:dQw4w9WgXcQ",
        ),
        ("<iframe src='https://www.youtube.com/embed/dQw4w9WgXcQ\"onload=\"alert(1)'></iframe>", None),
        (
            '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ&quot;onload=&quot;alert(1)"></iframe>',
            None,
        ),
        (
            '<iframe src="javascript:alert(1)" title="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
            None,
        ),
        ('<embed src="data:text/html,x" title="https://youtu.be/dQw4w9WgXcQ">', None),
        (
            '<iframe title="a>b" data-x=" src=https://evil.example/" src="https://codepen.io/a/embed/b">',
            "codepen:a/b",
        ),
        (
            f'<object data="https://x.example&#47;videos/embed/{UUID}" title="\u202eevil"></object>',
            f"peertube:x.example/{UUID}",
        ),
        (
            '<a href="https://x.example/"><iframe src="https://youtu.be/dQw4w9WgXcQ"></iframe></a>',
            "youtube:dQw4w9WgXcQ",
        ),
        (
            "<table><tr><td><iframe src=https://youtu.be/dQw4w9WgXcQ></iframe></td></tr></table>",
            "youtube:dQw4w9WgXcQ",
        ),
    ],
)
def test_hostile_embeds_give_only_escaped_text_and_checked_addresses(
    fragment: str, token: str | None
) -> None:
    cleaned = sanitize.clean_html(fragment, "https://blog.example/")
    assert problems_in_fragment(cleaned) == []  # no script, no event handler, no other scheme
    assert "<script" not in cleaned and "\u202e" not in cleaned
    assert re.findall(r'data-embed="([^"]*)"', cleaned) == ([token] if token else [])
    assert sanitize.clean_html(cleaned, "https://blog.example/") == cleaned  # a fixed point


def test_titles_are_text_and_tokens_are_checked() -> None:
    cleaned = sanitize.clean_html(
        '<iframe src="https://youtu.be/dQw4w9WgXcQ" title="&lt;b&gt;bold&lt;/b&gt; &quot;q&quot;"></iframe>'
    )
    assert ">YouTube video: <a " in cleaned
    assert '>&lt;b&gt;bold&lt;/b&gt; "q"</a>' in cleaned


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ('<figure data-embed="youtube:dQw4w9WgXcQ"><p>x</p></figure>', 'data-embed="youtube:dQw4w9WgXcQ"'),
        ('<figure data-embed="youtube:dQw4w9WgXc&quot;Q"><p>x</p></figure>', None),
        ('<figure data-embed="evil:1"><p>x</p></figure>', None),
        (f'<figure data-embed="peertube:127.0.0.1/{UUID}"><p>x</p></figure>', None),
        ('<figure data-embed="peertube:a.example;script-src:*/' + SHORT + '"></figure>', None),
        ('<p data-embed="youtube:dQw4w9WgXcQ">x</p>', None),
    ],
)
def test_a_placeholder_written_by_a_post_passes_only_with_a_valid_token(
    written: str, kept: str | None
) -> None:
    """A post gets no more from writing a placeholder itself than from embedding that player."""
    cleaned = sanitize.clean_html(written)
    if kept:
        assert kept in cleaned
    else:
        assert "data-embed" not in cleaned


@pytest.mark.parametrize(("src", "_token", "_page"), SHAPES)
def test_every_placeholder_is_a_fixed_point_that_parses_as_written(src: str, _token: str, _page: str) -> None:
    for fragment in (f'<iframe src="{src}"></iframe>', f'<p>a<iframe src="{src}" title="T"></iframe>b</p>'):
        once = sanitize.clean_html(fragment)
        assert "data-embed" in once
        assert sanitize._reparses_alike(once)
        assert sanitize.clean_html(once) == once
        assert sanitize.same_markup(once, once)


def test_frame_sources_are_the_players_origins_of_the_placeholders_found() -> None:
    posts = [
        sanitize.clean_html(f'<iframe src="{src}"></iframe>')
        for src, _, _ in (SHAPES[0], SHAPES[2], SHAPES[5], SHAPES[8])
    ]
    assert frame_sources(posts) == (
        "https://framatube.org",
        "https://player.vimeo.com",
        "https://www.youtube-nocookie.com",
    )
    assert frame_sources(["<p>no embed</p>", ""]) == ()
    faked = '<figure data-embed="peertube:a.example;script-src *">'  # never stored; ignored all the same
    assert frame_sources([faked]) == ()
