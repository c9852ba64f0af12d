"""SIGTERM to a real training process: it saves, exits 143, and resumes exactly (RUN-22).

The training process is forked from the test (mme is imported already); preemption_script.py
also runs on its own: ``python tests/runner/preemption_script.py WORK_DIR READY_FILE``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import time
from pathlib import Path

import pytest
import torch

from mme.runner import PreemptionHook

from .resume_toys import assert_same, outcome, train

_spec = importlib.util.spec_from_file_location(
    "preemption_script", Path(__file__).with_name("preemption_script.py")
)
assert _spec is not None
assert _spec.loader is not None
preemption_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(preemption_script)


def _train_in_child(work_dir: Path, ready: Path, output: Path) -> int:
    """Fork a training process (mme is imported already: no interpreter start-up)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            preemption_script.train(work_dir, ready)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            os._exit(code)
    return pid


@pytest.mark.spec("RUN-22")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigterm_saves_exits_and_resumes_exactly(tmp_path: Path) -> None:
    work_dir, ready, out = tmp_path / "work", tmp_path / "ready", tmp_path / "out.txt"
    pid = _train_in_child(work_dir, ready, out)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                pytest.fail(f"the training process ended early:\n{out.read_text()[-3000:]}")
            time.sleep(0.02)
        assert ready.exists(), "the training process did not reach iteration 3"
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    output = out.read_text()
    assert os.WIFEXITED(status), output[-3000:]
    assert os.WEXITSTATUS(status) == 143, output[-3000:]
    (saved,) = work_dir.glob("preempted_iter_*.pth")
    stopped_at = int(saved.stem.rsplit("_", 1)[1])
    assert 3 <= stopped_at < 12
    assert (work_dir / "last_checkpoint").read_text() == str(saved)
    log = next(work_dir.glob("*/*.log")).read_text()
    assert f"Received SIGTERM: stopping after iteration {stopped_at}" in log
    assert f"Saved {saved}; exiting with status 143" in log
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
    with pytest.raises(ValueError, match=r"unknown signal 'SIGTREM'\. Did you mean 'SIGTERM'"):
        PreemptionHook(signals=["SIGTREM"])
    with pytest.raises(ValueError, match="sync_interval must be a positive int, got 0"):
        PreemptionHook(sync_interval=0)
