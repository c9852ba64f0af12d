"""End to end: a script launched by torchrun with ``--launcher pytorch``, and alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("dist_torchrun_script.py")
pytestmark = pytest.mark.spec("DIST-01", "DIST-02", "DIST-04")


def _run(command: list[str], limit: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in its own session; on timeout kill the launcher and its workers."""
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONFAULTHANDLER"] = "1"
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"{command} did not finish within {limit} s:\n{output}", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(f"{command} exited with {proc.returncode}:\n{output}", pytrace=False)
    return subprocess.CompletedProcess(command, proc.returncode, output)


def test_torchrun_with_two_processes_and_the_pytorch_launcher(tmp_path: Path) -> None:
    _run(
        [
            sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
            "2", str(SCRIPT), "--launcher", "pytorch", "--out", str(tmp_path),
        ],
        limit=28,
    )  # fmt: skip
    records = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    for rank, record in enumerate(records):
        assert (record["rank"], record["world_size"]) == (rank, 2)
        assert (record["local_rank"], record["local_size"]) == (rank, 2)
        assert record["backend"] == "gloo"  # CPU-only machine: nccl is not chosen
        assert record["total"] == 3.0
        assert record["seed_is_int"] is True
    assert records[0]["collected"] == [f"sample{i}" for i in range(5)]
    assert records[1]["collected"] is None


def test_the_same_script_runs_as_one_process_with_launcher_none(tmp_path: Path) -> None:
    _run([sys.executable, str(SCRIPT), "--launcher", "none", "--out", str(tmp_path)], limit=28)
    record = json.loads((tmp_path / "rank0.json").read_text())
    assert record == {
        "rank": 0,
        "world_size": 1,
        "local_rank": 0,
        "local_size": 1,
        "backend": None,
        "total": 1.0,
        "collected": [f"sample{i}" for i in range(5)],
        "seed_is_int": True,
    }
