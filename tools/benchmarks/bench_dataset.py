"""Benchmark mme.dataset against mmengine.dataset: worker memory, full_init, __getitem__.

Run in the benchmark environment (mmengine 0.10.7 installed next to mme)::

    python tools/benchmarks/bench_dataset.py [--samples 1000000] [--workers 4]

Memory: an OpenMMLab 2.0 annotation file of ``--samples`` small data infos (a path
string, an int label and a short list) is read by ``BaseDataset`` in a fresh process, then
a DataLoader with ``--workers`` workers started by fork reads one full pass. The
proportional set size (PSS, from /proc/PID/smaps_rollup, so pages shared after fork count
once in total) of the main process is taken before the workers start, and of the main
process plus its workers after the pass. Each library runs with ``serialize_data=True``
and ``False``, each in its own process.

full_init: the time to construct the dataset from that file (json load, parse, serialize),
from the same runs. __getitem__: the time of ``dataset[i]`` (no pipeline) minus the time
of ``list[i]`` over the same infos, in random order, minimum over rounds.

Targets (exit status 1 when missed), for mme with ``serialize_data=True``: total PSS after
the pass at most 1.3x the main process before the workers, and at most half of the total
with ``serialize_data=False``; full_init at most 1.0x MMEngine's time; ``__getitem__`` at
most 5 µs above list indexing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import report

MEMORY_RATIO_TARGET = 1.3
SERIALIZED_VS_PLAIN_TARGET = 0.5
FULL_INIT_TARGET = 1.0
GETITEM_OVERHEAD_TARGET_US = 5.0


def data_info(i: int) -> dict[str, Any]:
    return {
        "img_path": f"images/{i // 1000:04d}/{i:07d}.jpg",
        "img_label": i % 1000,
        "bbox": [i % 7, i % 11, 32, 48],
    }


def pss_kib(pid: int) -> int:
    """The PSS of process ``pid`` in KiB."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise RuntimeError(f"no Pss line in /proc/{pid}/smaps_rollup")


def _dataset_class(lib: str) -> tuple[Any, Any]:
    if lib == "mme":
        from mme.dataset import BaseDataset, pseudo_collate
    else:
        from mmengine.dataset import BaseDataset, pseudo_collate
    return BaseDataset, pseudo_collate


# ------------------------------------------------------------------ memory (child process)
def memory_child(lib: str, serialize: bool, ann_file: str, workers: int, batch: int) -> None:
    import torch

    base_dataset, collate = _dataset_class(lib)
    gc.collect()
    start = time.perf_counter()
    dataset = base_dataset(ann_file=ann_file, serialize_data=serialize)
    init_s = time.perf_counter() - start
    gc.collect()
    before = pss_kib(os.getpid())
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=batch,
        num_workers=workers,
        multiprocessing_context="fork",
        persistent_workers=True,
        collate_fn=collate,
    )
    start = time.perf_counter()
    seen = 0
    for data in loader:
        seen += len(data["img_label"])
    pass_s = time.perf_counter() - start
    pids = [w.pid for w in loader._iterator._workers]  # type: ignore[union-attr]
    main_after = pss_kib(os.getpid())
    worker_pss = [pss_kib(pid) for pid in pids]
    print(
        json.dumps(
            {
                "samples": seen,
                "init_s": init_s,
                "pass_s": pass_s,
                "main_before_kib": before,
                "main_after_kib": main_after,
                "workers_kib": worker_pss,
                "total_after_kib": main_after + sum(worker_pss),
            }
        )
    )
    sys.stdout.flush()
    os._exit(0)  # skip the workers' teardown


def run_memory(
    lib: str, serialize: bool, ann_file: str, args: argparse.Namespace
) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        lib,
        str(int(serialize)),
        ann_file,
        "--workers",
        str(args.workers),
        "--batch",
        str(args.batch),
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{lib} serialize_data={serialize} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------ __getitem__
def getitem_overhead(lib: str, samples: int, rounds: int) -> tuple[float, float]:
    """(µs per dataset[i], µs per list[i]), minimum over rounds."""
    base_dataset, _ = _dataset_class(lib)
    infos = [data_info(i) for i in range(samples)]

    class InMemory(base_dataset):  # type: ignore[misc, valid-type]
        def load_data_list(self) -> list[dict[str, Any]]:
            return [dict(info) for info in infos]

    dataset = InMemory()
    order = list(range(samples))
    random.Random(0).shuffle(order)

    def timed(get: Any) -> float:
        start = time.perf_counter()
        for i in order:
            get(i)
        return (time.perf_counter() - start) / samples * 1e6

    dataset_times, list_times = [], []
    for _ in range(rounds):
        list_times.append(timed(infos.__getitem__))
        dataset_times.append(timed(dataset.__getitem__))
    return min(dataset_times), min(list_times)


def write_annotations(path: Path, samples: int) -> None:
    data = {
        "metainfo": {"classes": [f"c{i}" for i in range(1000)]},
        "data_list": [data_info(i) for i in range(samples)],
    }
    path.write_text(json.dumps(data))


def mib(kib: float) -> str:
    return f"{kib / 1024:8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--getitem-samples", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=3, metavar=("LIB", "SERIALIZE", "ANN_FILE"))
    args = parser.parse_args()
    if args.child:
        lib, serialize, ann_file = args.child
        memory_child(lib, serialize == "1", ann_file, args.workers, args.batch)
        return 0

    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = Path(tmp) / "train.json"
        write_annotations(ann_file, args.samples)
        print(
            f"{args.samples:,} data infos ({ann_file.stat().st_size / 2**20:.0f} MiB of JSON), "
            f"DataLoader with {args.workers} fork workers, batch {args.batch}, one full pass"
        )
        runs = {}
        for serialize in (True, False):
            for lib in ("mme", "mmengine"):
                runs[lib, serialize] = run_memory(lib, serialize, str(ann_file), args)

    print(
        f"\n{'library':<10}{'serialize':>10}{'main before':>13}{'main after':>12}"
        f"{'workers':>10}{'total':>10}{'total/before':>14}{'full_init':>11}{'pass':>8}"
    )
    print(f"{'':<10}{'':>10}{'MiB':>13}{'MiB':>12}{'MiB':>10}{'MiB':>10}{'':>14}{'s':>11}{'s':>8}")
    for (lib, serialize), r in runs.items():
        ratio = r["total_after_kib"] / r["main_before_kib"]
        print(
            f"{lib:<10}{serialize!s:>10}{mib(r['main_before_kib']):>13}"
            f"{mib(r['main_after_kib']):>12}"
            f"{mib(sum(r['workers_kib'])):>10}{mib(r['total_after_kib']):>10}{ratio:>14.2f}"
            f"{r['init_s']:>11.2f}{r['pass_s']:>8.1f}"
        )
    ours, plain = runs["mme", True], runs["mme", False]
    ratio = ours["total_after_kib"] / ours["main_before_kib"]
    report("bench_dataset", "total PSS / main before", ratio, MEMORY_RATIO_TARGET, at_least=False)
    if ratio > MEMORY_RATIO_TARGET:
        missed.append(f"total PSS / main before = {ratio:.2f} > {MEMORY_RATIO_TARGET}")
    versus = ours["total_after_kib"] / plain["total_after_kib"]
    print(
        "\nmme: serialize_data=True total PSS / serialize_data=False total PSS = "
        f"{versus:.2f} (target <= {SERIALIZED_VS_PLAIN_TARGET})"
    )
    report(
        "bench_dataset",
        "serialized / plain total PSS",
        versus,
        SERIALIZED_VS_PLAIN_TARGET,
        at_least=False,
    )
    if versus > SERIALIZED_VS_PLAIN_TARGET:
        missed.append(f"serialized / plain total PSS = {versus:.2f} > {SERIALIZED_VS_PLAIN_TARGET}")
    init_ratio = ours["init_s"] / runs["mmengine", True]["init_s"]
    print(
        f"full_init (serialize_data=True): mme / mmengine = {init_ratio:.2f} "
        f"(target <= {FULL_INIT_TARGET})"
    )
    report(
        "bench_dataset", "full_init mme / mmengine", init_ratio, FULL_INIT_TARGET, at_least=False
    )
    if init_ratio > FULL_INIT_TARGET:
        missed.append(f"full_init ratio {init_ratio:.2f} > {FULL_INIT_TARGET}")

    print(
        f"\n__getitem__ on a serialized dataset of {args.getitem_samples:,} infos, "
        f"no pipeline, min of {args.rounds} rounds:"
    )
    for lib in ("mme", "mmengine"):
        item_us, list_us = getitem_overhead(lib, args.getitem_samples, args.rounds)
        overhead = item_us - list_us
        print(
            f"  {lib:<9} dataset[i] {item_us:6.2f} µs, list[i] {list_us:5.2f} µs, "
            f"overhead {overhead:5.2f} µs"
        )
        if lib == "mme":
            report(
                "bench_dataset",
                "__getitem__ overhead (µs)",
                overhead,
                GETITEM_OVERHEAD_TARGET_US,
                at_least=False,
                absolute=True,
            )
        if lib == "mme" and overhead > GETITEM_OVERHEAD_TARGET_US:
            missed.append(f"__getitem__ overhead {overhead:.2f} µs > {GETITEM_OVERHEAD_TARGET_US}")

    if missed:
        print("\nMISSED: " + "; ".join(missed))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
