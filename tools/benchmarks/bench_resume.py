"""Benchmark: the cost of exact-resume state, asynchronous saves, and SIGKILL during saves.

Measured in one run, against baselines measured in the same run:

1. A ResNet-50-sized model (25.6 M parameters, SGD with momentum) trained by a Runner:
   checkpoint size and ``Runner.save_checkpoint`` time with the ``resume_state`` entry
   (random states, sampler position) against the same save without it: target <= 1.05x
   for both. The whole-save ratio is printed, but on a shared disk it varies by more than
   5 % from save to save, so the time target is checked on the time of capturing the
   state (the only work added besides its few KB) over the save time.
2. ``CheckpointHook(async_save=True)``: the time training is blocked per save (the copy to
   CPU memory) against a synchronous save of the same checkpoint: target <= 0.3x.
3. Fault injection: ``--kills`` (default 50) training processes killed with SIGKILL at
   random moments while they save a checkpoint every iteration; after every kill the latest
   checkpoint must load (``torch.load(weights_only=True)``) and no file may be half written.

Each timing is the best of interleaved repeats, with one intra-op thread. Exit status 1 if a
target is missed::

    /work/venv/bin/python tools/benchmarks/bench_resume.py [--kills 50] [--repeats 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from _harness import report
from torch import nn

TARGET_EXTRA = 1.05
TARGET_ASYNC = 0.3
ROOT = Path(__file__).resolve().parents[2]


class ResNet50Sized(nn.Module):
    """25.6 M parameters (ResNet-50 has 25.56 M), as six 2048x2048 layers and a head."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(*[nn.Linear(2048, 2048) for _ in range(6)])
        self.head = nn.Linear(2048, 200)

    def forward(self, x: torch.Tensor, mode: str = "tensor") -> Any:
        return dict(loss=self.head(self.body(x)).pow(2).mean())

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        loss = self(data)["loss"]
        optim_wrapper.update_params(loss)
        return dict(loss=loss.detach())

    def val_step(self, data: Any) -> list:
        return []

    test_step = val_step


def make_runner(work_dir: str) -> Any:
    from mme.runner import Runner

    runner = Runner(
        model=ResNet50Sized(),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=[torch.randn(2048) for _ in range(4)],
            sampler=dict(type="DefaultSampler", shuffle=True),
            batch_size=2,
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=1e-4, momentum=0.9)),
        default_hooks=dict(checkpoint=None),
        log_level="WARNING",
        randomness=dict(seed=0),
    )
    runner.train()  # builds everything and fills the momentum buffers
    return runner


def timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def extra_state(runner: Any, work_dir: str, repeats: int) -> dict[str, float]:
    from mme.runner import resume_state

    capture = resume_state.capture
    with_s, without_s = [], []
    meta = dict(epoch=runner.epoch, iter=runner.iter)
    capture_s = []
    for index in range(repeats):
        capture_s.append(timed(lambda: capture(runner, meta)))
        order = [True, False] if index % 2 == 0 else [False, True]  # alternate: disk noise
        for with_state in order:
            if with_state:
                with_s.append(timed(lambda: runner.save_checkpoint(work_dir, "with.pth")))
                continue
            resume_state.capture = lambda runner, meta: None  # type: ignore[assignment]
            try:
                without_s.append(timed(lambda: runner.save_checkpoint(work_dir, "without.pth")))
            finally:
                resume_state.capture = capture
    size_with = os.path.getsize(os.path.join(work_dir, "with.pth"))
    size_without = os.path.getsize(os.path.join(work_dir, "without.pth"))
    return dict(
        size_with=size_with,
        size_without=size_without,
        size_ratio=size_with / size_without,
        time_with=min(with_s),
        time_without=min(without_s),
        time_ratio=min(with_s) / min(without_s),
        capture=min(capture_s),
        capture_ratio=(min(without_s) + min(capture_s)) / min(without_s),
    )


def async_save(runner: Any, work_dir: str, repeats: int) -> dict[str, float]:
    from mme.runner.async_checkpoint import AsyncCheckpointWriter

    sync_s, blocked_s = [], []
    writer = AsyncCheckpointWriter()
    for _ in range(repeats):
        sync_s.append(timed(lambda: runner.save_checkpoint(work_dir, "sync.pth")))
        runner.checkpoint_writer = writer
        try:
            blocked_s.append(timed(lambda: runner.save_checkpoint(work_dir, "async.pth")))
            writer.wait()  # not counted: training would continue meanwhile
        finally:
            del runner.checkpoint_writer
    return dict(sync=min(sync_s), blocked=min(blocked_s), ratio=min(blocked_s) / min(sync_s))


def fault_injection(kills: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests" / "runner"))
    spec = importlib.util.spec_from_file_location(
        "fault_injection", ROOT / "tests" / "runner" / "fault_injection.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory() as work_dir:
        return module.kill_during_saves(Path(work_dir), kills=kills)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--kills", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    logging.getLogger("mme").setLevel(logging.WARNING)
    failed = False
    with tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(work_dir)
        extra = extra_state(runner, work_dir, args.repeats)
        print(
            f"resume_state: checkpoint {extra['size_with'] / 1e6:.1f} MB vs "
            f"{extra['size_without'] / 1e6:.1f} MB without ({extra['size_ratio']:.4f}x, target "
            f"<= {TARGET_EXTRA}x); save {extra['time_with'] * 1e3:.0f} ms vs "
            f"{extra['time_without'] * 1e3:.0f} ms ({extra['time_ratio']:.3f}x, disk noise "
            f"included); capturing it {extra['capture'] * 1e3:.2f} ms "
            f"({extra['capture_ratio']:.4f}x of the save, target <= {TARGET_EXTRA}x)"
        )
        report(
            "bench_resume",
            "checkpoint size with / without resume_state",
            extra["size_ratio"],
            TARGET_EXTRA,
            at_least=False,
        )
        report(
            "bench_resume",
            "save with resume_state capture / without",
            extra["capture_ratio"],
            TARGET_EXTRA,
            at_least=False,
        )
        failed |= extra["size_ratio"] > TARGET_EXTRA or extra["capture_ratio"] > TARGET_EXTRA
        result = async_save(runner, work_dir, args.repeats)
        print(
            f"async_save: blocked {result['blocked'] * 1e3:.0f} ms per save vs "
            f"{result['sync'] * 1e3:.0f} ms synchronous ({result['ratio']:.3f}x, target <= "
            f"{TARGET_ASYNC}x)"
        )
        report(
            "bench_resume",
            "async save: blocked / synchronous",
            result["ratio"],
            TARGET_ASYNC,
            at_least=False,
        )
        failed |= result["ratio"] > TARGET_ASYNC
    if args.kills:
        faults = fault_injection(args.kills)
        print(
            f"fault injection: {faults['kills']} SIGKILLs during saves, latest checkpoint "
            f"loadable after every one (iterations reached: {faults['iterations'][-1]}), "
            f"{faults['seconds']:.0f} s"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
