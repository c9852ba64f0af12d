"""``mme plot-lr CONFIG``: draw the parameter schedule of a config before training.

Reads ``param_scheduler``, ``optim_wrapper.optimizer`` and ``train_cfg`` from the config,
simulates the schedule (``mme.optim.simulate_schedule``) and writes a PNG of the
learning rate and momentum with matplotlib when it is installed (``pip install
'mme-optim[plot]'``), else prints a compact table. The ``mme`` command imports this
module (and torch) only when ``mme plot-lr`` runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mme.config import Config
from mme.optim._suggest import did_you_mean
from mme.optim.simulate import simulate_schedule


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``mme plot-lr``."""
    parser.add_argument("config", help="the config file (Python, YAML or JSON)")
    parser.add_argument(
        "--epoch-length",
        type=int,
        default=None,
        metavar="N",
        help="iterations per epoch (needed when epoch-based training has iteration-based "
        "schedulers)",
    )
    parser.add_argument(
        "--out", default=None, help="the PNG to write (default: <config name>_lr.png)"
    )
    parser.add_argument(
        "--text", action="store_true", help="print the table only, even if matplotlib is there"
    )
    parser.add_argument(
        "--rows", type=int, default=20, help="rows of the printed table (default 20)"
    )


def _run_length(cfg: Config) -> dict[str, int]:
    train_cfg = cfg.get("train_cfg") or {}
    if not isinstance(train_cfg, Mapping):
        raise ValueError(f"train_cfg must be a dict, got {type(train_cfg).__name__}")
    loop = str(train_cfg.get("type", ""))
    if (
        "max_iters" in train_cfg
        or loop.startswith("IterBased")
        or train_cfg.get("by_epoch") is False
    ):
        if "max_iters" not in train_cfg:
            raise ValueError("train_cfg is iteration-based but has no max_iters")
        return {"max_iters": int(train_cfg["max_iters"])}
    if "max_epochs" not in train_cfg:
        raise ValueError(
            "the config's train_cfg gives neither max_epochs nor max_iters, so the length of "
            "the run is unknown (e.g. train_cfg=dict(by_epoch=True, max_epochs=12))"
        )
    return {"max_epochs": int(train_cfg["max_epochs"])}


def table(trace: dict[str, list[float]], rows: int) -> str:
    """A compact table of ``trace``: ``rows`` evenly spaced iterations."""
    n = len(trace["iter"])
    keys = [k for k in trace if k not in ("iter", "epoch")]
    picked = {round(i * (n - 1) / max(rows - 1, 1)) for i in range(min(rows, n))}
    lines = [f"{'iter':>8} {'epoch':>6} " + " ".join(f"{k:>13}" for k in keys)]
    for i in sorted(picked):
        values = " ".join(f"{trace[k][i]:>13.6g}" for k in keys)
        lines.append(f"{trace['iter'][i]:>8} {trace['epoch'][i]:>6} {values}")
    return "\n".join(lines)


def plot(trace: dict[str, list[float]], out: Path, title: str) -> None:
    """Draw one panel per scheduled value into ``out`` (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in trace if k not in ("iter", "epoch")]
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 2.2 * len(keys)), sharex=True)
    for ax, key in zip(axes if len(keys) > 1 else [axes], keys, strict=True):
        ax.plot(trace["iter"], trace[key], linewidth=1.5)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    axes_list = axes if len(keys) > 1 else [axes]
    axes_list[-1].set_xlabel("iteration")
    axes_list[0].set_title(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    """Run ``mme plot-lr``; return the exit status."""
    try:
        cfg = Config.fromfile(args.config)
        if "param_scheduler" not in cfg:
            keys = list(cfg.keys())
            print(
                f"mme plot-lr: {args.config} has no param_scheduler."
                f"{did_you_mean('param_scheduler', keys)}",
                file=sys.stderr,
            )
            return 2
        optim_wrapper: Any = cfg.get("optim_wrapper") or {}
        optimizer = optim_wrapper.get("optimizer") if isinstance(optim_wrapper, Mapping) else None
        trace = simulate_schedule(
            cfg["param_scheduler"],
            epoch_length=args.epoch_length,
            optimizer=optimizer if isinstance(optimizer, Mapping) else None,
            **_run_length(cfg),
        )
    except (ValueError, KeyError, TypeError) as error:
        hint = " (mme plot-lr --epoch-length N)" if "epoch_length" in str(error) else ""
        print(f"mme plot-lr: {args.config}: {error}{hint}", file=sys.stderr)
        return 2
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        have_matplotlib = False
    else:
        have_matplotlib = True
    if args.text or not have_matplotlib:
        print(table(trace, args.rows))
        if not args.text:
            print("(install matplotlib for a picture: pip install 'mme-optim[plot]')")
        return 0
    out = Path(args.out) if args.out else Path(f"{Path(args.config).stem}_lr.png")
    plot(trace, out, Path(args.config).name)
    print(f"wrote {out} ({len(trace['iter'])} iterations)")
    return 0
