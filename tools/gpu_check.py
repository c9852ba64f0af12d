"""GPU checks of issue 18 (run by tools/gpu_check.sh on a CUDA machine; not part of CI).

Each check prints one line, ``PASS name: detail``, ``FAIL name: error`` or ``SKIP name:
reason``; the exit status is 1 when a check failed. Without CUDA it prints ``no CUDA: nothing
to check`` and exits 0.

Checks: ``amp_fp16`` (AmpOptimWrapper float16 with a GradScaler through the Runner: the loss
goes down, the scale is a GradScaler's), ``compile`` (cfg.compile=True, inductor, on CUDA),
``nccl_ddp`` (a Runner on 2 NCCL processes when 2 GPUs exist, 1 otherwise: the ranks end
with the same weights), ``fsdp`` (MMFullyShardedDataParallel on NCCL: trains, full
state_dict), ``sync_free_iteration`` (a full Runner iteration with logging configured, its
losses in HistoryBuffers as CUDA tensors, under ``torch.cuda.set_sync_debug_mode("error")``
except on the iterations that write a log line).
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from mme.runner import BaseModel, Hook, Runner


class Net(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 4))

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        logits = self.net(inputs)
        if mode == "loss":
            return {"loss": F.cross_entropy(logits, labels)}
        return logits


def _data(n: int = 256, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 16, generator=g)
    y = (x[:, :4].argmax(1)).long()
    return list(zip(x, y, strict=True))


class _Losses(Hook):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:  # fmt: skip
        self.losses.append(float(outputs["loss"]))


def _runner(work_dir: str, **kwargs: Any) -> Runner:
    args: dict[str, Any] = dict(
        model=Net(),
        work_dir=work_dir,
        train_dataloader=DataLoader(_data(), batch_size=32, shuffle=False, drop_last=True),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        default_hooks=dict(checkpoint=None, logger=dict(interval=4)),
    )
    args.update(kwargs)
    return Runner(**args)


def check_amp_fp16(tmp: str) -> str:
    losses = _Losses()
    runner = _runner(
        tmp,
        optim_wrapper=dict(
            type="AmpOptimWrapper", dtype="float16", optimizer=dict(type="SGD", lr=0.1)
        ),
    )
    runner.register_hook(losses)
    runner.train()
    scaler = runner.optim_wrapper.loss_scaler
    assert isinstance(scaler, torch.amp.GradScaler), type(scaler)
    assert losses.losses[-1] < losses.losses[0], losses.losses
    return f"loss {losses.losses[0]:.3f} -> {losses.losses[-1]:.3f}, scale {scaler.get_scale()}"


def check_compile(tmp: str) -> str:
    from mme.runner.compiling import CompiledForward

    runner = _runner(tmp, cfg=dict(compile=dict(strict=True)))
    runner.train()
    forward = runner.model.forward
    assert isinstance(forward, CompiledForward)
    return forward.report()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rank_main(rank: int, world: int, port: int, wrapper: str, tmp: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
    )
    runner = _runner(
        os.path.join(tmp, wrapper),
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="nccl")),
        cfg=dict(model_wrapper_cfg=dict(type=wrapper)),
    )
    runner.train()
    model = runner.model
    if wrapper == "MMFullyShardedDataParallel":
        state = model.full_state_dict()
        if rank == 0:
            torch.save(state, os.path.join(tmp, "fsdp_full.pth"))
    else:
        state = {k: v.cpu() for k, v in model.module.state_dict().items()}
        torch.save(state, os.path.join(tmp, f"ddp_rank{rank}.pth"))


def _spawn(wrapper: str, tmp: str) -> int:
    import torch.multiprocessing as mp

    world = min(torch.cuda.device_count(), 2)
    mp.spawn(_rank_main, args=(world, _free_port(), wrapper, tmp), nprocs=world, join=True)
    return world


def check_nccl_ddp(tmp: str) -> str:
    world = _spawn("MMDistributedDataParallel", tmp)
    states = [torch.load(os.path.join(tmp, f"ddp_rank{r}.pth")) for r in range(world)]
    for state in states[1:]:
        for key, value in state.items():
            assert torch.equal(value, states[0][key]), key
    return f"{world} process(es), same weights on every rank"


def check_fsdp(tmp: str) -> str:
    world = _spawn("MMFullyShardedDataParallel", tmp)
    state = torch.load(os.path.join(tmp, "fsdp_full.pth"))
    assert set(state) == {"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"}, set(state)
    return f"{world} process(es), full state_dict of {len(state)} tensors"


class _SyncGuard(Hook):
    """``set_sync_debug_mode("error")`` around every iteration that writes no log line."""

    priority = "HIGHEST"

    def __init__(self, interval: int) -> None:
        self.interval = interval
        self.guarded = 0

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        if (runner.iter + 1) % self.interval:
            torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode("error")
            self.guarded += 1

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:  # fmt: skip
        torch.cuda.set_sync_debug_mode("default")


class _Release(Hook):
    priority = "LOWEST"

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:  # fmt: skip
        torch.cuda.set_sync_debug_mode("default")


def check_sync_free_iteration(tmp: str) -> str:
    from mme.logging import HistoryBuffer

    buffer = HistoryBuffer()
    value = torch.ones((), device="cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(20):
            buffer.update(value)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    guard = _SyncGuard(interval=4)
    runner = _runner(
        tmp,
        train_dataloader=DataLoader(
            [(x.cuda(), y.cuda()) for x, y in _data()], batch_size=32, drop_last=True
        ),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
    )
    runner.register_hook(guard)
    runner.register_hook(_Release())
    try:
        runner.train()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return f"{guard.guarded} iterations without a device sync; HistoryBuffer.update x20"


CHECKS: dict[str, Callable[[str], str]] = {
    "amp_fp16": check_amp_fp16,
    "compile": check_compile,
    "nccl_ddp": check_nccl_ddp,
    "fsdp": check_fsdp,
    "sync_free_iteration": check_sync_free_iteration,
}


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA: nothing to check")
        return 0
    failed = False
    for name, check in CHECKS.items():
        if name in ("nccl_ddp", "fsdp") and not torch.distributed.is_nccl_available():
            print(f"SKIP {name}: this torch has no NCCL")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                print(f"PASS {name}: {check(tmp)}", flush=True)
            except Exception as error:  # one line per check, the traceback to stderr
                failed = True
                traceback.print_exc(file=sys.stderr)
                print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
