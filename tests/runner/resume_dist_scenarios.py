"""Scenarios of test_resume_distributed.py, run on 2 gloo ranks by tests/dist's harness."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import torch

from mme.dist import barrier

sys.path.insert(0, str(Path(__file__).parent))
import resume_toys  # noqa: E402


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
    return dict(
        full=full,
        resumed=resumed,
        stopped_iter=stopped.iter,
        saved_ranks=len(checkpoint["resume_state"]["ranks"]),
        saved_grads=[sorted(r.get("grads", {})) for r in checkpoint["resume_state"]["ranks"]],
    )
