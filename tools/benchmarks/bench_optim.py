"""Benchmark mme.optim: the update step against a hand-written loop, and building an optimizer
wrapper with ``paramwise_cfg`` against MMEngine 0.10.7.

Run with the benchmark environment (mmengine 0.10.7 installed next to mme)::

    /work/venvs/<branch>/bin/python tools/benchmarks/bench_optim.py [--rounds 7]

1. ``OptimWrapper.update_params(loss)`` on a small MLP against
   ``loss.backward(); optimizer.step(); optimizer.zero_grad()``: forward, loss and update
   per iteration, the two loops alternating within each round; the median over rounds of
   the time per iteration. Target: at most 1.05x the hand-written loop.
2. ``build_optim_wrapper(model, cfg)`` with ``paramwise_cfg`` (norm and bias decay
   multipliers, custom keys) on a ResNet-50-sized module tree built from torch.nn layers
   (161 parameters), against ``mmengine.optim.build_optim_wrapper``, both logging their
   ``paramwise_options`` lines to a logger at INFO whose console output is discarded.
   Target: mme at least 2x faster.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import statistics
import sys
import time
from collections.abc import Callable

import torch
from _harness import report
from torch import nn

UPDATE_TARGET = 1.05
BUILD_TARGET = 2.0


# ------------------------------------------------------------------ models
def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                         nn.Linear(128, 10))  # fmt: skip


class Bottleneck(nn.Module):
    def __init__(self, in_ch: int, mid: int, stride: int) -> None:
        super().__init__()
        out = mid * 4
        self.conv1 = nn.Conv2d(in_ch, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_ch != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out, 1, stride, bias=False), nn.BatchNorm2d(out)
            )


def resnet50_tree() -> nn.Module:
    """The module tree of a ResNet-50 (same layers, names and parameter shapes)."""
    model = nn.Module()
    model.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
    model.bn1 = nn.BatchNorm2d(64)
    in_ch = 64
    for i, (blocks, mid) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512), strict=True)):
        layers = []
        for b in range(blocks):
            layers.append(Bottleneck(in_ch, mid, 2 if b == 0 and i > 0 else 1))
            in_ch = mid * 4
        setattr(model, f"layer{i + 1}", nn.Sequential(*layers))
    model.fc = nn.Linear(2048, 1000)
    return model


PARAMWISE_CFG = dict(
    norm_decay_mult=0.0,
    bias_decay_mult=0.0,
    custom_keys={"layer1": dict(lr_mult=0.1), "fc": dict(lr_mult=10.0)},
)
OPTIM_CFG = dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4))


# ----------------------------------------------------------------- timing
def median_time(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def bench_update(rounds: int, iters: int) -> tuple[float, float]:
    from mme.optim import OptimWrapper

    x, y = torch.randn(32, 64), torch.randint(0, 10, (32,))
    ref_model, ours_model = mlp(), mlp()
    ref_opt = torch.optim.SGD(ref_model.parameters(), lr=0.01, momentum=0.9)
    wrapper = OptimWrapper(torch.optim.SGD(ours_model.parameters(), lr=0.01, momentum=0.9))

    def hand_written() -> None:
        loss = nn.functional.cross_entropy(ref_model(x), y)
        loss.backward()
        ref_opt.step()
        ref_opt.zero_grad()

    def update_params() -> None:
        wrapper.update_params(nn.functional.cross_entropy(ours_model(x), y))

    ref_times, ours_times = [], []
    for r in range(rounds + 1):
        pair = [(hand_written, ref_times), (update_params, ours_times)]
        for fn, times in pair if r % 2 == 0 else reversed(pair):
            t = median_time(fn, iters)
            if r:  # round 0 warms up
                times.append(t)
    return statistics.median(ref_times), statistics.median(ours_times)


def _quiet_loggers(sink: io.StringIO) -> None:
    """Both libraries log their paramwise lines at INFO to a console we discard.

    mme's console handler writes to ``sys.stdout`` as it is at each record (redirected
    by the caller); MMEngine's is bound to a stream, replaced here.
    """
    from mmengine.logging import MMLogger as MMEngineLogger

    from mme.logging import MMLogger

    MMLogger.get_instance("bench-optim", log_level="INFO")
    for handler in MMEngineLogger.get_instance("bench-optim", log_level="INFO").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def bench_build(rounds: int, calls: int) -> tuple[float, float]:
    from mmengine.optim import build_optim_wrapper as mmengine_build

    from mme.optim import build_optim_wrapper as mme_build

    model = resnet50_tree()
    cfg = dict(OPTIM_CFG, paramwise_cfg=PARAMWISE_CFG)
    ours_groups = mme_build(model, dict(cfg)).optimizer.param_groups
    theirs_groups = mmengine_build(model, dict(cfg)).optimizer.param_groups
    same = [(g["lr"], g["weight_decay"]) for g in ours_groups] == [
        (g["lr"], g["weight_decay"]) for g in theirs_groups
    ]
    if not same:
        raise SystemExit("mme and mmengine built different param groups: the benchmark is void")
    mme_times, mmengine_times = [], []
    for r in range(rounds + 1):
        pair = [(lambda: mme_build(model, dict(cfg)), mme_times),
                (lambda: mmengine_build(model, dict(cfg)), mmengine_times)]  # fmt: skip
        for fn, times in pair if r % 2 == 0 else reversed(pair):
            t = median_time(fn, calls)
            if r:
                times.append(t)
    return statistics.median(mme_times), statistics.median(mmengine_times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--iters", type=int, default=300, help="update steps per round")
    parser.add_argument("--builds", type=int, default=10, help="builds per round")
    args = parser.parse_args()
    torch.set_num_threads(1)

    ref, ours = bench_update(args.rounds, args.iters)
    update_ratio = ours / ref
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        _quiet_loggers(sink)
        mme_t, mmengine_t = bench_build(args.rounds, args.builds)
    speedup = mmengine_t / mme_t
    print(f"{'case':<48} {'baseline':>12} {'mme':>12} {'ratio':>8} {'target':>10}")
    print(f"{'update_params vs hand-written loop (MLP)':<48} {ref * 1e6:>10.1f}us "
          f"{ours * 1e6:>10.1f}us {update_ratio:>7.3f}x {'<= 1.05x':>10}")  # fmt: skip
    print(f"{'build_optim_wrapper paramwise (ResNet-50 tree)':<48} {mmengine_t * 1e3:>10.2f}ms "
          f"{mme_t * 1e3:>10.2f}ms {speedup:>7.2f}x {'>= 2x fast':>10}")  # fmt: skip
    missed = []
    report(
        "bench_optim",
        "update_params / hand-written step",
        update_ratio,
        UPDATE_TARGET,
        at_least=False,
    )
    report("bench_optim", "build_optim_wrapper speed-up over mmengine", speedup, BUILD_TARGET)
    if update_ratio > UPDATE_TARGET:
        missed.append(f"update_params {update_ratio:.3f}x > {UPDATE_TARGET}x")
    if speedup < BUILD_TARGET:
        missed.append(f"build_optim_wrapper only {speedup:.2f}x faster (< {BUILD_TARGET}x)")
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
