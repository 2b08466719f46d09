"""Address clean-up and feed discovery, against fake blogs on real loopback servers."""

from __future__ import annotations

import pytest

from aggregator.config import AddressPolicy, FetchOptions
from aggregator.discover import (
    MAX_CANDIDATES,
    Attempt,
    Discovery,
    NoFeed,
    clean_address,
    detect_platform,
    discover,
    is_comments_feed,
    page_clues,
    tag_candidates,
)
from aggregator.errors import EnrolmentError
from tests import blogsites
from tests.blogsites import TAG
from tests.loopback import LoopbackServer, Reply

# Address clean-up: pure.


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("myblog.example", "https://myblog.example"),
        ("  myblog.example/  ", "https://myblog.example/"),
        ("http://myblog.example/", "http://myblog.example/"),
        ("HTTPS://MyBlog.example/Posts/", "https://MyBlog.example/Posts/"),
        ("feed://myblog.example/feed/", "https://myblog.example/feed/"),
        ("feed:https://myblog.example/feed/", "https://myblog.example/feed/"),
        ("feed:http://myblog.example/rss", "http://myblog.example/rss"),
        ('"https://myblog.example/"', "https://myblog.example/"),
        ("<https://myblog.example/>", "https://myblog.example/"),
        ("“myblog.example”", "https://myblog.example"),
        ("https://myblog.example/2026/09/a-post/.", "https://myblog.example/2026/09/a-post/"),
        ("(https://myblog.example/),", "https://myblog.example/"),
        ("https://myblog.example/#about", "https://myblog.example/"),
        ("@amara@social.example", "https://social.example/@amara"),
        ("@amara@Social.Example.", "https://social.example/@amara"),
        ("127.0.0.1:8606/maya/", "https://127.0.0.1:8606/maya/"),
        ("http://10.0.0.7/blog/", "http://10.0.0.7/blog/"),  # private literals: the fetch policy decides
    ],
)
def test_clean_address_accepts_what_people_type(typed: str, address: str) -> None:
    assert clean_address(typed) == address


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "no address given: paste your blog's or your feed's address"),
        ("  '' ", "no address given: paste your blog's or your feed's address"),
        ("my blog.example", "'my blog.example' has spaces inside, so it cannot be a web address"),
        (
            "javascript:alert(1)",
            "'javascript:alert(1)' is not a web address (only http and https addresses work)",
        ),
        (
            "mailto:ada@ada.example",
            "'mailto:ada@ada.example' is an email address; we need your blog's web address",
        ),
        (
            "ftp://ada.example/",
            "'ftp://ada.example/' is not a web address (only http and https addresses work)",
        ),
        (
            "ada@ada.example",
            "'ada@ada.example' looks like an email address; for Mastodon write @user@instance, "
            "otherwise your blog's web address",
        ),
        ("myblog", "'myblog' is not a web address such as https://myblog.example/"),
    ],
)
def test_clean_address_says_why_something_is_not_an_address(typed: str, message: str) -> None:
    with pytest.raises(EnrolmentError) as caught:
        clean_address(typed)
    assert str(caught.value) == message


# Pure decisions.


def test_page_clues_resolve_relative_links_against_base_and_read_the_generator() -> None:
    body = (
        b'<html><head><base href="https://ada.example/blog/"><meta name="Generator" content="Hugo 0.152">'
        b'<link rel="alternate" type="application/rss+xml" href="index.xml" title="Ada">'
        b'<link rel="Alternate Home" type="application/feed+json; charset=utf-8" href="/feed.json">'
        b'<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">'
        b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        b"</head></html>"
    )
    links, generator = page_clues(body, "https://ada.example/blog/post/")
    assert [(link.url, link.type, link.title) for link in links] == [
        ("https://ada.example/blog/index.xml", "application/rss+xml", "Ada"),
        ("https://ada.example/feed.json", "application/feed+json", ""),
    ]
    assert generator == "Hugo 0.152"


def test_comments_feeds_are_recognised_by_title_or_path() -> None:
    assert is_comments_feed("https://ada.example/comments/feed/", "")
    assert is_comments_feed("https://ada.example/feed/", "Ada » Comments Feed")
    assert is_comments_feed("https://ada.example/2026/post/feed/", "Comments on: A post")
    assert is_comments_feed("https://ada.example/feed/", "Comments for Ada")
    assert not is_comments_feed("https://ada.example/feed/", "Ada » Feed")
    assert not is_comments_feed("https://ada.example/tag/comment-culture/feed/", "Ada » comment culture")


@pytest.mark.parametrize(
    ("url", "clues", "platform"),
    [
        ("https://ada.example/", ["WordPress 6.8.2"], "wordpress"),
        ("https://ada.example/feed/", [None, "https://wordpress.org/?v=6.8.2"], "wordpress"),
        ("https://rosa.example/", ["blogger"], "blogger"),
        ("https://rosa.blogspot.com/", [None], "blogger"),
        ("https://rosa.example/feeds/posts/default", [], "blogger"),
        ("https://priya.example/", ["Ghost 5.130"], "ghost"),
        ("https://sione.example/", ["Hugo 0.152.2"], "hugo"),
        ("https://jonas.example/feed.xml", ["Jekyll"], "jekyll"),
        ("https://social.example/@amara", [None], "mastodon"),
        ("https://social.example/@amara.rss", ["Mastodon v4.4.3"], "mastodon"),
        ("https://medium.com/@deniz", [None], "medium"),
        ("https://grace.substack.com/", [], "substack"),
        ("https://keiko.micro.blog/", [], "microblog"),
        ("https://noor.example/", ["margin.py 0.4"], None),
    ],
)
def test_detect_platform(url: str, clues: list[str | None], platform: str | None) -> None:
    assert detect_platform(url, clues) == platform


def test_mastodon_tag_candidate_is_the_users_own_tagged_feed_never_the_instance_tag_feed() -> None:
    candidates = tag_candidates("https://social.example/@amara", (), "mastodon", "OpenLearning26")
    assert [c.url for c in candidates] == ["https://social.example/@amara/tagged/openlearning26.rss"]


def test_tag_candidates_per_platform() -> None:
    root = "https://x.example/"
    assert [c.url for c in tag_candidates(root, (), "wordpress", "OL26")] == [
        "https://x.example/tag/ol26/feed/",
        "https://x.example/category/ol26/feed/",
    ]
    assert [c.url for c in tag_candidates(root, (), "blogger", "OL26")] == [
        "https://x.example/feeds/posts/default/-/OL26"  # Blogger labels keep their case
    ]
    assert [c.url for c in tag_candidates(root, (), "ghost", "OL26")] == ["https://x.example/tag/ol26/rss/"]
    assert [c.url for c in tag_candidates(root, (), "hugo", "OL26")] == [
        "https://x.example/tags/ol26/index.xml"
    ]
    assert tag_candidates(root, (), None, "OL26") == ()


# Discovery against fake blogs.


def found(result: Discovery | NoFeed) -> Discovery:
    assert isinstance(result, Discovery), result
    return result


def test_wordpress_home_prefers_the_tag_feed_and_skips_the_comments_feed(
    server: LoopbackServer, options: FetchOptions
) -> None:
    blogsites.wordpress(server)
    result = found(discover(server.url("/"), options, TAG))
    assert (result.feed_url, result.why, result.tag_feed) == (
        server.url(f"/tag/{TAG}/feed/"),
        "the WordPress tag feed",
        True,
    )
    assert result.platform == "wordpress"
    assert result.home_url == "https://maya-okafor.example/"
    assert len(result.feed.entries) == 6
    assert result.tried == (
        Attempt(server.url("/"), "a web page that links to 1 feed"),
        Attempt(server.url("/feed/"), "a feed with 7 posts"),
        Attempt(server.url(f"/tag/{TAG}/feed/"), "a feed with 6 posts"),
    )
    assert server.requests_to("/comments/feed/") == []


def test_wordpress_without_a_tag_feed_falls_back_to_the_main_feed(
    server: LoopbackServer, options: FetchOptions
) -> None:
    blogsites.wordpress(server, with_tag_feed=False)
    result = found(discover(server.url("/"), options, TAG))
    assert (result.feed_url, result.why, result.tag_feed) == (
        server.url("/feed/"),
        "advertised by your page",
        False,
    )
    assert [a.result for a in result.tried] == [
        "a web page that links to 1 feed",
        "a feed with 7 posts",
        "HTTP 404 Not Found",
        "HTTP 404 Not Found",
    ]
    assert [a.url for a in result.tried[2:]] == [
        server.url(f"/tag/{TAG}/feed/"),
        server.url(f"/category/{TAG}/feed/"),
    ]


def test_without_a_course_tag_the_main_feed_is_chosen(server: LoopbackServer, options: FetchOptions) -> None:
    blogsites.wordpress(server)
    result = found(discover(server.url("/"), options, None))
    assert (result.feed_url, result.tag_feed) == (server.url("/feed/"), False)
    assert len(result.tried) == 2


def test_a_post_address_finds_the_blog_feed_not_the_posts_comments(
    server: LoopbackServer, options: FetchOptions
) -> None:
    blogsites.wordpress(server)
    result = found(discover(server.url("/2026/10/18/closing-the-circle/"), options, TAG))
    assert result.feed_url == server.url(f"/tag/{TAG}/feed/")
    assert result.tried[0] == Attempt(
        server.url("/2026/10/18/closing-the-circle/"), "a web page that links to 1 feed"
    )
    assert server.requests_to("/2026/10/18/closing-the-circle/feed/") == []
    assert server.requests_to("/") == []  # the post page named the feed: no need for the home page


def test_a_post_page_without_feed_links_sends_discovery_to_the_site_root(
    server: LoopbackServer, options: FetchOptions
) -> None:
    blogsites.hugo(server)
    result = found(discover(server.url("/posts/a-blogroll-for-the-school-library/"), options, TAG))
    assert (result.feed_url, result.why, result.platform) == (
        server.url(f"/tags/{TAG}/index.xml"),
        "your tag feed, advertised by your page",
        "hugo",
    )
    assert [a.result for a in result.tried] == [
        "a web page that links to no feed",
        "a web page that links to 2 feeds",
        "a feed with 6 posts",
        "a feed with 5 posts",
    ]


def test_blogger_label_feed(server: LoopbackServer, options: FetchOptions) -> None:
    blogsites.blogger(server)
    result = found(discover(server.url("/"), options, TAG))
    assert (result.feed_url, result.why, result.platform) == (
        server.url(f"/feeds/posts/default/-/{TAG}"),
        "the Blogger tag feed",
        "blogger",
    )
    assert len(result.feed.entries) == 5
    assert result.tried[1] == Attempt(server.url("/feeds/posts/default"), "a feed with 6 posts")


def test_ghost_tag_feed(server: LoopbackServer, options: FetchOptions) -> None:
    blogsites.ghost(server)
    result = found(discover(server.url("/"), options, TAG))
    assert (result.feed_url, result.why, result.platform) == (
        server.url(f"/tag/{TAG}/rss/"),
        "the Ghost tag feed",
        "ghost",
    )
    assert [a.url for a in result.tried] == [
        server.url("/"),
        server.url("/rss/"),
        server.url(f"/tag/{TAG}/rss/"),
    ]


def test_mastodon_profile_uses_the_users_tagged_feed_and_never_the_instance_tag_feed(
    server: LoopbackServer, options: FetchOptions
) -> None:
    blogsites.mastodon(server)
    result = found(discover(server.url("/@amara"), options, TAG))
    assert (result.feed_url, result.why, result.platform, result.tag_feed) == (
        server.url(f"/@amara/tagged/{TAG}.rss"),
        "your Mastodon posts with the tag",
        "mastodon",
        True,
    )
    assert len(result.feed.entries) == 6
    assert server.requests_to(f"/tags/{TAG}.rss") == []


def test_json_feed_site(server: LoopbackServer, options: FetchOptions) -> None:
    blogsites.microblog(server)
    result = found(discover(server.url("/"), options, TAG))
    assert (result.feed_url, result.why, result.tag_feed, result.feed.format) == (
        server.url("/feed.json"),
        "advertised by your page",
        False,
        "json1.1",
    )
    assert result.tried[1] == Attempt(server.url("/feed.xml"), "HTTP 404 Not Found")


def test_a_feed_address_is_used_as_given(server: LoopbackServer, options: FetchOptions) -> None:
    blogsites.wordpress(server)
    result = found(discover(server.url("/feed/"), options, TAG))
    assert (result.feed_url, result.why, result.tag_feed, result.platform) == (
        server.url("/feed/"),
        "the address is a feed",
        False,
        "wordpress",
    )
    assert result.tried == (Attempt(server.url("/feed/"), "a feed with 7 posts"),)


def test_a_page_whose_feed_link_lies_falls_back_to_the_usual_addresses(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/"] = blogsites.page(server, "lying.html")
    server.routes["/feed.xml"] = blogsites.feed("jonas/feed.xml", blogsites.ATOM)
    result = found(discover(server.url("/"), options, TAG))
    assert (result.feed_url, result.why, result.platform) == (
        server.url("/feed.xml"),
        "a usual feed address",
        "jekyll",
    )
    assert result.tried[:4] == (
        Attempt(server.url("/"), "a web page that links to 1 feed"),
        Attempt(server.url("/feeds/old-feed.xml"), "HTTP 404 Not Found"),
        Attempt(server.url("/feed/"), "HTTP 404 Not Found"),
        Attempt(server.url("/rss/"), "HTTP 404 Not Found"),
    )


def test_no_feed_anywhere_lists_everything_tried(server: LoopbackServer, options: FetchOptions) -> None:
    server.routes["/"] = blogsites.page(server, "no-feed.html")
    result = discover(server.url("/"), options, TAG)
    assert isinstance(result, NoFeed)
    assert [a.url.removeprefix(server.url("")) for a in result.tried] == [
        "/",
        "/feed/",
        "/rss/",
        "/feed.xml",
        "/atom.xml",
        "/index.xml",
        "/rss.xml",
        "/feed.json",
    ]
    assert {a.result for a in result.tried[1:]} == {"HTTP 404 Not Found"}


def test_an_html_page_served_where_a_feed_should_be_is_not_a_feed(
    server: LoopbackServer, options: FetchOptions
) -> None:
    server.routes["/"] = blogsites.page(server, "no-feed.html")
    server.routes["/feed/"] = blogsites.page(server, "no-feed.html")
    result = discover(server.url("/"), options, None)
    assert isinstance(result, NoFeed)
    assert result.tried[1] == Attempt(server.url("/feed/"), "not a feed")


def test_discovery_fetches_at_most_twelve_candidates(server: LoopbackServer, options: FetchOptions) -> None:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/feed-{n}.xml">' for n in range(20)
    )
    server.routes["/"] = Reply(body=f"<html><head>{links}</head></html>".encode(), headers=blogsites.HTML)
    result = discover(server.url("/"), options, None)
    assert isinstance(result, NoFeed)
    assert len(result.tried) == 1 + MAX_CANDIDATES == 13
    assert len(server.requests) == 13


def test_loopback_is_refused_without_permission_and_discovery_stops_there(server: LoopbackServer) -> None:
    blogsites.wordpress(server)
    result = discover(server.url("/"), FetchOptions(timeout=1.0, deadline=5.0, policy=AddressPolicy()), TAG)
    assert result == NoFeed(
        server.url("/"),
        (
            Attempt(
                server.url("/"),
                "refused to connect to non-public address 127.0.0.1 (allow it with --allow-private 127.0.0.1)",
            ),
        ),
        unreachable=True,
    )
    assert server.requests == []
