"""The Join issue form (`join`) and the pull-request check (`check-registry`), end to end."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from aggregator.cli import main
from aggregator.enrol import Request
from aggregator.issueforms import CONSENT_TEXT, FormProblems, read_join_form
from aggregator.markdown_text import link, text
from aggregator.registry import load_registry
from aggregator.webmention import wants_webmentions
from tests import blogsites
from tests.blogsites import TAG
from tests.conftest import DATA
from tests.loopback import LoopbackServer, Reply
from tests.test_enrol import REGISTRY, TOMAS

REGISTER = DATA / "register"


def issue_body(
    name: str = "Ada Lovelace",
    address: str = "https://ada.example/",
    tag: str = "_No response_",
    display: str = "Title and excerpt (default)",
    licence: str = "_No response_",
    ticked: bool = True,
) -> str:
    """The body exactly as GitHub renders the Join issue form."""
    box = "[X]" if ticked else "[ ]"
    return (
        f"### Your name\n\n{name}\n\n"
        f"### Your blog or feed address\n\n{address}\n\n"
        f"### Your course tag, if different\n\n{tag}\n\n"
        f"### How your posts appear on the hub\n\n{display}\n\n"
        f"### Licence of your posts\n\n{licence}\n\n"
        f"### Consent\n\n- {box} {CONSENT_TEXT}"
    )


# The form: pure.


def test_a_complete_form_becomes_a_request() -> None:
    body = issue_body(address="  myblog.example ", licence="CC BY 4.0", display="Full post", tag="#ol26")
    assert read_join_form(body.replace("\n", "\r\n")) == Request(
        address="myblog.example", name="Ada Lovelace", tag="#ol26", display="full", licence="CC BY 4.0"
    )
    assert read_join_form(issue_body()) == Request(
        "https://ada.example/", "Ada Lovelace", None, "excerpt", None
    )
    assert read_join_form(issue_body(display="Title only")) == Request(
        "https://ada.example/", "Ada Lovelace", None, "title", None
    )


def test_an_incomplete_form_lists_every_problem() -> None:
    body = issue_body(name="_No response_", display="Everything", ticked=False)
    assert read_join_form(body) == FormProblems(
        (
            "“Your name” is empty.",
            "“How your posts appear on the hub” must be one of “Title and excerpt (default)”, “Title only”, "
            "“Full post”.",
            f"The consent box is not ticked: without it the hub cannot show your posts. ({CONSENT_TEXT})",
        )
    )
    assert read_join_form("Hello, please add me: https://ada.example/") == FormProblems(
        (
            "“Your name” is empty.",
            "“Your blog or feed address” is empty.",
            "“How your posts appear on the hub” must be one of “Title and excerpt (default)”, “Title only”, "
            "“Full post”.",
            f"The consent box is not ticked: without it the hub cannot show your posts. ({CONSENT_TEXT})",
        )
    )


def test_the_webmention_question_is_read_and_optional() -> None:
    body = issue_body().replace("### Consent", "### Webmentions\n\nNo webmentions\n\n### Consent")
    assert read_join_form(body) == Request(
        "https://ada.example/", "Ada Lovelace", None, "excerpt", None, "no"
    )
    assert read_join_form(body.replace("No webmentions", "Yes, tell my posts (default)")) == Request(
        "https://ada.example/", "Ada Lovelace", None, "excerpt", None, "yes"
    )
    assert read_join_form(issue_body()) == Request(
        "https://ada.example/", "Ada Lovelace", None, "excerpt", None
    )
    wrong = read_join_form(body.replace("No webmentions", "Maybe"))
    assert wrong == FormProblems(
        ("“Webmentions” must be one of “Yes, tell my posts (default)”, “No webmentions”.",)
    )


def test_consent_must_be_the_exact_statement() -> None:
    body = issue_body().replace(CONSENT_TEXT, "I agree to something else.")
    result = read_join_form(body)
    assert isinstance(result, FormProblems)
    assert result.problems[0].startswith("The consent box is not ticked")


# Markdown safety: pure.


def test_markdown_text_cannot_open_links_html_or_mentions() -> None:
    assert text("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert text("<script>alert(1)</script>") == r"&lt;script&gt;alert\(1\)&lt;/script&gt;"
    assert text("hi @everyone and @a@b.example, #12 & more") == (
        "hi `@everyone` and `@a@b.example`, `#12` &amp; more"
    )
    assert text("line\nbreak\n# heading") == r"line break \# heading"
    assert link("a (b)", "https://x.example/a b/(c)") == r"[a \(b\)](https://x.example/a%20b/%28c%29)"


def render(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


# python -m aggregator join


def run(project: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    common = ["--settings", str(project / "pelicanconf.py"), "--opml", str(project / "feeds.opml")]
    code = main([*args, *common, "--allow-private", "127.0.0.1"], out)
    return code, out.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "feeds.opml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "pelicanconf.py").write_text(
        'HUB = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London",\n'
        f'       "course_tag": "{TAG}"}}\n'
    )
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def join(project: Path, body: str, github: str = "priya-gh") -> tuple[int, str, str]:
    (project / "issue.md").write_text(body, encoding="utf-8")
    reply = project / "reply.md"
    code, out = run(project, "join", str(project / "issue.md"), "--reply", str(reply), "--github", github)
    return code, out, (project / "reply.md").read_text(encoding="utf-8")


def test_join_registers_a_participant_and_writes_a_safe_reply_and_the_step_outputs(
    server: LoopbackServer, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/feed/"] = Reply(
        body=(REGISTER / "hostile-titles.rss").read_bytes(), headers=blogsites.RSS
    )
    monkeypatch.setenv("GITHUB_OUTPUT", str(project / "github-output"))
    (project / "github-output").write_text("earlier=1\n")
    body = issue_body(name="Mallory <b>@everyone</b>", address=server.url("/feed/"), licence="CC BY [4.0](x)")
    code, out, reply = join(project, body)
    assert code == 0, out
    assert reply == (
        r"Hello Mallory &lt;b&gt;`@everyone`&lt;/b&gt;, thank you for joining!"
        "\n\n"
        "I found your feed and added you to the list of participants. A maintainer will review it soon.\n"
        "\n"
        "**What I found**\n"
        "\n"
        "- Blog: `https://mallory.example/`\n"
        f"- Feed: `{server.url('/feed/')}`\n"
        "- Platform: WordPress\n"
        "- Posts in the feed: 3; course posts: 2 with the course tag `openlearning26`\n"
        "- Shown on the hub as: Title and excerpt (default)\n"
        r"- Licence: CC BY \[4\.0\]\(x\)"
        "\n\n"
        "**Your latest posts**\n"
        "\n"
        r"1. [Hey `@everyone` and `@admin@social.example`, see `#1` \| \*\*bold\*\* \`code\` \_em\_]"
        "(https://mallory.example/2026/09/12/mention/) (2026-09-12)\n"
        r"2. [\[click me\]\(javascript\:alert\(document\.cookie\)\) and \!\[x\]\(https\://tracker\.example/p\.gif\)]"
        "(https://mallory.example/2026/09/11/link/?a=1&b=%282%29) (2026-09-11)\n"
        r"3. [&lt;script&gt;alert\(1\)&lt;/script&gt; week one](https://mallory.example/2026/09/10/script/) (2026-09-10)"
        "\n\n"
        "**Next steps**\n"
        "\n"
        "- Tag your course posts with `openlearning26` (or write `#openlearning26` in them, or link to the "
        "week's page): only those appear on the hub.\n"
        "- Your posts appear on the hub after this change is merged and the hub next updates.\n"
        "- To change your settings later, open a new Join issue with the same blog address, from this "
        'GitHub account. To take posts off the hub, open a "Withdraw my posts" issue.\n'
    )
    html = render(reply)
    assert "<script" not in html and "<b>" not in html and "<img" not in html  # shown as text, not markup
    hrefs = [part.split('"')[1] for part in html.split("href=")[1:]]
    assert hrefs == [
        "https://mallory.example/2026/09/12/mention/",
        "https://mallory.example/2026/09/11/link/?a=1&amp;b=%282%29",
        "https://mallory.example/2026/09/10/script/",
    ]
    assert "<code>@everyone</code>" in html
    assert (project / "github-output").read_text() == (
        "earlier=1\nid=mallory-b-everyone-b\nname=Mallory <b>@everyone</b>\nconfirm=no\n"
    )
    assert out.splitlines()[-1] == "Added Mallory <b>@everyone</b> to feeds.opml"
    opml = (project / "feeds.opml").read_text(encoding="utf-8")
    assert opml == REGISTRY.replace(
        TOMAS,
        TOMAS + '      <outline type="rss" text="Mallory &lt;b&gt;@everyone&lt;/b&gt;" '
        f'xmlUrl="{server.url("/feed/")}" htmlUrl="https://mallory.example/" hub:display="excerpt" '
        'hub:github="priya-gh" hub:id="mallory-b-everyone-b" hub:licence="CC BY [4.0](x)" '
        'hub:platform="wordpress"/>\n',
    )


def test_join_records_an_opt_out_of_webmentions(server: LoopbackServer, project: Path) -> None:
    server.routes["/feed/"] = Reply(
        body=(REGISTER / "hostile-titles.rss").read_bytes(), headers=blogsites.RSS
    )
    body = issue_body(name="Wren", address=server.url("/feed/"))
    code, out, _ = join(
        project, body.replace("### Consent", "### Webmentions\n\nNo webmentions\n\n### Consent")
    )
    assert code == 0, out
    assert 'hub:webmention="no"' in (project / "feeds.opml").read_text(encoding="utf-8")
    [wren] = [person for person in load_registry(project / "feeds.opml") if person.name == "Wren"]
    assert not wants_webmentions(wren)


def test_join_with_a_tag_feed_says_so(server: LoopbackServer, project: Path) -> None:
    blogsites.ghost(server)
    code, _, reply = join(
        project, issue_body(name="Priya Raman", address=server.url("/"), display="Full post")
    )
    assert code == 0
    assert f"- Feed: `{server.url(f'/tag/{TAG}/rss/')}` (only your course posts)\n" in reply
    assert (
        "- Posts in the feed: 6; course posts: 6 with the course tag `openlearning26` (a tag feed)\n" in reply
    )
    assert "- Shown on the hub as: Full post\n" in reply
    assert "Tag your course posts" not in reply
    code, _, reply = join(
        project, issue_body(name="Priya Raman", address=server.url("/"), display="Title only")
    )
    assert (code, reply.splitlines()[2]) == (
        0,
        "I found your feed and updated your entry (hub:display). A maintainer will review it soon.",
    )
    code, _, reply = join(
        project, issue_body(name="Priya Raman", address=server.url("/"), display="Title only")
    )
    assert (code, reply.splitlines()[2]) == (
        0,
        "You are already registered with these settings, so nothing needed to change.",
    )


def test_join_without_a_feed_exits_non_zero_and_the_reply_says_what_was_tried(
    server: LoopbackServer, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["/"] = Reply(body=b"<html><head><title>Hi</title></head></html>", headers=blogsites.HTML)
    monkeypatch.setenv("GITHUB_OUTPUT", str(project / "github-output"))
    code, _, reply = join(project, issue_body(address=server.url("/")))
    assert code == 6
    tried = "".join(
        f"- `{server.url(path)}`: HTTP 404 Not Found\n"
        for path in ("/feed/", "/rss/", "/feed.xml", "/atom.xml", "/index.xml", "/rss.xml", "/feed.json")
    )
    assert reply == (
        "Hello Ada Lovelace, thank you for joining!\n"
        "\n"
        f"I could not find a feed at `{server.url('/')}`. This is what I tried:\n"
        "\n"
        f"- `{server.url('/')}`: a web page that links to no feed\n"
        f"{tried}"
        "\n"
        "**What to do**\n"
        "\n"
        "- Paste your feed's address directly (it often ends in `/feed/`, `/rss` or `.xml`): "
        "edit this issue and change the address.\n"
        "- The Join page says where each blog platform keeps its feed.\n"
    )
    assert capsys.readouterr().err == f"error: not registered; the reply in {project / 'reply.md'} says why\n"
    assert not (project / "github-output").exists()
    assert (project / "feeds.opml").read_text(encoding="utf-8") == REGISTRY


def test_join_with_an_incomplete_form_fetches_nothing(server: LoopbackServer, project: Path) -> None:
    code, _, reply = join(project, issue_body(address=server.url("/"), ticked=False))
    assert code == 6
    assert reply == (
        "Hello Ada Lovelace, thank you for joining!\n"
        "\n"
        "The form is not complete yet:\n"
        "\n"
        f"- The consent box is not ticked: without it the hub cannot show your posts. ({CONSENT_TEXT})\n"
        "\n"
        "Please edit this issue (the ··· menu, then Edit) and fix it; I will look again.\n"
    )
    assert server.requests == []


def test_join_with_an_address_that_is_not_one(project: Path) -> None:
    code, _, reply = join(project, issue_body(address="javascript:alert(1)"))
    assert code == 6
    assert reply.splitlines()[2] == (
        r"I could not use your address: 'javascript\:alert\(1\)' is not a web address "
        r"\(only http and https addresses work\)"
    )


# python -m aggregator check-registry


def check(project: Path, head: str, *extra: str) -> tuple[int, str]:
    (project / "base.opml").write_text(REGISTRY, encoding="utf-8")
    (project / "feeds.opml").write_text(head, encoding="utf-8")
    return run(project, "check-registry", "--base", str(project / "base.opml"), *extra)


def test_check_registry_with_nothing_changed(project: Path) -> None:
    assert check(project, REGISTRY) == (
        0,
        "## Registry check\n\nfeeds.opml is valid. No participant was added or changed.\n",
    )


def test_check_registry_fails_when_a_hand_edit_would_move_someones_id(
    server: LoopbackServer, project: Path
) -> None:
    """A namesake added by hand without hub:id tells both apart by their feeds: the registered
    one's id would change, taking their archive and page away. The check says how to keep it."""
    server.routes["/tomas2.xml"] = blogsites.feed("tomas/index.xml")
    namesake = f'      <outline type="rss" text="Tomas Ibanez" xmlUrl="{server.url("/tomas2.xml")}"/>\n'
    code, _ = check(
        project, REGISTRY.replace(TOMAS, TOMAS + namesake), "--summary", str(project / "summary.md")
    )
    assert code == 4
    summary = (project / "summary.md").read_text(encoding="utf-8")
    moved = (
        "this change moves participants to new ids: Tomás Ibáñez would move from tomas-ibanez to "
        f"tomas-ibanez-{hashlib.sha256(b'//tomas.example/index.xml').hexdigest()[:6]} (their archive and "
        'page stay under the old id): write hub:id="tomas-ibanez" on their outline'
    )
    assert f"**Problem:** {text(moved)}\n" in summary
    assert "- **Same name as** Tomás Ibáñez (`tomas-ibanez" in summary
    pinned = TOMAS.replace('hub:platform="hugo"', 'hub:id="tomas-ibanez" hub:platform="hugo"')
    code, _ = check(
        project, REGISTRY.replace(TOMAS, pinned + namesake), "--summary", str(project / "summary.md")
    )
    assert code == 0
    summary = (project / "summary.md").read_text(encoding="utf-8")
    assert "### New participant: Tomas Ibanez (`tomas-ibanez-" in summary
    assert "- **Same name as** Tomás Ibáñez (`tomas-ibanez`): a different participant" in summary


def test_check_registry_previews_new_and_changed_participants(server: LoopbackServer, project: Path) -> None:
    server.routes["/ada.rss"] = Reply(body=(DATA / "ada.rss").read_bytes(), headers=blogsites.RSS)
    server.routes["/tomas.xml"] = blogsites.feed("tomas/index.xml")
    ada = f'      <outline type="rss" text="Ada Lovelace" xmlUrl="{server.url("/ada.rss")}" htmlUrl="https://ada.example/"/>\n'
    tomas = TOMAS.replace("https://tomas.example/index.xml", server.url("/tomas.xml")).replace(
        'hub:platform="hugo"', 'hub:display="title" hub:platform="hugo"'
    )
    head = REGISTRY.replace(TOMAS, tomas + ada).replace(
        REGISTRY.splitlines(keepends=True)[7], ""
    )  # Maya leaves
    code, summary = check(project, head, "--summary", str(project / "summary.md"))
    assert (code, summary) == (0, "")
    assert (project / "summary.md").read_text(encoding="utf-8") == (
        "## Registry check\n"
        "\n"
        "### Changed: Tomás Ibáñez (`tomas-ibanez`)\n"
        "\n"
        "- What changed: feed address, hub:display\n"
        "- Blog: `https://tomas.example/`\n"
        f"- Feed: `{server.url('/tomas.xml')}`\n"
        "- Posts found: 6\n"
        "- Course posts: 5 with the course tag `openlearning26`\n"
        "- Latest:\n"
        "  1. [Paella rules at my father’s house](https://tomas-ibanez.example/posts/paella-rules/) (2026-10-24)\n"
        "  2. [Privacy is not the opposite of openness](https://tomas-ibanez.example/posts/privacy-is-not-the-opposite-of-openness/) (2026-10-07)\n"
        "  3. [Reading feeds without drowning](https://tomas-ibanez.example/posts/reading-feeds-without-drowning/) (2026-09-21)\n"
        "\n"
        "### New participant: Ada Lovelace (`ada-lovelace`)\n"
        "\n"
        "- Blog: `https://ada.example/`\n"
        f"- Feed: `{server.url('/ada.rss')}`\n"
        "- Posts found: 3\n"
        "- Course posts: 2 with the course tag `openlearning26`\n"
        "- Latest:\n"
        "  1. [Catching up on networks](https://ada.example/2026/09/30/networks/) (2026-09-30)\n"
        "  2. [My sourdough starter](https://ada.example/2026/09/15/sourdough/) (2026-09-15)\n"
        "  3. [Sunday night, still week one](https://ada.example/2026/09/13/sunday-night/) (2026-09-13)\n"
        "\n"
        "- Removed: Maya Okafor\n"
    )


def test_check_registry_fails_when_a_new_feed_cannot_be_read(
    server: LoopbackServer, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(project / "step-summary.md"))
    (project / "step-summary.md").write_text("# Earlier step\n", encoding="utf-8")
    ada = f'      <outline type="rss" text="Ada Lovelace" xmlUrl="{server.url("/gone.rss")}"/>\n'
    code, out = check(project, REGISTRY.replace(TOMAS, TOMAS + ada))
    assert (code, out) == (6, "")
    assert (project / "step-summary.md").read_text(encoding="utf-8") == (
        "# Earlier step\n"
        "## Registry check\n"
        "\n"
        "### New participant: Ada Lovelace (`ada-lovelace`)\n"
        "\n"
        "- Blog: not given\n"
        f"- Feed: `{server.url('/gone.rss')}`\n"
        "- **Problem:** the feed cannot be read: HTTP 404 Not Found\n"
    )
    assert capsys.readouterr().err == "error: cannot read the new feed of Ada Lovelace\n"


def test_check_registry_fails_on_an_invalid_registry(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = REGISTRY.replace('type="rss" text="Tomás Ibáñez"', 'type="link" text="Tomás Ibáñez"')
    code, summary = check(project, head)
    assert code == 4
    message = f"{project / 'feeds.opml'}: outline 'Tomás Ibáñez': type=\"rss\" is required on a feed outline"
    assert capsys.readouterr().err == f"error: {message}\n"
    assert summary == f"## Registry check\n\nfeeds.opml is not valid: {text(message)}\n"


def test_a_join_under_a_registered_name_is_a_new_participant_and_says_so(
    server: LoopbackServer, project: Path
) -> None:
    blogsites.ghost(server)
    before = (project / "feeds.opml").read_text(encoding="utf-8")
    code, _, reply = join(
        project, issue_body(name="Tomás Ibáñez", address=server.url("/"), display="Full post")
    )
    assert code == 0
    people = {p.id: p for p in load_registry(project / "feeds.opml")}
    (newcomer,) = [p for p in people.values() if p.feed_url.startswith(server.url("/"))]
    assert newcomer.id.startswith("tomas-ibanez-") and newcomer.github == "priya-gh"
    tomas = people["tomas-ibanez"]  # the registered Tomás: feed, display and name untouched
    assert (tomas.feed_url, tomas.display, tomas.name) == (
        "https://tomas.example/index.xml",
        "excerpt",
        "Tomás Ibáñez",
    )
    assert TOMAS in (project / "feeds.opml").read_text(encoding="utf-8") and TOMAS in before
    assert (
        "Someone with the same name is already registered: Tomás Ibáñez (`tomas-ibanez`). You are a "
        f"participant of your own, with the id `{newcomer.id}`; nothing of theirs changed."
    ) in reply


def test_only_the_account_that_joined_changes_a_registration_without_a_facilitator(
    server: LoopbackServer, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blogsites.ghost(server)
    assert join(project, issue_body(name="Priya Raman", address=server.url("/")), github="priya-gh")[0] == 0
    outputs = project / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    # Someone else asks for Priya's blog, in full, under another name.
    code, _, reply = join(
        project, issue_body(name="Mallory", address=server.url("/"), display="Full post"), github="mallory"
    )
    assert code == 0
    reason = (
        "This changes the registration of Priya Raman (priya-raman): name, hub:display. It was asked "
        "for by @mallory; Priya Raman joined from @priya-gh"
    )
    assert (
        f"**A facilitator must confirm this with the participant before merging:** {text(reason)}." in reply
    )
    assert outputs.read_text(encoding="utf-8").endswith("confirm=yes\n")
    # Priya herself, from her account: no confirmation needed.
    outputs.unlink()
    code, _, reply = join(
        project,
        issue_body(name="Priya Raman", address=server.url("/"), display="Title only"),
        github="Priya-GH",
    )
    assert code == 0 and "must confirm" not in reply
    assert outputs.read_text(encoding="utf-8").endswith("confirm=no\n")


def test_a_participant_whose_blog_moved_rejoins_from_their_account(
    server: LoopbackServer, project: Path
) -> None:
    blogsites.ghost(server)
    server.routes["/moved.xml"] = blogsites.feed("tomas/index.xml")  # another blog's feed
    assert join(project, issue_body(name="Priya Raman", address=server.url("/")), github="priya-gh")[0] == 0
    moved = issue_body(name="Priya Raman", address=server.url("/moved.xml"))
    code, _, reply = join(project, moved, github="priya-gh")
    assert code == 0
    assert reply.splitlines()[2].startswith("I found your feed and updated your entry (feed address")
    assert "must confirm" not in reply
    people = {p.id: p for p in load_registry(project / "feeds.opml")}
    assert (len(people), people["priya-raman"].feed_url) == (3, server.url("/moved.xml"))
    # From any other account, the same form is a newcomer who shares her name.
    (project / "feeds.opml").write_text(REGISTRY, encoding="utf-8")
    assert join(project, issue_body(name="Priya Raman", address=server.url("/")), github="priya-gh")[0] == 0
    code, _, reply = join(project, moved, github="mallory")
    assert code == 0 and "Someone with the same name is already registered: Priya Raman" in reply
    assert len(load_registry(project / "feeds.opml")) == 4


def test_a_look_alike_name_is_flagged(server: LoopbackServer, project: Path) -> None:
    blogsites.ghost(server)
    code, _, reply = join(project, issue_body(name="Tomаs Ibáñez", address=server.url("/")))
    assert code == 0
    assert (
        text(
            "The name Tom\u0430s Ib\u00e1\u00f1ez mixes alphabets in one word, and may imitate someone else's"
        )
        in reply
    )
    assert "Someone with the same name is already registered: Tomás Ibáñez (`tomas-ibanez`)" in reply
    assert "with the id `toms-ibanez`" in reply  # a letter without an ASCII form is left out of the id
