"""get_data_device, cast_data_device and get_comm_device (meta tensors stand in for a GPU)."""

from __future__ import annotations

from collections import namedtuple

import pytest
import torch

import mme.dist as dist
from mme.dist import devices

pytestmark = pytest.mark.spec("DIST-03")

Pair = namedtuple("Pair", ["left", "right"])


def test_get_data_device_of_tensors_and_nested_containers() -> None:
    assert dist.get_data_device(torch.ones(1)) == torch.device("cpu")
    nested = {"a": [torch.ones(1), (torch.zeros(2),)], "b": {"c": torch.ones(3)}}
    assert dist.get_data_device(nested) == torch.device("cpu")
    assert dist.get_data_device([torch.empty(1, device="meta")]) == torch.device("meta")


def test_get_data_device_names_the_items_on_different_devices() -> None:
    data = {"x": torch.ones(1), "y": [torch.ones(1), torch.empty(1, device="meta")]}
    with pytest.raises(
        ValueError, match=r"data\['y'\]\[0\] is on cpu, data\['y'\]\[1\] is on meta"
    ):
        dist.get_data_device(data)


def test_get_data_device_rejects_empty_and_foreign_data() -> None:
    with pytest.raises(ValueError, match=r"holds no tensor"):
        dist.get_data_device({"a": []})
    with pytest.raises(TypeError, match=r"data\['a'\] is a int; expected a tensor"):
        dist.get_data_device({"a": 1})


def test_cast_data_device_keeps_the_structure() -> None:
    data = {"a": [torch.ones(2), Pair(torch.zeros(1), torch.ones(1))], "b": (torch.ones(1),)}
    cast = dist.cast_data_device(data, "meta")
    assert cast["a"][0].device.type == "meta"
    assert isinstance(cast["a"][1], Pair)
    assert cast["a"][1].right.device.type == "meta"
    assert isinstance(cast["b"], tuple)
    assert cast["b"][0].device.type == "meta"
    assert data["a"][0].device.type == "cpu"  # the input is left alone


def test_cast_data_device_into_out_copies_in_place() -> None:
    out = {"a": torch.zeros(2), "b": [torch.zeros(1)]}
    keep_a, keep_b = out["a"], out["b"][0]
    returned = dist.cast_data_device({"a": torch.ones(2), "b": [torch.full((1,), 5.0)]}, "cpu", out)
    assert returned is out
    assert out["a"] is keep_a
    assert out["a"].tolist() == [1.0, 1.0]
    assert out["b"][0] is keep_b
    assert out["b"][0].item() == 5.0


def test_cast_data_device_out_must_match() -> None:
    with pytest.raises(TypeError, match=r"data is a Tensor and out is a list"):
        dist.cast_data_device(torch.ones(1), "cpu", [torch.ones(1)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"out has keys \['a'\] but data has keys \['b'\]"):
        dist.cast_data_device({"b": torch.ones(1)}, "cpu", {"a": torch.ones(1)})
    with pytest.raises(ValueError, match=r"out has 1 items but data has 2"):
        dist.cast_data_device([torch.ones(1)] * 2, "cpu", [torch.ones(1)])
    with pytest.raises(TypeError, match=r"data\[0\] is a str"):
        dist.cast_data_device(["x"], "cpu")


def test_comm_device_is_cuda_for_nccl_and_cpu_for_gloo(monkeypatch: pytest.MonkeyPatch) -> None:
    # No GPU here: pretend the group is nccl and CUDA device 3 is current.
    monkeypatch.setattr(devices, "get_backend", lambda group=None: "nccl")
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 3)
    assert dist.get_comm_device() == torch.device("cuda", 3)
    monkeypatch.setattr(devices, "get_backend", lambda group=None: "gloo")
    assert dist.get_comm_device() == torch.device("cpu")
