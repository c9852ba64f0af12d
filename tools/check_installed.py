"""Check an installed mme distribution: import every module it ships, from the install.

Usage: python tools/check_installed.py DIST [--no-torch]

Run by ``nox -s isolated`` inside the fresh environment that holds only DIST's
wheel and its declared dependencies. Fails when a module does not import, when a
module is imported from the source tree instead of the installed wheel, when the
wheel ships ``mme/__init__.py`` (which would break the namespace), or, with
``--no-torch``, when torch is installed or gets imported.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from importlib import metadata
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist")
    parser.add_argument("--no-torch", action="store_true", help="torch must not be installed")
    args = parser.parse_args()
    if args.no_torch and importlib.util.find_spec("torch") is not None:
        raise SystemExit(f"torch is installed in the environment of {args.dist}; it must not be")
    modules = shipped_modules(args.dist)
    for name in modules:
        if name.endswith("__main__"):
            continue  # running it would execute the command
        module = importlib.import_module(name)
        origin = Path(module.__file__ or "").resolve()
        if SOURCE_TREE in origin.parents:
            raise SystemExit(f"{name} was imported from the source tree ({origin}), not the wheel")
    if args.no_torch and "torch" in sys.modules:
        raise SystemExit(f"importing {args.dist} imported torch")
    print(
        f"{args.dist} {metadata.version(args.dist)}: imported {len(modules)} modules from the wheel"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
