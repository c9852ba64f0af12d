"""Reading finished (or running) runs back: their scalars, config, dates and timings.

A Runner writes each run to ``<work_dir>/<timestamp>/``: the log, the config, and
``vis_data/scalars.json`` (one JSON object per line: training lines carry ``epoch``,
``iter`` and ``step``; validation lines the metrics and the ``step`` they were logged at,
the epoch by default). ``mme plot`` and ``mme runs`` read them with this module.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from mme.runner._suggest import did_you_mean

#: Keys of the scalar lines that are bookkeeping, not metrics.
BOOKKEEPING = ("step", "epoch", "iter", "lr", "time", "data_time", "memory")
#: Name fragments of metrics where lower is better.
LOWER_IS_BETTER = ("loss", "error", "err", "mse", "mae", "rmse", "wer", "cer", "ppl")


class RunError(ValueError):
    """A path or key given on the command line does not name what it should."""


@dataclass
class Run:
    """One run: where it is and its scalar lines, split into training and validation."""

    name: str
    folder: Path
    scalars_file: Path
    train: list[dict] = field(default_factory=list)
    val: list[dict] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        """Every key logged, in first-seen order."""
        seen: dict[str, None] = {}
        for record in (*self.train, *self.val):
            for key in record:
                seen.setdefault(key, None)
        return [k for k in seen if k != "step"]

    @property
    def started(self) -> datetime.datetime | None:
        """The start time, from the ``YYYYMMDD_HHMMSS`` name of the run folder."""
        try:
            return datetime.datetime.strptime(self.folder.name[:15], "%Y%m%d_%H%M%S")
        except ValueError:
            return None

    @property
    def config(self) -> str | None:
        """The file name of the config dumped in the run folder, if any."""
        found = sorted(p.name for p in self.folder.glob("*.py"))
        if found:
            return found[0]
        dumped = self.folder / "vis_data" / "config.py"
        return "config.py" if dumped.exists() else None

    @property
    def epochs(self) -> int | None:
        """The last training epoch logged (or the last validation step without epochs)."""
        epochs = [r["epoch"] for r in self.train if "epoch" in r]
        if epochs:
            return int(max(epochs))
        return None

    @property
    def iterations(self) -> int | None:
        """The last training iteration logged."""
        iters = [int(r.get("iter", r.get("step", 0))) for r in self.train]
        return max(iters) if iters else None

    @property
    def seconds_per_iter(self) -> float | None:
        """The mean of the logged ``time`` of the training lines."""
        times = [r["time"] for r in self.train if isinstance(r.get("time"), int | float)]
        return sum(times) / len(times) if times else None

    def metric_keys(self) -> list[str]:
        """The validation metrics, in logged order."""
        keys: dict[str, None] = {}
        for record in self.val:
            for key, value in record.items():
                if key not in BOOKKEEPING and isinstance(value, int | float):
                    keys.setdefault(key, None)
        return list(keys)

    def best(self) -> tuple[str, float, int] | None:
        """``(metric, best value, step)`` of the first validation metric."""
        metrics = self.metric_keys()
        if not metrics:
            return None
        key = metrics[0]
        points = [(r[key], int(r.get("step", 0))) for r in self.val if key in r]
        lower = any(part in key.lower() for part in LOWER_IS_BETTER)
        value, step = min(points) if lower else max(points, key=lambda p: (p[0], -p[1]))
        return key, float(value), step


def _read_lines(path: Path) -> tuple[list[dict], list[dict]]:
    train: list[dict] = []
    val: list[dict] = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                if number > 1 and not f.readline():  # a run still writing its last line
                    break
                raise RunError(f"{path}:{number}: not a JSON line ({error.msg})") from None
            if not isinstance(record, dict):
                raise RunError(f"{path}:{number}: expected a JSON object, got {record!r}")
            (train if "iter" in record else val).append(record)
    return train, val


def load_run(folder: Path, scalars_file: Path, name: str) -> Run:
    """The run whose scalars are in ``scalars_file``."""
    train, val = _read_lines(scalars_file)
    return Run(name=name, folder=folder, scalars_file=scalars_file, train=train, val=val)


def find_runs(path: str | os.PathLike[str]) -> list[Run]:
    """The runs at ``path``: a work_dir (each ``<timestamp>/`` in it, oldest first), one run
    folder, or a ``scalars.json`` file.

    Raises:
        RunError: ``path`` does not exist or holds no run.
    """
    target = Path(path)
    if not target.exists():
        raise RunError(f"{path}: no such file or directory")
    if target.is_file():
        if target.suffix != ".json":
            raise RunError(f"{path}: expected a work_dir, a run folder or a scalars .json file")
        folder = target.parent.parent if target.parent.name == "vis_data" else target.parent
        return [load_run(folder, target, _label(folder))]
    own = target / "vis_data" / "scalars.json"
    if own.is_file():
        return [load_run(target, own, _label(target))]
    runs = []
    for child in sorted(p for p in target.iterdir() if p.is_dir()):
        scalars = child / "vis_data" / "scalars.json"
        if scalars.is_file():
            runs.append(load_run(child, scalars, _label(child)))
    if not runs:
        raise RunError(
            f"{path}: no runs here (a run is a <timestamp>/ folder with vis_data/scalars.json, "
            "written by the Runner's LocalVisBackend)"
        )
    return runs


def _label(folder: Path) -> str:
    return f"{folder.parent.name}/{folder.name}" if folder.parent.name else folder.name


def check_keys(runs: list[Run], keys: list[str]) -> None:
    """Every key is logged by at least one run, or a ``RunError`` with a suggestion."""
    available: dict[str, None] = {}
    for run in runs:
        for key in run.keys:
            available.setdefault(key, None)
    for key in keys:
        if key not in available:
            where = runs[0].scalars_file if len(runs) == 1 else "these runs"
            raise RunError(
                f"key {key!r} is not logged in {where} (it has {', '.join(available)})."
                f"{did_you_mean(key, available)}"
            )
