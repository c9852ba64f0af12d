"""Every automated task of the mme repository.

    nox -s tests            the whole suite, every package installed editable, plus torch
    nox -s isolated         each distribution's wheel alone in a fresh environment
    nox -s "isolated(dist='mme-config')"   one of them
    nox -s lint             ruff, ruff format, import-linter, mypy
    nox -s build            sdist and wheel of all ten distributions, metadata checked
    nox -s docs             the documentation, warnings as errors
    nox -s spec             which FEATURES.md IDs passing tests cover, per distribution
    nox -s bench            the benchmarks of tools/benchmarks/, against their baselines

torch is always installed as torch==2.13.0 (tools/constraints.txt pins it for every
install), so no session can pull another build.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent / "tools"))
from architecture import DEPENDS, DISTRIBUTIONS, META, TORCH_FREE

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
CONSTRAINTS = str(ROOT / "tools" / "constraints.txt")
TORCH = "torch==2.13.0"
WHEELHOUSE = ROOT / ".nox" / "_wheelhouse"
LINT_TOOLS = ["ruff>=0.6", "mypy>=1.10", "import-linter>=2.1", "types-PyYAML"]
DOCS_TOOLS = ["mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "ruff>=0.6"]
INTEGRATION_TEST_TOOLS = ["import-linter>=2.1", "packaging>=24"]


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


def install(session: nox.Session, *args: str) -> None:
    session.install("-c", CONSTRAINTS, *args)


def install_workspace(session: nox.Session, *extra: str) -> None:
    """Every package editable, torch and the test dependencies of all of them."""
    install(session, TORCH)
    editables = [f"-e{package_dir(d)}" for d in DISTRIBUTIONS]
    reqs = [*test_requirements(*DISTRIBUTIONS), *INTEGRATION_TEST_TOOLS]
    install(session, *editables, *reqs, *extra)


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
@nox.parametrize("dist", list(DISTRIBUTIONS))
def isolated(session: nox.Session, dist: str) -> None:
    """One distribution's wheel alone with its declared dependencies; its tests against it."""
    build_wheelhouse(session)
    if needs_torch(dist):
        install(session, TORCH)
    install(session, *[wheel_of(d) for d in closure(dist)], *test_requirements(dist))
    check = [dist, *(["--no-torch"] if not needs_torch(dist) else [])]
    session.run("python", str(ROOT / "tools" / "check_installed.py"), *check)
    session.run(
        "pytest",
        f"tests/{DISTRIBUTIONS[dist]}",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"MME_ISOLATED": dist},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, ruff format, the import-linter contracts and mypy on packages/."""
    install(session, TORCH)
    install(session, *LINT_TOOLS, *[f"-e{package_dir(d)}" for d in DISTRIBUTIONS])
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")
    modules = [arg for sub in [*DEPENDS, META] for arg in ("-p", f"mme.{sub}")]
    session.run("mypy", *modules)


@nox.session
def build(session: nox.Session) -> None:
    """sdist and wheel of all ten distributions into dist/, checked with twine."""
    session.install("build>=1.2", "twine>=6.1")
    out = ROOT / "dist"
    shutil.rmtree(out, ignore_errors=True)
    for dist in DISTRIBUTIONS:
        session.run("python", "-m", "build", "-q", "--outdir", str(out), str(package_dir(dist)))
    session.run("twine", "check", "--strict", *[str(p) for p in sorted(out.iterdir())])
    session.run("python", str(ROOT / "tools" / "check_dists.py"), str(out))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors."""
    # mkdocstrings reads the sources of packages/*/src statically (paths in mkdocs.yml).
    install(session, *DOCS_TOOLS)
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ROOT / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def spec(session: nox.Session) -> None:
    """Print the FEATURES.md IDs covered by passing tests, per distribution."""
    install_workspace(session)
    report = ROOT / "reports" / "spec.json"
    session.run("pytest", "-q", f"--spec-report={report}", *session.posargs, success_codes=[0, 1])
    session.run("python", str(ROOT / "tools" / "spec_coverage.py"), str(report))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every tools/benchmarks/bench_*.py against its baseline (mmengine 0.10.7 included)."""
    install_workspace(session, "mmengine==0.10.7")
    scripts = sorted((ROOT / "tools" / "benchmarks").glob("bench_*.py"))
    for script in scripts:
        if not session.posargs or script.stem in session.posargs:
            session.run("python", str(script))


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
