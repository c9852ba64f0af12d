"""Benchmark: the Runner's per-iteration overhead, ``import mme.runner``, ``save_checkpoint``.

Measured in one run, against baselines measured in the same run:

1. Training epochs of a tiny MLP (in-memory data, batch 32, 256 iterations each) with a full
   Runner (default hooks, logging every 10 iterations, a DefaultSampler, a checkpoint at the
   end of each epoch) against a hand-written PyTorch loop doing the same (shuffled
   DataLoader, SGD, torch.save at the end of each epoch): target <= 1.15x. MMEngine
   0.10.7's Runner and PyTorch Lightning's Trainer (logging every 10 steps, a checkpoint at
   the end of each epoch, no progress bar) on the same job are shown beside it when they are
   installed.

   The framework and the hand-written loop take turns inside every epoch, in the same
   process: after each block of 32 framework iterations (timed from hook to hook) the
   hand-written loop runs 32 iterations of its own. An epoch's ratio is the framework's
   time for all its blocks and its epoch-end work (the checkpoint) over the hand-written
   loop's for as many iterations and its ``torch.save``; the figure is the median over
   epochs (the first, a warm-up, left out). On a shared machine the speed of everything
   drifts by 2x from one minute to the next: what runs a few milliseconds apart sees the
   same machine, where whole epochs one after the other did not. A control line runs the
   hand-written loop against itself the same way: its spread is what the method resolves
   at that moment. (The hook that takes the turns runs every iteration, in mme's and
   MMEngine's runs alike: one call and a modulo.) Two more rows run the mme Runner
   without its LoggerHook, and without any default hook that runs every iteration
   (RuntimeInfoHook, IterTimerHook, LoggerHook): where its time goes.
2. ``import mme.runner`` after ``import torch``, in fresh interpreters: target <= +0.3 s.
3. ``save_checkpoint`` of a 200 MB state against ``torch.save`` of the same: target <= 1.1x
   (best of several, interleaved).

One intra-op thread. Exit status 1 if a target is missed::

    /work/venv/bin/python tools/benchmarks/bench_runner.py [--repeats 3] [--epochs 8]
"""

from __future__ import annotations

import argparse
import functools
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
#: The framework and the hand-written loop take turns every this many iterations.
BLOCK = 32
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
    """The hand-written loop: a shuffled DataLoader, SGD, ``torch.save`` at the end of each
    epoch. It runs in blocks of iterations (`block`), each block continuing its epoch, so
    that it can take turns with a framework inside the framework's own epochs."""

    def __init__(self, data: list, work_dir: Path) -> None:
        self.model = mlp()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loader = DataLoader(data, batch_size=BATCH, shuffle=True, collate_fn=collate)
        self.work_dir = work_dir
        self.done = 0
        self._batches: Any = None
        self._left = 0

    def block(self, iterations: int) -> float:
        """Seconds for the next ``iterations`` iterations (the one that ends an epoch saves)."""
        model, optimizer = self.model, self.optimizer
        start = time.perf_counter()
        for _ in range(iterations):
            if self._batches is None:
                model.train()
                self._batches, self._left = iter(self.loader), len(self.loader)
            x, y = next(self._batches)
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            self._left -= 1
            if self._left == 0:
                self.done += 1
                torch.save(
                    {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()},
                    self.work_dir / f"hand_epoch_{self.done}.pth",
                )
                self._batches = None
        return time.perf_counter() - start


class Interleaved:
    """Times a framework against the hand-written loop, taking turns inside every epoch.

    The framework calls `start_epoch`, then `segment` after every ``BLOCK`` iterations, then
    `end_epoch`. `segment` closes the framework's time since the last mark and runs the same
    number of hand-written iterations, timed apart. An epoch's pair is the framework's
    seconds per iteration (all its segments, so its epoch-end work such as the checkpoint
    too) and the hand-written loop's (its blocks, its epoch-end ``torch.save`` too). The
    first pair (warm-up) is left out.
    """

    def __init__(self, hand: HandWritten) -> None:
        self.hand = hand
        self.framework: list[float] = []
        self.hand_times: list[float] = []
        self._mark = 0.0
        self._framework_s = 0.0
        self._hand_s = 0.0

    def start_epoch(self) -> None:
        self._framework_s = self._hand_s = 0.0
        self._mark = time.perf_counter()

    def segment(self, iterations: int) -> None:
        self._framework_s += time.perf_counter() - self._mark
        self._hand_s += self.hand.block(iterations)
        self._mark = time.perf_counter()

    def end_epoch(self) -> None:
        self._framework_s += time.perf_counter() - self._mark
        self.framework.append(self._framework_s / ITERS)
        self.hand_times.append(self._hand_s / ITERS)

    def ratios(self) -> list[float]:
        return [f / h for f, h in zip(self.framework[1:], self.hand_times[1:], strict=True)]


def control(data: list, work_dir: Path, epochs: int, pairs: Interleaved) -> None:
    """The hand-written loop in the framework's place: its ratio shows what the method
    resolves on this machine at this moment (1.00 but for noise)."""
    other_dir = work_dir / "control"
    other_dir.mkdir()
    other = HandWritten(data, other_dir)
    for _ in range(epochs):
        pairs.start_epoch()
        for _ in range(ITERS // BLOCK):
            other.block(BLOCK)
            pairs.segment(BLOCK)
        pairs.end_epoch()


# ------------------------------------------------------------------ mme and mmengine
#: Where each library keeps the Runner, Hook and BaseModel (the two share their API).
_MODULES = {
    "mme": ("mme.runner", "mme.runner.hooks", "mme.runner.model"),
    "mmengine": ("mmengine.runner", "mmengine.hooks", "mmengine.model"),
}


def runner_job(
    library: str,
    data: list,
    work_dir: Path,
    epochs: int,
    pairs: Interleaved,
    default_hooks: dict | None = None,
) -> None:
    """The full Runner of ``library`` (``'mme'`` or ``'mmengine'``); ``default_hooks``
    removes some of its default hooks (the breakdown rows: what the per-iteration
    bookkeeping costs)."""
    runner_module, hooks_module, model_module = map(importlib.import_module, _MODULES[library])
    Hook, BaseModel = hooks_module.Hook, model_module.BaseModel

    class Net(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp()

        def forward(self, x: torch.Tensor, y: torch.Tensor, mode: str = "tensor") -> Any:
            return {"loss": nn.functional.cross_entropy(self.net(x), y)}

    class Turns(Hook):
        priority = "LOWEST"  # after every other hook (the epoch's checkpoint too)

        def before_train_epoch(self, runner: Any) -> None:
            pairs.start_epoch()

        def after_train_iter(self, runner: Any, batch_idx: int, **kwargs: Any) -> None:
            if (batch_idx + 1) % BLOCK == 0:
                pairs.segment(BLOCK)

        def after_train_epoch(self, runner: Any) -> None:
            pairs.end_epoch()

    runner = runner_module.Runner(
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
        custom_hooks=[Turns()],
        default_hooks=default_hooks,
        log_level="WARNING",
    )
    runner.train()


mme_runner = functools.partial(runner_job, "mme")
mmengine_runner = functools.partial(runner_job, "mmengine")

#: Rows that show where the Runner's time goes: the same job without its log events, and
#: without any of the default hooks that run every iteration (a user's own configs).
BREAKDOWN = {
    "mme, no LoggerHook": dict(logger=None),
    "mme, no per-iter hooks": dict(runtime_info=None, timer=None, logger=None),
}


# ------------------------------------------------------------------------ lightning
def lightning_trainer(data: list, work_dir: Path, epochs: int, pairs: Interleaved) -> None:
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

    class Turns(L.Callback):
        """Lightning saves its checkpoint after every other callback's epoch end: an epoch
        is closed when the next one starts (or training ends), its checkpoint inside."""

        open = False

        def _close(self) -> None:
            if self.open:
                pairs.end_epoch()
            self.open = False

        def on_train_epoch_start(self, trainer: Any, module: Any) -> None:
            self._close()
            pairs.start_epoch()
            self.open = True

        def on_train_batch_end(
            self, trainer: Any, module: Any, outputs: Any, batch: Any, batch_idx: int
        ) -> None:
            if (batch_idx + 1) % BLOCK == 0:
                pairs.segment(BLOCK)

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
        callbacks=[Turns()],
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
                pairs = Interleaved(HandWritten(data, Path(tmp)))
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

    fns: dict[str, Any] = {"control": control, "mme": mme_runner}
    for label, hooks in BREAKDOWN.items():
        fns[label] = functools.partial(mme_runner, default_hooks=hooks)
    for name, module, fn in (
        ("mmengine", "mmengine", mmengine_runner),
        ("lightning", "lightning", lightning_trainer),
    ):
        if importlib.util.find_spec(module) is not None:
            fns[name] = fn
    results = paired_ratios(fns, args.repeats, data, epochs=args.epochs)
    labels = {
        "control": "control (hand)",
        "mme": "mme Runner",
        "mmengine": "MMEngine 0.10.7",
        "lightning": "PyTorch Lightning",
    }
    print(
        f"per iteration, median of {len(results['mme'][0])} epochs, each against the "
        f"hand-written loop taking turns with it every {BLOCK} iterations:"
    )
    for name, (ratios, framework, hand) in results.items():
        print(
            f"  {labels.get(name, name):<23} {statistics.median(framework) * 1e6:6.0f} us against "
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
