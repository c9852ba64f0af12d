"""SIGTERM to a real training process: it saves, exits 143, and resumes exactly (RUN-22)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from mme.runner import PreemptionHook

from .resume_toys import assert_same, outcome, train

SCRIPT = Path(__file__).with_name("preemption_script.py")


@pytest.mark.spec("RUN-22")
def test_sigterm_saves_exits_and_resumes_exactly(tmp_path: Path) -> None:
    work_dir, ready = tmp_path / "work", tmp_path / "ready"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(work_dir), str(ready)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists(), "the training process did not reach iteration 3"
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, output[-3000:]
    (saved,) = work_dir.glob("preempted_iter_*.pth")
    stopped_at = int(saved.stem.rsplit("_", 1)[1])
    assert 3 <= stopped_at < 12
    assert (work_dir / "last_checkpoint").read_text() == str(saved)
    assert f"Received SIGTERM: stopping after iteration {stopped_at}" in output
    assert "exiting with status 143" in output
    log = next(work_dir.glob("*/*.log")).read_text()
    assert f"Saved {saved}; exiting with status 143" in log  # the log file has it too
    assert torch.load(saved, weights_only=True)["meta"]["iter"] == stopped_at

    expected = outcome(train(tmp_path / "full"))
    resumed = train(work_dir, resume=True)
    assert_same(expected, outcome(resumed), after=stopped_at)


@pytest.mark.spec("RUN-22")
def test_preemption_hook_arguments_are_checked() -> None:
    assert PreemptionHook(signals=["USR1", "SIGTERM"]).signals == [
        signal.SIGUSR1,
        signal.SIGTERM,
    ]
    with pytest.raises(ValueError, match="unknown signal 'SIGTREM'; did you mean 'SIGTERM'"):
        PreemptionHook(signals=["SIGTREM"])
    with pytest.raises(ValueError, match="sync_interval must be a positive int, got 0"):
        PreemptionHook(sync_interval=0)
