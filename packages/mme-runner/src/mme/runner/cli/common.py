"""What ``mme train`` and ``mme test`` share: reading the config and the overrides."""

from __future__ import annotations

import argparse
import os
from typing import Any

LAUNCHERS = ("none", "pytorch", "slurm", "mpi")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options`` and ``--launcher``."""
    from mme.config import DictAction

    parser.add_argument(
        "--work-dir",
        help="where logs and checkpoints go (default: "
        "./work_dirs/<config name>, or work_dir in the config)",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        metavar="KEY=VALUE",
        help="override config keys, e.g. train_cfg.max_epochs=2 optim_wrapper.optimizer.lr=0.1",
    )
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)


def load_config(args: argparse.Namespace) -> Any:
    """The config of ``args.config`` with ``--cfg-options``, ``--work-dir`` and ``--launcher``."""
    import sys

    from mme.config import Config

    # Like ``python script.py``: modules next to the config (custom_imports) are importable.
    folder = os.path.dirname(os.path.abspath(args.config))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg["launcher"] = args.launcher
    if args.work_dir is not None:
        cfg["work_dir"] = args.work_dir
    elif cfg.get("work_dir") is None:
        stem = os.path.splitext(os.path.basename(args.config))[0]
        cfg["work_dir"] = os.path.join("./work_dirs", stem)
    return cfg
