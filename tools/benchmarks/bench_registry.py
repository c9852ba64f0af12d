"""Benchmark: building from a dict with mme.registry vs MMEngine's ``Registry.build``.

Both registries hold the same small class; each build is
``build(dict(type='Point', x=1, y=2, z=3))``. The two are timed in the same run,
interleaved, and the best of several repeats is kept, so machine load affects both
alike. Target: mme at least 10x faster. Exit status 1 if missed; ``nox -s bench``
runs it with mmengine 0.10.7 installed and prints the summary of all benchmarks::

    nox -s bench -- bench_registry
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable
from typing import Any

from _harness import report

TARGET_SPEEDUP = 10.0


class Point:
    """The class both registries build: three keyword arguments, trivial body."""

    def __init__(self, x: int = 0, y: int = 0, z: int = 0) -> None:
        self.x = x
        self.y = y
        self.z = z


def _mme_build() -> Callable[[], Any]:
    from mme.registry import Registry

    registry = Registry("bench", scope="mme_bench")
    registry.register_module(module=Point)
    cfg = {"type": "Point", "x": 1, "y": 2, "z": 3}
    return lambda: registry.build(cfg)


def _mmengine_build() -> Callable[[], Any]:
    from mmengine.registry import Registry

    registry = Registry("bench", scope="mmengine_bench")
    registry.register_module(module=Point)
    cfg = {"type": "Point", "x": 1, "y": 2, "z": 3}
    return lambda: registry.build(cfg)


def _best_us(func: Callable[[], Any], number: int) -> float:
    """Best time per call, in microseconds, of one batch of ``number`` calls."""
    return timeit.timeit(func, number=number) / number * 1e6


def main() -> int:
    """Measure, print the table, and return 0 if the target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000, help="builds per repeat (mme)")
    parser.add_argument("--repeat", type=int, default=7, help="repeats; the best is kept")
    options = parser.parse_args()

    mme_build = _mme_build()
    try:
        mmengine_build = _mmengine_build()
    except ImportError:
        print("mmengine is not installed: run this with nox -s bench", file=sys.stderr)
        return 2
    for build in (mme_build, mmengine_build):  # warm up: lazy imports, caches
        assert build().z == 3
        _best_us(build, 200)

    baseline_number = max(options.number // 20, 100)  # mmengine is much slower per call
    mme_times, mmengine_times = [], []
    for _ in range(options.repeat):
        mme_times.append(_best_us(mme_build, options.number))
        mmengine_times.append(_best_us(mmengine_build, baseline_number))
    mme_us, mmengine_us = min(mme_times), min(mmengine_times)
    speedup = mmengine_us / mme_us
    ok = report("bench_registry", "Registry.build speed-up vs mmengine", speedup, TARGET_SPEEDUP)

    rows = [
        ("mmengine 0.10.7 Registry.build", f"{mmengine_us:8.2f}", "1.0x"),
        ("mme.registry Registry.build", f"{mme_us:8.2f}", f"{speedup:.1f}x"),
    ]
    print("build(dict(type='Point', x=1, y=2, z=3)), best of", options.repeat, "repeats")
    print(f"{'implementation':<34}{'us/build':>10}  {'speedup':>8}")
    for name, us, ratio in rows:
        print(f"{name:<34}{us:>10}  {ratio:>8}")
    verdict = "met" if ok else "MISSED"
    print(f"target: >= {TARGET_SPEEDUP:.0f}x faster than mmengine: {verdict} ({speedup:.1f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
