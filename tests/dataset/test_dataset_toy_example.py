"""EX-26: the BaseDataset tutorial's ToyDataset, run as written (cv2.imread -> np.load),
with the results the tutorial prints."""

from __future__ import annotations

import logging
import os.path as osp
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mme.dataset import BaseDataset, ClassBalancedDataset, ConcatDataset, RepeatDataset


class ToyDataset(BaseDataset):
    # Take the above annotation file as example. The raw_data_info represents a dictionary
    # in the data_list list: {'img_path': "xxx/xxx_0.jpg", 'img_label': 0, ...}
    def parse_data_info(self, raw_data_info: dict[str, Any]) -> dict[str, Any]:
        data_info = raw_data_info
        img_prefix = self.data_prefix.get("img_path", None)
        if img_prefix is not None:
            data_info["img_path"] = osp.join(img_prefix, data_info["img_path"])
        return data_info

    # The necessary method that needs to return the category of data sample
    def get_cat_ids(self, idx: int) -> list[int]:
        data_info = self.get_data_info(idx)
        return [int(data_info["img_label"])]


class LoadImage:
    def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
        results["img"] = np.load(results["img_path"])  # the tutorial: cv2.imread
        return results


class ParseImage:
    def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
        results["img_shape"] = results["img"].shape
        return results


pipeline = [LoadImage(), ParseImage()]


def toy(**kwargs: Any) -> ToyDataset:
    args: dict[str, Any] = dict(
        data_root="data/",
        data_prefix=dict(img_path="train/"),
        ann_file="annotations/train.json",
        pipeline=pipeline,
    )
    return ToyDataset(**(args | kwargs))


@pytest.mark.spec("DS-02", "DS-03", "DS-05", "DS-06")
def test_toy_dataset_interface_prints_what_the_tutorial_shows(spec_data: Path) -> None:
    toy_dataset = toy()
    # the file stores a list; the tutorial's comment shows a tuple (Appendix B, item 26)
    assert toy_dataset.metainfo == dict(classes=["cat", "dog"])
    assert toy_dataset.get_data_info(0) == {
        "img_path": "data/train/xxx/xxx_0.jpg",
        "img_label": 0,
        "sample_idx": 0,
    }
    assert len(toy_dataset) == 2
    sample = toy_dataset[0]
    assert sample["img_path"] == "data/train/xxx/xxx_0.jpg"
    assert sample["img_label"] == 0
    assert sample["img"].shape == (4, 5, 3)
    assert sample["img_shape"] == (4, 5, 3)

    # The `get_subset` interface does not modify the original dataset class
    sub_toy_dataset = toy_dataset.get_subset(1)
    assert (len(toy_dataset), len(sub_toy_dataset)) == (2, 1)
    # The `get_subset_` interface modify the original dataset class in inplace
    toy_dataset.get_subset_(1)
    assert len(toy_dataset) == 1


@pytest.mark.spec("DS-08", "DS-16")
def test_lazy_init_loads_on_full_init_or_first_use(
    spec_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    toy_dataset = toy(lazy_init=True)
    assert toy_dataset.metainfo == {}  # only the annotation file has meta information here
    assert toy_dataset._fully_initialized is False
    toy_dataset.full_init()
    assert len(toy_dataset) == 2
    assert toy_dataset[0]["img_shape"] == (4, 5, 3)
    assert toy_dataset.metainfo == {"classes": ["cat", "dog"]}

    for first_use in ("len", "info", "item", "subset", "subset_"):
        lazy = toy(lazy_init=True)
        with caplog.at_level(logging.WARNING, logger="mme.dataset"):
            caplog.clear()
            if first_use == "len":
                assert len(lazy) == 2
            elif first_use == "info":
                assert lazy.get_data_info(1)["img_label"] == 1
            elif first_use == "item":
                assert lazy[1]["img_shape"] == (6, 2, 3)
            elif first_use == "subset":
                assert len(lazy.get_subset([1])) == 1
            else:
                lazy.get_subset_([1, 0])
                assert lazy.get_data_info(0)["img_label"] == 1
        assert lazy._fully_initialized is True
        warned = [r.getMessage() for r in caplog.records]
        if first_use == "item":
            assert warned == ["Please call `full_init()` method manually to accelerate the speed."]
        else:
            assert warned == []


@pytest.mark.spec("DS-09")
def test_serialize_data_false_gives_the_same_samples(spec_data: Path) -> None:
    plain = toy(serialize_data=False)
    serialized = toy()
    assert len(plain.data_list) == 2
    assert serialized.data_list == []
    assert serialized.data_bytes.dtype == np.uint8
    assert serialized.data_address.tolist()[-1] == serialized.data_bytes.size
    for i in range(2):
        assert plain.get_data_info(i) == serialized.get_data_info(i)
    info = plain.get_data_info(0)
    info["img_label"] = 99  # a copy: the dataset is unchanged
    assert plain.get_data_info(0)["img_label"] == 0


@pytest.mark.spec("DS-13", "DS-14", "DS-15")
def test_the_tutorial_wrappers(spec_data: Path) -> None:
    toy_dataset_1 = toy()
    toy_dataset_2 = toy(data_prefix=dict(img_path="val/"), ann_file="annotations/val.json")
    toy_dataset_12 = ConcatDataset(datasets=[toy_dataset_1, toy_dataset_2])
    assert len(toy_dataset_12) == 3
    assert toy_dataset_12[2]["img_path"] == "data/val/xxx/xxx_0.jpg"
    assert toy_dataset_12[2]["img_shape"] == (3, 3, 3)
    assert toy_dataset_12.metainfo == {"classes": ["cat", "dog"]}

    toy_dataset_repeat = RepeatDataset(dataset=toy_dataset_1, times=5)
    assert len(toy_dataset_repeat) == 10
    assert [toy_dataset_repeat.get_data_info(i)["img_label"] for i in range(4)] == [0, 1, 0, 1]

    balanced = ClassBalancedDataset(dataset=toy_dataset_1, oversample_thr=1e-3)
    assert len(balanced) == 2  # both classes are frequent: nothing is repeated
    rare = ClassBalancedDataset(dataset=toy_dataset_1, oversample_thr=2.0)
    # f(cat) = f(dog) = 1/2, r = sqrt(2 / 0.5) = 2: every sample twice
    assert len(rare) == 4
    assert [rare.get_cat_ids(i) for i in range(4)] == [[0], [0], [1], [1]]
