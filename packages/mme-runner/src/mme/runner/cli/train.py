"""``mme train CONFIG``: train a model from a config file.

mme train configs/cls.py --work-dir runs/cls --cfg-options train_cfg.max_epochs=2
mme train configs/cls.py --resume            # from the latest checkpoint in work_dir
mme train configs/cls.py --resume runs/cls/epoch_3.pth
torchrun --nproc-per-node 2 -m mme.cli train configs/cls.py --launcher pytorch
"""

from __future__ import annotations

import argparse

from mme.runner.cli.common import add_common_arguments, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``mme train``."""
    parser.add_argument("config", help="the config file (Python, YAML or JSON)")
    parser.add_argument(
        "--resume",
        nargs="?",
        type=str,
        const="auto",
        metavar="CKPT",
        help="resume: from CKPT, or without it from the latest checkpoint in work_dir",
    )
    parser.add_argument(
        "--amp", action="store_true", help="mixed precision training (AmpOptimWrapper)"
    )
    parser.add_argument(
        "--auto-scale-lr", action="store_true", help="scale the lr by the real batch size"
    )
    add_common_arguments(parser)


def build_train_config(args: argparse.Namespace) -> object:
    """The config ``mme train`` runs, with the command line applied."""
    cfg = load_config(args)
    if args.amp:
        wrapper = cfg.get("optim_wrapper")
        if wrapper is None:
            raise SystemExit("--amp: the config has no optim_wrapper to switch to AmpOptimWrapper")
        if wrapper.get("type", "OptimWrapper") == "AmpOptimWrapper":
            print("AMP training is already enabled in the config.")
        else:
            wrapper["type"] = "AmpOptimWrapper"
            wrapper.setdefault("loss_scale", "dynamic")
    if args.auto_scale_lr:
        scale = cfg.get("auto_scale_lr")
        if not scale or "base_batch_size" not in scale:
            raise SystemExit(
                "--auto-scale-lr: the config needs auto_scale_lr=dict(base_batch_size=...)"
            )
        scale["enable"] = True
    if args.resume == "auto":
        cfg["resume"] = True
        cfg["load_from"] = None
    elif args.resume is not None:
        cfg["resume"] = True
        cfg["load_from"] = args.resume
    return cfg


def run(args: argparse.Namespace) -> int:
    """Train; exit status 0 on success."""
    from mme.runner import build_runner

    runner = build_runner(build_train_config(args))  # type: ignore[arg-type]
    runner.train()
    return 0
