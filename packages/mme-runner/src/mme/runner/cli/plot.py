"""``mme plot``: the curves of logged scalars, one panel per key, one line per run.

mme plot work_dirs/cls --keys loss accuracy --out curves.png
mme plot work_dirs/a work_dirs/b/20260101_120000 --keys loss --x epoch --smooth 0.6

Each path is a work_dir (all its runs), one run folder, or a ``scalars.json`` file.
Needs matplotlib (``pip install "mme-runner[vis]"``).
"""

from __future__ import annotations

import argparse
import sys

from mme.runner.visualization.run_history import Run, RunError, check_keys, find_runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``mme plot``."""
    parser.add_argument("paths", nargs="+", metavar="WORK_DIR_OR_SCALARS_JSON", help="runs to draw")
    parser.add_argument("--keys", nargs="+", default=["loss"], help="scalars to draw (loss)")
    parser.add_argument("--out", default="curves.png", help="the image to write (curves.png)")
    parser.add_argument(
        "--x", choices=("iter", "epoch"), default="iter", help="x axis: iterations or epochs"
    )
    parser.add_argument(
        "--smooth",
        type=float,
        default=0.0,
        help="exponential smoothing weight in [0, 1), as TensorBoard's slider (0: none)",
    )
    parser.add_argument("--title", default=None, help="title of the figure")


def curve(run: Run, key: str, x: str) -> tuple[list[float], list[float]]:
    """The points of ``key`` in ``run`` with x in iterations or epochs.

    Training values are per logged iteration (x='iter') or averaged per epoch (x='epoch');
    validation values are at the step they were logged at: the epoch in an epoch-based run,
    put at the epoch's last iteration for x='iter'.
    """
    by_epoch = any("epoch" in r for r in run.train)
    train = [r for r in run.train if isinstance(r.get(key), int | float)]
    val = [r for r in run.val if isinstance(r.get(key), int | float)]
    points: list[tuple[float, float]] = []
    if x == "iter":
        points += [(float(r.get("iter", r["step"])), float(r[key])) for r in train]
        last_iter: dict[int, float] = {}
        for r in run.train:
            if "epoch" in r:
                last_iter[int(r["epoch"])] = max(last_iter.get(int(r["epoch"]), 0), r["iter"])
        for r in val:
            step = int(r.get("step", 0))
            points.append((float(last_iter.get(step, step) if by_epoch else step), float(r[key])))
    else:
        if (train or (val and not run.train)) and not by_epoch:
            raise RunError(f"{run.name}: the run logged no epochs; draw it with --x iter")
        sums: dict[int, list[float]] = {}
        for r in train:
            sums.setdefault(int(r["epoch"]), []).append(float(r[key]))
        points += [(float(e), sum(v) / len(v)) for e, v in sums.items()]
        points += [(float(r.get("step", 0)), float(r[key])) for r in val]
    points.sort()
    return [p[0] for p in points], [p[1] for p in points]


def smooth(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average, debiased."""
    if weight <= 0:
        return list(values)
    out, last, norm = [], 0.0, 0.0
    for value in values:
        last = last * weight + (1 - weight) * value
        norm = norm * weight + (1 - weight)
        out.append(last / norm)
    return out


def draw(
    runs: list[Run], keys: list[str], x: str, weight: float, out: str, title: str | None
) -> None:
    """Write the figure: one panel per key side by side, one line per run."""
    from mme.runner.visualization.drawing import matplotlib_module

    figure_module = matplotlib_module("matplotlib.figure", "mme plot")
    backend = matplotlib_module("matplotlib.backends.backend_agg", "mme plot")
    figure = figure_module.Figure(figsize=(4.5 * len(keys), 3.6), dpi=100, layout="constrained")
    backend.FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys, strict=True):
        for run in runs:
            xs, ys = curve(run, key, x)
            if xs:
                ax.plot(
                    xs, smooth(ys, weight), label=run.name, marker="o" if len(xs) < 20 else None
                )
        ax.set_title(key)
        ax.set_xlabel("iteration" if x == "iter" else "epoch")
        ax.grid(alpha=0.3)
        if len(runs) > 1:
            ax.legend(fontsize="small")
    if title:
        figure.suptitle(title)
    figure.savefig(out)


def run(args: argparse.Namespace) -> int:
    """Draw; exit status 2 on a bad path or key."""
    try:
        if not 0 <= args.smooth < 1:
            raise RunError(f"--smooth must be in [0, 1), got {args.smooth}")
        runs = [r for path in args.paths for r in find_runs(path)]
        check_keys(runs, args.keys)
        draw(runs, args.keys, args.x, args.smooth, args.out, args.title)
    except RunError as error:
        print(f"mme plot: error: {error}", file=sys.stderr)
        return 2
    print(f"Saved the curves of {', '.join(args.keys)} ({len(runs)} run(s)) to {args.out}")
    return 0
