"""A training-script skeleton on the torch-free core (the ``mme`` distribution).

Reads a config with ``_base_`` files, applies ``--cfg-options``, builds objects
through a registry, keeps scalars in a MessageHub, logs with MMLogger, and writes
the merged config and the metrics to the work directory.

    python docs/examples/config_cli.py docs/examples/configs/toy.py \
        --cfg-options optimizer.lr=0.01 model.depth=101
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mme.config import Config, DictAction
from mme.config.overrides import add_strict_flag
from mme.fileio import dump
from mme.logging import MessageHub, MMLogger
from mme.registry import Registry

MODELS = Registry("model", scope="example")
OPTIMIZERS = Registry("optimizer", scope="example")


@MODELS.register_module()
class ToyNet:
    def __init__(self, depth: int, num_classes: int) -> None:
        self.depth = depth
        self.num_classes = num_classes


@OPTIMIZERS.register_module()
class SGD:
    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--work-dir", help="overrides the config's work_dir")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="key=value overrides")
    add_strict_flag(parser)
    args = parser.parse_args(argv)

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, strict=args.strict_cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    work_dir = Path(cfg.work_dir)

    model = MODELS.build(cfg.model)
    optimizer = OPTIMIZERS.build(cfg.optimizer)
    logger = MMLogger.get_instance("example", log_file=str(work_dir / "run.log"))
    hub = MessageHub.get_instance("example")
    logger.info(f"ToyNet depth={model.depth}, SGD lr={optimizer.lr}")

    for it in range(1, cfg.max_iters + 1):
        hub.update_scalar("train/loss", 1 / it)
        hub.update_scalar("train/lr", optimizer.lr)
        if it % cfg.log_interval == 0:
            loss = hub.get_scalar("train/loss").mean(cfg.log_interval)
            logger.info(f"Iter [{it}/{cfg.max_iters}]  lr: {optimizer.lr:.4e}  loss: {loss:.4f}")

    print(cfg.explain("optimizer.lr"))
    cfg.dump(work_dir / "config.py")
    latest = {key: buffer.current() for key, buffer in hub.exported_scalars("train").items()}
    dump(latest, work_dir / "metrics.json")
    logger.info(f"wrote {work_dir / 'config.py'} and {work_dir / 'metrics.json'}")


if __name__ == "__main__":
    main()
