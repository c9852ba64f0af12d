"""Docstrings are Markdown: mkdocstrings renders them as such, so Sphinx roles
(``:class:`Config```) would show literally in the API pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPHINX_ROLE = re.compile(r":(class|func|meth|attr|mod|obj|exc|data|const|ref|py:\w+):`")

pytestmark = pytest.mark.spec(infra="docstrings are Markdown for mkdocstrings")


def docstrings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every docstring of a module: module, classes and functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node, clean=False)
            if text:
                found.append((getattr(node, "lineno", 1), text))
    return found


def roles_in(paths: list[Path], base: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(base)}:{line}: {match.group(0)}"
        for path in paths
        for line, text in docstrings(path)
        for match in SPHINX_ROLE.finditer(text)
    ]


def test_no_package_docstring_uses_a_sphinx_role() -> None:
    found = roles_in(sorted(ROOT.glob("packages/*/src/**/*.py")))
    assert not found, (
        f"{len(found)} Sphinx roles in docstrings (write `Config` or [Config][mme.config.Config]"
        " instead):\n" + "\n".join(found)
    )


def test_the_check_finds_a_role(tmp_path: Path) -> None:
    module = tmp_path / "planted.py"
    module.write_text('"""See :class:`Config`."""\n\ndef f():\n    """Calls :func:`g`."""\n')
    assert roles_in([module], tmp_path) == ["planted.py:1: :class:`", "planted.py:3: :func:`"]
