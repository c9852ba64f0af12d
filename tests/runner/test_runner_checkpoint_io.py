"""Checkpoint I/O: save/load over fileio URIs, safe loading, revise_keys, prefix, latest."""

from __future__ import annotations

import types
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mme.runner import (
    CheckpointError,
    find_latest_checkpoint,
    get_state_dict,
    load_checkpoint,
    save_checkpoint,
    weights_to_cpu,
)
from mme.runner.checkpoint import load_checkpoint_with_prefix

pytestmark = pytest.mark.spec("RUN-23")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
        self.head = nn.Linear(3, 1)


def test_round_trip_on_disk_loads_with_weights_only(tmp_path: Path) -> None:
    src, dst = Net(), Net()
    path = tmp_path / "sub" / "a.pth"
    save_checkpoint(
        {"state_dict": get_state_dict(src), "meta": {"epoch": 3, "note": ("x", 1)}}, path
    )
    raw = torch.load(path, weights_only=True)
    assert raw["meta"] == {"epoch": 3, "note": ("x", 1)}
    checkpoint = load_checkpoint(dst, str(path))
    assert checkpoint["meta"]["epoch"] == 3
    for a, b in zip(src.state_dict().values(), dst.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert not list(path.parent.glob(".*tmp"))  # no temporary file left behind


def test_round_trip_through_a_memory_uri() -> None:
    src, dst = Net(), Net()
    save_checkpoint({"state_dict": src.state_dict()}, "memory://ckpt/net.pth")
    load_checkpoint(dst, "memory://ckpt/net.pth")
    assert torch.equal(src.head.weight, dst.head.weight)


def test_saving_a_non_plain_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"checkpoint\['meta'\]\['arr'\] is a numpy.ndarray"):
        save_checkpoint({"meta": {"arr": np.zeros(2)}}, tmp_path / "x.pth")
    assert not (tmp_path / "x.pth").exists()
    nested = {"meta": {"hist": [1, 2, {"ok": 1.0, "bad": object()}]}}
    with pytest.raises(
        CheckpointError, match=r"checkpoint\['meta'\]\['hist'\]\[2\]\['bad'\] is a builtins.object"
    ):
        save_checkpoint(nested, tmp_path / "x.pth")
    key_error = r"checkpoint\['meta'\] key \(1, 2j\)\[1\] is a builtins.complex"
    with pytest.raises(CheckpointError, match=key_error):
        save_checkpoint({"meta": {(1, 2j): 0}}, tmp_path / "x.pth")
    with pytest.raises(
        CheckpointError,
        match=r"checkpoint\['meta'\] is a mappingproxy; checkpoints hold plain dicts only",
    ):
        save_checkpoint({"meta": types.MappingProxyType({})}, tmp_path / "x.pth")


def test_unsafe_files_are_refused_unless_opted_out(tmp_path: Path) -> None:
    path = tmp_path / "mmengine_style.pth"
    torch.save({"state_dict": Net().state_dict(), "meta": {"arr": np.arange(3)}}, path)
    with pytest.raises(CheckpointError, match="weights_only=False"):
        load_checkpoint(Net(), str(path))
    checkpoint = load_checkpoint(Net(), str(path), weights_only=False)
    assert checkpoint["meta"]["arr"].tolist() == [0, 1, 2]


def test_a_crash_mid_write_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "epoch_1.pth"
    save_checkpoint({"state_dict": {"w": torch.ones(2)}}, path)

    def broken_save(obj: object, f: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint({"state_dict": {"w": torch.zeros(2)}}, path)
    monkeypatch.undo()
    assert torch.equal(torch.load(path, weights_only=True)["state_dict"]["w"], torch.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_1.pth"]


def test_revise_keys_strip_module_prefix_by_default(tmp_path: Path) -> None:
    src = Net()
    wrapped = OrderedDict((f"module.{k}", v) for k, v in src.state_dict().items())
    save_checkpoint({"state_dict": wrapped}, tmp_path / "ddp.pth")
    dst = Net()
    load_checkpoint(dst, str(tmp_path / "ddp.pth"), strict=True)
    assert torch.equal(dst.head.weight, src.head.weight)
    renamed = Net()
    save_checkpoint(
        {"state_dict": {f"old.{k}": v for k, v in src.state_dict().items()}}, tmp_path / "old.pth"
    )
    load_checkpoint(renamed, str(tmp_path / "old.pth"), revise_keys=[(r"^old\.", "")], strict=True)
    assert torch.equal(renamed.head.bias, src.head.bias)


def test_prefix_loads_a_sub_module(tmp_path: Path) -> None:
    src = Net()
    save_checkpoint({"state_dict": src.state_dict()}, tmp_path / "full.pth")
    backbone = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    load_checkpoint(backbone, str(tmp_path / "full.pth"), prefix="backbone.", strict=True)
    assert torch.equal(backbone[0].weight, src.backbone[0].weight)
    part = load_checkpoint_with_prefix("head", str(tmp_path / "full.pth"))
    assert sorted(part) == ["bias", "weight"]
    with pytest.raises(
        CheckpointError,
        match=r"no key starting with 'neck\.'; its keys start with backbone\., head\.",
    ):
        load_checkpoint(backbone, str(tmp_path / "full.pth"), prefix="neck.")


def test_mismatches_warn_or_raise_when_strict(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    save_checkpoint(
        {"state_dict": {"head.weight": torch.ones(5, 5), "extra": torch.ones(1)}},
        tmp_path / "bad.pth",
    )
    net = Net()
    before = net.head.weight.clone()
    load_checkpoint(net, str(tmp_path / "bad.pth"))
    assert torch.equal(net.head.weight, before)
    assert "size mismatch" in caplog.text
    assert "unexpected key" in caplog.text
    with pytest.raises(CheckpointError, match=r"head.weight: checkpoint \(5, 5\), model \(1, 3\)"):
        load_checkpoint(Net(), str(tmp_path / "bad.pth"), strict=True)


def test_get_state_dict_removes_wrappers_and_weights_to_cpu() -> None:
    net = Net()
    wrapped = nn.DataParallel(net)
    assert list(get_state_dict(wrapped)) == list(net.state_dict())
    cpu = weights_to_cpu({"a": torch.ones(1, requires_grad=True), "b": {"c": torch.ones(1)}})
    assert cpu["a"].device.type == "cpu"
    assert not cpu["a"].requires_grad
    assert torch.equal(cpu["b"]["c"], torch.ones(1))


def test_find_latest_checkpoint(tmp_path: Path) -> None:
    assert find_latest_checkpoint(tmp_path) is None
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "epoch_3.pth"))
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "epoch_3.pth")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.pth"):
        load_checkpoint(Net(), str(tmp_path / "nope.pth"))


def test_class_instances_are_rejected_at_save_time(tmp_path: Path) -> None:
    class Thing:
        pass

    with pytest.raises(CheckpointError, match="Thing"):
        save_checkpoint({"meta": {"obj": Thing()}}, tmp_path / "t.pth")
    assert not (tmp_path / "t.pth").exists()
