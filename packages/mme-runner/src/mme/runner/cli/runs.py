"""``mme runs WORK_DIR``: a table of the runs in a work_dir.

mme runs work_dirs/cls

One row per run (``<timestamp>/`` folder): its date, config, best validation metric,
epochs done and mean time per iteration, drawn with rich.
"""

from __future__ import annotations

import argparse
import sys

from mme.runner.visualization.run_history import Run, RunError, find_runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``mme runs``."""
    parser.add_argument("work_dir", help="a work_dir (or one run folder, or a scalars.json)")


def row(run: Run) -> list[str]:
    """The cells of ``run``'s row."""
    started = run.started
    best = run.best()
    if best is None:
        best_text = "-"
    else:
        key, value, step = best
        best_text = f"{key} {value:.4g} (step {step})"
    epochs = run.epochs
    iters = run.iterations
    done = f"{epochs}" if epochs is not None else (f"{iters} iters" if iters is not None else "-")
    seconds = run.seconds_per_iter
    return [
        run.folder.name,
        started.strftime("%Y-%m-%d %H:%M:%S") if started else "-",
        run.config or "-",
        best_text,
        done,
        f"{seconds:.4f} s" if seconds is not None else "-",
    ]


HEADERS = ["run", "date", "config", "best metric", "epochs", "time / iter"]


def run(args: argparse.Namespace) -> int:
    """Print the table; exit status 2 when ``work_dir`` holds no run."""
    try:
        runs = find_runs(args.work_dir)
    except RunError as error:
        print(f"mme runs: error: {error}", file=sys.stderr)
        return 2
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Runs in {args.work_dir}")
    for header in HEADERS:
        table.add_column(header, justify="right" if header in ("epochs", "time / iter") else "left")
    for item in runs:
        table.add_row(*row(item))
    Console(width=max(100, Console().width)).print(table)
    return 0
