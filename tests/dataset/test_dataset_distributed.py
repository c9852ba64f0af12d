"""The samplers on two real ranks (gloo on 127.0.0.1): one launch runs every scenario of
dist_sampler_rank.py, and the tests compare the ranks with the one-process order."""

from __future__ import annotations

import itertools
import os
import pickle
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mme.dataset import DefaultSampler, InfiniteSampler

RANK_SCRIPT = Path(__file__).with_name("dist_sampler_rank.py")
WORLD_SIZE = 2
LIMIT_S = 90


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _launch(tmp: Path) -> tuple[list[Any], list[str]]:
    port = _free_port()
    procs = []
    for rank in range(WORLD_SIZE):
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
        }
        env |= {
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "WORLD_SIZE": str(WORLD_SIZE),
            "LOCAL_WORLD_SIZE": str(WORLD_SIZE),
            "OMP_NUM_THREADS": "1",
        }
        out, err = tmp / f"rank{rank}.pkl", tmp / f"rank{rank}.err"
        with err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, str(RANK_SCRIPT), str(out)], env=env, stderr=stderr
            )
        procs.append((proc, out, err))
    deadline = time.monotonic() + LIMIT_S
    failures = []
    for proc, _, _ in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            failures.append(f"the ranks did not finish within {LIMIT_S} s")
            break
    for proc, _, _ in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    results = []
    for rank, (proc, out, err) in enumerate(procs):
        if proc.returncode != 0 or not out.exists():
            failures.append(f"--- rank {rank} exited with {proc.returncode} ---\n{err.read_text()}")
            results.append(None)
        else:
            results.append(pickle.loads(out.read_bytes()))
    return results, failures


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Each rank's results of one two-process run (retried once if the port was taken)."""
    for attempt in range(2):
        results, failures = _launch(tmp_path_factory.mktemp("ranks"))
        if not failures:
            return results
        if attempt == 0 and "ddress already in use" in "".join(failures):
            continue
        pytest.fail("\n".join(failures), pytrace=False)
    raise AssertionError("unreachable")


def _interleave(shares: list[list[int]]) -> list[int]:
    return [i for step in itertools.zip_longest(*shares) for i in step if i is not None]


@pytest.mark.spec("DS-20", "DIST-03")
def test_seed_is_shared_and_shares_rebuild_the_one_process_order(
    ranks: list[dict[str, Any]],
) -> None:
    r0, r1 = ranks
    assert (r0["dist_info"], r1["dist_info"]) == ((0, 2), (1, 2))
    assert r0["seed"] == r1["seed"]
    alone = DefaultSampler(range(11), seed=r0["seed"])
    for epoch in (0, 1):
        alone.set_epoch(epoch)
        key = f"epoch{epoch}"
        assert len(r0[key]) == len(r1[key]) == 6 == r0["len"]
        assert not set(r0[key][:5]) & set(r1[key][:5])  # disjoint but for the padding
        merged = _interleave([r0[key], r1[key]])
        order = list(alone)
        assert merged[:11] == order
        assert merged[11:] == order[:1]  # padded from the start
    assert r0["epoch0"] != r0["epoch1"]


@pytest.mark.spec("DS-20")
def test_without_round_up_the_shares_are_disjoint_and_complete(
    ranks: list[dict[str, Any]],
) -> None:
    r0, r1 = ranks
    assert (len(r0["no_round_up"]), len(r1["no_round_up"])) == (6, 5)
    assert _interleave([r0["no_round_up"], r1["no_round_up"]]) == list(
        DefaultSampler(range(11), seed=3)
    )


@pytest.mark.spec("DS-21")
def test_infinite_sampler_on_two_ranks(ranks: list[dict[str, Any]]) -> None:
    r0, r1 = ranks
    assert r0["infinite_seed"] == r1["infinite_seed"]
    alone = list(itertools.islice(InfiniteSampler(range(5), seed=r0["infinite_seed"]), 24))
    assert _interleave([r0["infinite"], r1["infinite"]]) == alone


@pytest.mark.spec("DS-20")
def test_each_rank_resumes_exactly_its_rest(ranks: list[dict[str, Any]]) -> None:
    for rank, result in enumerate(ranks):
        assert result["resume_taken"] + result["resume_rest"] == result["resume_full"]
        state = result["resume_state"]
        assert (state["epoch"], state["consumed"], state["position"]) == (3, 2, 4)
        assert state["world_size"] == 2
        assert len(result["resume_rest"]) == 6 - 2, f"rank {rank}"


@pytest.mark.spec("DS-20", "DS-23", "DS-24")
def test_a_dataloader_on_each_rank_reads_its_half(ranks: list[dict[str, Any]]) -> None:
    xs = [x for result in ranks for batch in result["batches"] for x in batch[0]]
    assert sorted(xs) == sorted([*range(9), _padding()])
    for result in ranks:
        assert [len(batch[0]) for batch in result["batches"]] == [2, 2, 1]
        for x_values, y_values in result["batches"]:
            assert y_values == [x * x for x in x_values]


def _padding() -> int:
    """The one index used twice: the first of the seeded order (9 samples on 2 ranks)."""
    return next(iter(DefaultSampler(range(9), seed=1)))
