"""The dependency rules of ARCHITECTURE.md hold: in the metadata and in the code.

tools/architecture.py holds the package table as data. These tests check it against
ARCHITECTURE.md itself, against every package's pyproject.toml, against the
import-linter contracts of the root pyproject.toml, and check that the contracts
really fail when a forbidden import is planted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE_MD = ROOT.parent / "shared" / "design" / "ARCHITECTURE.md"
sys.path.insert(0, str(ROOT / "tools"))
from architecture import (  # noqa: E402
    DEPENDS,
    DISTRIBUTIONS,
    META,
    TORCH_FREE,
    importlinter_contracts,
)

pytestmark = pytest.mark.spec(infra="ARCHITECTURE.md's dependency rules are enforced")


def load_pyproject(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def architecture_rows() -> dict[str, tuple[tuple[str, ...], set[str], set[str]]]:
    """distribution -> (mme deps, third-party deps, extras), parsed from ARCHITECTURE.md."""
    if not ARCHITECTURE_MD.is_file():
        pytest.skip(f"{ARCHITECTURE_MD} is not beside this checkout")
    rows: dict[str, tuple[tuple[str, ...], set[str], set[str]]] = {}
    earlier: list[str] = []
    for line in ARCHITECTURE_MD.read_text().splitlines():
        match = re.match(r"\|\s*`(mme-\w+)`\s*\|[^|]*\|([^|]*)\|([^|]*)\|", line)
        if not match:
            continue
        dist, mme_col, third_col = match[1], match[2].strip(), match[3].strip()
        if mme_col == "none":
            mme: tuple[str, ...] = ()
        elif mme_col == "all of the above":
            mme = tuple(earlier)
        else:
            mme = tuple(s.strip() for s in mme_col.split(","))
        third_col = re.sub(r"\(.*?\)", "", third_col)
        third, _, extras_col = third_col.partition("; extras:")
        third_party = {s.strip() for s in third.split(",") if s.strip() and s.strip() != "none"}
        extras = {s.strip() for s in extras_col.split(",") if s.strip()}
        rows[dist] = (mme, third_party, extras)
        earlier.append(dist.removeprefix("mme-"))
    return rows


def test_the_table_in_tools_matches_architecture_md() -> None:
    rows = architecture_rows()
    assert {d: set(row[0]) for d, row in rows.items()} == {
        f"mme-{s}": set(d) for s, d in DEPENDS.items()
    }


@pytest.mark.parametrize("dist", [d for d in DISTRIBUTIONS if d != "mme"])
def test_pyproject_declares_exactly_its_row(dist: str) -> None:
    mme, third_party, extras = architecture_rows()[dist]
    project = load_pyproject(ROOT / "packages" / dist / "pyproject.toml")["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    assert {r.name for r in requirements if r.name.startswith("mme-")} == {f"mme-{s}" for s in mme}
    assert {r.name.lower() for r in requirements if not r.name.startswith("mme-")} == third_party
    for extra in extras:
        assert extra in project.get("optional-dependencies", {}), f"{dist} lacks extra {extra}"
    assert project["requires-python"] == ">=3.10"


def test_meta_package_core_and_extras() -> None:
    project = load_pyproject(ROOT / "packages" / "mme" / "pyproject.toml")["project"]
    core = {Requirement(r).name for r in project["dependencies"]}
    assert core == {f"mme-{s}" for s in TORCH_FREE}
    extras = project["optional-dependencies"]
    assert set(extras) == {"runner", "analysis", "tensorboard", "wandb", "all"}
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
    declared = load_pyproject(ROOT / "pyproject.toml")["tool"]["importlinter"]["contracts"]
    expected = tomllib.loads(importlinter_contracts())["tool"]["importlinter"]["contracts"]
    assert declared == expected
    by_source = {c["source_modules"][0]: set(c["forbidden_modules"]) for c in declared}
    for sub in TORCH_FREE:
        assert "torch" in by_source[f"mme.{sub}"]
    assert f"mme.{META}" in by_source["mme.runner"]


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
