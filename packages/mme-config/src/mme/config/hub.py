"""``get_config``: a config shipped in an installed package, optionally with its weights.

A package lists its trained models in ``<pkg>/.mim/model-index.yml``, whose
``Import`` entries name metafiles (paths relative to ``.mim``); each metafile has
``Models`` entries with ``Config`` (e.g. ``configs/faster_rcnn/x.py``) and
``Weights`` (the checkpoint URL).
"""

from __future__ import annotations

import os.path as osp
from typing import Any

from mme.config._suggest import did_you_mean
from mme.config.config import Config
from mme.config.errors import ConfigError
from mme.config.packages import package_root, split_package_path


def _read_yaml(path: str) -> Any:
    from mme.config.data_formats import load_yaml  # PyYAML: imported only when needed

    with open(path, encoding="utf-8") as f:
        return load_yaml(f.read(), path)


def _normalise(config: str) -> str:
    config = config.replace("\\", "/")
    return config[len("configs/") :] if config.startswith("configs/") else config


def find_weights(package: str, rel: str) -> str:
    """The checkpoint URL that ``package``'s model index gives for config ``rel``.

    Raises:
        ConfigError: The package has no model index, or it lists no weights for ``rel``.
    """
    mim = osp.join(package_root(package, f"{package}::{rel}"), ".mim")
    index_path = osp.join(mim, "model-index.yml")
    if not osp.isfile(index_path):
        raise ConfigError(
            f"{package}::{rel}: package {package!r} has no model index ({index_path}), "
            "so no pretrained weights are known"
        )
    index = _read_yaml(index_path) or {}
    known: list[str] = []
    for metafile in index.get("Import", []):
        meta = _read_yaml(osp.join(mim, metafile)) or {}
        for model in meta.get("Models", []):
            config = _normalise(str(model.get("Config", "")))
            known.append(config)
            if config == _normalise(rel) and model.get("Weights"):
                return str(model["Weights"])
    raise ConfigError(
        f"{package}::{rel}: the model index of {package!r} lists no weights for this "
        f"config.{did_you_mean(_normalise(rel), known)}"
    )


def get_config(cfg_path: str, pretrained: bool = False) -> Config:
    """Load ``pkg::path/to/config.py`` from an installed package.

    Args:
        cfg_path: ``pkg::`` followed by the config's path under ``<pkg>/.mim/configs``.
        pretrained: Also set ``cfg.model_path`` to the checkpoint URL the package's
            model index gives for this config.

    Raises:
        ConfigError: The path has no ``pkg::`` prefix, or the package, config or
            weights cannot be found.
    """
    split = split_package_path(cfg_path)
    if split is None:
        raise ConfigError(
            f"get_config({cfg_path!r}): the path must name a package, e.g. "
            "'mmdet::faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py'"
        )
    cfg = Config.fromfile(cfg_path)
    if pretrained:
        cfg.model_path = find_weights(*split)
    return cfg
