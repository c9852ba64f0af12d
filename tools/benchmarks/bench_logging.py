"""Benchmark mme.logging against mmengine 0.10.7.

Measures, in one run and on the same machine:

* ``HistoryBuffer.update`` on a full buffer of 1 000, 100 000 and 1 000 000
  entries (``max_length`` = that size, so the history stays at the size while
  it is measured: every update also drops the oldest entry). mmengine's update
  copies the whole history, so it is measured over fewer updates at the large
  sizes; the table says how many.
* ``MessageHub.update_scalars`` with four keys after 50 000 iterations.

Targets: mme's update under 1 µs at every size and flat (slowest size at most
2x the fastest); ``update_scalars`` at least 10x faster than mmengine's. Exits 1
if a target is missed, 2 if mmengine is not installed.

Run with ``nox -s bench -- bench_logging`` (mmengine 0.10.7 installed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from _harness import report

from mme.logging import HistoryBuffer as MmeHistoryBuffer
from mme.logging import MessageHub as MmeMessageHub

SIZES = (1_000, 100_000, 1_000_000)
HUB_HISTORY = 50_000
HUB_KEYS = ("train/loss", "train/lr", "train/time", "train/data_time")
UPDATE_TARGET_US = 1.0
FLATNESS_TARGET = 2.0
HUB_SPEEDUP_TARGET = 10.0


def best_time_per_call(run: Callable[[int], None], calls: int, repeats: int) -> float:
    """Smallest mean seconds per call of ``run(calls)`` over ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(calls)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def history_update_time(buffer_cls: Any, size: int, calls: int, repeats: int) -> float:
    """Seconds per ``update`` on a full buffer of ``size`` entries."""

    def run(n: int) -> None:
        buffer = buffer_cls([0.5] * size, [1] * size, max_length=size)
        update = buffer.update
        for i in range(n):
            update(i * 0.001)

    # The buffer is built inside run(); subtract that cost.
    build = best_time_per_call(
        lambda n: buffer_cls([0.5] * size, [1] * size, max_length=size), 1, repeats
    )
    total = best_time_per_call(run, calls, repeats) * calls
    return max(total - build, 0.0) / calls


def hub_update_time(hub_cls: Any, buffer_cls: Any, name: str, calls: int, repeats: int) -> float:
    """Seconds per ``update_scalars`` of four keys on a hub with 50 000 iterations of history."""
    history = [0.25] * HUB_HISTORY
    counts = [1] * HUB_HISTORY
    serial = iter(range(10**9))

    def run(n: int) -> None:
        hub = hub_cls(
            f"{name}-{next(serial)}",
            log_scalars={key: buffer_cls(history, counts) for key in HUB_KEYS},
        )
        update_scalars = hub.update_scalars
        for i in range(n):
            value = i * 0.001
            update_scalars(
                {
                    "train/loss": value,
                    "train/lr": 0.01,
                    "train/time": value,
                    "train/data_time": value,
                }
            )

    def build(n: int) -> None:
        hub_cls(
            f"{name}-{next(serial)}",
            log_scalars={key: buffer_cls(history, counts) for key in HUB_KEYS},
        )

    build_time = best_time_per_call(build, 1, repeats)
    total = best_time_per_call(run, calls, repeats) * calls
    return max(total - build_time, 0.0) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    parser.add_argument(
        "--quick", action="store_true", help="fewer updates (a smoke run, noisier figures)"
    )
    args = parser.parse_args()
    try:
        from mmengine.logging import HistoryBuffer as MmHistoryBuffer
        from mmengine.logging import MessageHub as MmMessageHub
    except ImportError:
        print("mmengine is not installed here; run with nox -s bench")
        return 2
    scale = 10 if args.quick else 1

    failures: list[str] = []
    print("HistoryBuffer.update on a full buffer (µs per update, best of", args.repeats, "runs)")
    header = f"{'entries':>10} {'mme µs':>9} {'mme updates':>12} {'mmengine µs':>12} "
    header += f"{'mmengine updates':>17} {'speed-up':>9}"
    print(header)
    mme_times: list[float] = []
    for size in SIZES:
        mme_calls = max(300_000, 2 * size + 1_000) // scale
        mm_calls = max(20, min(20_000, 2_000_000_000 // (size * 100))) // scale
        mme_t = history_update_time(MmeHistoryBuffer, size, mme_calls, args.repeats)
        mm_t = history_update_time(MmHistoryBuffer, size, mm_calls, args.repeats)
        mme_times.append(mme_t)
        print(
            f"{size:>10,} {mme_t * 1e6:>9.3f} {mme_calls:>12,} {mm_t * 1e6:>12.2f} "
            f"{mm_calls:>17,} {mm_t / mme_t if mme_t else float('inf'):>8.0f}x"
        )
        what = f"HistoryBuffer.update at {size:,} entries, us"
        us = mme_t * 1e6
        if not report("bench_logging", what, us, UPDATE_TARGET_US, at_least=False, absolute=True):
            failures.append(f"update at {size:,} entries took {mme_t * 1e6:.3f} µs (target < 1)")
    flatness = max(mme_times) / max(min(mme_times), 1e-12)  # 0 only in a --quick run
    print(f"mme flatness (slowest / fastest size): {flatness:.2f} (target <= {FLATNESS_TARGET})")
    print(
        "mmengine is measured over fewer updates at large sizes (each one copies the whole "
        "history); the per-update figure is the mean of the updates measured."
    )
    what = "HistoryBuffer.update slowest / fastest size"
    if not report("bench_logging", what, flatness, FLATNESS_TARGET, at_least=False):
        failures.append(f"update time is not flat across sizes: {flatness:.2f}x")

    print()
    print(f"MessageHub.update_scalars, 4 keys, after {HUB_HISTORY:,} iterations")
    mme_hub = hub_update_time(
        MmeMessageHub, MmeHistoryBuffer, "bench-mme", 50_000 // scale, args.repeats
    )
    mm_hub = hub_update_time(MmMessageHub, MmHistoryBuffer, "bench-mm", 500 // scale, args.repeats)
    speedup = mm_hub / mme_hub
    print(f"{'':>10} {'µs per call':>12} {'calls':>8}")
    print(f"{'mme':>10} {mme_hub * 1e6:>12.3f} {50_000 // scale:>8,}")
    print(f"{'mmengine':>10} {mm_hub * 1e6:>12.2f} {500 // scale:>8,}")
    print(f"speed-up: {speedup:.0f}x (target >= {HUB_SPEEDUP_TARGET:.0f}x)")
    what = "MessageHub.update_scalars speed-up vs mmengine"
    if not report("bench_logging", what, speedup, HUB_SPEEDUP_TARGET):
        failures.append(f"update_scalars speed-up {speedup:.1f}x is below 10x")

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
