"""What each rank does in the multi-process tests (run by dist_worker_main.py).

Every function runs on every rank after ``init_dist`` and returns plain Python values (lists,
dicts, strings) that the test in the parent process asserts on.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import torch
import torch.distributed

import mme.dist as dist


def _facts() -> dict[str, Any]:
    return {
        "dist_info": dist.get_dist_info(),
        "backend": dist.get_backend(),
        "is_distributed": dist.is_distributed(),
        "is_main_process": dist.is_main_process(),
        "local_rank": dist.get_local_rank(),
        "local_size": dist.get_local_size(),
        "local_group_size": dist.get_world_size(dist.get_local_group()),
        "has_default_group": dist.get_default_group() is not None,
        "comm_device": str(dist.get_comm_device()),
        "env": {k: os.environ.get(k) for k in ("MASTER_ADDR", "MASTER_PORT", "RANK", "LOCAL_RANK")},
    }


def launch_facts() -> dict[str, Any]:
    """Rank, sizes and exported variables after init_dist, plus one all_reduce to prove it works."""
    value = torch.tensor([dist.get_rank() + 1.0])
    dist.all_reduce(value)
    return _facts() | {"sum_of_ranks_plus_one": value.item()}


def query_and_control() -> dict[str, Any]:
    """Query functions, master_only, barrier, sync_random_seed, init_local_group, re-init."""
    facts = _facts()
    calls: list[int] = []

    @dist.master_only
    def save(tag: str) -> str:
        calls.append(dist.get_rank())
        return f"saved {tag}"

    returned = save("ckpt")
    dist.barrier()
    random.seed(1000 + dist.get_rank())  # ranks would draw different seeds on their own
    seeds = [dist.sync_random_seed() for _ in range(2)]
    dist.init_local_group(node_rank=dist.get_rank(), num_gpus_per_node=1)
    after_local = (dist.get_local_rank(), dist.get_local_size())
    try:
        dist.init_dist("pytorch", backend="gloo")
        reinit_error = ""
    except RuntimeError as exc:
        reinit_error = str(exc)
    return facts | {
        "master_only_returned": returned,
        "master_only_calls": calls,
        "seeds": seeds,
        "local_after_one_per_node": after_local,
        "reinit_error": reinit_error,
    }


def tensor_collectives() -> dict[str, Any]:
    """Every tensor collective with world size 2; rank r contributes values built from r."""
    rank = dist.get_rank()
    out: dict[str, Any] = {}
    for op in ("sum", "mean", "max", "min", "product"):
        value = torch.tensor([rank + 1.0, 10.0 * (rank + 1)])
        dist.all_reduce(value, op=op)
        out[f"all_reduce_{op}"] = value.tolist()
    integer = torch.tensor([rank + 1], dtype=torch.int64)
    dist.all_reduce(integer, op="SUM")
    out["all_reduce_int_sum"] = integer.tolist()
    strided = torch.arange(6.0).reshape(2, 3).t()  # not contiguous
    dist.all_reduce(strided)
    out["all_reduce_strided"] = strided.tolist()

    out["all_gather"] = [t.tolist() for t in dist.all_gather(torch.tensor([rank, rank * 10]))]
    uneven = torch.full((rank + 1, 2), float(rank))
    out["all_gather_uneven"] = [t.tolist() for t in dist.all_gather(uneven)]
    out["all_gather_scalar"] = [t.item() for t in dist.all_gather(torch.tensor(rank + 0.5))]
    out["gather_to_1"] = [t.tolist() for t in dist.gather(torch.arange(rank + 1), dst=1)]

    shared = torch.tensor([rank * 7.0, 1.0])
    dist.broadcast(shared, src=1)
    out["broadcast_from_1"] = shared.tolist()

    metrics = {
        "loss": torch.tensor(rank + 1.0),
        "acc": torch.tensor([0.5, 0.25 * rank]),
        "count": torch.tensor([3 + rank], dtype=torch.int64),
    }
    dist.all_reduce_dict(metrics, op="sum")
    out["all_reduce_dict_sum"] = {k: v.tolist() for k, v in metrics.items()}
    floats = {"loss": torch.tensor(rank + 1.0), "acc": torch.tensor([0.5, 0.25 * rank])}
    dist.all_reduce_dict(floats, op="mean")
    out["all_reduce_dict_mean"] = {k: v.tolist() for k, v in floats.items()}

    torch.manual_seed(rank)  # different weights on each rank
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    expected = [p.detach().clone() for p in model.parameters()]
    gathered = [dist.all_gather(p.detach().clone()) for p in model.parameters()]
    mean_of_ranks = [torch.stack(g).mean(0) for g in gathered]
    dist.all_reduce_params(model.parameters(), op="mean")
    out["params_mean_ok"] = all(
        torch.allclose(p, m) for p, m in zip(model.parameters(), mean_of_ranks, strict=True)
    )
    for param, original in zip(model.parameters(), expected, strict=True):
        param.data.copy_(original)
    dist.all_reduce_params(model.parameters(), coalesce=False, op="mean")
    out["params_mean_uncoalesced_ok"] = all(
        torch.allclose(p, m) for p, m in zip(model.parameters(), mean_of_ranks, strict=True)
    )
    buffers = [torch.full((300_000,), float(rank)), torch.full((300_000,), 2.0 * rank)]
    dist.all_reduce_params(buffers, bucket_size_mb=1)  # 1.2 MB each: one bucket per tensor
    out["params_bucketed"] = [(b[0].item(), b[-1].item()) for b in buffers]
    return out


def object_collectives() -> dict[str, Any]:
    """Object collectives with nested picklable values of different sizes per rank."""
    rank = dist.get_rank()
    payload = {"rank": rank, "words": ["x"] * (rank + 1) * 50, "tensor": torch.arange(rank + 2)}
    out: dict[str, Any] = {}
    gathered = dist.all_gather_object(payload)
    out["all_gather_object"] = [
        (g["rank"], len(g["words"]), g["tensor"].tolist()) for g in gathered
    ]
    at_zero = dist.gather_object(("from", rank), dst=0)
    out["gather_object_dst0"] = at_zero
    at_one = dist.gather_object({"r": rank}, dst=1)
    out["gather_object_dst1"] = at_one
    items: list[Any] = [f"cfg of rank {rank}", {"lr": 0.1 * (rank + 1)}, None]
    dist.broadcast_object_list(items, src=1)
    out["broadcast_object_list_from_1"] = items
    tensors = {
        "bf16": torch.full((2, 3), rank + 0.5, dtype=torch.bfloat16),
        "view": torch.arange(12.0).reshape(3, 4).t()[1:] + rank,
        "param": torch.nn.Parameter(torch.full((2,), float(rank))),
    }
    received = dist.all_gather_object(tensors)[1 - rank]  # the other rank's tensors
    out["tensors_from_other_rank"] = {
        name: (type(t).__name__, str(t.dtype), t.float().tolist()) for name, t in received.items()
    }
    return out


def mismatch_errors() -> dict[str, str]:
    """Mismatched inputs raise the same clear error on every rank instead of hanging."""
    rank = dist.get_rank()
    errors = {}
    data = {"loss": torch.tensor(1.0)} | ({"acc": torch.tensor(1.0)} if rank == 1 else {})
    try:
        dist.all_reduce_dict(data)
    except ValueError as exc:
        errors["all_reduce_dict"] = str(exc)
    try:
        dist.all_gather(torch.zeros(2, dtype=torch.float32 if rank == 0 else torch.int64))
    except ValueError as exc:
        errors["all_gather"] = str(exc)
    only_rank0 = torch.distributed.new_group([0])  # every rank must create it
    if rank == 1:
        try:
            dist.all_reduce(torch.ones(1), group=only_rank0)
        except ValueError as exc:
            errors["non_member"] = str(exc)
    return errors


def collect_results() -> dict[str, Any]:
    """collect_results with the interleaved, padded split of DefaultSampler."""
    rank, world_size = dist.get_dist_info()
    out: dict[str, Any] = {}
    size = 7  # padded to 8: rank 0 gets 0 2 4 6, rank 1 gets 1 3 5 and 0 again
    padded = [(i % size) for i in range(rank, 8, world_size)]
    results = [{"index": i, "pred": torch.tensor([i * 1.5])} for i in padded]
    for mode in ("cpu", "gpu"):
        collected = dist.collect_results(results, size, device=mode)
        out[mode] = None if collected is None else [r["index"] for r in collected]
    shared = os.path.join(os.environ["MME_TEST_TMP"], "collect")
    collected = dist.collect_results(results, size, device="cpu", tmpdir=shared)
    out["tmpdir"] = None if collected is None else [r["index"] for r in collected]
    if rank == 0:  # rank 0 removes the part files before it returns
        out["tmpdir_left"] = sorted(os.listdir(shared))
    unpadded = list(range(rank, 5, world_size))  # 5 samples without padding: 3 and 2
    collected = dist.collect_results([f"s{i}" for i in unpadded], 5)
    out["unpadded"] = collected
    return out


def peer_exits_early() -> dict[str, Any]:
    """Rank 1 leaves; rank 0's all_reduce must fail with an error that names it."""
    if dist.get_rank() == 1:
        os._exit(0)
    time.sleep(0.5)
    return _failing(lambda: dist.all_reduce(torch.ones(4)))


def peer_never_joins() -> dict[str, Any]:
    """Rank 1 stays alive but never calls; rank 0 must time out with the group timeout."""
    if dist.get_rank() == 1:
        time.sleep(8)
        os._exit(0)
    return _failing(lambda: dist.all_gather_object({"rank": 0}))


# These leave the group broken on purpose: the worker skips its closing barrier.
peer_exits_early.final_barrier = False  # type: ignore[attr-defined]
peer_never_joins.final_barrier = False  # type: ignore[attr-defined]


def _failing(call: Any) -> dict[str, Any]:
    try:
        call()
    except dist.CollectiveError as exc:
        return {
            "message": str(exc),
            "collective": exc.collective,
            "cause": type(exc.__cause__).__name__,
            "cause_text": str(exc.__cause__),
            "cause_is_runtime_error": isinstance(exc.__cause__, RuntimeError),
        }
    return {"message": "no error"}


def rank1_raises() -> None:
    """Rank 1 fails; rank 0 then fails in its barrier. The harness must show rank 1's error."""
    if dist.get_rank() == 1:
        raise ValueError("boom from rank 1")
    dist.barrier()


def rank0_hangs() -> None:
    """Rank 0 never returns; the harness must kill both ranks at its wall-clock limit."""
    if dist.get_rank() == 0:
        time.sleep(120)


rank1_raises.final_barrier = False  # type: ignore[attr-defined]
rank0_hangs.final_barrier = False  # type: ignore[attr-defined]
