"""Check the built sdists and wheels of dist/ against the architecture table.

Usage: python tools/check_dists.py DIR

For each distribution of tools/architecture.py: exactly one wheel and one sdist; the
wheel's metadata requires Python >= 3.10, declares an SPDX license, and requires exactly
the mme distributions its pyproject.toml declares (within its row of the table); the
wheel ships ``py.typed``, no ``mme/__init__.py``, and every module of its source folder
(a build include that skips a folder, say one named ``dist``, shows here), and so does
the sdist.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

from architecture import DEPENDS, DISTRIBUTIONS, META, ROOT, TORCH_FREE, declared_mme


def expected_mme_requirements(dist: str) -> set[str]:
    sub = DISTRIBUTIONS[dist]
    if sub == META:
        return {f"mme-{s}" for s in TORCH_FREE}
    declared = declared_mme(dist)
    if not set(declared) <= set(DEPENDS[sub]):
        raise SystemExit(f"{dist} declares {declared}: its row allows only {DEPENDS[sub]}")
    return {f"mme-{s}" for s in declared}


def source_modules(dist: str) -> set[str]:
    """The .py files of packages/<dist>/src, as paths inside the wheel (mme/...)."""
    src = ROOT / "packages" / dist / "src"
    return {str(p.relative_to(src)) for p in src.rglob("*.py") if "__pycache__" not in p.parts}


def check(out: Path, dist: str) -> list[str]:
    problems: list[str] = []
    stem = dist.replace("-", "_")
    wheels = list(out.glob(f"{stem}-*.whl"))
    sdists = list(out.glob(f"{stem}-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"{dist}: expected one wheel and one sdist, found {wheels + sdists}"]
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(wheel.read(meta_name).decode())
    missing = source_modules(dist) - set(names)
    if missing:
        problems.append(f"{dist}: the wheel lacks {sorted(missing)}")
    if "mme/__init__.py" in names:
        problems.append(f"{dist}: the wheel ships mme/__init__.py")
    if not any(n.endswith("/py.typed") for n in names):
        problems.append(f"{dist}: the wheel ships no py.typed")
    if meta["Requires-Python"] != ">=3.10":
        problems.append(f"{dist}: Requires-Python is {meta['Requires-Python']!r}")
    if meta["License-Expression"] != "Apache-2.0":
        problems.append(f"{dist}: License-Expression is {meta['License-Expression']!r}")
    requirements = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    mme_required = {r.name for r in requirements if r.name.startswith("mme") and not r.marker}
    if mme_required != expected_mme_requirements(dist):
        problems.append(
            f"{dist}: requires {sorted(mme_required)}, the table says "
            f"{sorted(expected_mme_requirements(dist))}"
        )
    with tarfile.open(sdists[0]) as sdist:
        members = [m.name.split("/", 1)[-1] for m in sdist.getmembers()]
        if "pyproject.toml" not in members:
            problems.append(f"{dist}: the sdist has no pyproject.toml")
        missing = {f"src/{m}" for m in source_modules(dist)} - set(members)
        if missing:
            problems.append(f"{dist}: the sdist lacks {sorted(missing)}")
    return problems


def main() -> int:
    out = Path(sys.argv[1])
    problems = [p for dist in DISTRIBUTIONS for p in check(out, dist)]
    for problem in problems:
        print(problem)
    if not problems:
        print(
            f"{len(DISTRIBUTIONS)} distributions: metadata agrees with the architecture table, "
            "wheels and sdists hold every module of their source folder"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
