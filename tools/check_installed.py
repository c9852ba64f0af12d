"""Check an installed mme distribution: import every module it ships, from the install.

Usage: python tools/check_installed.py DIST [--no-torch]
       python tools/check_installed.py --all-of-the-family

Run by ``nox -s isolated`` inside the fresh environment that holds only DIST's
wheel and its declared dependencies. Fails when a module does not import, when a
module is imported from the source tree instead of the installed wheel, when the
wheel ships ``mme/__init__.py`` (which would break the namespace), or, with
``--no-torch``, when torch is installed or gets imported. With ``--all-of-the-family``
(``nox -s install``, after ``pip install "mme[all]"``), every distribution of
tools/architecture.py must be installed and pass, and ``mme --version`` must list them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from architecture import DISTRIBUTIONS

SOURCE_TREE = Path(__file__).resolve().parents[1] / "packages"


def shipped_modules(dist: str) -> list[str]:
    files = metadata.files(dist) or []
    modules: list[str] = []
    for file in files:
        parts = file.parts
        if not parts or parts[0] != "mme" or file.suffix != ".py":
            continue
        if parts == ("mme", "__init__.py"):
            raise SystemExit(f"{dist} ships mme/__init__.py: it breaks the PEP 420 namespace")
        name = ".".join(parts)[: -len(".py")]
        modules.append(name.removesuffix(".__init__"))
    if not modules:
        raise SystemExit(f"{dist} ships no module under mme/")
    return sorted(modules)


def import_all(dist: str) -> int:
    """Import every module ``dist`` ships, from the install; return how many."""
    modules = shipped_modules(dist)
    for name in modules:
        if name.endswith("__main__"):
            continue  # running it would execute the command
        module = importlib.import_module(name)
        origin = Path(module.__file__ or "").resolve()
        if SOURCE_TREE in origin.parents:
            raise SystemExit(f"{name} was imported from the source tree ({origin}), not the wheel")
    return len(modules)


def check_family() -> int:
    """Every mme distribution is installed, imports, and ``mme --version`` lists it."""
    missing = []
    for dist in DISTRIBUTIONS:
        try:
            metadata.version(dist)
        except metadata.PackageNotFoundError:
            missing.append(dist)
    if missing:
        raise SystemExit(f"not installed: {', '.join(missing)}")
    count = sum(import_all(dist) for dist in DISTRIBUTIONS)
    mme = shutil.which("mme", path=str(Path(sys.executable).parent))
    if mme is None:
        raise SystemExit("the mme command is not installed next to the interpreter")
    out = subprocess.run([mme, "--version"], capture_output=True, text=True, check=True).stdout
    listed = [line.split()[0] for line in out.splitlines()]
    if sorted(listed) != sorted(DISTRIBUTIONS):
        raise SystemExit(f"mme --version lists {listed}, expected {list(DISTRIBUTIONS)}")
    print(f"{len(DISTRIBUTIONS)} distributions installed: imported {count} modules from the wheels")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", nargs="?")
    parser.add_argument("--no-torch", action="store_true", help="torch must not be installed")
    parser.add_argument(
        "--all-of-the-family", action="store_true", help="every mme distribution is installed"
    )
    args = parser.parse_args()
    if args.all_of_the_family:
        return check_family()
    if not args.dist:
        parser.error("name a distribution, or pass --all-of-the-family")
    if args.no_torch and importlib.util.find_spec("torch") is not None:
        raise SystemExit(f"torch is installed in the environment of {args.dist}; it must not be")
    count = import_all(args.dist)
    if args.no_torch and "torch" in sys.modules:
        raise SystemExit(f"importing {args.dist} imported torch")
    print(f"{args.dist} {metadata.version(args.dist)}: imported {count} modules from the wheel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
