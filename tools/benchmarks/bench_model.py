"""Benchmark mme.runner.model: BaseModel.train_step against a hand-written step (issue 15).

Measures, in one run and on the same machine (CPU):

* one training step of a tiny MLP (MNIST-sized: 784 -> 256 -> 10, batch 64, SGD; and, for
  information, a smaller one, 32 -> 64 -> 10, batch 16, where fixed costs dominate), four ways:
  a hand-written
  PyTorch step (forward, cross-entropy, backward, step, zero_grad), ``BaseModel.train_step``
  with mme.optim's ``OptimWrapper`` (the default ``nonfinite_loss='raise'`` check included),
  the same with ``nonfinite_loss='ignore'``, and mmengine 0.10.7's ``BaseModel.train_step``
  (for information; skipped if mmengine is not installed);
* ``parse_losses`` of a dict of 4 scalar losses (mme, and mmengine's for information), next to
  the floor of the work it must do (3 autograd additions and 5 detaches, inline).

The variants train the same module (the same weights in memory). They take turns in blocks
of 10 steps, in a new order each turn, and each block is divided by the hand-written block
of the same turn; the figure is the median of these ratios. A control row times the
hand-written step against itself: how far it is from 1.00x is the method's resolution. The
machine's speed drifts by up to 2x within a minute on a shared host: long blocks timed
separately (the method before) took that drift for a difference between the variants.

Targets: ``train_step`` at most 1.05x the hand-written step (MNIST-sized MLP); ``parse_losses``
under 15 µs. Exits 1 if a target is missed. Absolute times depend on the machine's load.

Run with ``python tools/benchmarks/bench_model.py`` (``--quick`` for a smoke run). On a
shared 2-core machine the wall-clock ratio moves by a few percent from run to run;
``--instructions`` also counts the
instructions of a step under valgrind's callgrind, which no other process disturbs.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from _harness import report
from torch import nn

from mme.optim import OptimWrapper
from mme.runner.model import BaseModel, parse_losses

STEP_RATIO_TARGET = 1.05
BLOCK = 10  # steps timed together, per variant and turn
PARSE_TARGET_US = 15.0


SIZES = {
    "MNIST-sized MLP 784-256-10, batch 64": (784, 256, 64),
    "small MLP 32-64-10, batch 16": (32, 64, 16),
}
TARGET_SIZE = "MNIST-sized MLP 784-256-10, batch 64"
WIDTHS = [784, 256]  # set per size by run_size()


def mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(WIDTHS[0], WIDTHS[1]), nn.ReLU(), nn.Linear(WIDTHS[1], 10))


class MmeMLP(BaseModel):
    def __init__(self, nonfinite_loss: str = "raise", net: nn.Module | None = None) -> None:
        super().__init__(nonfinite_loss=nonfinite_loss)
        self.net = mlp() if net is None else net

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        logits = self.net(inputs)
        if mode == "loss":
            return {"loss": F.cross_entropy(logits, labels)}
        return logits


def hand_written_step(net: nn.Module) -> Callable[[tuple[torch.Tensor, torch.Tensor]], None]:
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)

    def step(data: tuple[torch.Tensor, torch.Tensor]) -> None:
        inputs, labels = data
        loss = F.cross_entropy(net(inputs), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def mme_step(
    nonfinite_loss: str, net: nn.Module
) -> Callable[[tuple[torch.Tensor, torch.Tensor]], None]:
    model = MmeMLP(nonfinite_loss, net)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    return lambda data: model.train_step(data, wrapper)


def mmengine_step(net: nn.Module) -> Callable[[tuple[torch.Tensor, torch.Tensor]], None] | None:
    try:
        from mmengine.model import BaseModel as MmBaseModel
        from mmengine.optim import OptimWrapper as MmOptimWrapper
    except ImportError:
        return None

    class MmMLP(MmBaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
            logits = self.net(inputs)
            if mode == "loss":
                return {"loss": F.cross_entropy(logits, labels)}
            return logits

    model = MmMLP()
    wrapper = MmOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    return lambda data: model.train_step(data, wrapper)


def time_steps(step: Callable[[Any], Any], data: Any, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        step(data)
    return (time.perf_counter() - start) / calls


def run_size(name: str, rounds: int, calls: int) -> dict[str, float]:
    """Every variant's median ratio to the hand-written step, for one MLP size (printed as a
    table with the median time per step)."""
    width_in, hidden, batch = SIZES[name]
    WIDTHS[:] = [width_in, hidden]
    data = (torch.randn(batch, width_in), torch.randint(0, 10, (batch,)))
    # Every variant trains the same module: separate copies of the weights were seen to run
    # up to 7% apart with identical code (where the tensors lie in memory).
    net = mlp()
    variants: dict[str, Callable[[Any], Any]] = {
        "hand-written step": hand_written_step(net),
        # the same step again: its ratio is what the method resolves at that moment
        "hand-written step (control)": hand_written_step(net),
        "mme train_step": mme_step("raise", net),
        "mme train_step, nonfinite_loss='ignore'": mme_step("ignore", net),
    }
    baseline = mmengine_step(net)
    if baseline is not None:
        variants["mmengine 0.10.7 train_step"] = baseline
    for step in variants.values():  # warm-up
        time_steps(step, data, 50)
    # The variants take turns in blocks of BLOCK steps, in a new order each turn, and each
    # block is divided by the hand-written block of the same turn, timed a moment before or
    # after it: the machine's speed drifts by up to 2x within a minute on a shared host,
    # which long blocks timed separately took for a difference between the variants. Within
    # a block the same step repeats, as it does in a training loop.
    seconds: dict[str, list[float]] = {variant: [] for variant in variants}
    ratios: dict[str, list[float]] = {variant: [] for variant in variants}
    order = list(variants)
    shuffler = random.Random(0)
    for _ in range(max(1, rounds * calls // BLOCK)):
        shuffler.shuffle(order)
        took = {variant: time_steps(variants[variant], data, BLOCK) for variant in order}
        hand = took["hand-written step"]
        for variant, value in took.items():
            seconds[variant].append(value)
            ratios[variant].append(value / hand)
    print(f"One training step, {name}, SGD (medians over {rounds * calls:,} steps)")
    print(f"{'':<42} {'µs per step':>12} {'vs hand-written':>16}")
    medians = {}
    for variant in variants:
        medians[variant] = statistics.median(ratios[variant])
        step_us = statistics.median(seconds[variant]) * 1e6
        print(f"{variant:<42} {step_us:>12.1f} {medians[variant]:>15.3f}x")
    print()
    return medians


# ---------------------------------------------------------------- instruction counts
def _run_steps(variant: str, steps: int) -> None:
    """Run ``steps`` MNIST-sized steps of one variant (the body ``--instructions`` counts)."""
    WIDTHS[:] = list(SIZES[TARGET_SIZE][:2])
    batch = SIZES[TARGET_SIZE][2]
    data = (torch.randn(batch, WIDTHS[0]), torch.randint(0, 10, (batch,)))
    net = mlp()
    step = hand_written_step(net) if variant == "hand" else mme_step(variant, net)
    for _ in range(steps):
        step(data)


def _instructions(variant: str, steps: int) -> subprocess.Popen:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--run-steps", variant, str(steps),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def count_instructions() -> dict[str, float]:
    """Instructions per MNIST-sized step of the hand-written step and of ``train_step``:
    each variant runs 20 and 60 steps under callgrind; the difference over 40 steps leaves
    out the start-up. Repeatable whatever else the machine does (about 5 minutes)."""
    per_step = {}
    for variant in ("hand", "raise"):
        runs = {steps: _instructions(variant, steps) for steps in (20, 60)}
        counts = {}
        for steps, process in runs.items():
            _, err = process.communicate()
            found = re.search(r"Collected : (\d+)", err)
            if process.returncode or found is None:
                raise RuntimeError(f"callgrind run of {variant!r} failed:\n{err[-2000:]}")
            counts[steps] = int(found.group(1))
        per_step[variant] = (counts[60] - counts[20]) / 40
    return per_step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=15, help="steps per variant: rounds x 300 (x 50 quick)"
    )
    parser.add_argument("--quick", action="store_true", help="fewer steps (noisier figures)")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of a step under valgrind (about 5 minutes)",
    )
    parser.add_argument(
        "--run-steps", nargs=2, metavar=("VARIANT", "STEPS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.run_steps:
        _run_steps(args.run_steps[0], int(args.run_steps[1]))
        return 0
    if args.instructions:
        if shutil.which("valgrind") is None:
            print("--instructions needs valgrind (apt-get install valgrind)")
            return 1
        counts = count_instructions()
        ratio = counts["raise"] / counts["hand"]
        print(f"Instructions per step, {TARGET_SIZE} (callgrind, steps 21-60)")
        print(f"hand-written step   {counts['hand']:>14,.0f}")
        print(f"mme train_step      {counts['raise']:>14,.0f}  ({ratio:.4f}x)")
        print()
        report("bench_model", "train_step / hand step, instructions", ratio, STEP_RATIO_TARGET,
               at_least=False)  # fmt: skip
    failures: list[str] = []
    for name in SIZES:
        best = run_size(name, args.rounds, 50 if args.quick else 300)
        if name == TARGET_SIZE:
            ratio = best["mme train_step"]
            print(f"target ({name}): mme train_step <= {STEP_RATIO_TARGET}x the hand-written step")
            print()
            report("bench_model", "train_step / hand step, wall clock", ratio, STEP_RATIO_TARGET,
                   at_least=False)  # fmt: skip
            if ratio > STEP_RATIO_TARGET:
                failures.append(f"train_step is {ratio:.3f}x the hand-written step")
    baseline = mmengine_step(mlp())
    print()
    losses = {f"loss_{i}": torch.tensor(0.1 * (i + 1), requires_grad=True) for i in range(4)}
    parse_calls = 2_000 if args.quick else 20_000
    parse_times = [time_steps(parse_losses, losses, parse_calls) for _ in range(args.rounds)]
    parse_us = min(parse_times) * 1e6
    values = list(losses.values())

    def floor(_: Any) -> None:  # the work parse_losses cannot avoid
        total = values[0] + values[1]
        total = total + values[2]
        total = total + values[3]
        for value in (*values, total):
            value.detach()

    floor_times = [time_steps(floor, None, parse_calls) for _ in range(args.rounds)]
    floor_us = min(floor_times) * 1e6
    print(f"parse_losses, 4 scalar losses, best of {args.rounds} runs of {parse_calls:,} calls")
    print(f"{'mme':<12} {parse_us:>8.2f} µs (target < {PARSE_TARGET_US:.0f} µs)")
    print(f"{'floor':<12} {floor_us:>8.2f} µs (3 additions + 5 detaches, inline)")
    if baseline is not None:
        from mmengine.model import BaseModel as MmBaseModel

        mm_parse = MmBaseModel.parse_losses
        mm_times = [
            time_steps(lambda ls: mm_parse(None, ls), losses, parse_calls)
            for _ in range(args.rounds)
        ]
        print(f"{'mmengine':<12} {min(mm_times) * 1e6:>8.2f} µs (for information)")
    report("bench_model", "parse_losses, 4 losses (µs)", parse_us, PARSE_TARGET_US,
           at_least=False, absolute=True)  # fmt: skip
    if parse_us >= PARSE_TARGET_US:
        failures.append(f"parse_losses took {parse_us:.2f} µs")

    print()
    if failures:
        print("TARGETS MISSED:")
        for failure in failures:
            print(" -", failure)
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
