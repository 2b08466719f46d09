"""registry: feeds.opml -> participants, with clear errors."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from aggregator.errors import RegistryError
from aggregator.registry import HUB_NS, load_registry, parse_opml, slugify
from aggregator.urls import absolute_http_url, feed_identity


def opml(body: str) -> bytes:
    return f'<?xml version="1.0"?><opml version="2.0" xmlns:hub="{HUB_NS}"><head/><body>{body}</body></opml>'.encode()


def test_folders_extras_and_defaults() -> None:
    people = parse_opml(
        opml(
            '<outline text="Facilitators">'
            '<outline type="rss" text="Maya  Okafor" xmlUrl="https://maya.example/feed/" htmlUrl="https://maya.example/" hub:platform="wordpress"/>'
            "</outline>"
            '<outline type="RSS" text="Zoë Ñúñez" xmlUrl="http://zoe.example/atom.xml" hub:id="zoe"/>'
        )
    )
    maya, zoe = people
    assert (maya.id, maya.name, maya.folder, maya.blog_url) == (
        "maya-okafor",
        "Maya Okafor",
        "Facilitators",
        "https://maya.example/",
    )
    assert maya.hub_attribute("platform") == "wordpress"
    assert (zoe.id, zoe.folder, zoe.blog_url, zoe.feed_url) == (
        "zoe",
        None,
        None,
        "http://zoe.example/atom.xml",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<outline text="A" xmlUrl="https://a.example/feed"/>', 'type="rss" is required'),
        ('<outline type="rss" xmlUrl="https://a.example/feed"/>', "has no text"),
        (
            '<outline type="rss" text="A" xmlUrl="ftp://a.example/feed"/>',
            "xmlUrl must be an absolute http(s) URL",
        ),
        ('<outline type="rss" text="A" xmlUrl="/feed.xml"/>', "xmlUrl must be an absolute http(s) URL"),
        (
            '<outline type="rss" text="A" xmlUrl="https://a.example/f" htmlUrl="javascript:alert(1)"/>',
            "htmlUrl must be",
        ),
        (
            '<outline type="rss" text="A" xmlUrl="https://a.example/feed"/><outline type="rss" text="B" xmlUrl="HTTPS://A.example:443/feed"/>',
            "registered twice (line 1 ('A') and line 1 ('B')): one blog is one participant",
        ),
        (
            '<outline type="rss" text="Sam Lee" xmlUrl="https://a.example/feed" hub:id="sam"/>\n'
            '<outline type="rss" text="Sam Li" xmlUrl="https://b.example/feed" hub:id="sam"/>',
            "line 1 ('Sam Lee') and line 2 ('Sam Li') share the hub:id 'sam'",
        ),
        ('<outline type="rss" text="A" xmlUrl="https://a.example/f" hub:id="Not OK"/>', "hub:id must be"),
        (
            '<outline type="rss" text="A" xmlUrl="https://a.example/f" hub:id="nul"/>',
            "hub:id 'nul' is a device name on Windows, where archive/nul.json could not be checked out",
        ),
        (
            '<outline type="rss" text="A" xmlUrl="https://ada:s3cret@a.example/feed"/>',
            "xmlUrl 'https://ada:s3cret@a.example/feed' is refused: it carries a user name or password, "
            "which would be published with feeds.opml",
        ),
        (
            '<outline type="rss" text="A" xmlUrl="https://a.example/feed" htmlUrl="http://ada@a.example/"/>',
            "htmlUrl 'http://ada@a.example/' is refused: it carries a user name or password",
        ),
    ],
)
def test_invalid_outlines_are_clear_errors(body: str, message: str) -> None:
    with pytest.raises(RegistryError, match=None) as caught:
        parse_opml(opml(body))
    assert message in str(caught.value)


def test_not_opml_and_entity_declarations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not an OPML document"):
        parse_opml(b"<rss/>")
    with pytest.raises(RegistryError, match="not well-formed XML"):
        parse_opml(b"<opml><body>")
    with pytest.raises(RegistryError, match="document type declarations are not allowed"):
        parse_opml(b'<!DOCTYPE x [<!ENTITY a "b">]><opml><body/></opml>')
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.opml")


def test_slugify_folds_accents() -> None:
    assert slugify("Şebnem Çelik-Ünal") == "sebnem-celik-unal"


def test_a_name_that_windows_reserves_gets_an_id_any_checkout_can_hold() -> None:
    names = ("Con", "PRN", "aux", "Nul", "COM1", "lpt9", "Connie", "com10")
    people = parse_opml(
        opml("".join(f'<outline type="rss" text="{n}" xmlUrl="https://{n}.example/f"/>' for n in names))
    )
    assert [p.id for p in people] == [
        "con-1",
        "prn-1",
        "aux-1",
        "nul-1",
        "com1-1",
        "lpt9-1",
        "connie",
        "com10",
    ]


def test_participant_options_have_defaults_and_are_cleaned() -> None:
    plain, chosen = parse_opml(
        opml(
            '<outline type="rss" text="A" xmlUrl="https://a.example/feed"/>'
            '<outline type="rss" text="B" xmlUrl="https://b.example/feed" hub:display="full"'
            ' hub:licence="  CC BY&#10;  4.0 " hub:tag=" #Lito26 "/>'
        )
    )
    assert (plain.display, plain.licence, plain.tag) == ("excerpt", None, None)
    assert (chosen.display, chosen.licence, chosen.tag) == ("full", "CC BY 4.0", "Lito26")


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ('hub:display="everything"', "hub:display must be one of title, excerpt, full, got 'everything'"),
        ('hub:tag="two words"', "hub:tag must be one word (or * for every post), got 'two words'"),
    ],
)
def test_a_wrong_participant_option_names_the_outline(attributes: str, message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        parse_opml(opml(f'<outline type="rss" text="B" xmlUrl="https://b.example/feed" {attributes}/>'))
    assert str(caught.value) == f"feeds.opml: outline 'B': {message}"


def outline(name: str, feed: str, extra: str = "") -> str:
    return f'<outline type="rss" text="{name}" xmlUrl="{feed}"{extra}/>\n'


MARIAS = (
    outline("Maria García", "https://maria.example/feed/"),
    outline("Maria Garcia", "https://mgarcia.example/rss"),
    outline("María  García", "https://garcia.example/atom.xml"),
)


def test_participants_whose_names_slug_alike_each_get_an_id_of_their_own() -> None:
    ids = {p.name: p.id for p in parse_opml(opml("".join(MARIAS)))}
    assert ids == {
        "Maria García": "maria-garcia-" + sha6("//maria.example/feed"),
        "Maria Garcia": "maria-garcia-" + sha6("//mgarcia.example/rss"),
        "María García": "maria-garcia-" + sha6("//garcia.example/atom.xml"),
    }
    # Independent of the order of feeds.opml, and of who else joins or leaves.
    for order in itertools.permutations(MARIAS):
        assert {p.name: p.id for p in parse_opml(opml("".join(order)))} == ids
    others = outline("Ada", "https://ada.example/feed") + outline("Maria G.", "https://mg.example/feed")
    assert {p.name: p.id for p in parse_opml(opml(others + "".join(MARIAS)))} == ids | {
        "Ada": "ada",
        "Maria G.": "maria-g",
    }
    two = parse_opml(opml("".join(MARIAS[:2])))
    assert [p.id for p in two] == [ids["Maria García"], ids["Maria Garcia"]]


def test_a_hub_id_wins_and_a_name_slugging_to_it_is_told_apart() -> None:
    people = parse_opml(
        opml(outline("Maria García", "https://maria.example/feed/", ' hub:id="maria-garcia"') + MARIAS[1])
    )
    assert [p.id for p in people] == ["maria-garcia", "maria-garcia-" + sha6("//mgarcia.example/rss")]


@pytest.mark.parametrize(
    "spelling",
    [
        "http://maria.example/feed/",
        "https://www.maria.example/feed",
        "https://MARIA.example:443/feed/",
        "https://maria.example/feed/?utm_source=rss&amp;utm_medium=x",
        "https://maria.example/feed/#top",
    ],
)
def test_one_blog_spelled_another_way_is_registered_twice(spelling: str) -> None:
    with pytest.raises(RegistryError, match=r"is registered twice .* one blog is one participant"):
        parse_opml(opml(MARIAS[0] + outline("Someone Else", spelling)))


def sha6(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()[:6]


def test_ids_made_before_stay_what_they_were() -> None:
    """Archives and pages are kept under ids: the rules for a name alone have not changed."""
    people = parse_opml(
        opml(
            outline("Анна Петрова", "https://anna.example/feed")
            + outline("Zoë Ñúñez", "https://zoe.example/feed")
            + outline("Tom\u0430s", "https://t.example/feed")
        )
    )
    assert [p.id for p in people] == [
        "p-" + hashlib.sha256(b"https://anna.example/feed").hexdigest()[:10],
        "zoe-nunez",
        "toms",
    ]


def test_a_feed_identity_ignores_how_the_address_is_written() -> None:
    spellings = [
        "https://xn--bcher-kva.example/feed/",
        absolute_http_url("https://bücher.example/feed") or "",
        "http://www.BÜCHER.example/feed?utm_source=x&fbclid=y".replace("BÜCHER", "xn--bcher-kva"),
        "https://xn--bcher-kva.example:443/feed#x",
    ]
    assert {feed_identity(url) for url in spellings} == {"//xn--bcher-kva.example/feed"}
    assert feed_identity("https://a.example/feed?tag=x") != feed_identity("https://a.example/feed?tag=y")
