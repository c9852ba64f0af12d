"""Copy tools/vendored/suggest.py into every package that uses it, as `_suggest.py`.

    python tools/vendor_suggest.py          # write the copies
    python tools/vendor_suggest.py --check  # exit 1 if a copy differs (tests do this too)

Why copies: the lower packages may not import one another (see docs/development.md),
yet their messages must say "did you mean" the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tools" / "vendored" / "suggest.py"
HEADER = (
    "# Generated from tools/vendored/suggest.py by tools/vendor_suggest.py: do not edit.\n"
    "# Edit the source and run `python tools/vendor_suggest.py`.\n"
)
#: The copies, relative to the repository root.
TARGETS = (
    "packages/mme-config/src/mme/config/_suggest.py",
    "packages/mme-registry/src/mme/registry/_suggest.py",
    "packages/mme-fileio/src/mme/fileio/_suggest.py",
    "packages/mme-logging/src/mme/logging/_suggest.py",
    "packages/mme-dist/src/mme/dist/_suggest.py",
    "packages/mme/src/mme/cli/_suggest.py",
    "packages/mme-optim/src/mme/optim/_suggest.py",
    "packages/mme-dataset/src/mme/dataset/_suggest.py",
    "packages/mme-runner/src/mme/runner/_suggest.py",
)


def expected_text() -> str:
    """What every copy must contain."""
    return HEADER + SOURCE.read_text(encoding="utf-8")


def stale_copies() -> list[str]:
    """The targets whose content differs from the source (or that are missing)."""
    want = expected_text()
    return [
        target
        for target in TARGETS
        if not (ROOT / target).is_file() or (ROOT / target).read_text(encoding="utf-8") != want
    ]


def main(argv: list[str]) -> int:
    stale = stale_copies()
    if "--check" in argv:
        for target in stale:
            print(f"{target} differs from tools/vendored/suggest.py", file=sys.stderr)
        if stale:
            print("run: python tools/vendor_suggest.py", file=sys.stderr)
        return 1 if stale else 0
    for target in stale:
        (ROOT / target).write_text(expected_text(), encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
