"""BaseDataElement, InstanceData, PixelData and LabelData."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from mme.runner.structures import BaseDataElement, InstanceData, LabelData, PixelData


def sample() -> BaseDataElement:
    return BaseDataElement(
        metainfo=dict(img_id=3, img_shape=(8, 6)),
        gt_label=torch.tensor([1]),
        pred=BaseDataElement(score=torch.tensor([0.2, 0.8], requires_grad=True)),
        name="cat",
    )


@pytest.mark.spec("STR-01")
def test_metainfo_and_data_fields_are_kept_apart() -> None:
    element = sample()
    assert element.keys() == ["gt_label", "pred", "name"]  # in the order they were set
    assert sorted(element.metainfo_keys()) == ["img_id", "img_shape"]
    assert element.metainfo == {"img_id": 3, "img_shape": (8, 6)}
    assert sorted(element.all_keys()) == ["gt_label", "img_id", "img_shape", "name", "pred"]
    assert dict(element.items())["name"] == "cat"
    assert dict(element.metainfo_items())["img_id"] == 3
    assert len(element.all_values()) == 5
    assert len(element.values()) == 3
    assert dict(element.all_items())["img_shape"] == (8, 6)
    assert "img_id" in element
    assert "gt_label" in element
    assert "missing" not in element
    assert element.get("missing", 7) == 7
    assert element.get("name") == "cat"
    with pytest.raises(
        AttributeError, match="Cannot set 'img_id' as a data field: it is already a metainfo field"
    ):
        element.img_id = 4
    with pytest.raises(
        AttributeError, match="Cannot set 'name' as a metainfo field: it is already a data field"
    ):
        element.set_metainfo(dict(name="dog"))
    with pytest.raises(
        AttributeError,
        match="_data_fields is a private attribute of BaseDataElement; it is immutable",
    ):
        element._data_fields = set()
    with pytest.raises(TypeError, match="metainfo must be a dict, got list"):
        BaseDataElement(metainfo=[1])  # type: ignore[arg-type]


@pytest.mark.spec("STR-01")
def test_set_update_pop_and_delete() -> None:
    element = sample()
    metainfo = {"scale": [1.0]}
    element.set_metainfo(metainfo)
    metainfo["scale"].append(2.0)
    assert element.scale == [1.0]  # metainfo is deep-copied
    element.set_data({"score": torch.tensor([0.5])})
    element["flag"] = True
    assert element.flag is True
    other = BaseDataElement(metainfo=dict(img_id=9), name="dog")
    element.update(other)
    assert (element.img_id, element.name) == (9, "dog")
    assert element.pop("flag") is True
    assert "flag" not in element
    assert element.pop("img_id") == 9
    assert "img_id" not in element.metainfo_keys()
    assert element.pop("absent", None) is None
    with pytest.raises(
        KeyError, match="'absent' is not a metainfo or data field of this BaseDataElement"
    ):
        element.pop("absent")
    del element.score
    del element["name"]
    assert sorted(element.keys()) == ["gt_label", "pred"]
    element.set_field(torch.ones(1), "typed", dtype=torch.Tensor)
    with pytest.raises(TypeError, match="typed2 must be of type"):
        element.set_field(1, "typed2", dtype=torch.Tensor)


@pytest.mark.spec("STR-01")
def test_new_shares_and_clone_copies() -> None:
    element = sample()
    fresh = element.new(gt_label=torch.tensor([0]))
    assert fresh.img_id == 3
    assert fresh.keys() == ["gt_label"]
    assert fresh.gt_label.tolist() == [0]
    same_data = element.new(metainfo=dict(img_id=5))
    assert same_data.metainfo == {"img_id": 5}
    assert same_data.gt_label is element.gt_label  # new shares the data
    copy = element.clone()
    assert copy.gt_label is not element.gt_label
    assert torch.equal(copy.gt_label, element.gt_label)
    copy.gt_label[0] = 7
    assert element.gt_label.item() == 1
    assert copy.pred.score is not element.pred.score


@pytest.mark.spec("STR-01")
def test_conversions_return_new_elements_and_recurse() -> None:
    element = sample()
    detached = element.detach()
    assert not detached.pred.score.requires_grad
    assert element.pred.score.requires_grad
    as_numpy = element.numpy()
    assert isinstance(as_numpy.gt_label, np.ndarray)
    assert isinstance(as_numpy.pred.score, np.ndarray)
    assert as_numpy.name == "cat"
    back = as_numpy.to_tensor()
    assert isinstance(back.pred.score, torch.Tensor)
    assert back.gt_label.tolist() == [1]
    doubled = element.to(torch.float64)
    assert doubled.gt_label.dtype == torch.float64
    assert doubled.img_id == 3
    assert element.gt_label.dtype == torch.int64
    moved = element.to("meta")
    assert moved.gt_label.device.type == "meta"
    assert moved.pred.score.device.type == "meta"
    assert element.cpu().gt_label.device.type == "cpu"
    assert element.to_dict() == {
        "img_id": 3,
        "img_shape": (8, 6),
        "gt_label": element.gt_label,
        "pred": {"score": element.pred.score},
        "name": "cat",
    }


@pytest.mark.spec("STR-01")
def test_repr_lists_metainfo_and_data() -> None:
    element = BaseDataElement(metainfo=dict(img_id=1), label=[2])
    text = repr(element)
    assert text.startswith(
        "<BaseDataElement(\n\n    META INFORMATION\n    "
        "img_id: 1\n\n    DATA FIELDS\n    label: [2]\n) at 0x"
    )


def instances() -> InstanceData:
    data = InstanceData(metainfo=dict(img_shape=(4, 4)))
    data.bboxes = torch.arange(12.0).view(3, 4)
    data.labels = np.array([0, 1, 2])
    data.names = ["a", "b", "c"]
    return data


@pytest.mark.spec("STR-01")
def test_instance_data_indexing() -> None:
    data = instances()
    assert len(data) == 3
    one = data[1]
    assert len(one) == 1
    assert one.names == ["b"]
    assert one.labels.tolist() == [1]
    assert data[-1].names == ["c"]
    assert data[0:2].names == ["a", "b"]
    mask = data[torch.tensor([True, False, True])]
    assert mask.names == ["a", "c"]
    assert mask.bboxes[:, 0].tolist() == [0.0, 8.0]
    picked = data[torch.tensor([2, 0])]
    assert picked.names == ["c", "a"]
    assert picked.labels.tolist() == [2, 0]
    assert data[[1, 1]].names == ["b", "b"]
    assert data[np.array([False, True, False])].names == ["b"]
    assert data["names"] == ["a", "b", "c"]
    assert data[torch.tensor([], dtype=torch.long)].names == []
    assert picked.img_shape == (4, 4)
    with pytest.raises(IndexError, match="index 3 is out of range for InstanceData of length 3"):
        data[3]
    with pytest.raises(
        ValueError, match="The bool mask has length 2 but the InstanceData has 3 instances"
    ):
        data[torch.tensor([True, False])]
    with pytest.raises(TypeError, match=r"must be bool or integer, got torch\.float32"):
        data[torch.tensor([0.0])]


@pytest.mark.spec("STR-01")
def test_instance_data_length_errors_name_the_field() -> None:
    data = instances()
    with pytest.raises(ValueError) as info:
        data.scores = torch.ones(2)
    assert str(info.value) == (
        "InstanceData field 'scores' has length 2, but the other fields ('bboxes', 'labels', "
        "'names') have length 3."
    )
    with pytest.raises(TypeError, match="InstanceData field 'count' must have a length"):
        data.count = 3
    data.bboxes = torch.zeros(3, 4)  # replacing a field with the same length is fine
    single = InstanceData(scores=torch.ones(5))
    single.scores = torch.ones(2)  # the only field may change length
    assert len(single) == 2


@pytest.mark.spec("STR-01")
def test_instance_data_cat() -> None:
    joined = InstanceData.cat([instances(), instances()[0:1]])
    assert len(joined) == 4
    assert joined.names == ["a", "b", "c", "a"]
    assert joined.labels.tolist() == [0, 1, 2, 0]
    assert joined.bboxes.shape == (4, 4)
    with pytest.raises(
        ValueError,
        match=r"element 1 has fields \['names'\], element 0 has \['bboxes', 'labels', 'names'\]",
    ):
        InstanceData.cat([instances(), InstanceData(names=["x"])])
    with pytest.raises(ValueError, match="empty list"):
        InstanceData.cat([])


@pytest.mark.spec("STR-01")
def test_pixel_data_shape_checks_and_slicing() -> None:
    pixels = PixelData(metainfo=dict(img_id=1))
    assert pixels.shape is None
    pixels.sem_seg = torch.zeros(1, 4, 6)
    with pytest.warns(UserWarning, match=r"the \(H, W\) value is stored as \(1, H, W\)"):
        pixels.mask = np.ones((4, 6))
    assert pixels.mask.shape == (1, 4, 6)
    assert pixels.shape == (4, 6)
    crop = pixels[1:3, 2:]
    assert crop.shape == (2, 4)
    assert crop.mask.shape == (1, 2, 4)
    assert crop.img_id == 1
    assert pixels[0:2].shape == (2, 6)
    with pytest.raises(ValueError) as info:
        pixels.heatmap = torch.zeros(2, 5, 6)
    assert str(info.value) == (
        "PixelData field 'heatmap' has height and width (5, 6), but the other fields "
        "('mask', 'sem_seg') have (4, 6)."
    )
    with pytest.raises(
        ValueError, match=r"must be \(H, W\) or \(C, H, W\), got shape \(1, 1, 4, 6\)"
    ):
        pixels.bad = torch.zeros(1, 1, 4, 6)
    with pytest.raises(TypeError, match="must be a tensor or a numpy array, got list"):
        pixels.bad = [[1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pixels.sem_seg = torch.ones(3, 4, 6)  # 3-D: no warning


@pytest.mark.spec("STR-01")
def test_label_data_onehot_conversions() -> None:
    onehot = LabelData.label_to_onehot(torch.tensor([1, 3]), num_classes=5)
    assert onehot.tolist() == [0, 1, 0, 1, 0]
    assert LabelData.onehot_to_label(onehot).tolist() == [1, 3]
    assert LabelData.label_to_onehot(torch.tensor([], dtype=torch.long), 3).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\), got \[3\]"):
        LabelData.label_to_onehot(torch.tensor([3]), num_classes=3)
    with pytest.raises(ValueError, match="not a 1-D one-hot tensor of 0 and 1"):
        LabelData.onehot_to_label(torch.tensor([0, 2]))
    with pytest.raises(ValueError, match=r"shape \(1, 2\)"):
        LabelData.onehot_to_label(torch.tensor([[0, 1]]))
    labels = LabelData(metainfo=dict(num_classes=5), label=torch.tensor([2]))
    assert labels.label.tolist() == [2]
    assert labels.num_classes == 5
