"""Print, per distribution, the FEATURES.md IDs covered by passing tests and those not yet.

Usage: python tools/spec_coverage.py REPORT.json [--features PATH]

REPORT.json is written by ``pytest --spec-report``. FEATURES.md is not part of the
repository: it is looked up at ``--features``, ``$MME_FEATURES`` or
``../shared/spec/FEATURES.md`` next to the repository. Without it (a plain clone), the
covered IDs are printed per distribution and the list of IDs not yet covered is skipped
with a one-line message; the exit status is 0 either way, unless tests name IDs that
FEATURES.md does not define.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from architecture import DISTRIBUTIONS

ROOT = Path(__file__).resolve().parents[1]

#: ID prefix -> distribution. ARCHITECTURE.md places ManagerMixin in mme-logging.
PREFIX_OWNER = {
    "CFG": "mme-config",
    "REG": "mme-registry",
    "FIO": "mme-fileio",
    "LOG": "mme-logging",
    "MGR": "mme-logging",
    "DIST": "mme-dist",
    "OPT": "mme-optim",
    "DS": "mme-dataset",
    "ANA": "mme-analysis",
}
#: IDs whose code lives elsewhere than their prefix says (see FEATURES.md notes).
ID_OWNER = {
    "FIO-07": "mme-runner",  # checkpoints across storages: runner/checkpoint
    "LOG-19": "mme-runner",  # LogProcessor lives with the runner
    "LOG-20": "mme-runner",
    "LOG-21": "mme-runner",
    "LOG-22": "mme-runner",
}
FEATURE_ID = re.compile(r"^- \*\*([A-Z]+-\d{2})\b", re.M)


def features_path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("MME_FEATURES"):
        return Path(os.environ["MME_FEATURES"])
    return ROOT.parent / "shared" / "spec" / "FEATURES.md"


def owner(feature_id: str) -> str:
    prefix = feature_id.split("-")[0]
    return ID_OWNER.get(feature_id) or PREFIX_OWNER.get(prefix, "mme-runner")


def covered_only(covered: list[str], missing: Path) -> int:
    """The covered IDs per distribution, when FEATURES.md is not at hand."""
    per_dist: dict[str, list[str]] = {d: [] for d in DISTRIBUTIONS if d != "mme"}
    for feature_id in covered:
        per_dist.setdefault(owner(feature_id), []).append(feature_id)
    for dist, ids in per_dist.items():
        print(f"{dist}: {len(ids)} covered: {' '.join(ids) or '-'}")
    print(
        f"spec: skipped the IDs not yet covered: FEATURES.md is not at {missing} "
        "(set MME_FEATURES to its path)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--features", default=None)
    args = parser.parse_args(argv)
    path = features_path(args.features)
    if args.features and not path.is_file():
        parser.error(f"FEATURES.md not found at {path}")
    covered_ids = sorted(json.loads(args.report.read_text()))
    if not path.is_file():
        return covered_only(covered_ids, path)
    all_ids = list(dict.fromkeys(FEATURE_ID.findall(path.read_text(encoding="utf-8"))))
    covered = set(covered_ids)
    unknown = sorted(covered - set(all_ids))
    per_dist: dict[str, list[str]] = {d: [] for d in DISTRIBUTIONS if d != "mme"}
    for feature_id in all_ids:
        per_dist.setdefault(owner(feature_id), []).append(feature_id)
    total = 0
    for dist, ids in per_dist.items():
        done = [i for i in ids if i in covered]
        todo = [i for i in ids if i not in covered]
        total += len(done)
        print(f"{dist}: {len(done)}/{len(ids)} covered")
        print(f"  covered:     {' '.join(done) or '-'}")
        print(f"  not covered: {' '.join(todo) or '-'}")
    print(f"total: {total}/{len(all_ids)} feature IDs covered by at least one passing test")
    if unknown:
        print(f"error: tests name IDs that FEATURES.md does not define: {' '.join(unknown)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
