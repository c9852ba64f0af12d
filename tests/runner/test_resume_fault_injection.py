"""SIGKILL at random moments during checkpoint saves never breaks the latest checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .fault_injection import kill_during_saves

# 3 here (about 4 s each on the CI machine); tools/benchmarks/bench_resume.py runs 50.
KILLS = int(os.environ.get("MME_FAULT_KILLS", "3"))


@pytest.mark.spec("RUN-22", "RUN-16")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_during_saves_leaves_a_loadable_latest_checkpoint(tmp_path: Path) -> None:
    result = kill_during_saves(tmp_path, kills=KILLS, width=256, max_delay=0.15)
    assert result["kills"] == KILLS
    assert result["iterations"][-1] > 0, "no checkpoint was ever completed"
    # training makes progress from kill to kill: each child resumes where the last stopped
    assert result["iterations"] == sorted(result["iterations"])
