"""The whole suite is what the README's test command runs: no folder is silently skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from architecture import DISTRIBUTIONS  # noqa: E402

pytestmark = pytest.mark.spec(infra="a plain pytest run collects every package's tests")


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
    expected = {*DISTRIBUTIONS.values(), "integration"}
    assert expected <= folders, f"never collected: {sorted(expected - folders)}"
