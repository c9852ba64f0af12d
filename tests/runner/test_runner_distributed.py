"""A 2-process gloo training through ``python -m torch.distributed.run``, end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).with_name("runner_torchrun_script.py")


@pytest.mark.spec("RUN-32", "RUN-31", "RUN-20", "RUN-16")
def test_two_ranks_train_to_identical_weights(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        str(SCRIPT),
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"torchrun did not finish in 90 s:\n{output[-4000:]}", pytrace=False)
    assert proc.returncode == 0, output[-4000:]
    records = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert [(r["rank"], r["world_size"]) for r in records] == [(0, 2), (1, 2)]
    assert records[0]["timestamp"] == records[1]["timestamp"]  # one run folder for both
    assert {r["wrapper"] for r in records} == {"MMDistributedDataParallel"}
    assert records[0]["iters"] == 8  # 64 samples / 2 ranks / batch 8 = 4 per epoch, 2 epochs
    weights = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert weights[0].keys() == weights[1].keys()
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), key
    work_dir = tmp_path / "work_dir"
    assert sorted(p.name for p in work_dir.glob("*.pth")) == ["epoch_1.pth", "epoch_2.pth"]
    checkpoint = torch.load(work_dir / "epoch_2.pth", weights_only=True)
    for key, value in checkpoint["state_dict"].items():
        assert torch.equal(value, weights[0][key]), key
    assert len(list(work_dir.glob("*/*.log"))) == 1  # only rank 0 writes the log at INFO
    scalars = next(work_dir.glob("*/vis_data/scalars.json")).read_text().splitlines()
    steps = [json.loads(line)["step"] for line in scalars]
    assert len(steps) == len(set(steps)) > 0  # written once, by rank 0
