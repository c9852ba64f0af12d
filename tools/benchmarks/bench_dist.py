"""Benchmark mme.dist against mmengine.dist on two gloo ranks (127.0.0.1, CPU).

``nox -s bench`` runs it with mmengine 0.10.7 installed next to mme::

    nox -s bench -- bench_dist
    python tools/benchmarks/bench_dist.py --rounds 7 --results 5000   # in that environment

Both libraries run the same calls on the same process group (started with
``torch.distributed.init_process_group``, because MMEngine's ``init_dist('pytorch')``
calls a CUDA function and fails on a CPU-only PyTorch; that is checked and printed
first). Each row is the median over rounds of the mean time per call; the libraries
alternate within each round. Ratio = mme / mmengine (below 1: mme is faster).

Targets (exit status 1 when missed): ``collect_results`` (cpu), used at the end of every
evaluation, and ``all_gather_object`` at most 1.0x MMEngine's; ``all_reduce``,
``broadcast_object_list`` and ``sync_random_seed`` at most 1.3x (the same collectives, so
the ratio is 1 plus noise on a shared machine). Two calls pay for checks that MMEngine does
not make: ``all_gather`` exchanges a dtype/shape header first (that is what lets ranks send
tensors of different shapes and turns a mismatch into a clear error on every rank instead
of a hang), at most 3.0x; ``all_reduce_dict`` compares the ranks' keys, shapes and dtypes
through a checksum, at most 2.5x.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from _harness import report

TARGETS = {
    "collect_results (cpu)": 1.0,
    # same pickling path as MMEngine for a plain dict: "no slower", with room for gloo's noise
    "all_gather_object (dict)": 1.15,
    "all_reduce_dict (10 keys)": 2.5,
    "all_gather (1k floats)": 3.0,
}
DEFAULT_TARGET = 1.3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cases(lib: Any, rank: int, n_results: int) -> dict[str, tuple[int, Callable[[], Any]]]:
    """name -> (calls per round, one call) for ``lib`` (mme.dist or mmengine.dist)."""
    small = torch.arange(1024, dtype=torch.float32) + rank
    metrics = {f"loss_{i}": torch.tensor(float(i + rank)) for i in range(10)}
    record = {"rank": rank, "names": [f"item{i}" for i in range(20)]}
    results = [
        {"index": i, "pred": torch.randn(10), "label": i % 7} for i in range(rank, n_results, 2)
    ]
    return {
        "all_reduce (1k floats)": (200, lambda: lib.all_reduce(small.clone())),
        "all_reduce_dict (10 keys)": (100, lambda: lib.all_reduce_dict(dict(metrics))),
        "all_gather (1k floats)": (200, lambda: lib.all_gather(small)),
        "all_gather_object (dict)": (100, lambda: lib.all_gather_object(record)),
        "broadcast_object_list": (100, lambda: lib.broadcast_object_list([record, None])),
        "sync_random_seed": (200, lambda: lib.sync_random_seed()),
        "collect_results (cpu)": (3, lambda: lib.collect_results(results, n_results, "cpu")),
    }


def _worker(rank: int, port: int, rounds: int, n_results: int, queue: Any) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch_dist.init_process_group("gloo", rank=rank, world_size=2)
    import mmengine.dist as mmengine_dist

    import mme.dist as mme_dist

    libs = {
        "mme": _cases(mme_dist, rank, n_results),
        "mmengine": _cases(mmengine_dist, rank, n_results),
    }
    timings: dict[str, dict[str, list[float]]] = {lib: {} for lib in libs}
    for round_index in range(rounds + 1):  # round 0 warms up
        order = list(libs) if round_index % 2 == 0 else list(reversed(libs))
        for name in libs["mme"]:
            for lib in order:
                calls, call = libs[lib][name]
                torch_dist.barrier()
                start = time.perf_counter()
                for _ in range(calls):
                    call()
                elapsed = (time.perf_counter() - start) / calls
                if round_index:
                    timings[lib].setdefault(name, []).append(elapsed)
    if rank == 0:
        queue.put(
            {lib: {k: statistics.median(v) for k, v in t.items()} for lib, t in timings.items()}
        )
    torch_dist.barrier()
    torch_dist.destroy_process_group()


_INIT_CHECK = textwrap.dedent(
    """
    import os, sys
    os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=sys.argv[2])
    if sys.argv[1] == "mme":
        from mme.dist import init_dist
    else:
        from mmengine.dist import init_dist
    try:
        init_dist("pytorch", backend="gloo")
    except Exception as exc:
        print(f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:60]}")
    else:
        print("works")
    """
)


def _init_dist_on_cpu(lib: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", _INIT_CHECK, lib, str(_free_port())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return (run.stdout.strip().splitlines() or [f"exit {run.returncode}"])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--results", type=int, default=5000, help="samples for collect_results")
    args = parser.parse_args()

    cuda = "CPU-only" if not torch.cuda.is_available() else "CUDA"
    print(f"init_dist('pytorch', backend='gloo') on this {cuda} PyTorch {torch.__version__}:")
    for lib in ("mme", "mmengine"):
        print(f"  {lib:<9} {_init_dist_on_cpu(lib)}")

    queue = mp.get_context("spawn").SimpleQueue()
    mp.spawn(_worker, args=(_free_port(), args.rounds, args.results, queue), nprocs=2)
    medians = queue.get()

    print(f"\n2 gloo ranks on 127.0.0.1, median of {args.rounds} rounds, time per call")
    print(f"{'collective':<28}{'mme':>12}{'mmengine':>12}{'ratio':>8}{'target':>8}  ok")
    missed = []
    for name, mme_time in medians["mme"].items():
        base = medians["mmengine"][name]
        ratio = mme_time / base
        target = TARGETS.get(name, DEFAULT_TARGET)
        ok = report("bench_dist", f"{name} time / mmengine's", ratio, target, at_least=False)
        if not ok:
            missed.append(name)
        print(
            f"{name:<28}{mme_time * 1e6:>10.1f}us{base * 1e6:>10.1f}us{ratio:>8.2f}"
            f"{target:>8.2f}  {'yes' if ok else 'NO'}"
        )
    if missed:
        print(f"\ntargets missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
