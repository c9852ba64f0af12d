"""The package map of tools/architecture.py holds everywhere it is used.

tools/architecture.py is the one source of truth for the package map. These tests check
every place that repeats it: docs/architecture.md (generated from it), each package's
pyproject.toml, the import-linter contracts of the root pyproject.toml (and that they
really fail when a forbidden import is planted), the distributions ``mme --version``
reports, the API pages of mkdocs.yml, and tools/check_imports.py (declared dependencies
are exactly the imports). Nothing here reads a file outside the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from architecture import (  # noqa: E402
    DEPENDS,
    DISTRIBUTIONS,
    META,
    TORCH_FREE,
    declared_mme,
    docs_page,
    importlinter_contracts,
)

pytestmark = pytest.mark.spec(infra="the package map of tools/architecture.py is enforced")


def load_pyproject(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def test_docs_architecture_page_is_generated_from_the_table() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert page == docs_page(), (
        "docs/architecture.md is out of date: "
        "python tools/architecture.py --docs > docs/architecture.md"
    )


def test_every_package_folder_is_in_the_table() -> None:
    folders = {p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file()}
    assert folders == set(DISTRIBUTIONS), "tools/architecture.py and packages/ disagree"


@pytest.mark.parametrize("dist", [d for d in DISTRIBUTIONS if d != "mme"])
def test_pyproject_declares_only_what_its_row_allows(dist: str) -> None:
    project = load_pyproject(ROOT / "packages" / dist / "pyproject.toml")["project"]
    assert project["name"] == dist
    sub = DISTRIBUTIONS[dist]
    allowed = set(DEPENDS[sub])
    assert set(declared_mme(dist)) <= allowed, f"{dist} declares a package its row forbids"
    if sub in TORCH_FREE:
        assert "torch" not in {Requirement(r).name for r in project["dependencies"]}
    assert project["requires-python"] == ">=3.10"


def test_dropped_dependencies_stay_dropped() -> None:
    # mme-registry recognises a Config without importing it; mme-dist logs without mme.logging
    assert declared_mme("mme-registry") == ()
    assert declared_mme("mme-dist") == ()


def test_meta_package_core_and_extras() -> None:
    project = load_pyproject(ROOT / "packages" / "mme" / "pyproject.toml")["project"]
    core = {Requirement(r).name for r in project["dependencies"]}
    assert core == {f"mme-{s}" for s in TORCH_FREE}
    extras = project["optional-dependencies"]
    assert set(extras) == {"runner", "analysis", "tensorboard", "wandb", "vis", "all"}
    everything = {Requirement(r).name for r in extras["all"]}
    assert {"mme-runner", "mme-analysis"} <= everything
    assert project["scripts"] == {"mme": "mme.cli:main"}


@pytest.mark.parametrize("dist", list(DISTRIBUTIONS))
def test_package_layout(dist: str) -> None:
    base = ROOT / "packages" / dist
    sub = DISTRIBUTIONS[dist]
    init = base / "src" / "mme" / sub / "__init__.py"
    assert not (base / "src" / "mme" / "__init__.py").exists(), "breaks the PEP 420 namespace"
    assert (base / "src" / "mme" / sub / "py.typed").is_file()
    assert (base / "README.md").read_text().count("```") >= 2, "README needs a quick start"
    text = init.read_text()
    assert text.startswith('"""'), f"{init} needs a package docstring"
    assert re.search(r'^__version__ = "\d+\.\d+\.\d+"$', text, re.M)
    pyproject = load_pyproject(base / "pyproject.toml")
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["project"]["license"] == "Apache-2.0"


def test_importlinter_contracts_encode_the_table() -> None:
    importlinter = load_pyproject(ROOT / "pyproject.toml")["tool"]["importlinter"]
    assert sorted(importlinter["root_packages"]) == sorted(f"mme.{s}" for s in [*DEPENDS, META])
    declared = importlinter["contracts"]
    expected = tomllib.loads(importlinter_contracts())["tool"]["importlinter"]["contracts"]
    assert declared == expected
    by_source = {c["source_modules"][0]: set(c["forbidden_modules"]) for c in declared}
    for sub in TORCH_FREE:
        assert "torch" in by_source[f"mme.{sub}"]
    assert f"mme.{META}" in by_source["mme.runner"]


def test_mme_version_lists_every_distribution_of_the_table() -> None:
    from mme.cli.versions import DISTRIBUTIONS as REPORTED

    assert list(REPORTED) == ["mme", *[d for d in DISTRIBUTIONS if d != "mme"]]


def test_mkdocs_has_the_api_page_and_source_path_of_every_package() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = {
        k: v for p in config["plugins"] for k, v in (p.items() if isinstance(p, dict) else [])
    }
    paths = plugins["mkdocstrings"]["handlers"]["python"]["paths"]
    assert sorted(paths) == sorted(f"packages/{d}/src" for d in DISTRIBUTIONS)
    nav = {k: v for entry in config["nav"] for k, v in entry.items()}
    api_pages = {page for entry in nav["API reference"] for page in entry.values()}
    assert "architecture.md" in str(config["nav"])
    for dist, sub in DISTRIBUTIONS.items():
        page = f"api/{sub}.md"
        assert page in api_pages, f"mkdocs.yml's API reference lacks {page} ({dist})"
        assert f"::: mme.{sub}" in (ROOT / "docs" / page).read_text(encoding="utf-8")


def copy_sources(target: Path) -> Path:
    """Merge every package's src/mme into target/src/mme (no __init__.py at the top)."""
    src = target / "src"
    for package in (ROOT / "packages").iterdir():
        shutil.copytree(
            package / "src", src, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return src


def lint_imports(workdir: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is not installed in this environment"
    return subprocess.run(
        [exe, "--config", str(workdir / "pyproject.toml"), "--no-cache"],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(workdir / "src"), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


def test_contracts_pass_on_the_tree_and_bite_on_a_planted_import(tmp_path: Path) -> None:
    src = copy_sources(tmp_path)
    clean = lint_imports(tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    (src / "mme" / "config" / "_planted_torch.py").write_text("import torch\n")
    (src / "mme" / "logging" / "_planted_upward.py").write_text("import mme.dist\n")
    broken = lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "mme.config imports only its row of the table BROKEN" in broken.stdout
    assert "mme.logging imports only its row of the table BROKEN" in broken.stdout
    assert "mme.config._planted_torch -> torch" in broken.stdout
    assert "mme.logging._planted_upward -> mme.dist" in broken.stdout


def check_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_imports.py"), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_declared_dependencies_are_exactly_the_imports() -> None:
    result = check_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "declared dependencies are exactly the imports of their code" in result.stdout


def test_the_import_check_names_an_undeclared_and_an_unused_dependency(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "packages", tmp_path / "packages", ignore=shutil.ignore_patterns("__pycache__")
    )
    config = tmp_path / "packages" / "mme-config"
    (config / "src" / "mme" / "config" / "_planted.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import numpy\n"
        "if TYPE_CHECKING:\n"
        "    import torch  # annotations only: not a dependency\n"
    )
    registry = tmp_path / "packages" / "mme-registry" / "pyproject.toml"
    text = registry.read_text()
    registry.write_text(text.replace("dependencies = []", 'dependencies = ["mme-config~=0.1.0"]'))
    result = check_imports(tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "mme-config: imports numpy (packages/mme-config/src/mme/config/_planted.py:2) "
        "but packages/mme-config/pyproject.toml does not declare it"
    ) in lines
    assert (
        "mme-registry: declares mme-config in packages/mme-registry/pyproject.toml "
        "but its code never imports it"
    ) in lines
    assert not any("torch" in line for line in lines)
