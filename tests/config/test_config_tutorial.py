"""Every result the Config tutorial prints, reproduced with its 18 example files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mme.config import Config, ConfigDict

OPTIMIZER = {"type": "SGD", "lr": 0.02, "momentum": 0.9, "weight_decay": 0.0001}


@pytest.mark.spec("CFG-01", "CFG-17")
def test_read_python_config_and_repr(tutorial):
    cfg = Config.fromfile("learn_read_config.py")
    assert repr(cfg) == (
        "Config (path: learn_read_config.py): {'test_int': 1, 'test_list': [1, 2, 3], "
        "'test_dict': {'key1': 'value1', 'key2': 0.1}}"
    )
    assert str(cfg) == repr(cfg)


@pytest.mark.spec("CFG-01")
@pytest.mark.parametrize("name", ["config.py", "config.json", "config.yml"])
def test_three_formats_give_the_same_config(formats, name):
    cfg = Config.fromfile(name)
    assert cfg.to_dict() == {
        "test_int": 1,
        "test_list": [1, 2, 3],
        "test_dict": {"key1": "value1", "key2": 0.1},
    }
    assert cfg.filename == name


@pytest.mark.spec("CFG-02")
def test_dict_and_attribute_access_read_and_write(tutorial, capsys):
    cfg = Config.fromfile("learn_read_config.py")
    print(cfg.test_int)
    print(cfg.test_list)
    print(cfg.test_dict)
    cfg.test_int = 2
    print(cfg["test_int"])
    print(cfg["test_list"])
    print(cfg["test_dict"])
    cfg["test_list"][1] = 3
    print(cfg["test_list"])
    assert capsys.readouterr().out.splitlines() == [
        "1",
        "[1, 2, 3]",
        "{'key1': 'value1', 'key2': 0.1}",
        "2",
        "[1, 2, 3]",
        "{'key1': 'value1', 'key2': 0.1}",
        "[1, 3, 3]",
    ]
    assert isinstance(cfg.test_dict, ConfigDict)


@pytest.mark.spec("CFG-02", "CFG-03")
def test_config_sgd_values_are_builtins_and_params_can_be_set(tutorial):
    cfg = Config.fromfile("config_sgd.py")
    assert cfg.optimizer == {"type": "SGD", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.0001}
    params = iter([1, 2])
    cfg.optimizer.params = params
    assert cfg.optimizer.params is params
    assert all(type(v) in (str, float) for k, v in cfg.optimizer.items() if k != "params")


@pytest.mark.spec("CFG-04")
def test_single_base(tutorial):
    cfg = Config.fromfile("resnet50.py")
    assert str(cfg.optimizer) == str(OPTIMIZER)
    assert "_base_" not in cfg


@pytest.mark.spec("CFG-04")
def test_multiple_bases(tutorial):
    cfg = Config.fromfile("resnet50_runtime.py")
    assert str(cfg.optimizer) == str(OPTIMIZER)
    assert set(cfg) == {"model", "optimizer", "gpu_ids"}


@pytest.mark.spec("CFG-05")
def test_modify_inherited_dict_merges(tutorial):
    cfg = Config.fromfile("resnet50_lr0.01.py")
    assert (
        str(cfg.optimizer) == "{'type': 'SGD', 'lr': 0.01, 'momentum': 0.9, 'weight_decay': 0.0001}"
    )


@pytest.mark.spec("CFG-05")
def test_non_dict_fields_are_replaced(tutorial):
    Path("gpu0.py").write_text(
        "_base_ = ['optimizer_cfg.py', 'runtime_cfg.py']\n"
        "model = dict(type='ResNet', depth=50)\n"
        "gpu_ids = [0]\n"
    )
    assert Config.fromfile("gpu0.py").gpu_ids == [0]


@pytest.mark.spec("CFG-06")
def test_delete_key(tutorial):
    cfg = Config.fromfile("resnet50_delete_key.py")
    assert str(cfg.optimizer) == "{'type': 'SGD', 'lr': 0.01}"


@pytest.mark.spec("CFG-07")
def test_text_reference_to_base_variable(tutorial):
    cfg = Config.fromfile("refer_base_var.py")
    assert str(cfg.a) == "{'type': 'ResNet', 'depth': 50}"
    cfg.a.depth = 101
    assert cfg.model.depth == 50  # a copy, not the same object


@pytest.mark.spec("CFG-07")
def test_mutating_a_text_reference_is_an_error_with_a_hint(tutorial):
    Path("mutate_ref.py").write_text(
        "_base_ = ['resnet50.py']\na = {{_base_.model}}\na['type'] = 'MobileNet'\n"
    )
    with pytest.raises(ValueError, match=r"mutate_ref\.py:3: .*TypeError.*_base_\.key"):
        Config.fromfile("mutate_ref.py")


@pytest.mark.spec("CFG-08")
def test_python_base_reference_with_mutation(tutorial):
    cfg = Config.fromfile("modify_base_var.py")
    assert str(cfg.a) == "{'type': 'MobileNet', 'depth': 50}"
    assert cfg.model.type == "ResNet"


@pytest.mark.spec("CFG-09")
def test_dump_python_is_standalone(tutorial):
    cfg = Config.fromfile("resnet50.py")
    cfg.dump("resnet50_dump.py")
    assert Path("resnet50_dump.py").read_text() == (
        "optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)\n"
        "model = dict(type='ResNet', depth=50)\n"
    )
    assert Config.fromfile("resnet50_dump.py") == cfg


@pytest.mark.spec("CFG-09")
def test_dump_yaml_sorted_keys(tutorial):
    Config.fromfile("resnet50.py").dump("resnet50_dump.yaml")
    assert Path("resnet50_dump.yaml").read_text() == (
        "model:\n  depth: 50\n  type: ResNet\n"
        "optimizer:\n  lr: 0.02\n  momentum: 0.9\n  type: SGD\n  weight_decay: 0.0001\n"
    )


@pytest.mark.spec("CFG-09")
def test_dump_json(tutorial):
    Config.fromfile("resnet50.py").dump("resnet50_dump.json")
    assert Path("resnet50_dump.json").read_text() == (
        '{"optimizer": {"type": "SGD", "lr": 0.02, "momentum": 0.9, "weight_decay": 0.0001}, '
        '"model": {"type": "ResNet", "depth": 50}}'
    )


@pytest.mark.spec("CFG-09")
def test_dump_config_built_from_dict(tutorial):
    # The tutorial prints "a=1" / "b=2"; MMEngine itself writes PEP 8 spacing, as we do.
    Config(dict(a=1, b=2)).dump("dump_dict.py")
    assert Path("dump_dict.py").read_text() == "a = 1\nb = 2\n"
    assert Config.fromfile("dump_dict.py").to_dict() == {"a": 1, "b": 2}


@pytest.mark.spec("CFG-09")
def test_dump_without_file_returns_text(tutorial):
    cfg = Config.fromfile("resnet50.py")
    assert cfg.dump() == cfg.pretty_text


@pytest.mark.spec("CFG-10")
def test_predefined_variable(tutorial):
    cfg = Config.fromfile("./predefined_var.py")
    assert cfg.work_dir == "./work_dir/predefined_var"


@pytest.mark.spec("CFG-10")
def test_all_predefined_variables(tutorial):
    Path("all_vars.py").write_text(
        "d = '{{fileDirname}}'\nb = '{{fileBasename}}'\n"
        "n = '{{ fileBasenameNoExtension }}'\ne = '{{fileExtname}}'\n"
    )
    cfg = Config.fromfile("all_vars.py")
    assert (cfg.d, cfg.b, cfg.n, cfg.e) == (
        str(tutorial).replace("\\", "/"),
        "all_vars.py",
        "all_vars",
        ".py",
    )


def _demo(tutorial: Path, *args: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("DATASET", "NUM_CLASSES")}
    result = subprocess.run(
        [sys.executable, "demo_train.py", *args],
        cwd=tutorial,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.spec("CFG-11", "CFG-17")
def test_cli_override_scalar(tutorial):
    assert _demo(tutorial, "./example.py", "--cfg-options", "optimizer.lr=0.1") == (
        "Config (path: ./example.py): {'model': {'type': 'CustomModel', 'in_channels': "
        "[1, 2, 3]}, 'optimizer': {'type': 'SGD', 'lr': 0.1}}"
    )


@pytest.mark.spec("CFG-11")
def test_cli_override_list_with_spaces(tutorial):
    out = _demo(tutorial, "./example.py", "--cfg-options", "model.in_channels=[1, 1, 1]")
    assert out == (
        "Config (path: ./example.py): {'model': {'type': 'CustomModel', 'in_channels': "
        "[1, 1, 1]}, 'optimizer': {'type': 'SGD', 'lr': 0.01}}"
    )


@pytest.mark.spec("CFG-11")
def test_cli_repeated_flags_accumulate(tutorial):
    out = _demo(
        tutorial,
        "./example.py",
        "--cfg-options",
        'optimizer.type="Adam"',
        "--cfg-options",
        "model.in_channels=[1, 1, 1]",
    )
    assert out == (
        "Config (path: ./example.py): {'model': {'type': 'CustomModel', 'in_channels': "
        "[1, 1, 1]}, 'optimizer': {'type': 'Adam', 'lr': 0.01}}"
    )


@pytest.mark.spec("CFG-12", "CFG-17")
def test_env_variable_default(tutorial):
    assert _demo(tutorial, "replace_data_root.py") == (
        "Config (path: replace_data_root.py): {'dataset_type': 'CocoDataset', 'data_root': "
        "'/data/coco/', 'dataset': {'ann_file': '/data/coco/train.json'}}"
    )


@pytest.mark.spec("CFG-12")
def test_env_variable_set_changes_derived_fields(tutorial):
    assert _demo(tutorial, "replace_data_root.py", DATASET="/new/dataset/path/") == (
        "Config (path: replace_data_root.py): {'dataset_type': 'CocoDataset', 'data_root': "
        "'/new/dataset/path/', 'dataset': {'ann_file': '/new/dataset/path/train.json'}}"
    )


@pytest.mark.spec("CFG-11", "CFG-12")
def test_cfg_options_changes_only_the_named_field(tutorial):
    out = _demo(tutorial, "replace_data_root.py", "--cfg-options", "data_root='/new/dataset/path/'")
    assert out == (
        "Config (path: replace_data_root.py): {'dataset_type': 'CocoDataset', 'data_root': "
        "'/new/dataset/path/', 'dataset': {'ann_file': '/data/coco/train.json'}}"
    )


@pytest.mark.spec("CFG-12")
def test_quoted_env_variable_keeps_int(tutorial):
    assert _demo(tutorial, "replace_num_classes.py") == (
        "Config (path: replace_num_classes.py): {'model': {'bbox_head': {'num_classes': 80}}}"
    )
    assert _demo(tutorial, "replace_num_classes.py", NUM_CLASSES="20") == (
        "Config (path: replace_num_classes.py): {'model': {'bbox_head': {'num_classes': 20}}}"
    )


@pytest.mark.spec("CFG-12")
def test_env_variables_are_recorded(tutorial, monkeypatch):
    monkeypatch.setenv("NUM_CLASSES", "20")
    cfg = Config.fromfile("replace_num_classes.py")
    assert cfg.model.bbox_head.num_classes == 20
    assert cfg.env_variables == {"NUM_CLASSES": "20"}


@pytest.mark.spec("CFG-16")
def test_configdict_from_keywords_and_nested_assignment():
    cfg = Config(
        dict(
            model=dict(type="Net"),
            tta_model=dict(type="TTAModel"),
            tta_pipeline=[dict(type="Flip")],
            test_dataloader=dict(dataset=dict(pipeline=[])),
        )
    )
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    assert cfg.model == {"type": "TTAModel", "module": {"type": "Net"}}
    assert cfg.model.module.type == "Net"
    assert cfg.test_dataloader.dataset.pipeline[0].type == "Flip"
