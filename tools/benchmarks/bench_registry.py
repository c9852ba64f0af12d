"""Benchmark: building from a dict with mme.registry vs MMEngine's ``Registry.build``.

Both registries hold the same small class; each build is
``build(dict(type='Point', x=1, y=2, z=3))``. The two are timed in the same run,
interleaved, and the best of several repeats is kept, so machine load affects both
alike. Target: mme at least 10x faster. Exit status 1 if missed; ``nox -s bench``
runs it with mmengine 0.10.7 installed and prints the summary of all benchmarks::

A second measurement times `name in registry` for a missing name in a registry of
20 000 entries (it must not compute "did you mean" suggestions). Target: mme at least
10x faster.

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
TARGET_CONTAINS_SPEEDUP = 10.0
ENTRIES = 20_000


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


def _contains(registry_cls: Any, scope: str) -> Callable[[], Any]:
    """`'missing' in registry` for a registry of ENTRIES names."""
    registry = registry_cls("bench_in", scope=scope)
    for i in range(ENTRIES):
        registry.register_module(name=f"Entry{i}", module=Point)
    return lambda: "MissingEntry" in registry


def _mme_contains() -> Callable[[], Any]:
    from mme.registry import Registry

    return _contains(Registry, "mme_bench_in")


def _mmengine_contains() -> Callable[[], Any]:
    from mmengine.registry import Registry

    return _contains(Registry, "mmengine_bench_in")


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

    mme_in, mmengine_in = _mme_contains(), _mmengine_contains()
    assert mme_in() is False
    assert mmengine_in() is False
    mme_in_us = min(_best_us(mme_in, 2000) for _ in range(options.repeat))
    mmengine_in_us = min(_best_us(mmengine_in, 200) for _ in range(options.repeat))
    in_speedup = mmengine_in_us / mme_in_us
    in_ok = in_speedup >= TARGET_CONTAINS_SPEEDUP
    print(f"'MissingEntry' in registry of {ENTRIES} entries, best of", options.repeat, "repeats")
    print(f"{'implementation':<34}{'us/lookup':>10}  {'speedup':>8}")
    print(f"{'mmengine 0.10.7 __contains__':<34}{mmengine_in_us:>10.2f}  {'1.0x':>8}")
    print(f"{'mme.registry __contains__':<34}{mme_in_us:>10.2f}  {in_speedup:>7.1f}x")
    verdict = "met" if in_ok else "MISSED"
    print(
        f"target: >= {TARGET_CONTAINS_SPEEDUP:.0f}x faster than mmengine: {verdict} "
        f"({in_speedup:.1f}x)"
    )
    return 0 if ok and in_ok else 1


if __name__ == "__main__":
    sys.exit(main())
