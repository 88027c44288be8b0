"""The documentation and the code agree: settings, exit codes, the module table.

In the spirit of datasette's ``test_docs.py``: a setting added to the code but not to the
README, or read from the environment behind ``geo.settings``'s back, fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from geo.cli import EXIT_CODES
from geo.settings import SETTINGS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
#: The code the app and the command lines run (tests, benchmarks and scripts set up their
#: own environments on purpose).
APP_CODE = [
    *sorted(
        p
        for folder in ("geo", "loaders", "layers", "views")
        for p in (REPO / folder).rglob("*.py")
        if "migrations" not in p.parts
    ),
    REPO / "app.py",
    REPO / "maeul.py",
]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_setting_is_in_the_readme_table(name):
    rows = [line for line in README.splitlines() if line.startswith("|")]
    assert any(f"`{name}`" in row for row in rows), f"{name} is missing from README's table"


def _environment_reads(path: Path) -> list[int]:
    """Lines of ``path`` that read the process environment (writes for a library are fine)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("getenv", "getenvb"):
            lines.append(node.lineno)
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            lines.append(node.lineno)
    writes = {
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
    }
    return sorted(set(lines) - writes)


def test_only_geo_settings_reads_the_environment():
    readers = {
        str(p.relative_to(REPO)): _environment_reads(p)
        for p in APP_CODE
        if p != REPO / "geo" / "settings.py"
    }
    assert {p: lines for p, lines in readers.items() if lines} == {}


def test_the_module_table_of_the_architecture_names_only_files_that_exist():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:geo|loaders|layers|views|bench|scripts)/[\w/]+\.py)`", text))
    assert named, "docs/architecture.md names no module"
    assert sorted(n for n in named if not (REPO / n).is_file()) == []


def test_every_application_module_is_in_the_architecture():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(p.relative_to(REPO))
        for p in APP_CODE
        if p.name != "__init__.py" and f"`{p.relative_to(REPO)}`" not in text
    ]
    assert missing == []


def test_the_exit_codes_are_documented_where_operators_look():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES.items():
        assert re.search(rf"^\|\s*{code}\s*\|", text, re.M), f"exit code {code} not in docs/cli.md"
        assert meaning.split(",")[0] in text


def test_pages_never_open_a_transaction_themselves():
    """Domain functions own their transactions; a page only calls them (thin views)."""
    opened = {
        str(p.relative_to(REPO)): n
        for p in sorted((REPO / "views").glob("*.py"))
        for n in [len(re.findall(r"\b(?:transaction|connect)\(\)", p.read_text("utf-8")))]
        if n
    }
    assert opened == {}
