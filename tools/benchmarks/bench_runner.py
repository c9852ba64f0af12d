"""Benchmark: the Runner's per-iteration overhead, ``import mme.runner``, ``save_checkpoint``.

Measured in one run, against baselines measured in the same run:

1. Training epochs of a tiny MLP (in-memory data, batch 32, 256 iterations each) with a full
   Runner (default hooks, logging every 10 iterations, a DefaultSampler, a checkpoint at the
   end of each epoch) against a hand-written PyTorch loop doing the same (shuffled
   DataLoader, SGD, torch.save at the end of each epoch): target <= 1.15x. MMEngine
   0.10.7's Runner and PyTorch Lightning's Trainer (logging every 10 steps, a checkpoint at
   the end of each epoch, no progress bar) on the same job are shown beside it when they are
   installed.

   Each framework epoch is followed, in the same process, by one epoch of the hand-written
   loop, and the figure is the median over epochs of their ratio. On a shared machine the
   speed of everything drifts by 2x from one minute to the next; two epochs a moment apart
   see the same machine, where separately timed runs did not (the first pair of a run,
   a warm-up, is left out).
2. ``import mme.runner`` after ``import torch``, in fresh interpreters: target <= +0.3 s.
3. ``save_checkpoint`` of a 200 MB state against ``torch.save`` of the same: target <= 1.1x
   (best of several, interleaved).

One intra-op thread. Exit status 1 if a target is missed::

    /work/venv/bin/python tools/benchmarks/bench_runner.py [--repeats 3] [--epochs 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from _harness import report
from torch import nn
from torch.utils.data import DataLoader

ITERS = 256
BATCH = 32
TARGET_OVERHEAD = 1.15
TARGET_IMPORT_S = 0.3
TARGET_SAVE = 1.1


def dataset() -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    xs = torch.randn(ITERS * BATCH, 16, generator=g)
    return [(x, torch.tensor(int(x.sum() > 0))) for x in xs]


def mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))


def collate(batch: list) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = zip(*batch, strict=True)
    return torch.stack(xs), torch.stack(ys)


# ------------------------------------------------------------------ hand-written loop
class HandWritten:
    """The hand-written loop, one epoch at a time: a shuffled DataLoader, SGD, ``torch.save``
    at the end of the epoch. Each framework run calls `epoch` right after each of its own
    epochs, so that the two are timed moments apart, in the same process."""

    def __init__(self, data: list, work_dir: Path) -> None:
        self.model = mlp()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loader = DataLoader(data, batch_size=BATCH, shuffle=True, collate_fn=collate)
        self.work_dir = work_dir
        self.done = 0

    def epoch(self) -> float:
        """Seconds per iteration of one epoch."""
        model, optimizer = self.model, self.optimizer
        start = time.perf_counter()
        model.train()
        for x, y in self.loader:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        self.done += 1
        torch.save(
            {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()},
            self.work_dir / f"hand_epoch_{self.done}.pth",
        )
        return (time.perf_counter() - start) / len(self.loader)


class Pairs:
    """Per-iteration seconds of each framework epoch and of the hand-written epoch run right
    after it; the first pair (warm-up) is left out."""

    def __init__(self, hand: HandWritten) -> None:
        self.hand = hand
        self.framework: list[float] = []
        self.hand_times: list[float] = []

    def add(self, framework_seconds: float) -> None:
        self.framework.append(framework_seconds / ITERS)
        self.hand_times.append(self.hand.epoch())

    def ratios(self) -> list[float]:
        return [f / h for f, h in zip(self.framework[1:], self.hand_times[1:], strict=True)]


# ----------------------------------------------------------------------------- mme
def mme_runner(data: list, work_dir: Path, epochs: int, pairs: Pairs) -> None:
    from mme.runner import BaseModel, Hook, Runner

    class Net(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp()

        def forward(self, x: torch.Tensor, y: torch.Tensor, mode: str = "tensor") -> Any:
            return {"loss": nn.functional.cross_entropy(self.net(x), y)}

    class EpochTimer(Hook):
        priority = "LOWEST"  # after the checkpoint of the epoch

        def before_train_epoch(self, runner: Any) -> None:
            self.start = time.perf_counter()

        def after_train_epoch(self, runner: Any) -> None:
            pairs.add(time.perf_counter() - self.start)

    runner = Runner(
        model=Net(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type="DefaultSampler", shuffle=True),
            batch_size=BATCH,
            collate_fn=collate,
        ),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        custom_hooks=[EpochTimer()],
        log_level="WARNING",
    )
    runner.train()


# ------------------------------------------------------------------------- mmengine
def mmengine_runner(data: list, work_dir: Path, epochs: int, pairs: Pairs) -> None:
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

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
            pairs.add(time.perf_counter() - self.start)

    runner = Runner(
        model=Net(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type="DefaultSampler", shuffle=True),
            batch_size=BATCH,
            collate_fn=collate,
        ),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        custom_hooks=[EpochTimer()],
        log_level="WARNING",
    )
    runner.train()


# ------------------------------------------------------------------------ lightning
def lightning_trainer(data: list, work_dir: Path, epochs: int, pairs: Pairs) -> None:
    import lightning as L

    class Net(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp()

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            loss = nn.functional.cross_entropy(self.net(x), y)
            self.log("loss", loss)
            return loss

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    class EpochTimer(L.Callback):
        """Lightning saves its checkpoint after every other callback's epoch end, so an
        epoch is timed from its start to the start of the next one (or the end of
        training), less the hand-written epoch run in between."""

        start: float | None = None
        hand_seconds = 0.0

        def _close(self) -> None:
            if self.start is not None:
                pairs.framework.append(
                    (time.perf_counter() - self.start - self.hand_seconds) / ITERS
                )

        def on_train_epoch_start(self, trainer: Any, module: Any) -> None:
            self._close()
            self.start = time.perf_counter()

        def on_train_epoch_end(self, trainer: Any, module: Any) -> None:
            started = time.perf_counter()
            pairs.hand_times.append(pairs.hand.epoch())
            self.hand_seconds = time.perf_counter() - started

        def on_train_end(self, trainer: Any, module: Any) -> None:
            self._close()

    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        devices=1,
        default_root_dir=str(work_dir),
        log_every_n_steps=10,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[EpochTimer()],
    )
    loader = DataLoader(data, batch_size=BATCH, shuffle=True, collate_fn=collate)
    trainer.fit(Net(), loader)


def paired_ratios(
    fns: dict[str, Any], repeats: int, data: list, epochs: int
) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """For each framework: (ratios, its seconds per iteration, the hand-written loop's),
    over ``repeats`` runs of ``epochs`` epochs, the frameworks taking turns run by run."""
    results: dict[str, tuple[list[float], list[float], list[float]]] = {
        name: ([], [], []) for name in fns
    }
    for _ in range(repeats):
        for name, fn in fns.items():
            with tempfile.TemporaryDirectory() as tmp:
                pairs = Pairs(HandWritten(data, Path(tmp)))
                try:
                    fn(data, Path(tmp), epochs, pairs)
                except Exception as error:
                    print(f"{name} failed: {type(error).__name__}: {error}")
                    continue
            ratios, framework, hand = results[name]
            ratios.extend(pairs.ratios())
            framework.extend(pairs.framework[1:])
            hand.extend(pairs.hand_times[1:])
    return {name: result for name, result in results.items() if result[0]}


# ----------------------------------------------------------------------- import time
def import_seconds(repeats: int) -> tuple[float, float]:
    """``(import torch, then import mme.runner)`` in seconds, each the best of ``repeats``
    fresh interpreters. Both are timed in the same interpreter, one after the other: two
    separate interpreters differed by more than the figure itself (torch alone took 1.3 to
    1.5 s from one start to the next)."""
    code = (
        "import time; t = time.perf_counter(); import torch; a = time.perf_counter(); "
        "import mme.runner; b = time.perf_counter(); print(a - t, b - a)"
    )
    torch_s, runner_s = [], []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        first, second = map(float, out.stdout.split())
        torch_s.append(first)
        runner_s.append(second)
    return min(torch_s), min(runner_s)


# ------------------------------------------------------------------------ checkpoint
def save_times(repeats: int) -> tuple[float, float]:
    from mme.runner import save_checkpoint

    state = {
        "state_dict": {f"layer{i}.weight": torch.randn(1_000_000) for i in range(50)},
        "meta": {"epoch": 1, "iter": 100},
    }
    mme_times, torch_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        # Both write a new file each time (the previous one is removed untimed), interleaved.
        for _ in range(max(repeats, 5)):
            for name, times, save in (
                ("torch.pth", torch_times, torch.save),
                ("mme.pth", mme_times, save_checkpoint),
            ):
                target = Path(tmp) / name
                target.unlink(missing_ok=True)
                start = time.perf_counter()
                save(state, target)
                times.append(time.perf_counter() - start)
    return min(mme_times), min(torch_times)


def _quartiles(values: list[float]) -> str:
    low, _, high = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return f"{low:.2f}-{high:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each framework")
    parser.add_argument("--epochs", type=int, default=8, help="epochs per run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ["OMP_NUM_THREADS"] = "1"
    logging.disable(logging.WARNING)
    data = dataset()
    failures = []

    fns: dict[str, Any] = {"mme": mme_runner}
    for name, module, fn in (
        ("mmengine", "mmengine", mmengine_runner),
        ("lightning", "lightning", lightning_trainer),
    ):
        if importlib.util.find_spec(module) is not None:
            fns[name] = fn
    results = paired_ratios(fns, args.repeats, data, epochs=args.epochs)
    labels = {"mme": "mme Runner", "mmengine": "MMEngine 0.10.7", "lightning": "PyTorch Lightning"}
    print(
        f"per iteration, median of {len(results['mme'][0])} epochs, each against the "
        "hand-written epoch run right after it:"
    )
    for name, (ratios, framework, hand) in results.items():
        print(
            f"  {labels[name]:<18} {statistics.median(framework) * 1e6:6.0f} us against "
            f"{statistics.median(hand) * 1e6:4.0f} us: {statistics.median(ratios):.2f}x "
            f"(quartiles {_quartiles(ratios)})"
        )
    if "lightning" not in results:
        print("  PyTorch Lightning  not measured (not installed)")
    ratio = statistics.median(results["mme"][0])
    report(
        "bench_runner",
        "Runner / hand-written loop, per iteration",
        ratio,
        TARGET_OVERHEAD,
        at_least=False,
    )
    if ratio > TARGET_OVERHEAD:
        failures.append("per-iteration overhead")

    torch_import, extra = import_seconds(max(args.repeats, 5))
    print(
        f"import: torch {torch_import:.2f} s, then mme.runner +{extra:.2f} s "
        f"(target <= +{TARGET_IMPORT_S} s)"
    )
    report(
        "bench_runner",
        "import mme.runner - import torch (s)",
        extra,
        TARGET_IMPORT_S,
        at_least=False,
        absolute=True,
    )
    if extra > TARGET_IMPORT_S:
        failures.append("import time")

    ours_save, torch_save = save_times(args.repeats)
    save_ratio = ours_save / torch_save
    print(
        f"save 200 MB: torch.save {torch_save:.3f} s, save_checkpoint {ours_save:.3f} s "
        f"({save_ratio:.2f}x, target <= {TARGET_SAVE}x)"
    )
    report(
        "bench_runner",
        "save_checkpoint / torch.save (200 MB)",
        save_ratio,
        TARGET_SAVE,
        at_least=False,
    )
    if save_ratio > TARGET_SAVE:
        failures.append("save_checkpoint")
    if failures:
        print("MISSED:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
