"""Check the built sdists and wheels of dist/ against the architecture table.

Usage: python tools/check_dists.py DIR

For each of the ten distributions: exactly one wheel and one sdist; the wheel's
metadata requires Python >= 3.10, declares an SPDX license, and requires exactly
the mme distributions of its row; the wheel ships ``py.typed`` and no
``mme/__init__.py``.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

from architecture import DEPENDS, DISTRIBUTIONS, META, TORCH_FREE


def expected_mme_requirements(dist: str) -> set[str]:
    sub = DISTRIBUTIONS[dist]
    if sub == META:
        return {f"mme-{s}" for s in TORCH_FREE}
    return {f"mme-{s}" for s in DEPENDS[sub]}


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
        if not any(m.name.endswith("/pyproject.toml") for m in sdist.getmembers()):
            problems.append(f"{dist}: the sdist has no pyproject.toml")
    return problems


def main() -> int:
    out = Path(sys.argv[1])
    problems = [p for dist in DISTRIBUTIONS for p in check(out, dist)]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(DISTRIBUTIONS)} distributions: metadata agrees with the architecture table")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
