"""``pkg::path`` bases and get_config, with a package installed into a temp dir."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mme.config import Config, ConfigError, get_config

WEIGHTS = (
    "https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r50_fpn_1x_coco/"
    "faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth"
)

FILES = {
    "mmdet/__init__.py": "raise RuntimeError('reading configs must not import the package')\n",
    "mmdet/.mim/configs/_base_/schedules/schedule_1x.py": (
        "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)\n"
        "val_cfg = dict(type='ValLoop')\n"
        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02))\n"
    ),
    "mmdet/.mim/configs/_base_/datasets/coco_instance.py": (
        "dataset_type = 'CocoDataset'\n"
        "train_dataloader = dict(batch_size=2, dataset=dict(type=dataset_type))\n"
    ),
    "mmdet/.mim/configs/_base_/default_runtime.py": (
        "default_scope = 'mmdet'\nlog_level = 'INFO'\n"
    ),
    "mmdet/.mim/configs/_base_/models/faster_rcnn_r50_fpn.py": (
        "model = dict(type='FasterRCNN', backbone=dict(type='ResNet', depth=50))\n"
    ),
    "mmdet/.mim/configs/faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py": (
        "_base_ = [\n"
        "    '../_base_/models/faster_rcnn_r50_fpn.py',\n"
        "    '../_base_/schedules/schedule_1x.py',\n"
        "]\n"
    ),
    "mmdet/.mim/model-index.yml": "Import:\n  - configs/faster_rcnn/metafile.yml\n",
    "mmdet/.mim/configs/faster_rcnn/metafile.yml": (
        "Models:\n"
        "  - Name: faster-rcnn_r50_fpn_1x_coco\n"
        "    Config: configs/faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py\n"
        f"    Weights: {WEIGHTS}\n"
    ),
    "mmdet-3.3.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: mmdet\nVersion: 3.3.0\n",
    "mmdet-3.3.0.dist-info/top_level.txt": "mmdet\n",
}


@pytest.fixture
def mmdet_installed(tmp_path: Path, clean_import_state) -> Path:
    site = tmp_path / "site-packages"
    for rel, text in FILES.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    sys.path.insert(0, str(site))
    return site


@pytest.mark.spec("CFG-14")
def test_cross_repo_inheritance_injects_scope(mmdet_installed, tutorial):
    cfg = Config.fromfile("cross_repo.py")
    assert str(cfg.train_cfg) == (
        "{'type': 'EpochBasedTrainLoop', 'max_epochs': 12, 'val_interval': 1, '_scope_': 'mmdet'}"
    )
    assert cfg.model.backbone._scope_ == "mmdet"
    assert cfg.train_dataloader == {
        "batch_size": 2,
        "dataset": {"type": "CocoDataset", "_scope_": "mmdet"},
    }
    assert cfg.default_scope == "mmdet"
    assert "mmdet" not in sys.modules


@pytest.mark.spec("CFG-14")
def test_child_overrides_package_base(mmdet_installed, tmp_path):
    child = tmp_path / "child.py"
    child.write_text(
        "_base_ = 'mmdet::_base_/schedules/schedule_1x.py'\ntrain_cfg = dict(max_epochs=24)\n"
    )
    cfg = Config.fromfile(child)
    assert cfg.train_cfg == {
        "type": "EpochBasedTrainLoop",
        "max_epochs": 24,
        "val_interval": 1,
        "_scope_": "mmdet",
    }


@pytest.mark.spec("CFG-14")
def test_missing_package_suggests_installed_one(mmdet_installed, tmp_path):
    child = tmp_path / "child.py"
    child.write_text("_base_ = 'mmdett::_base_/default_runtime.py'\n")
    with pytest.raises(ConfigError, match=r"package 'mmdett'.*not installed.*Did you mean 'mmdet'"):
        Config.fromfile(child)


@pytest.mark.spec("CFG-14")
def test_missing_config_in_package_suggests(mmdet_installed, tmp_path):
    child = tmp_path / "child.py"
    child.write_text("_base_ = 'mmdet::_base_/default_runtim.py'\n")
    with pytest.raises(
        ConfigError, match=r"has no config '_base_/default_runtim\.py'.*'default_runtime\.py'"
    ):
        Config.fromfile(child)


@pytest.mark.spec("CFG-15")
def test_get_config_with_pretrained_weights(mmdet_installed):
    cfg = get_config("mmdet::faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py", pretrained=True)
    assert cfg.model_path == WEIGHTS
    assert cfg.model.type == "FasterRCNN"
    assert cfg.train_cfg.max_epochs == 12
    assert "mmdet" not in sys.modules


@pytest.mark.spec("CFG-15")
def test_get_config_without_weights_and_errors(mmdet_installed):
    cfg = get_config("mmdet::faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py")
    assert "model_path" not in cfg
    with pytest.raises(ConfigError, match="must name a package"):
        get_config("faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py")
    with pytest.raises(ConfigError, match="lists no weights"):
        get_config("mmdet::_base_/default_runtime.py", pretrained=True)
