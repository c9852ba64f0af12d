"""Exact resume on 2 gloo ranks (RUN-22): every rank's random state and local gradients.

Under DDP with gradient accumulation each rank's gradients stay local until the group
ends; the checkpoint of iteration 5 (two iterations into a group of 3) holds both ranks'.
One launch of tests/dist's harness runs the whole scenario.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from .resume_toys import assert_same

HERE = Path(__file__).parent


def _run_ranks(tmp_path: Path, scenario: str) -> list[Any]:
    spec = importlib.util.spec_from_file_location(
        "mme_dist_harness", HERE.parent / "dist" / "conftest.py"
    )
    assert spec is not None
    assert spec.loader is not None
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    return harness.run_ranks(
        tmp_path, f"{HERE / 'resume_dist_scenarios.py'}::{scenario}", limit=120.0
    )  # type: ignore[no-any-return]


@pytest.mark.spec("RUN-22", "RUN-31")
def test_two_ranks_resume_bit_identical(tmp_path: Path) -> None:
    ranks = _run_ranks(tmp_path, "resume_two_ranks")
    for rank, result in enumerate(ranks):
        # rank 1 got SIGTERM in iteration 3: both ranks saved once and stopped after it
        assert result["preempted"] == dict(code=143, iter=2, files=["preempted_iter_3.pth"])
        assert result["stopped_iter"] == 4
        assert result["saved_ranks"] == 2
        assert all(names for names in result["saved_grads"]), "each rank's gradients are saved"
        assert_same(result["full"], result["resumed"], after=5, logs=rank == 0)
    for key, value in ranks[0]["resumed"]["weights"].items():
        assert value.equal(ranks[1]["resumed"]["weights"][key]), key
