"""Guards of the design: things that are true by decision, and drift unless a test holds them."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from aggregator.config import DEFAULTS, REQUIRED, USER_AGENT
from tests.conftest import ROOT, run_python

AGGREGATOR = ROOT / "aggregator"
# Every runtime dependency, and the file and pattern that show it is used.
USES = {
    "pelican": ("plugins/cohort/generator.py", r"^from pelican\b"),
    "feedparser": ("aggregator/parse/fallback.py", r"^import feedparser\b"),
    "Markdown": ("content/weeks/2026-autumn/week-1.md", r"^Title: "),  # Pelican reads content/*.md with it
    "aiohttp": ("aggregator/fetch.py", r"^import aiohttp\b"),
    "charset-normalizer": ("aggregator/parse/encoding.py", r"^import charset_normalizer\b"),
    "nh3": ("aggregator/sanitize.py", r"^import nh3\b"),
    "lxml": ("aggregator/parse/xml_reader.py", r"^from lxml import etree\b"),
    "Jinja2": ("themes/commons/templates/base.html", r"{% block\b"),  # the theme's templates
    "MarkupSafe": ("pelicanconf.py", r'"autoescape": True'),  # what Jinja2 escapes them with
    "invoke": ("tasks.py", r"^from invoke import\b"),
    "rich": ("aggregator/progress.py", r"^from rich\.live import\b"),  # Pelican's too, imported directly
    "tzdata": ("aggregator/config.py", r"^from zoneinfo import\b"),  # zone data where the OS has none
    "pagefind": ("plugins/cohort/search.py", r"pagefind_command"),
    "PyYAML": ("aggregator/moderation.py", r"^import yaml\b"),
    "Pillow": ("aggregator/pictures.py", r"^from PIL import\b"),
    "Babel": ("plugins/cohort/i18n.py", r"^from babel import\b"),
}


def test_the_aggregator_never_imports_pelican() -> None:
    """aggregator/ is plain Python: it runs in the update job and the join workflow, and is
    tested, without Pelican."""
    modules = sorted(_module(path) for path in AGGREGATOR.rglob("*.py") if path.stem != "__main__")
    for path in AGGREGATOR.rglob("*.py"):
        assert not any(name.split(".")[0] == "pelican" for name in _imported(path)), path.name
    script = f"import sys\nimport {', '.join(modules)}\nprint(sorted(m for m in sys.modules if m.startswith('pelican')))"
    result = run_python("-c", script, cwd=ROOT)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


def test_only_the_fallback_reader_imports_feedparser() -> None:
    """feedparser reads what the lxml reader cannot, and nothing else (parse/__init__.py)."""
    importers = {
        _module(path)
        for path in AGGREGATOR.rglob("*.py")
        if any(name.split(".")[0] == "feedparser" for name in _imported(path))
    }
    assert importers == {"aggregator.parse.fallback"}


def test_only_pictures_imports_pillow() -> None:
    """Untrusted pictures are decoded in one place, under its limits (pictures.py)."""
    importers = {
        _module(path)
        for path in AGGREGATOR.rglob("*.py")
        if any(name.split(".")[0] == "PIL" for name in _imported(path))
    }
    assert importers == {"aggregator.pictures"}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        names += [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
    return names


def test_the_readme_settings_table_is_config_defaults() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| (required|`[^`]*`) \|", readme, re.MULTILINE)
    table = dict(rows)
    assert set(table) == set(DEFAULTS) | set(REQUIRED)
    for key in REQUIRED:
        assert table[key] == "required", key
    for key, value in DEFAULTS.items():
        shown = "`course-hub/…`" if value == USER_AGENT else f"`{_python(value)}`"
        assert table[key] == shown, key


def _python(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value).replace("'", '"')


def test_every_declared_dependency_is_used() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {re.split(r"[\[=<>]", spec, maxsplit=1)[0] for spec in project["project"]["dependencies"]}
    assert declared == set(USES)
    for name, (file, pattern) in USES.items():
        text = (ROOT / file).read_text(encoding="utf-8")
        assert re.search(pattern, text, re.MULTILINE), f"{name}: nothing in {file} matches {pattern}"


def test_every_stage_module_is_named_in_the_readme_layout() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        p.name for p in AGGREGATOR.glob("*.py") if p.stem != "__init__" and f" {p.name} " not in readme
    ]
    assert missing == []
