"""sanitize: a property test over generated hostile HTML, and the rules stated one by one."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from aggregator import sanitize
from tests.hostile import PAYLOADS
from tests.htmlcheck import problems_in_fragment

TAGS = [
    "p",
    "a",
    "img",
    "script",
    "style",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "video",
    "audio",
    "source",
    "base",
    "meta",
    "link",
    "template",
    "noscript",
    "textarea",
    "title",
    "table",
    "td",
    "details",
    "blockquote",
    "xmp",
    "plaintext",
    "b",
    "select",
    "option",
    "animate",
    "use",
    "foreignObject",
]
ATTRIBUTES = [
    "href",
    "src",
    "xlink:href",
    "formaction",
    "action",
    "poster",
    "srcset",
    "data",
    "style",
    "onerror",
    "onload",
    "onclick",
    "onfocus",
    "ontoggle",
    "srcdoc",
    "background",
    "width",
    "height",
    "alt",
    "title",
    "autofocus",
    "open",
    "http-equiv",
    "content",
    "rel",
    "is",
    "class",
    "id",
]
VALUES = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://ok.example/x.png",
    "/rel/path",
    'x" onerror="alert(1)',
    "'><script>alert(1)</script>",
    "expression(alert(1))",
    "0;url=javascript:alert(1)",
    "100",
    "99999",
    "",
]
TEXT = st.sampled_from(
    [
        "hi",
        "<",
        ">",
        "&",
        "&amp;",
        '"',
        "'",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "</",
        "\u202e",
        "<script>",
        " ",
    ]
)


@st.composite
def attribute(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "'", ""]))
    return f" {draw(st.sampled_from(ATTRIBUTES))}={quote}{draw(st.sampled_from(VALUES))}{quote}"


@st.composite
def element(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAGS))
    attributes = "".join(draw(st.lists(attribute(), max_size=3)))
    inner = "".join(draw(st.lists(children, max_size=3)))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag} >"]))
    return f"<{tag}{attributes}>{inner}{closing}"


HTML = st.recursive(TEXT | st.sampled_from(PAYLOADS), lambda children: element(children), max_leaves=12)
FRAGMENTS = st.lists(HTML, min_size=1, max_size=4).map("".join)


@settings(max_examples=400, deadline=None)
@given(FRAGMENTS)
def test_sanitized_html_never_holds_script_capable_constructs(fragment: str) -> None:
    body = sanitize.clean_html(fragment, "https://blog.example/post/")
    assert problems_in_fragment(body) == []
    excerpt = sanitize.excerpt(sanitize.clean_html(fragment, "https://blog.example/post/"))
    assert problems_in_fragment(excerpt) == []


@settings(max_examples=200, deadline=None)
@given(FRAGMENTS)
@example(
    '<a><select><a href="javascript:window.__xss=1">js link</a></select>'
)  # nested links, found by hypothesis
def test_sanitizing_twice_changes_nothing(fragment: str) -> None:
    once = sanitize.clean_html(fragment, "https://blog.example/")
    assert sanitize.clean_html(once, "https://blog.example/") == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_plain_text_has_no_invisible_or_control_characters(text: str) -> None:
    cleaned = sanitize.plain_text(text, 80, is_html=False)
    assert len(cleaned) <= 80
    assert not any(
        ch in cleaned
        for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200e\u200f\ufeff\x00\n\t"
    )


def test_only_https_images_with_absolute_urls() -> None:
    assert (
        sanitize.clean_html('<img src="http://a.example/x.png" alt="x">')
        == '<img loading="lazy" decoding="async" src="https://a.example/x.png" alt="x">'
    )
    assert (
        sanitize.clean_html('<img src="pic.png">', "https://a.example/post/")
        == '<img loading="lazy" decoding="async" src="https://a.example/post/pic.png">'
    )
    assert sanitize.clean_html('<p><img src="pic.png" alt="A picture"> Text</p>') == "<p> Text</p>"


def test_a_link_or_picture_carrying_a_password_becomes_plain_text() -> None:
    fragment = (
        '<p>Read <a href="https://ada:s3cret@intranet.example/doc" title="Doc">the <em>doc</em></a>'
        '<img src="https://ada:s3cret@intranet.example/x.png" alt="x">, '
        '<a href="https://ada@intranet.example/">this</a> and <a href="https://ok.example/">that</a>.</p>'
    )
    assert sanitize.clean_html(fragment) == (
        "<p>Read the <em>doc</em>, this and "
        '<a href="https://ok.example/" rel="ugc nofollow noopener noreferrer">that</a>.</p>'
    )


def test_links_get_rel_and_mailto_survives() -> None:
    assert (
        sanitize.clean_html('<a href="mailto:me@a.example">mail</a>')
        == '<a href="mailto:me@a.example" rel="ugc nofollow noopener noreferrer">mail</a>'
    )


def test_iframes_objects_and_embeds_never_pass() -> None:
    cleaned = sanitize.clean_html(
        '<iframe src="https://www.youtube.com/embed/x"></iframe><object data="https://a.example/f.swf"></object><embed src="javascript:x">'
    )
    assert cleaned == (
        '<p><a href="https://www.youtube.com/embed/x" rel="ugc nofollow noopener noreferrer">Embedded media from www.youtube.com</a></p>'
        '<p><a href="https://a.example/f.swf" rel="ugc nofollow noopener noreferrer">Embedded media from a.example</a></p>'
    )


def test_absurdly_deep_nesting_is_flattened_to_text() -> None:
    deep = "<div>" * 300 + "a &lt;b&gt; <script>x</script>" + "</div>" * 300
    assert sanitize.clean_html(deep) == "<p>a &lt;b&gt; x</p>"
    assert sanitize.clean_html("<div>" * 200 + "fine" + "</div>" * 200) == "fine"
