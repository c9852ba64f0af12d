"""``mme test CONFIG CHECKPOINT``: evaluate a checkpoint on the config's test set.

mme test configs/cls.py runs/cls/epoch_10.pth
"""

from __future__ import annotations

import argparse

from mme.runner.cli.common import add_common_arguments, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``mme test``."""
    parser.add_argument("config", help="the config file (Python, YAML or JSON)")
    parser.add_argument("checkpoint", help="the checkpoint to evaluate")
    parser.add_argument(
        "--tta", action="store_true", help="test-time augmentation (tta_model, tta_pipeline)"
    )
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Test; print the metrics; exit status 0 on success."""
    from mme.runner import build_runner

    cfg = load_config(args)
    cfg["load_from"] = args.checkpoint
    cfg["resume"] = False
    if getattr(args, "tta", False):
        from mme.runner.model.tta import tta_config

        tta_config(cfg)
    runner = build_runner(cfg)
    metrics = runner.test()
    for key, value in metrics.items():
        print(f"{key}: {value}")
    return 0
