"""feeds.opml edits (exact bytes), the enrol workflow and `python -m aggregator register`."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest

from aggregator.archive import Archive, Record
from aggregator.cli import main
from aggregator.config import FetchOptions, HubConfig
from aggregator.discover import NoFeed
from aggregator.enrol import Enrolled, Request, enrol, report_lines
from aggregator.errors import EnrolmentError, RegistryError
from aggregator.normalize import normalize
from aggregator.opml_edit import Entry, add_participant, change_participant, remove_participant
from aggregator.registry import parse_opml
from tests import blogsites
from tests.blogsites import TAG
from tests.conftest import COURSE, invoke
from tests.loopback import LoopbackServer

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<opml version="2.0" xmlns:hub="https://course-hub.example/ns/opml/1">\n'
    "  <head>\n    <title>Cohort</title>\n  </head>\n"
)
FACILITATORS = (
    '    <outline text="Facilitators">\n'
    '      <outline type="rss" text="Maya Okafor" xmlUrl="https://maya.example/feed/" '
    'htmlUrl="https://maya.example/" hub:platform="wordpress"/>\n'
    "    </outline>\n"
)
TOMAS = (
    '      <outline type="rss" text="Tomás Ibáñez" xmlUrl="https://tomas.example/index.xml" '
    'htmlUrl="https://tomas.example/" hub:platform="hugo"/>\n'
)
REGISTRY = HEAD + "  <body>\n" + FACILITATORS + '    <outline text="Participants">\n' + TOMAS
REGISTRY += "    </outline>\n  </body>\n</opml>\n"
ADA = Entry("Ada Lovelace", "https://ada.example/feed/", "https://ada.example/", (("platform", "wordpress"),))
ADA_LINE = (
    '      <outline type="rss" text="Ada Lovelace" xmlUrl="https://ada.example/feed/" '
    'htmlUrl="https://ada.example/" hub:id="ada-lovelace" hub:platform="wordpress"/>\n'
)


# feeds.opml edits: pure, on bytes.


def test_a_new_participant_is_one_line_at_the_end_of_the_participants_folder() -> None:
    edit = add_participant(REGISTRY.encode(), ADA)
    assert edit.change == "added"
    assert edit.opml.decode() == REGISTRY.replace(TOMAS, TOMAS + ADA_LINE)
    assert (edit.participant.id, edit.participant.folder) == ("ada-lovelace", "Participants")


def test_a_newcomer_named_like_a_windows_device_gets_an_id_with_a_suffix() -> None:
    edit = add_participant(REGISTRY.encode(), Entry("Nul", "https://nul.example/feed/", None, ()))
    assert edit.participant.id == "nul-1"
    assert 'text="Nul" xmlUrl="https://nul.example/feed/" hub:id="nul-1"/>' in edit.opml.decode()


def test_changing_nothing_leaves_the_file_byte_identical() -> None:
    added = add_participant(REGISTRY.encode(), ADA).opml
    again = change_participant(added, "ada-lovelace", ADA)
    assert (again.change, again.opml) == ("unchanged", added)
    same_feed_spelled_differently = Entry(
        "Ada Lovelace", "HTTPS://ADA.example:443/feed/", None, (("platform", "wordpress"),)
    )
    changed = change_participant(added, "ada-lovelace", same_feed_spelled_differently)
    assert (changed.change, changed.participant.id) == ("updated", "ada-lovelace")  # the new spelling is kept
    unchanged = change_participant(
        REGISTRY.encode(),
        "tomas-ibanez",
        Entry("Tomás Ibáñez", "https://tomas.example/index.xml", None, (("platform", "hugo"),)),
    )
    assert (unchanged.change, unchanged.opml) == ("unchanged", REGISTRY.encode())


def test_a_namesake_is_a_new_participant_with_an_id_of_their_own() -> None:
    other_maya = Entry("Maya Okafor", "https://other-maya.example/feed/")
    edit = add_participant(REGISTRY.encode(), other_maya)
    hashed = hashlib.sha256(b"//other-maya.example/feed").hexdigest()[:6]
    assert (edit.change, edit.participant.id) == ("added", f"maya-okafor-{hashed}")
    people = {p.id: p.feed_url for p in parse_opml(edit.opml)}
    assert people == {
        "maya-okafor": "https://maya.example/feed/",  # the registered Maya: untouched, same id
        "tomas-ibanez": "https://tomas.example/index.xml",
        f"maya-okafor-{hashed}": "https://other-maya.example/feed/",
    }
    assert edit.opml.decode().count("maya.example/feed/") == 2


def test_an_update_rewrites_only_that_participants_tag_with_attributes_in_fixed_order() -> None:
    entry = Entry(
        "Tomás Ibáñez",
        "https://TOMAS.example/index.xml",
        "https://tomas.example/blog/",
        (("display", "full"), ("licence", "CC BY 4.0")),
    )
    edit = change_participant(REGISTRY.encode(), "tomas-ibanez", entry)
    assert edit.change == "updated"
    assert edit.previous is not None and edit.previous.feed_url == "https://tomas.example/index.xml"
    new_line = (
        '      <outline type="rss" text="Tomás Ibáñez" xmlUrl="https://TOMAS.example/index.xml" '
        'htmlUrl="https://tomas.example/blog/" hub:display="full" hub:licence="CC BY 4.0" hub:platform="hugo"/>\n'
    )
    assert edit.opml.decode() == REGISTRY.replace(TOMAS, new_line)


def test_a_participant_given_a_new_feed_keeps_their_id() -> None:
    edit = change_participant(
        REGISTRY.encode(), "maya-okafor", Entry("Maya Okafor", "https://maya.example/atom.xml")
    )
    assert (edit.change, edit.participant.id, edit.participant.feed_url) == (
        "updated",
        "maya-okafor",
        "https://maya.example/atom.xml",
    )
    assert 'hub:id="maya-okafor"' in edit.opml.decode()
    assert len(parse_opml(edit.opml)) == 2


def test_a_renamed_participant_keeps_their_id() -> None:
    edit = change_participant(
        REGISTRY.encode(), "tomas-ibanez", Entry("Tomás I.", "https://tomas.example/index.xml")
    )
    assert edit.participant.id == "tomas-ibanez"
    assert (
        '<outline type="rss" text="Tomás I." xmlUrl="https://tomas.example/index.xml" '
        'htmlUrl="https://tomas.example/" hub:id="tomas-ibanez" hub:platform="hugo"/>'
    ) in edit.opml.decode()


def test_names_and_values_are_xml_escaped() -> None:
    entry = Entry('Ada "<b>" & co\n', "https://ada.example/feed/?a=1&b=2", None, (("licence", "CC <BY>"),))
    edit = add_participant(REGISTRY.encode(), entry)
    assert (
        '<outline type="rss" text="Ada &quot;&lt;b&gt;&quot; &amp; co&#10;" '
        'xmlUrl="https://ada.example/feed/?a=1&amp;b=2" hub:id="ada-b-co" hub:licence="CC &lt;BY&gt;"/>'
    ) in edit.opml.decode()
    assert edit.participant.name == 'Ada "<b>" & co'


def test_without_a_participants_folder_the_last_folder_or_the_body_takes_the_new_line() -> None:
    folders_only = HEAD + "  <body>\n" + FACILITATORS + "  </body>\n</opml>\n"
    edit = add_participant(folders_only.encode(), ADA)
    maya_line = FACILITATORS.splitlines(keepends=True)[1]
    assert edit.opml.decode() == folders_only.replace(maya_line, maya_line + ADA_LINE)
    flat = HEAD + "  <body>\n  </body>\n</opml>\n"
    assert add_participant(flat.encode(), ADA).opml.decode() == flat.replace(
        "  <body>\n", "  <body>\n" + ADA_LINE.replace("      <", "    <")
    )


def test_the_hub_namespace_is_declared_when_missing_and_crlf_files_stay_crlf() -> None:
    plain = REGISTRY.replace(' xmlns:hub="https://course-hub.example/ns/opml/1"', "")
    plain = plain.replace(' hub:platform="wordpress"', "").replace(' hub:platform="hugo"', "")
    crlf = plain.replace("\n", "\r\n")
    edit = add_participant(crlf.encode(), ADA)
    expected = crlf.replace(
        '<opml version="2.0">', '<opml version="2.0" xmlns:hub="https://course-hub.example/ns/opml/1">'
    )
    tomas_line = TOMAS.replace(' hub:platform="hugo"', "").replace("\n", "\r\n")
    assert edit.opml.decode() == expected.replace(tomas_line, tomas_line + ADA_LINE.replace("\n", "\r\n"))


def test_outlines_inside_comments_are_left_alone() -> None:
    commented = REGISTRY.replace(
        "  <body>\n",
        '  <body>\n    <!-- <outline type="rss" text="Old" xmlUrl="https://old.example/"/> -->\n',
    )
    edit = add_participant(commented.encode(), ADA)
    assert edit.opml.decode() == commented.replace(TOMAS, TOMAS + ADA_LINE)


def test_remove_participant_removes_their_line_and_nothing_else() -> None:
    added = add_participant(REGISTRY.encode(), ADA).opml
    assert remove_participant(added, "ada-lovelace") == REGISTRY.encode()
    assert remove_participant(REGISTRY.encode(), "maya-okafor").decode() == REGISTRY.replace(
        FACILITATORS.splitlines(keepends=True)[1], ""
    )
    with pytest.raises(RegistryError, match=r"^feeds\.opml has no participant with the id 'nobody'$"):
        remove_participant(REGISTRY.encode(), "nobody")


def test_an_invalid_registry_is_refused() -> None:
    with pytest.raises(RegistryError, match="not well-formed XML"):
        add_participant(REGISTRY.replace("</body>", "").encode(), ADA)


# The enrol workflow.


@pytest.fixture
def config(tmp_path: Path, options: FetchOptions) -> HubConfig:
    (tmp_path / "feeds.opml").write_text(REGISTRY, encoding="utf-8")
    course = COURSE.__class__(COURSE.start, COURSE.weeks, COURSE.timezone, TAG)
    return HubConfig(course, tmp_path / "feeds.opml", tmp_path / "archive", False, options)


def test_enrol_adds_a_wordpress_blog_with_its_tag_feed(server: LoopbackServer, config: HubConfig) -> None:
    blogsites.wordpress(server)
    result = enrol(Request(server.url("/"), "Maya O.", display="full", licence="CC BY 4.0"), config, NOW)
    assert isinstance(result, Enrolled)
    line = (
        f'      <outline type="rss" text="Maya O." xmlUrl="{server.url(f"/tag/{TAG}/feed/")}" '
        'htmlUrl="https://maya-okafor.example/" hub:display="full" hub:id="maya-o" hub:licence="CC BY 4.0" '
        'hub:platform="wordpress" hub:tag="*"/>\n'
    )
    assert config.opml.read_text(encoding="utf-8") == REGISTRY.replace(TOMAS, TOMAS + line)
    assert list(report_lines(result)) == [
        f"Looked at {server.url('/')} (a WordPress site)",
        "Tried:",
        f"  {server.url('/')} : a web page that links to 1 feed",
        f"  {server.url('/feed/')} : a feed with 7 posts",
        f"  {server.url(f'/tag/{TAG}/feed/')} : a feed with 6 posts",
        f"Chose the tag feed {server.url(f'/tag/{TAG}/feed/')} (only your course posts; the WordPress tag feed)",
        "Found 6 posts, course posts: 6 with the course tag openlearning26; latest: Closing the circle (2026-10-18); "
        "Week 4 roundup: what you remixed (2026-10-04); Seek, sense, share: a confession about 400 unread feeds "
        "(2026-09-21)",
        "Added Maya O. to feeds.opml",
    ]


def test_enrol_counts_course_tag_posts_of_a_main_feed(server: LoopbackServer, config: HubConfig) -> None:
    blogsites.microblog(server)
    result = enrol(Request(server.url("/"), "Keiko Tanaka"), config, NOW)
    assert isinstance(result, Enrolled)
    assert (result.summary.posts, result.summary.course_posts, result.summary.tag_feed) == (6, 5, False)
    assert result.summary.included == (("tag", 5),)
    assert [post.title[:20] for post in result.summary.latest] == [
        "My grandmother’s met",
        "Faces in the frame",
        "Remixing a remix",
    ]
    assert 'hub:id="keiko-tanaka"/>' in config.opml.read_text(
        encoding="utf-8"
    )  # platform unknown: not written


def test_the_participants_own_tag_is_written_and_used(server: LoopbackServer, config: HubConfig) -> None:
    blogsites.microblog(server)
    result = enrol(Request(server.url("/"), "Keiko Tanaka", tag="#Persimmon"), config, NOW)
    assert isinstance(result, Enrolled)
    # Their own tag counts beside the course's: the five posts with the course tag count still.
    assert (result.summary.tag, result.summary.course_posts) == ("Persimmon", 5)
    assert result.edit.participant.hub_attribute("tag") == "Persimmon"


def test_every_post_counts_when_the_participant_says_star(server: LoopbackServer, config: HubConfig) -> None:
    blogsites.microblog(server)
    result = enrol(Request(server.url("/"), "Keiko Tanaka", tag="*"), config, NOW)
    assert isinstance(result, Enrolled)
    assert (result.summary.posts, result.summary.course_posts) == (6, 6)
    assert result.edit.participant.tag == "*"
    assert list(report_lines(result))[-2].startswith(
        "Found 6 posts, all 6 taken (hub:tag is *: every post of this feed counts); latest: "
    )


def test_dry_run_and_no_feed_leave_feeds_opml_untouched(server: LoopbackServer, config: HubConfig) -> None:
    blogsites.wordpress(server)
    dry = enrol(Request(server.url("/"), "Maya O."), config, NOW, dry_run=True)
    assert isinstance(dry, Enrolled) and dry.edit.change == "added" and not dry.written
    assert (
        list(report_lines(dry, dry_run=True))[-1]
        == "Would add Maya O. in feeds.opml (dry run: nothing written)"
    )
    server.routes.clear()
    server.routes["/"] = blogsites.page(server, "no-feed.html")
    missing = enrol(Request(server.url("/"), "Maya O."), config, NOW)
    assert isinstance(missing, NoFeed)
    assert list(report_lines(missing))[-2:] == [
        f"No feed found at {server.url('/')}.",
        "What to do: paste your feed's address directly (it often ends in /feed/, /rss or .xml), "
        "or see the Join page for where each blog platform keeps its feed.",
    ]
    assert config.opml.read_text(encoding="utf-8") == REGISTRY


def test_enrol_refuses_bad_input_before_fetching(server: LoopbackServer, config: HubConfig) -> None:
    with pytest.raises(EnrolmentError, match="the course tag must be one word"):
        enrol(Request(server.url("/"), "Ada", tag="open learning"), config, NOW)
    with pytest.raises(EnrolmentError, match="display must be one of title, excerpt, full"):
        enrol(Request(server.url("/"), "Ada", display="everything"), config, NOW)
    assert server.requests == []


def test_a_name_is_taken_from_the_registry_or_the_feed_when_not_given(
    server: LoopbackServer, config: HubConfig
) -> None:
    blogsites.ghost(server)
    first = enrol(Request(server.url("/")), config, NOW)
    assert isinstance(first, Enrolled) and first.edit.participant.name == "Priya Raman"
    with pytest.raises(
        EnrolmentError,
        match=r"already registered; nothing changed\. To change their registration, "
        r"run register again with --replace priya-raman",
    ):
        enrol(Request(server.url("/"), licence="CC BY-SA 4.0"), config, NOW)
    again = enrol(Request(server.url("/"), licence="CC BY-SA 4.0", replace="priya-raman"), config, NOW)
    assert isinstance(again, Enrolled)
    assert (again.edit.change, again.edit.participant.name) == ("updated", "Priya Raman")
    assert list(report_lines(again))[-1] == "Updated Priya Raman in feeds.opml (hub:licence)"
    unchanged = enrol(Request(server.url("/")), config, NOW)
    assert isinstance(unchanged, Enrolled)
    assert list(report_lines(unchanged))[-1] == "Already registered, nothing changed"


# python -m aggregator register


def register(project: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(
        [
            "register",
            *args,
            "--settings",
            str(project / "pelicanconf.py"),
            "--opml",
            str(project / "feeds.opml"),
        ],
        out,
    )
    return code, out.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "feeds.opml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
        f'       "course_tag": "{TAG}"}}\n'
    )
    return tmp_path


def test_register_command_adds_a_mastodon_account(server: LoopbackServer, project: Path) -> None:
    blogsites.mastodon(server)
    code, out = register(
        project, server.url("/@amara"), "--name", "Amara Nwosu", "--allow-private", "127.0.0.1"
    )
    assert code == 0
    tagged = server.url(f"/@amara/tagged/{TAG}.rss")
    assert out.splitlines()[0] == f"Looked at {server.url('/@amara')} (a Mastodon account)"
    assert out.splitlines()[-3:] == [
        f"Chose the tag feed {tagged} (only your course posts; your Mastodon posts with the tag)",
        "Found 6 posts, course posts: 6 with the course tag openlearning26; latest: "
        "Week 6, what I'm carrying on. Six weeks ago I'd never posted anything longer… (2026-10-17); "
        "Catching up on #week5 because last week was a run of night shifts. Care and… (2026-10-13); "
        "Just gone midnight, so officially week 4, and I can't sleep. Our simulation… (2026-09-27)",
        "Added Amara Nwosu to feeds.opml",
    ]
    assert (
        f'<outline type="rss" text="Amara Nwosu" xmlUrl="{tagged}" htmlUrl="https://social.example/@amara" '
        'hub:id="amara-nwosu" hub:platform="mastodon" hub:tag="*"/>'
    ) in (project / "feeds.opml").read_text(encoding="utf-8")


def test_register_without_a_scheme_tries_https_then_http_and_says_which(
    server: LoopbackServer, project: Path
) -> None:
    """The loopback server speaks only http: https:// cannot connect, so http:// is used."""
    blogsites.ghost(server)
    typed = server.url("/").removeprefix("http://")
    code, out = register(project, typed, "--allow-private", "127.0.0.1")
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[0]
        == f"Looked at {server.url('/')} (a Ghost site) (https:// could not connect, so http:// was used)"
    )
    assert lines[2].startswith(f"  https://{typed} : ")
    assert f'xmlUrl="{server.url(f"/tag/{TAG}/rss/")}"' in (project / "feeds.opml").read_text(
        encoding="utf-8"
    )
    code, out = register(project, "https://" + typed, "--dry-run", "--allow-private", "127.0.0.1")
    assert code == 6 and "http:// was used" not in out  # a scheme typed is a scheme meant


def test_register_dry_run_writes_nothing(server: LoopbackServer, project: Path) -> None:
    blogsites.ghost(server)
    code, out = register(project, server.url("/"), "--dry-run", "--allow-private", "127.0.0.1")
    assert code == 0
    assert out.splitlines()[-1] == "Would add Priya Raman in feeds.opml (dry run: nothing written)"
    assert (project / "feeds.opml").read_text(encoding="utf-8") == REGISTRY


def test_register_without_a_feed_exits_6_and_says_what_to_do(
    server: LoopbackServer, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["/"] = blogsites.page(server, "no-feed.html")
    code, out = register(project, server.url("/"), "--allow-private", "127.0.0.1")
    assert code == 6
    assert out.splitlines()[-2] == f"No feed found at {server.url('/')}."
    assert capsys.readouterr().err == f"error: no feed found at {server.url('/')}\n"
    assert (project / "feeds.opml").read_text(encoding="utf-8") == REGISTRY


def test_register_refuses_loopback_without_allow_private(server: LoopbackServer, project: Path) -> None:
    blogsites.ghost(server)
    code, out = register(project, server.url("/"))
    assert code == 6
    assert out.splitlines()[:3] == [
        f"Looked at {server.url('/')}",
        "Tried:",
        f"  {server.url('/')} : refused to connect to non-public address 127.0.0.1 "
        "(allow it with --allow-private 127.0.0.1)",
    ]
    assert server.requests == []


def test_register_rejects_an_address_that_is_not_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = register(project, "javascript:alert(document.cookie)")
    assert code == 6
    assert capsys.readouterr().err == (
        "error: 'javascript:alert(document.cookie)' is not a web address (only http and https addresses work)\n"
    )


def test_invoke_register_passes_its_options_through(server: LoopbackServer, project: Path) -> None:
    blogsites.ghost(server)
    options = ["--name", "Priya 'R' Raman", "--display", "full", "--licence", "CC BY 4.0", "--tag", "#OL26"]
    result = invoke("register", server.url("/"), *options, "--allow-private", "127.0.0.1", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Added Priya 'R' Raman to feeds.opml"
    assert (
        f'<outline type="rss" text="Priya \'R\' Raman" xmlUrl="{server.url("/rss/")}" '
        'htmlUrl="https://priya-raman.example/" hub:display="full" hub:id="priya-r-raman" '
        'hub:licence="CC BY 4.0" hub:platform="ghost" hub:tag="OL26"/>'
    ) in (project / "feeds.opml").read_text(encoding="utf-8")


# People are not names; one blog is one participant.


def test_register_under_a_taken_name_adds_a_participant_and_leaves_the_other_untouched(
    server: LoopbackServer, project: Path
) -> None:
    blogsites.ghost(server)
    code, out = register(project, server.url("/"), "--name", "Tomás Ibáñez", "--allow-private")
    assert code == 0
    people = {p.id: p for p in parse_opml((project / "feeds.opml").read_bytes())}
    (newcomer,) = [p for p in people.values() if p.feed_url.startswith(server.url("/"))]
    assert newcomer.id.startswith("tomas-ibanez-") and len(newcomer.id) == len("tomas-ibanez-") + 6
    assert people["tomas-ibanez"].feed_url == "https://tomas.example/index.xml"
    assert out.splitlines()[-2:] == [
        "Added Tomás Ibáñez to feeds.opml",
        f"Note: Tomás Ibáñez (tomas-ibanez) is already registered with the same name; Tomás Ibáñez is "
        f"a participant of their own ({newcomer.id})",
    ]


@pytest.mark.parametrize(
    "spelling", ["{feed}", "{feed_without_slash}", "{feed}?utm_source=mastodon", "{feed}#top"]
)
def test_a_registered_blog_spelled_another_way_changes_only_with_replace(
    server: LoopbackServer, config: HubConfig, spelling: str
) -> None:
    blogsites.ghost(server)
    assert isinstance(enrol(Request(server.url("/")), config, NOW), Enrolled)
    feed = server.url(f"/tag/{TAG}/rss/")
    typed = spelling.format(feed=feed, feed_without_slash=feed.rstrip("/"))
    before = config.opml.read_bytes()
    with pytest.raises(
        EnrolmentError, match=r"is the blog of Priya Raman \(priya-raman\), already registered"
    ):
        enrol(Request(typed, "Mallory", display="full"), config, NOW)
    assert config.opml.read_bytes() == before
    result = enrol(Request(typed, "Priya R.", display="full", replace="priya-raman"), config, NOW)
    assert isinstance(result, Enrolled) and result.confirm == ()
    people = {p.id: p for p in parse_opml(config.opml.read_bytes())}
    assert (people["priya-raman"].name, people["priya-raman"].display) == ("Priya R.", "full")
    assert len(people) == 3


def test_replace_names_a_registered_participant_whose_blog_it_is(
    server: LoopbackServer, config: HubConfig
) -> None:
    blogsites.ghost(server)
    with pytest.raises(
        EnrolmentError, match=r"--replace nobody: feeds\.opml has no participant with that id"
    ):
        enrol(Request(server.url("/"), replace="nobody"), config, NOW)
    assert isinstance(enrol(Request(server.url("/")), config, NOW), Enrolled)
    with pytest.raises(
        EnrolmentError, match=r"this feed is the blog of another participant, Priya Raman \(priya-raman\)"
    ):
        enrol(Request(server.url("/"), replace="tomas-ibanez"), config, NOW)


def test_a_feed_read_under_another_address_is_known_by_the_entries_archived(
    server: LoopbackServer, config: HubConfig
) -> None:
    """A junk query (`?x=1`) serves the same feed: the archive already holds its entries."""
    blogsites.ghost(server)
    first = enrol(Request(server.url("/")), config, NOW)
    assert isinstance(first, Enrolled)
    feed = first.discovery.feed_url
    person = first.edit.participant
    posts = normalize(first.discovery.feed, NOW).posts
    Archive(config.archive).save(Record(person, posts=posts))
    server.routes[f"/tag/{TAG}/rss/?x=1"] = server.routes[f"/tag/{TAG}/rss/"]
    with pytest.raises(EnrolmentError, match=r"is the blog of Priya Raman \(priya-raman\)"):
        enrol(Request(feed + "?x=1", "Someone Else", display="full"), config, NOW)
