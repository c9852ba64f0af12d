"""What the benchmarks report, and the one summary table that ``nox -s bench`` prints.

Each ``bench_*.py`` prints its own table and calls `report` once per ratio (or
other figure) that has a target. When ``$MME_BENCH_RESULTS`` names a file, each report
is appended to it as one JSON line; ``python tools/benchmarks/_harness.py FILE NAME...``
then prints every result in one table and decides the exit status:

- ``met``: the figure meets its target;
- ``near``: it misses by less than a factor of ``FAR`` (2): on a shared, noisy machine
  that is noise as often as not, so it is shown but does not fail;
- ``FAR``: it misses by more than that factor: a real regression, the session fails;
- a benchmark that crashed (``nox -s bench`` records it) or reported nothing fails too;
- a figure reported with ``absolute=True`` (a time in ms or µs, not a ratio) depends on
  the machine and its load: it is shown (``slow`` when it misses) but never fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

#: A figure worse than its target by more than this factor fails ``nox -s bench``.
FAR = 2.0


def report(
    bench: str,
    what: str,
    value: float,
    target: float,
    *,
    at_least: bool = True,
    absolute: bool = False,
) -> bool:
    """Record one figure of ``bench`` against its target; return whether it meets it.

    Args:
        bench: the benchmark, e.g. ``"bench_registry"``.
        what: what was measured, e.g. ``"Registry.build speed-up vs mmengine"``.
        value: the measured figure (a ratio, or a time in the unit of ``target``).
        target: the bound it must reach.
        at_least: True when ``value >= target`` is the goal (a speed-up), False when
            ``value <= target`` is (a slowdown ratio, a time limit).
        absolute: ``value`` is an absolute time, not a ratio against a baseline of the
            same run: shown, but it never fails the summary.
    """
    row = {
        "bench": bench,
        "what": what,
        "value": value,
        "target": target,
        "at_least": at_least,
        "absolute": absolute,
    }
    path = os.environ.get("MME_BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
    return verdict(row) == "met"


def verdict(row: dict) -> str:
    """``met``, ``near`` (missed by less than ``FAR``), ``FAR``, or ``slow`` (absolute)."""
    value, target = float(row["value"]), float(row["target"])
    met = value >= target if row["at_least"] else value <= target
    if met:
        return "met"
    if row.get("absolute"):
        return "slow"
    near = value * FAR >= target if row["at_least"] else value <= target * FAR
    return "near" if near else "FAR"


def summary(rows: list[dict], benches: list[str]) -> tuple[list[str], bool]:
    """The summary table's lines, and whether the run passes."""
    lines = [f"{'benchmark':<16}{'figure':<48}{'measured':>10}  {'target':<10}verdict"]
    crashed = sorted({row["bench"] for row in rows if row.get("crashed")})
    rows = [row for row in rows if not row.get("crashed")]
    passed = not crashed
    for bench in crashed:
        lines.append(f"{bench:<16}{'crashed: see its output above':<48}")
    for row in rows:
        mark = verdict(row)
        passed &= mark != "FAR"
        bound = (">= " if row["at_least"] else "<= ") + f"{row['target']:g}"
        lines.append(f"{row['bench']:<16}{row['what']:<48}{row['value']:>10.3g}  {bound:<10}{mark}")
    silent = [b for b in benches if b not in crashed and not any(r["bench"] == b for r in rows)]
    for bench in silent:
        lines.append(f"{bench:<16}{'reported nothing: it failed, see its output above':<48}")
    passed &= not silent
    missed_far = sum(verdict(r) == "FAR" for r in rows)
    near = sum(verdict(r) in ("near", "slow") for r in rows)
    lines.append(
        f"{len(rows)} figures: {len(rows) - missed_far - near} met, {near} near or slow "
        f"(not a failure), {missed_far} far from target (x{FAR:g} or worse); "
        f"{len(crashed) + len(silent)} benchmarks crashed or without result"
    )
    return lines, passed


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python tools/benchmarks/_harness.py RESULTS.jsonl [BENCH_NAME...]")
        return 2
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    lines, passed = summary(rows, argv[1:])
    print("\n".join(["", "summary of the benchmarks", *lines]))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
