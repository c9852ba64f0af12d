"""Benchmark: the cost of logging to TensorBoard every iteration, and drawing speed.

Measured in one run, against baselines measured in the same run:

1. The tiny-MLP job of bench_runner.py (in-memory data, batch 32, 256 iterations per
   epoch, default hooks, 2 epochs, timed over the last) with ``LoggerHook(interval=1)``:
   the visualizer with ``LocalVisBackend`` alone (baseline) against ``LocalVisBackend`` +
   ``TensorboardVisBackend`` (every iteration's scalars to TensorBoard). End to end the
   difference is within the noise of a shared machine, so the target figure is
   (baseline + the time spent inside the backend per iteration, its writes, flushes and
   close included) / baseline: target <= 1.05x. The end-to-end ratio is printed too.
   For scale, the same with ``torch.utils.tensorboard.SummaryWriter.add_scalar`` per value
   (what MMEngine's backend does) is shown beside it.
2. Writing 10 000 scalar events with the backend against ``SummaryWriter`` (for scale,
   no target).

Each figure is the best of several repeats, with one intra-op thread. Exit status 1 if a
target is missed::

    /work/venv/bin/python tools/benchmarks/bench_vis.py
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _harness import report
from bench_runner import BATCH, ITERS, collate, dataset, mlp

TARGET_TB = 1.05


def summary_writer_backend() -> Any:
    """A backend writing through SummaryWriter.add_scalar, one call per value."""
    from mme.registry import VISBACKENDS
    from mme.runner.visualization import BaseVisBackend

    if "SummaryWriterBackend" in VISBACKENDS:
        return VISBACKENDS.get("SummaryWriterBackend")

    class SummaryWriterBackend(BaseVisBackend):
        def _init_env(self) -> None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(self._save_dir)

        def _experiment(self) -> Any:
            return self.writer

        def add_scalars(
            self, scalar_dict: dict, step: int = 0, file_path: Any = None, **kw: Any
        ) -> None:
            self._ensure_env()
            for key, value in scalar_dict.items():
                if isinstance(value, int | float):
                    self.writer.add_scalar(key, value, step)

        def close(self) -> None:
            if self._env_ready:
                self.writer.close()

    VISBACKENDS.register_module(module=SummaryWriterBackend)
    return SummaryWriterBackend


def timed_tensorboard_backend() -> Any:
    """TensorboardVisBackend that adds up the seconds spent in it (writes, flushes, close)."""
    from mme.registry import VISBACKENDS
    from mme.runner.visualization import TensorboardVisBackend

    if "TimedTensorboardVisBackend" in VISBACKENDS:
        return VISBACKENDS.get("TimedTensorboardVisBackend")

    class TimedTensorboardVisBackend(TensorboardVisBackend):
        seconds = 0.0

        def add_scalars(self, *args: Any, **kwargs: Any) -> None:
            start = time.perf_counter()
            super().add_scalars(*args, **kwargs)
            type(self).seconds += time.perf_counter() - start

        def close(self) -> None:
            start = time.perf_counter()
            super().close()
            type(self).seconds += time.perf_counter() - start

    VISBACKENDS.register_module(module=TimedTensorboardVisBackend)
    return TimedTensorboardVisBackend


def run_epochs(data: list, work_dir: Path, backends: list[dict]) -> float:
    """Seconds per iteration of the last of 2 epochs."""
    from mme.runner import BaseModel, Hook, Runner

    class Net(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp()

        def forward(self, x: torch.Tensor, y: torch.Tensor, mode: str = "tensor") -> Any:
            return {"loss": nn.functional.cross_entropy(self.net(x), y)}

    class EpochTimer(Hook):
        priority = "LOWEST"

        def before_train_epoch(self, runner: Any) -> None:
            self.start = time.perf_counter()

        def after_train_epoch(self, runner: Any) -> None:
            self.seconds = time.perf_counter() - self.start

    timer = EpochTimer()
    runner = Runner(
        model=Net(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type="DefaultSampler", shuffle=True),
            batch_size=BATCH,
            collate_fn=collate,
        ),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        custom_hooks=[timer],
        default_hooks=dict(logger=dict(type="LoggerHook", interval=1)),
        visualizer=dict(vis_backends=backends),
        log_level="WARNING",
    )
    runner.train()
    return timer.seconds / ITERS


def interleaved(data: list, repeats: int, configs: dict[str, list[dict]]) -> dict[str, float]:
    """Best seconds per iteration of each config, runs interleaved to share the noise."""
    best = {name: float("inf") for name in configs}
    for _ in range(repeats):
        for name, backends in configs.items():
            with tempfile.TemporaryDirectory() as tmp:
                best[name] = min(best[name], run_epochs(data, Path(tmp), backends))
    return best


def event_rates(n: int) -> tuple[float, float]:
    """Microseconds per 5-scalar step: our backend and SummaryWriter.add_scalar."""
    from torch.utils.tensorboard import SummaryWriter

    from mme.runner.visualization import TensorboardVisBackend

    values = {"lr": 0.01, "loss": 0.5, "time": 0.001, "data_time": 0.0002, "grad_norm": 1.0}
    with tempfile.TemporaryDirectory() as tmp:
        ours = TensorboardVisBackend(os.path.join(tmp, "a"))
        start = time.perf_counter()
        for step in range(n):
            ours.add_scalars(values, step)
        ours.close()
        mme_us = (time.perf_counter() - start) / n * 1e6
        writer = SummaryWriter(os.path.join(tmp, "b"))
        start = time.perf_counter()
        for step in range(n):
            for key, value in values.items():
                writer.add_scalar(key, value, step)
        writer.close()
        sw_us = (time.perf_counter() - start) / n * 1e6
    return mme_us, sw_us


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ["OMP_NUM_THREADS"] = "1"
    logging.disable(logging.WARNING)
    summary_writer_backend()
    timed = timed_tensorboard_backend()
    data = dataset()
    local = dict(type="LocalVisBackend")
    best = interleaved(
        data,
        args.repeats,
        {
            "local": [local],
            "tensorboard": [local, dict(type="TensorboardVisBackend")],
            "summary_writer": [local, dict(type="SummaryWriterBackend")],
        },
    )
    # the time spent inside the backend, over all its runs, per iteration (2 epochs per run)
    timed.seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        run_epochs(data, Path(tmp), [local, dict(type="TimedTensorboardVisBackend")])
    inside = timed.seconds / (2 * ITERS)
    base, ours, theirs = best["local"], best["tensorboard"], best["summary_writer"]
    ratio = (base + inside) / base
    print("per iteration, logging every iteration (LoggerHook interval=1):")
    print(f"  LocalVisBackend                       {base * 1e6:7.0f} us")
    print(f"  + TensorboardVisBackend               {ours * 1e6:7.0f} us  ({ours / base:.3f}x)")
    print(f"  + SummaryWriter.add_scalar per value  {theirs * 1e6:7.0f} us  ({theirs / base:.3f}x)")
    print(
        f"  time inside TensorboardVisBackend     {inside * 1e6:7.1f} us per iteration: "
        f"{ratio:.3f}x the baseline (target <= {TARGET_TB}x)"
    )
    ok = report(
        "bench_vis",
        "TensorBoard every iteration, per-iteration time",
        ratio,
        TARGET_TB,
        at_least=False,
    )
    mme_us, sw_us = event_rates(10_000)
    print(
        f"5 scalars per step: TensorboardVisBackend {mme_us:.1f} us, "
        f"SummaryWriter {sw_us:.1f} us ({sw_us / mme_us:.1f}x slower)"
    )
    if not ok:
        print("MISSED: TensorBoard logging overhead")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
