"""tools/spec_coverage.py, the table of `nox -s spec`: with FEATURES.md and without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.spec(infra="nox -s spec works on a clone without FEATURES.md")


def spec_coverage(tmp_path: Path, features: Path | None) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "spec.json"
    report.write_text(json.dumps({"CFG-01": ["t1"], "REG-02": ["t2"]}))
    env = {**os.environ, "MME_FEATURES": str(features or tmp_path / "absent" / "FEATURES.md")}
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "spec_coverage.py"), str(report)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_without_features_md_the_uncovered_list_is_skipped_in_one_line(tmp_path: Path) -> None:
    result = spec_coverage(tmp_path, None)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "mme-config: 1 covered: CFG-01" in lines
    assert "mme-registry: 1 covered: REG-02" in lines
    skipped = [line for line in lines if line.startswith("spec: skipped")]
    assert skipped == [
        f"spec: skipped the IDs not yet covered: FEATURES.md is not at "
        f"{tmp_path / 'absent' / 'FEATURES.md'} (set MME_FEATURES to its path)"
    ]


def test_with_features_md_covered_and_uncovered_ids_are_listed(tmp_path: Path) -> None:
    features = tmp_path / "FEATURES.md"
    features.write_text("- **CFG-01** Config.fromfile\n- **CFG-02** dump\n- **REG-02** build\n")
    result = spec_coverage(tmp_path, features)
    assert result.returncode == 0, result.stderr
    assert "mme-config: 1/2 covered\n  covered:     CFG-01\n  not covered: CFG-02" in result.stdout
    assert "total: 2/3 feature IDs covered by at least one passing test" in result.stdout


def test_an_id_that_features_md_does_not_define_fails(tmp_path: Path) -> None:
    features = tmp_path / "FEATURES.md"
    features.write_text("- **CFG-01** Config.fromfile\n")
    result = spec_coverage(tmp_path, features)
    assert result.returncode == 1
    assert "error: tests name IDs that FEATURES.md does not define: REG-02" in result.stdout
