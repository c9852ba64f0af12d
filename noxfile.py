"""Every automated task of the mme repository.

    nox -s tests            the whole suite, every package installed editable, plus torch
    nox -s isolated         each distribution's wheel alone in a fresh environment
    nox -s isolated -p 3.10 those on one Python
    nox -s "isolated(python='3.10', dist='mme-config')"   one of them
    nox -s lint             ruff, ruff format, import-linter, mypy, declared = imported
    nox -s build            sdist and wheel of all ten distributions, metadata checked
    nox -s install          what docs/install.md says: wheels to a folder, mme[all] from it
    nox -s docs             the documentation, warnings as errors
    nox -s spec             which FEATURES.md IDs passing tests cover, per distribution
    nox -s bench            the benchmarks of tools/benchmarks/, against their baselines

torch is always installed as torch==2.13.0 (tools/constraints.txt pins it for every
install), so no session can pull another build. The torch-free distributions are tested
on the lowest and the highest supported Python, the others on TORCH_PYTHON.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent / "tools"))
from architecture import DEPENDS, DISTRIBUTIONS, META, TORCH_FREE

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = True
nox.options.default_venv_backend = "venv"  # chosen: the sessions never use uv
# nox probes for uv anyway and logs "uv binary not found." on every session: drop that line.
logging.getLogger("nox").addFilter(lambda record: "uv binary not found" not in record.getMessage())

ROOT = Path(__file__).parent
CONSTRAINTS = str(ROOT / "tools" / "constraints.txt")
TORCH = "torch==2.13.0"
WHEELHOUSE = ROOT / ".nox" / "_wheelhouse"
DOCS_TOOLS = ["mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "ruff>=0.6"]
#: The lowest and the highest Python the packages support (requires-python = ">=3.10").
LOWEST_PYTHON, HIGHEST_PYTHON = "3.10", "3.13"
#: The one Python the torch distributions are tested on (the torch 2.13.0 wheel at hand).
TORCH_PYTHON = "3.11"


def package_dir(dist: str) -> Path:
    return ROOT / "packages" / dist


def closure(dist: str) -> list[str]:
    """``dist`` and every mme distribution it depends on, dependencies first."""
    sub = DISTRIBUTIONS[dist]
    subs = list(DEPENDS) if sub == META else [sub]
    seen: list[str] = []

    def visit(s: str) -> None:
        for dep in DEPENDS[s]:
            visit(dep)
        if s not in seen:
            seen.append(s)

    for s in subs:
        visit(s)
    if sub == META:  # the meta-package itself needs only the torch-free core
        seen = [s for s in seen if s in TORCH_FREE]
    dists = [f"mme-{s}" for s in seen]
    return [*dists, dist] if sub == META else dists


def needs_torch(dist: str) -> bool:
    return any(DISTRIBUTIONS[d] not in TORCH_FREE and d != "mme" for d in closure(dist))


def test_requirements(*dists: str) -> list[str]:
    """The union of the ``test`` dependency groups of ``dists``."""
    reqs: list[str] = []
    for dist in dists:
        pyproject = nox.project.load_toml(package_dir(dist) / "pyproject.toml")
        for req in nox.project.dependency_groups(pyproject, "test"):
            if req not in reqs:
                reqs.append(req)
    return reqs


def pythons(dist: str) -> list[str]:
    """The Pythons ``nox -s isolated`` tests ``dist`` on."""
    return [TORCH_PYTHON] if needs_torch(dist) else [LOWEST_PYTHON, HIGHEST_PYTHON]


def workspace_requirements() -> list[str]:
    """The hatch workspace environment's dependencies: one list for hatch and nox."""
    pyproject = nox.project.load_toml(ROOT / "pyproject.toml")
    return list(pyproject["tool"]["hatch"]["envs"]["default"]["dependencies"])


def mypy_packages() -> list[str]:
    """The import packages mypy checks: one per distribution."""
    return [f"mme.{sub}" for sub in DISTRIBUTIONS.values()]


def install(session: nox.Session, *args: str) -> None:
    session.install("-q", "-c", CONSTRAINTS, *args)


def install_workspace(session: nox.Session, *extra: str) -> None:
    """Every package editable, plus the hatch workspace environment's dependencies."""
    install(session, TORCH)
    editables = [f"-e{package_dir(d)}" for d in DISTRIBUTIONS]
    install(session, *editables, *workspace_requirements(), *extra)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite with every package installed editable."""
    install_workspace(session)
    session.run("pytest", *session.posargs)


_built_wheels = False


def build_wheelhouse(session: nox.Session) -> None:
    """Build the wheel of every distribution once per nox run into .nox/_wheelhouse."""
    global _built_wheels
    if _built_wheels:
        return
    shutil.rmtree(WHEELHOUSE, ignore_errors=True)
    WHEELHOUSE.mkdir(parents=True)
    dirs = [str(package_dir(d)) for d in DISTRIBUTIONS]
    session.run("python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(WHEELHOUSE), *dirs)
    _built_wheels = True


def wheel_of(dist: str) -> str:
    name = dist.replace("-", "_")
    found = sorted(WHEELHOUSE.glob(f"{name}-*.whl"))
    if len(found) != 1:
        raise RuntimeError(f"expected one wheel for {dist} in {WHEELHOUSE}, found {found}")
    return str(found[0])


@nox.session
@nox.parametrize(("python", "dist"), [(py, d) for d in DISTRIBUTIONS for py in pythons(d)])
def isolated(session: nox.Session, dist: str) -> None:
    """One distribution's wheel alone with its declared dependencies; its tests against it."""
    build_wheelhouse(session)
    if needs_torch(dist):
        install(session, TORCH)
    # Only the wheel is named: pip finds its declared mme dependencies in the wheelhouse,
    # so an undeclared one is missing here, as it would be for a user.
    install(session, "--find-links", str(WHEELHOUSE), wheel_of(dist), *test_requirements(dist))
    check = [dist, *(["--no-torch"] if not needs_torch(dist) else [])]
    session.run("python", str(ROOT / "tools" / "check_installed.py"), *check)
    session.run(
        "pytest",
        f"tests/{DISTRIBUTIONS[dist]}",
        "-q",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, ruff format, the import-linter contracts, mypy, declared = imported dependencies."""
    install_workspace(session)
    session.run("ruff", "check", "--quiet", ".")
    session.run("ruff", "format", "--check", "--quiet", ".")
    session.run("lint-imports", "--no-cache", silent=True)  # its banner only on failure
    session.run("mypy", *[arg for module in mypy_packages() for arg in ("-p", module)])
    session.run("python", str(ROOT / "tools" / "check_imports.py"))


@nox.session
def build(session: nox.Session) -> None:
    """sdist and wheel of all ten distributions into dist/, checked with twine."""
    session.install("-q", "build>=1.2", "twine>=6.1")
    out = ROOT / "dist"
    shutil.rmtree(out, ignore_errors=True)
    for dist in DISTRIBUTIONS:  # build's log is shown only when it fails
        session.run("python", "-m", "build", "--outdir", str(out), package_dir(dist), silent=True)
    built = [str(p) for p in sorted(out.iterdir())]
    session.run("twine", "--no-color", "check", "--strict", *built, silent=True)
    session.log(f"twine check --strict: {len(built)} files passed")
    session.run("python", str(ROOT / "tools" / "check_dists.py"), str(out))


@nox.session(name="install")
def install_from_checkout(session: nox.Session) -> None:
    """docs/install.md's install from a checkout, as written: wheels to a folder, then mme[all]."""
    wheelhouse = Path(session.create_tmp()) / "wheelhouse"
    shutil.rmtree(wheelhouse, ignore_errors=True)
    folders = [str(package_dir(d)) for d in DISTRIBUTIONS]
    session.run("python", "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheelhouse), *folders)
    # tools/constraints.txt keeps torch at the CPU build this machine has (docs: CPU torch).
    install(session, "--find-links", str(wheelhouse), "mme[all]")
    session.run("python", str(ROOT / "tools" / "check_installed.py"), "--all-of-the-family")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors."""
    # mkdocstrings reads the sources of packages/*/src statically (paths in mkdocs.yml).
    install(session, *DOCS_TOOLS)
    session.run(
        "mkdocs",
        "build",
        "--quiet",
        "--strict",
        "--site-dir",
        str(ROOT / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def spec(session: nox.Session) -> None:
    """Print the FEATURES.md IDs covered by passing tests, per distribution.

    FEATURES.md is not part of the repository: it is looked up at ``$MME_FEATURES`` or
    ``../shared/spec/FEATURES.md``. Without it the table of uncovered IDs is skipped.
    """
    install_workspace(session)
    report = ROOT / "reports" / "spec.json"
    session.run("pytest", "-q", f"--spec-report={report}", *session.posargs, success_codes=[0, 1])
    session.run("python", str(ROOT / "tools" / "spec_coverage.py"), str(report))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every tools/benchmarks/bench_*.py (mmengine 0.10.7 is a baseline), then one summary.

    A benchmark that misses its target does not stop the others. The session fails only
    when a ratio is far from its target (see tools/benchmarks/_harness.py).
    """
    install_workspace(session, "mmengine==0.10.7")
    results = Path(session.create_tmp()) / "bench-results.jsonl"
    results.unlink(missing_ok=True)
    scripts = sorted((ROOT / "tools" / "benchmarks").glob("bench_*.py"))
    chosen = [s for s in scripts if not session.posargs or s.stem in session.posargs]
    env = {"MME_BENCH_RESULTS": str(results)}
    for script in chosen:
        try:  # exit status 1 (a target missed) is not the verdict: the summary gives it
            session.run("python", str(script), env=env, success_codes=[0, 1])
        except nox.command.CommandFailed:  # it crashed: recorded, and the next one runs
            with results.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"bench": script.stem, "crashed": True}) + "\n")
    harness = str(ROOT / "tools" / "benchmarks" / "_harness.py")
    session.run("python", harness, str(results), *[s.stem for s in chosen])


DEMO_CHECK = """
import json, pathlib, sys
work_dir = pathlib.Path(sys.argv[1])
runs = sorted(p for p in work_dir.iterdir() if (p / "vis_data" / "scalars.json").is_file())
records = [json.loads(line) for line in (runs[-1] / "vis_data" / "scalars.json").open()]
accuracy = [r["accuracy"] for r in records if "accuracy" in r][-1]
print(f"final validation accuracy: {accuracy:.2f} %")
sys.exit(0 if accuracy >= 95 else 1)
"""


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: train the digits classifier of examples/digits from its config."""
    install(session, TORCH)
    dists = [f"-e{package_dir(d)}" for d in closure("mme-runner")] + [f"-e{package_dir('mme')}"]
    install(session, *dists, "scikit-learn")
    work_dir = Path(session.create_tmp()) / "digits"
    shutil.rmtree(work_dir, ignore_errors=True)
    config = str(ROOT / "examples" / "digits" / "digits_config.py")
    env = {"OMP_NUM_THREADS": "1"}  # one thread per process: fastest for a small model
    session.run("mme", "train", config, "--work-dir", str(work_dir), env=env)
    session.run("python", "-c", DEMO_CHECK, str(work_dir))
