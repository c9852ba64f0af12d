"""What each rank does in the two-process tests of mme.optim (run by tests/dist's harness)."""

# No `from __future__ import annotations`: DDP checks the comm hook's annotations as objects.
from typing import Any

import torch
import torch.distributed as torch_dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

import mme.dist as dist
from mme.optim import OptimWrapper, build_optim_wrapper


def _data(rank: int, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(100 * rank + i)
    return torch.randn(4, 3, generator=gen), torch.randn(4, 1, generator=gen)


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def accumulate_with_no_sync() -> dict[str, Any]:
    """5 iterations, groups of 2 ([2, 2, 1]) under DDP: count the all-reduces, compare with
    a single-process reference of the same groups over both ranks' data."""
    rank, world = dist.get_rank(), dist.get_world_size()
    iters, counts = 5, 2
    ddp = DistributedDataParallel(_model())
    allreduces: list[int] = []

    def counting_hook(
        state: object, bucket: torch_dist.GradBucket
    ) -> torch.futures.Future[torch.Tensor]:
        allreduces.append(bucket.index())
        tensor = bucket.buffer().div_(world)
        return (
            torch_dist.all_reduce(tensor, async_op=True).get_future().then(lambda f: f.value()[0])
        )

    ddp.register_comm_hook(None, counting_hook)
    wrapper = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.1), accumulative_counts=counts)
    wrapper.initialize_count_status(ddp, 0, iters)
    allreduces_per_iter = []
    for i in range(iters):
        x, y = _data(rank, i)
        before = len(allreduces)
        with wrapper.optim_context(ddp):
            loss = nn.functional.mse_loss(ddp(x), y)
        wrapper.update_params(loss)
        allreduces_per_iter.append(len(allreduces) - before)

    reference = _model()
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    for group in ([0, 1], [2, 3], [4]):
        total = sum(
            nn.functional.mse_loss(reference(_data(r, i)[0]), _data(r, i)[1])
            for r in range(world)
            for i in group
        )
        (total / (len(group) * world)).backward()  # type: ignore[union-attr]
        ref_opt.step()
        ref_opt.zero_grad()
    diff = max(
        float((a - b).abs().max())
        for a, b in zip(ddp.module.parameters(), reference.parameters(), strict=True)
    )
    flat = torch.cat([p.detach().flatten() for p in ddp.module.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(world)]
    torch_dist.all_gather(gathered, flat)
    return {
        "allreduces_per_iter": allreduces_per_iter,
        "max_diff_to_reference": diff,
        "ranks_agree": all(torch.equal(gathered[0], g) for g in gathered),
        **_zero_redundancy(rank, world),
    }


def _zero_redundancy(rank: int, world: int) -> dict[str, Any]:
    """ZeroRedundancyOptimizer built by name: the same training as plain Adam, each rank
    holding part of the state, the whole state gathered on rank 0 by state_dict."""
    results = {}
    for name, optimizer in (
        ("plain", dict(type="Adam", lr=0.05)),
        ("zero", dict(type="ZeroRedundancyOptimizer", optimizer_type="Adam", lr=0.05)),
    ):
        ddp = DistributedDataParallel(_model())
        wrapper = build_optim_wrapper(ddp, dict(optimizer=optimizer))
        for i in range(3):
            x, y = _data(rank, i)
            wrapper.update_params(nn.functional.mse_loss(ddp(x), y))
        results[name] = torch.cat([p.detach().flatten() for p in ddp.module.parameters()])
        if name == "zero":
            local = len(wrapper.optimizer.optim.state)  # the state this rank holds
            state = wrapper.state_dict()
    return {
        "zero_same_as_plain": bool(torch.allclose(results["plain"], results["zero"], atol=1e-6)),
        "zero_local_states": local,
        "zero_state_entries": len(state.get("state", {})),
    }
