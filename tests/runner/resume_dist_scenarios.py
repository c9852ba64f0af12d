"""Scenarios of test_resume_distributed.py, run on 2 gloo ranks by tests/dist's harness."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import torch

from mme.dist import barrier, get_rank
from mme.runner import Hook, Runner

sys.path.insert(0, str(Path(__file__).parent))
import resume_toys


def resume_two_ranks() -> dict[str, Any]:
    """Full run, a run stopped part-way through an accumulation group, and its resume."""
    torch.set_num_threads(1)
    tmp = Path(os.environ["MME_TEST_TMP"])
    options: dict[str, Any] = dict(launcher="pytorch", accumulate=3)
    full = resume_toys.outcome(resume_toys.train(tmp / "full", **options))
    stopped = resume_toys.train(tmp / "part", stop_at=5, **options)
    barrier()  # rank 0 writes the checkpoint; the others stopped without waiting for it
    checkpoint = torch.load(tmp / "part" / "iter_5.pth", weights_only=True)
    resumed = resume_toys.outcome(resume_toys.train(tmp / "part", resume=True, **options))
    preempted = _preempt_rank_1(tmp / "preempt")
    return dict(
        preempted=preempted,
        full=full,
        resumed=resumed,
        stopped_iter=stopped.iter,
        saved_ranks=len(checkpoint["resume_state"]["ranks"]),
        saved_grads=[sorted(r.get("grads", {})) for r in checkpoint["resume_state"]["ranks"]],
    )


class _SignalOnRank1(Hook):
    """Rank 1 sends itself SIGTERM during iteration 3; rank 0 never gets a signal."""

    def before_train_iter(self, runner: Runner, batch_idx: int, data_batch: Any = None) -> None:
        if runner.iter + 1 == 3 and get_rank() == 1:
            os.kill(os.getpid(), signal.SIGTERM)


def _preempt_rank_1(work_dir: Path) -> dict[str, Any]:
    """Both ranks stop after the iteration in which rank 1 got the signal."""
    torch.manual_seed(123)
    args = resume_toys.config(work_dir, launcher="pytorch")
    args["custom_hooks"] = [dict(type="PreemptionHook"), _SignalOnRank1()]
    runner = Runner(**args)
    try:
        runner.train()
    except SystemExit as exit_:
        return dict(
            code=exit_.code,
            iter=runner.iter,
            files=sorted(p.name for p in work_dir.glob("preempted_*")),
        )
    return dict(code=None, iter=runner.iter, files=[])
