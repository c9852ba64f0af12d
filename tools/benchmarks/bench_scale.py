"""Benchmark the training techniques of issue 18 on the CPU.

    /work/venvs/<branch>/bin/python tools/benchmarks/bench_scale.py [--rounds 3]

1. EMA update cost: ``ExponentialMovingAverage.update_parameters`` (one fused
   ``torch._foreach_lerp_`` per device and dtype) on a ResNet-50 (25.6 M parameters, torch.nn
   layers) against one training step of that model (batch 4 at 128x128, SGD), both in the
   same run; and against a per-tensor ``lerp_`` loop (the unfused update). Target: the EMA
   update at most 5 % of a step.
2. Memory of activation checkpointing and efficient_conv_bn_eval on the same ResNet-50
   (batch 4 at 128x128, backbone BatchNorm frozen for the conv-bn case), each in a fresh
   process: the bytes autograd keeps for backward besides the weights (each storage once),
   i.e. the activation memory at its peak, between forward and backward. (PyTorch keeps no
   allocator statistics for the CPU, and the process's peak RSS is reached while the model
   is built, so it does not show the difference.) Target: checkpointing the four stages
   keeps at most 0.7x the plain run's saved bytes.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _harness import report

EMA_TARGET = 0.05
CHECKPOINT_TARGET = 0.7
SHAPE = (4, 3, 128, 128)


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
        self.downsample: nn.Module | None = None
        if stride != 1 or in_ch != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out, 1, stride, bias=False), nn.BatchNorm2d(out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class ResNet50(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        in_ch = 64
        for i, (blocks, mid) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512), strict=True)):
            layers = []
            for b in range(blocks):
                layers.append(Bottleneck(in_ch, mid, 2 if b == 0 and i > 0 else 1))
                in_ch = mid * 4
            setattr(self, f"layer{i + 1}", nn.Sequential(*layers))
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return self.fc(x.mean((2, 3)))


def _step(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    x = torch.randn(*SHAPE)
    y = torch.randint(0, 1000, (SHAPE[0],))
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    optimizer.zero_grad()


def bench_ema(rounds: int) -> float:
    from mme.runner.model import ExponentialMovingAverage

    model = ResNet50()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ema = ExponentialMovingAverage(model, momentum=0.001)
    ema.update_parameters(model)  # the first call copies
    params = dict(ema.module.named_parameters())
    sources = dict(model.named_parameters())

    def loop() -> None:
        with torch.no_grad():
            for name, avg in params.items():
                avg.lerp_(sources[name], 0.001)

    _step(model, optimizer)
    steps, updates, loops = [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        _step(model, optimizer)
        steps.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(5):
            ema.update_parameters(model)
        updates.append((time.perf_counter() - start) / 5)
        start = time.perf_counter()
        for _ in range(5):
            loop()
        loops.append((time.perf_counter() - start) / 5)
    step, update, unfused = (statistics.median(v) for v in (steps, updates, loops))
    numel = sum(p.numel() for p in model.parameters())
    print(f"ResNet-50 ({numel / 1e6:.1f} M parameters), batch {SHAPE}")
    print(f"  training step (SGD)           {step * 1e3:9.1f} ms")
    print(
        f"  EMA update (fused foreach)    {update * 1e3:9.1f} ms  = {update / step:.2%} of a step"
    )
    print(f"  per-tensor lerp_ loop         {unfused * 1e3:9.1f} ms")
    return update / step


CHILD = r"""
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from bench_scale import ResNet50, SHAPE, _step
torch.set_num_threads(1)
mode = sys.argv[2]
model = ResNet50()
if mode == "checkpointing":
    from mme.runner.activation_checkpointing import turn_on_activation_checkpointing
    turn_on_activation_checkpointing(model, ["layer1", "layer2", "layer3", "layer4"])
if mode in ("conv_bn_frozen", "efficient_conv_bn_eval"):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
if mode == "efficient_conv_bn_eval":
    from mme.runner.model.efficient_conv_bn_eval import turn_on_efficient_conv_bn_eval
    turn_on_efficient_conv_bn_eval(model, ["layer1", "layer2", "layer3", "layer4"])
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
seen = set()
saved = [0]
def pack(t):
    key = t.untyped_storage().data_ptr()
    if key not in seen and key not in weights:
        seen.add(key)
        saved[0] += t.untyped_storage().nbytes()
    return t
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    _step(model, optimizer)
print(json.dumps(dict(saved=saved[0])))
"""


def bench_memory() -> float:
    here = str(Path(__file__).parent)
    results = {}
    for mode in ("plain", "checkpointing", "conv_bn_frozen", "efficient_conv_bn_eval"):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, here, mode],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    print("activation memory of one training step (fresh process each)")
    print(f"  {'configuration':<26}{'saved for backward':>20}")
    for mode, row in results.items():
        print(f"  {mode:<26}{row['saved'] / 2**20:>17.0f} MB")
    ratio = results["checkpointing"]["saved"] / results["plain"]["saved"]
    fused = results["efficient_conv_bn_eval"]["saved"] / results["conv_bn_frozen"]["saved"]
    print(f"  checkpointing keeps {ratio:.2f}x; efficient_conv_bn_eval keeps {fused:.2f}x")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ema_ratio = bench_ema(args.rounds)
    ok = report("bench_scale", "EMA update / ResNet-50 step", ema_ratio, EMA_TARGET, at_least=False)
    ratio = bench_memory()
    ok &= report(
        "bench_scale", "checkpointing saved bytes / plain", ratio, CHECKPOINT_TARGET, at_least=False
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
