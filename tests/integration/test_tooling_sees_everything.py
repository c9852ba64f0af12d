"""The tools see every package and test folder, and the environments agree.

A folder named ``dist`` has been skipped by three tools' defaults (.gitignore, pytest's
norecursedirs, ruff's exclude). The expected folders are computed from packages/ and
tests/ on disk, so a new package is covered without editing this file.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from architecture import DISTRIBUTIONS, TORCH_FREE  # noqa: E402

pytestmark = pytest.mark.spec(infra="the tools see every package and test folder")

PACKAGE_SOURCES = sorted(ROOT.glob("packages/*/src/mme/*/"))
TEST_FOLDERS = sorted(
    p for p in (ROOT / "tests").iterdir() if p.is_dir() and any(p.glob("test_*.py"))
)


def load_noxfile() -> ModuleType:
    pytest.importorskip("nox", reason="nox is in the workspace environment; it is missing here")
    return _load_noxfile()


@functools.cache  # nox registers each session when the file runs: once
def _load_noxfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mme_noxfile", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def root_pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def test_the_folders_are_found() -> None:
    subs = {p.name for p in PACKAGE_SOURCES}
    assert subs == set(DISTRIBUTIONS.values())
    assert {"dist", "integration"} <= {p.name for p in TEST_FOLDERS}


def test_ruff_checks_every_source_and_test_file() -> None:
    pytest.importorskip("ruff", reason="ruff is in the workspace environment; it is missing here")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--show-files", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = {Path(line).resolve() for line in result.stdout.splitlines() if line.endswith(".py")}
    wanted = [*ROOT.glob("packages/*/src/**/*.py"), *ROOT.glob("tests/**/*.py")]
    expected = {
        p.resolve() for p in wanted if "fixtures" not in p.parts and "__pycache__" not in p.parts
    }
    missed = sorted(str(p.relative_to(ROOT)) for p in expected - seen)
    assert not missed, f"ruff skips {missed}"


def test_mypy_checks_every_package() -> None:
    noxfile = load_noxfile()
    assert set(noxfile.mypy_packages()) == {f"mme.{p.name}" for p in PACKAGE_SOURCES}
    mypy = root_pyproject()["tool"]["mypy"]
    assert not {"exclude", "files"} & set(mypy), "mypy must not skip a folder"


def test_a_plain_pytest_run_collects_every_test_folder() -> None:
    # pytest's default norecursedirs contains "dist", which once hid tests/dist.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    folders = {
        line.split("/")[1] for line in result.stdout.splitlines() if line.startswith("tests/")
    }
    expected = {p.name for p in TEST_FOLDERS} | set(DISTRIBUTIONS.values())
    assert expected <= folders, f"never collected: {sorted(expected - folders)}"


def test_hatch_and_nox_install_one_list() -> None:
    noxfile = load_noxfile()
    hatch_env = root_pyproject()["tool"]["hatch"]["envs"]["default"]
    assert noxfile.workspace_requirements() == hatch_env["dependencies"]
    for session in (noxfile.tests, noxfile.lint, noxfile.spec, noxfile.bench):
        assert "install_workspace(session" in inspect.getsource(session.func)
    assert "workspace_requirements()" in inspect.getsource(noxfile.install_workspace)


def test_the_workspace_list_holds_every_test_dependency_group() -> None:
    workspace = {
        Requirement(r).name.lower()
        for r in root_pyproject()["tool"]["hatch"]["envs"]["default"]["dependencies"]
    }
    for dist in DISTRIBUTIONS:
        with (ROOT / "packages" / dist / "pyproject.toml").open("rb") as f:
            groups = tomllib.load(f).get("dependency-groups", {})
        for requirement in groups.get("test", []):
            name = Requirement(requirement).name.lower()
            if not name.startswith("mme"):  # mme distributions are installed editable
                assert name in workspace, (
                    f"{dist}'s test group needs {name}: add it to "
                    "[tool.hatch.envs.default] dependencies in the root pyproject.toml"
                )
    assert "torch==2.13.0" in root_pyproject()["tool"]["hatch"]["envs"]["default"]["dependencies"]
    assert (ROOT / "tools" / "constraints.txt").read_text().split() == ["torch==2.13.0"]


def test_isolated_runs_torch_free_packages_on_the_lowest_and_highest_python() -> None:
    noxfile = load_noxfile()
    lowest = noxfile.LOWEST_PYTHON
    for dist in DISTRIBUTIONS:
        with (ROOT / "packages" / dist / "pyproject.toml").open("rb") as f:
            assert tomllib.load(f)["project"]["requires-python"] == f">={lowest}"
        torch_free = DISTRIBUTIONS[dist] in TORCH_FREE or dist == "mme"
        expected = [lowest, noxfile.HIGHEST_PYTHON] if torch_free else [noxfile.TORCH_PYTHON]
        assert noxfile.pythons(dist) == expected, dist
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    text = str(workflow)
    for python in (lowest, noxfile.HIGHEST_PYTHON, noxfile.TORCH_PYTHON):
        assert f"'{python}'" in text, f".github/workflows/ci.yml does not set up Python {python}"
