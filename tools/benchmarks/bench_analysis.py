"""Benchmark mme.analysis against mmengine 0.10.7 on ResNet-50 (issue 14).

Measures, in one run and on the same machine, ``get_model_complexity_info(model,
input_shape=(3, 224, 224))`` of the tests' ResNet-50 (wrapped as the spec's MMResNet50)
with mme.analysis (one forward under a dispatch mode) and with mmengine (two TorchScript
traces, one for FLOPs and one for activations). Both run once to warm up, then the best of
``--repeats`` runs is kept.

Targets: the same FLOPs, activations and parameters and the same table text; mme at least
as fast as mmengine (ratio >= 1). Exits 1 if a target is missed, 2 if mmengine is not
installed.

Run with ``/work/venvs/<branch>/bin/python tools/benchmarks/bench_analysis.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from _harness import report

from mme.analysis import get_model_complexity_info as mme_info

MODELS_FILE = Path(__file__).resolve().parents[2] / "tests" / "analysis" / "analysis_models.py"
SPEED_TARGET = 1.0


def load_models() -> Any:
    spec = importlib.util.spec_from_file_location("analysis_models", MODELS_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_time(run: Callable[[], dict[str, Any]], repeats: int) -> tuple[float, dict[str, Any]]:
    """Smallest wall time of ``run()`` over ``repeats`` runs (after one warm-up), and its result."""
    result = run()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    try:
        from mmengine.analysis import get_model_complexity_info as mm_info
    except ImportError:
        print("mmengine is not installed here; run with the venv that has mmengine 0.10.7")
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmengine.logging import MMLogger

    MMLogger.get_current_instance().setLevel(logging.ERROR)  # its unsupported-op warnings

    torch.manual_seed(0)
    model = load_models().MMResNet50()
    shape = (3, 224, 224)
    mme_t, mme_r = best_time(lambda: mme_info(model, input_shape=shape), args.repeats)
    mm_t, mm_r = best_time(lambda: mm_info(model, input_shape=shape), args.repeats)

    failures: list[str] = []
    print(
        f"ResNet-50, input (1, 3, 224, 224), {torch.get_num_threads()} torch threads, "
        f"best of {args.repeats} runs"
    )
    print(f"{'':>10} {'seconds':>9} {'flops':>14} {'activations':>12} {'params':>10}")
    for name, t, r in (("mme", mme_t, mme_r), ("mmengine", mm_t, mm_r)):
        print(f"{name:>10} {t:>9.3f} {r['flops']:>14,} {r['activations']:>12,} {r['params']:>10,}")
    ratio = mm_t / mme_t
    print(f"speed ratio (mmengine time / mme time): {ratio:.2f} (target >= {SPEED_TARGET})")
    for key in ("flops", "activations", "params", "flops_str", "params_str", "activations_str"):
        if mme_r[key] != mm_r[key]:
            failures.append(f"{key}: mme {mme_r[key]} != mmengine {mm_r[key]}")
    if mme_r["out_table"] != mm_r["out_table"].strip("\n"):
        failures.append("the tables differ")
    else:
        print("same numbers and the same table text")
    if ratio < SPEED_TARGET:
        failures.append(f"mme is slower than mmengine: ratio {ratio:.2f}")
    report("bench_analysis", "speed: mmengine time / mme time", ratio, SPEED_TARGET)
    report("bench_analysis", "figures and table equal to mmengine's", float(not failures), 1.0)

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
