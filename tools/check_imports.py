"""Check that each distribution declares exactly what its code imports.

Usage: python tools/check_imports.py [ROOT]   (default: this checkout)

For every packages/<dist>/ folder, the imports of src/ (read with ``ast``, not run) are
compared with the ``[project] dependencies`` of its pyproject.toml, mme distributions and
third-party ones alike:

- an imported distribution that is not declared is an error (a user's install lacks it);
- a declared distribution that no module imports is an error (a user's install pulls it
  for nothing), except for the meta-package ``mme``, whose dependencies are its contents;
- imports under ``if TYPE_CHECKING:`` do not count; optional imports do not need to be
  declared: the modules the package's extras install, and those listed for it in
  ``OPTIONAL_IMPORTS`` of tools/architecture.py (imported inside ``try/except ImportError``).

A distribution whose code imports nothing outside the standard library and itself is a
placeholder whose code has not landed yet: it is named and skipped. Run by ``nox -s lint``.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from architecture import (
    DISTRIBUTIONS,
    IMPORT_NAMES,
    META,
    OPTIONAL_IMPORTS,
    ROOT,
    requirement_name,
)

STDLIB = set(sys.stdlib_module_names) | {"__future__"}


@dataclass
class Imports:
    """The distributions a package's code imports, each with the first place it does."""

    where: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, place: str) -> None:
        self.where.setdefault(name, place)


class _Collector(ast.NodeVisitor):
    def __init__(self, own: str, place: str, found: Imports) -> None:
        self.own, self.place, self.found = own, place, found

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
        if name == "TYPE_CHECKING":  # annotations only: not a run-time dependency
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            if node.module == "mme":  # from mme import config
                for alias in node.names:
                    self._module(f"mme.{alias.name}", node.lineno)
            else:
                self._module(node.module, node.lineno)

    def _module(self, module: str, line: int) -> None:
        parts = module.split(".")
        if parts[0] in STDLIB:
            return
        if parts[0] == "mme":
            if len(parts) < 2 or parts[1] == self.own:
                return
            dist = "mme" if parts[1] == META else f"mme-{parts[1]}"
        else:
            dist = requirement_name(IMPORT_NAMES.get(parts[0], parts[0]))
        self.found.add(dist, f"{self.place}:{line}")


def imports_of(root: Path, dist: str) -> Imports:
    """What the code of packages/<dist>/src/mme/<sub> imports, outside itself and the stdlib."""
    found = Imports()
    sub = DISTRIBUTIONS[dist]
    for file in sorted((root / "packages" / dist / "src" / "mme" / sub).rglob("*.py")):
        place = str(file.relative_to(root))
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        _Collector(sub, place, found).visit(tree)
    return found


def check(dist: str, root: Path = ROOT) -> tuple[list[str], bool]:
    """The problems of ``dist``, and whether it is a placeholder (nothing checked)."""
    sub = DISTRIBUTIONS[dist]
    with (root / "packages" / dist / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    declared = {requirement_name(r) for r in project.get("dependencies", [])}
    from_extras = {
        requirement_name(r)
        for reqs in project.get("optional-dependencies", {}).values()
        for r in reqs
    }
    optional = from_extras | {requirement_name(m) for m in OPTIONAL_IMPORTS.get(sub, ())}
    used = imports_of(root, dist).where
    if not used and sub != META:
        return [], True
    pyproject_path = f"packages/{dist}/pyproject.toml"
    problems = [
        f"{dist}: imports {name} ({place}) but {pyproject_path} does not declare it"
        for name, place in sorted(used.items())
        if name not in declared and name not in optional
    ]
    if sub != META:  # the meta-package's dependencies are what it installs, by design
        problems += [
            f"{dist}: declares {name} in {pyproject_path} but its code never imports it"
            for name in sorted(declared - set(used))
        ]
    return problems, False


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve() if argv else ROOT
    problems: list[str] = []
    checked, placeholders = 0, []
    for dist in DISTRIBUTIONS:
        found, placeholder = check(dist, root)
        problems += found
        if placeholder:
            placeholders.append(dist)
        else:
            checked += 1
    for problem in problems:
        print(problem)
    note = f"; placeholders without code, not checked: {', '.join(placeholders)}"
    print(
        f"{checked} distributions: declared dependencies "
        f"{'differ from' if problems else 'are exactly'} the imports of their code"
        f"{note if placeholders else ''}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
