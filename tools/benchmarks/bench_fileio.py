"""Benchmark: ``mme.fileio`` dump-then-load of ~10 MB JSON and pickle vs the stdlib.

For each format, one round is "dump to a local path, then load it back":

* mme: ``dump(obj, path)`` then ``load(path)``. The dump is atomic: temporary file,
  **fsync**, ``os.replace``.
* baseline: ``open`` + ``json.dump``/``pickle.dump``, then ``open`` + ``json.load``/
  ``pickle.load``, with default arguments and **no** fsync.
* mmengine (only if installed, for information): ``mmengine.dump`` then ``mmengine.load``.

Rounds are interleaved and repeated; the median is reported. Target (issue 5): mme
within 1.5x of the baseline for both formats. Exit status 1 if missed. Run::

    nox -s bench -- bench_fileio
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _harness import report

TARGET_RATIO = 1.5


def make_payload(megabytes: float, fmt: str) -> list[dict[str, Any]]:
    """Records like a results file (ids, floats, short strings, small lists), ``megabytes``
    large when written as ``fmt`` (``'json'`` or ``'pkl'``)."""
    records = []
    size = 0
    i = 0
    per_record = 1.0 if fmt == "json" else 1 / 1.55  # pickled records are ~1.55x smaller
    while size * per_record < megabytes * 1_000_000:
        record = {
            "id": i,
            "img_path": f"data/images/{i:08d}.jpg",
            "score": (i * 0.6180339887) % 1.0,
            "bbox": [i % 640 + 0.5, i % 480 + 0.25, 32.125, 64.75],
            "label": i % 80,
            "tags": ["train", "coco"] if i % 2 else ["val"],
        }
        records.append(record)
        size += len(json.dumps(record))
        i += 1
    return records


def baseline_json(obj: Any, path: str) -> Any:
    with open(path, "w") as f:
        json.dump(obj, f)
    with open(path) as f:
        return json.load(f)


def baseline_json_dumps(obj: Any, path: str) -> Any:
    with open(path, "w") as f:
        f.write(json.dumps(obj))
    with open(path) as f:
        return json.loads(f.read())


def baseline_pickle(obj: Any, path: str) -> Any:
    with open(path, "wb") as f:
        pickle.dump(obj, f)
    with open(path, "rb") as f:
        return pickle.load(f)


def mme_round(obj: Any, path: str) -> Any:
    from mme.fileio import dump, load

    dump(obj, path)
    return load(path)


def mmengine_round(obj: Any, path: str) -> Any:
    import mmengine

    mmengine.dump(obj, path)
    return mmengine.load(path)


def time_once(fn: Callable[[Any, str], Any], obj: Any, path: str) -> float:
    start = time.perf_counter()
    result = fn(obj, path)
    elapsed = time.perf_counter() - start
    if result != obj:
        raise AssertionError(f"{fn.__name__} did not read back what it wrote to {path}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0, help="payload size (JSON)")
    parser.add_argument("--repeats", type=int, default=7, help="rounds per contender")
    args = parser.parse_args()

    try:
        import mmengine  # noqa: F401

        has_mmengine = True
    except ImportError:
        has_mmengine = False

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        print(f"median of {args.repeats} interleaved rounds of dump-then-load to a local path")
        header = (
            f"{'format':6} {'MB':>5} {'baseline':>22} {'baseline s':>10} {'mme s':>7} {'ratio':>6}"
        )
        if has_mmengine:
            header += f" {'mmengine s':>10}"
        print(header + "  target")
        suites: list[tuple[str, dict[str, Callable[[Any, str], Any]]]] = [
            (
                "json",
                {
                    "open+json.dump/load": baseline_json,
                    "open+json.dumps/loads": baseline_json_dumps,
                },
            ),
            ("pkl", {"open+pickle.dump/load": baseline_pickle}),
        ]
        for fmt, baselines in suites:
            payload = make_payload(args.megabytes, fmt)
            size = len(json.dumps(payload) if fmt == "json" else pickle.dumps(payload)) / 1e6
            contenders: dict[str, Callable[[Any, str], Any]] = {**baselines, "mme": mme_round}
            if has_mmengine:
                contenders["mmengine"] = mmengine_round
            times: dict[str, list[float]] = {name: [] for name in contenders}
            for fn in contenders.values():  # warm-up: imports, page cache
                time_once(fn, payload, os.path.join(tmp, f"warm.{fmt}"))
            for _ in range(args.repeats):
                for name, fn in contenders.items():
                    times[name].append(time_once(fn, payload, os.path.join(tmp, f"round.{fmt}")))
            med = {name: statistics.median(t) for name, t in times.items()}
            # the target holds against the fastest direct stdlib call; other rows inform
            fastest = min(baselines, key=lambda name: med[name])
            for name in baselines:
                ratio = med["mme"] / med[name]
                line = (
                    f"{fmt:6} {size:5.1f} {name:>22} {med[name]:10.3f} {med['mme']:7.3f} "
                    f"{ratio:5.2f}x"
                )
                if has_mmengine:
                    line += f" {med['mmengine']:10.3f}"
                if name == fastest:
                    met = report(
                        "bench_fileio",
                        f"{fmt} dump+load time / {name}",
                        ratio,
                        TARGET_RATIO,
                        at_least=False,
                    )
                    verdict = "ok" if met else "MISSED"
                    line += f"  <= {TARGET_RATIO}x {verdict}"
                    failed |= ratio > TARGET_RATIO
                else:
                    line += "  (slower baseline, for information)"
                print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
