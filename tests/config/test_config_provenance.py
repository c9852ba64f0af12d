"""Config.explain (which file and line set a value) and Config.diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from mme.config import Config, ConfigKeyError

pytestmark = pytest.mark.spec("CFG-04", "CFG-05")


def test_explain_reports_the_chain(tutorial):
    cfg = Config.fromfile("resnet50_lr0.01.py")
    exp = cfg.explain("optimizer.lr")
    assert exp.value == 0.01
    assert [(Path(o.file).name, o.line) for o in exp.origins] == [
        ("optimizer_cfg.py", 1),
        ("resnet50_lr0.01.py", 3),
    ]
    assert Path(exp.origin.file).name == "resnet50_lr0.01.py"
    assert str(exp).splitlines() == [
        "optimizer.lr = 0.01",
        "  set by    resnet50_lr0.01.py:3  optimizer = dict(lr=0.01)",
        "  overrides optimizer_cfg.py:1  "
        "optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)",
    ]


def test_explain_value_only_set_in_a_base(tutorial):
    exp = Config.fromfile("resnet50_lr0.01.py").explain("optimizer.momentum")
    assert [(Path(o.file).name, o.line) for o in exp.origins] == [("optimizer_cfg.py", 1)]


def test_explain_mutation_through_base_object(tutorial):
    exp = Config.fromfile("modify_base_var.py").explain("a.type")
    assert exp.value == "MobileNet"
    assert (Path(exp.origin.file).name, exp.origin.line) == ("modify_base_var.py", 3)


def test_explain_multiline_python_and_yaml(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "optim_wrapper:\n  optimizer:\n    type: SGD\n    lr: 0.02\n"
    )
    (tmp_path / "child.py").write_text(
        "_base_ = 'base.yaml'\n"
        "optim_wrapper = dict(\n"
        "    optimizer=dict(\n"
        "        lr=0.01,\n"
        "    ),\n"
        ")\n"
    )
    cfg = Config.fromfile(tmp_path / "child.py")
    exp = cfg.explain("optim_wrapper.optimizer.lr")
    assert [(Path(o.file).name, o.line) for o in exp.origins] == [("base.yaml", 4), ("child.py", 4)]
    exp = cfg.explain("optim_wrapper.optimizer.type")
    assert [(Path(o.file).name, o.line) for o in exp.origins] == [("base.yaml", 3)]


def test_explain_delete_and_merge_from_dict(tutorial):
    cfg = Config.fromfile("resnet50_delete_key.py")
    exp = cfg.explain("optimizer.type")
    assert (Path(exp.origin.file).name, exp.origin.line) == ("resnet50_delete_key.py", 3)
    cfg.merge_from_dict({"optimizer.lr": 0.5})
    exp = cfg.explain("optimizer.lr")
    assert exp.value == 0.5
    assert exp.origin.file == "merge_from_dict"
    assert "set by    merge_from_dict  optimizer.lr" in str(exp)


def test_explain_json_and_runtime_values(formats):
    cfg = Config.fromfile("child.json")
    exp = cfg.explain("optimizer.lr")
    assert [(Path(o.file).name, o.line) for o in exp.origins] == [
        ("base.yaml", 6),
        ("child.json", 3),
    ]
    cfg.extra = 1
    assert cfg.explain("extra").origins == []
    assert "set at run time" in str(cfg.explain("extra"))


def test_explain_unknown_key_suggests(tutorial):
    cfg = Config.fromfile("resnet50.py")
    with pytest.raises(ConfigKeyError, match=r"optimizer has no key 'lrr'.*Did you mean 'lr'"):
        cfg.explain("optimizer.lrr")


def test_diff():
    a = Config(dict(optimizer=dict(type="SGD", lr=0.02), gpu_ids=[0, 1], old=1))
    b = Config(dict(optimizer=dict(type="SGD", lr=0.01), gpu_ids=[0, 1], new=dict(x=True)))
    assert Config.diff(a, b).splitlines() == [
        "~ optimizer.lr: 0.02 -> 0.01",
        "- old = 1",
        "+ new.x = True",
    ]
    assert Config.diff(a, a) == ""
    assert Config.diff(a, a.to_dict()) == ""
