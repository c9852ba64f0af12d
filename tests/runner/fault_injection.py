"""Kill a training process with SIGKILL at random moments while it saves checkpoints.

`kill_during_saves` forks a child that resumes training in ``work_dir`` and saves a
checkpoint every iteration (``max_keep_ckpts=2``), waits until it trains, kills it after a
random delay, and checks what a resume would find: ``last_checkpoint`` names a complete
file that ``torch.load(weights_only=True)`` reads, every ``*.pth`` file is complete, and no
more than ``max_keep_ckpts`` + 1 periodic files are kept. Used by
tests/runner/test_resume_fault_injection.py and tools/benchmarks/bench_resume.py.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from mme.runner import Hook, Runner
from mme.runner.checkpoint import find_latest_checkpoint


class _Wide(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.a = nn.Linear(width, width)
        self.b = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor, mode: str = "tensor") -> Any:
        return dict(loss=self.b(torch.relu(self.a(x))).pow(2).mean())

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        loss = self(data)["loss"]
        optim_wrapper.update_params(loss)
        return dict(loss=loss.detach())

    def val_step(self, data: Any) -> Any:
        return []

    test_step = val_step


class _Ready(Hook):
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def before_train(self, runner: Runner) -> None:
        os.write(self.fd, b"1")
        os.close(self.fd)


def _train_forever(work_dir: Path, width: int, ready_fd: int) -> None:
    torch.manual_seed(0)
    runner = Runner(
        model=_Wide(width),
        work_dir=str(work_dir),
        train_dataloader=DataLoader(torch.randn(64, width), batch_size=8),
        train_cfg=dict(by_epoch=False, max_iters=10**6),
        optim_wrapper=dict(optimizer=dict(type="Adam", lr=1e-4)),
        default_hooks=dict(
            checkpoint=dict(type="CheckpointHook", by_epoch=False, interval=1, max_keep_ckpts=2),
            logger=dict(type="LoggerHook", interval=50),
        ),
        custom_hooks=[_Ready(ready_fd)],
        log_level="WARNING",
        resume=True,
    )
    runner.train()


def check_work_dir(work_dir: Path) -> dict[str, Any]:
    """What a resume finds in ``work_dir``; raises AssertionError when it is broken."""
    latest = find_latest_checkpoint(str(work_dir))
    files = sorted(work_dir.glob("*.pth"))
    for path in files:  # every file under a final name is complete
        torch.load(path, weights_only=True)
    if latest is not None:
        assert Path(latest).is_file(), f"last_checkpoint names {latest}, which does not exist"
        iteration = torch.load(latest, weights_only=True)["meta"]["iter"]
    else:
        iteration = 0
    # max_keep_ckpts=2, one new file, and one left by a kill between a save and a deletion
    assert len([p for p in files if p.name.startswith("iter_")]) <= 4, [p.name for p in files]
    return dict(iteration=iteration, files=len(files))


def kill_during_saves(
    work_dir: Path, kills: int, width: int = 512, max_delay: float = 0.3, seed: int = 0
) -> dict[str, Any]:
    """SIGKILL ``kills`` children at random moments; check the work_dir after each."""
    rng = random.Random(seed)
    iterations = []
    started = time.perf_counter()
    for _ in range(kills):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: train until killed
            os.close(read_fd)
            try:
                _train_forever(work_dir, width, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        ready = os.read(read_fd, 1)
        os.close(read_fd)
        if ready:
            time.sleep(rng.uniform(0.0, max_delay))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"the child ended by itself (status {status})"
        iterations.append(check_work_dir(work_dir)["iteration"])
    return dict(kills=kills, iterations=iterations, seconds=time.perf_counter() - started)
