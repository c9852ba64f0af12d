"""ConcatDataset, RepeatDataset, ClassBalancedDataset: the wrapper protocol of DS-16."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pytest

from mme.dataset import (
    BaseDataset,
    ClassBalancedDataset,
    ConcatDataset,
    RepeatDataset,
    force_full_init,
)
from mme.registry import DATASETS


@DATASETS.register_module(force=True)
class LabelledForWrappers(BaseDataset):
    """``labels[i]`` is the list of categories of sample i."""

    METAINFO = {"classes": ("a", "b", "c")}  # noqa: RUF012

    def __init__(self, labels: list[list[int]], tag: str = "", **kwargs: Any) -> None:
        self.labels = labels
        self.tag = tag
        self.loads = 0
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict[str, Any]]:
        self.loads += 1
        return [{"cats": cats, "tag": self.tag} for cats in self.labels]

    def get_cat_ids(self, idx: int) -> list[int]:
        return list(self.get_data_info(idx)["cats"])


def labelled(labels: list[list[int]], **kwargs: Any) -> LabelledForWrappers:
    return LabelledForWrappers(labels, **kwargs)


@pytest.mark.spec("DS-13", "DS-16")
def test_concat_of_instances_and_configs_maps_indices() -> None:
    first = labelled([[0], [1]], tag="first")
    cfg = dict(type="LabelledForWrappers", labels=[[2], [0], [1]], tag="second")
    concat = ConcatDataset([first, cfg])
    assert len(concat) == 5
    assert [concat[i]["tag"] for i in range(5)] == ["first"] * 2 + ["second"] * 3
    assert concat.get_data_info(-1)["cats"] == [1]
    assert concat._get_ori_dataset_idx(3) == (1, 1)
    assert concat.metainfo == {"classes": ("a", "b", "c")}
    with pytest.raises(IndexError, match="index 5 is out of range for a dataset of 5 samples"):
        concat[5]
    with pytest.raises(IndexError, match="index -6 is out of range"):
        concat[-6]


@pytest.mark.spec("DS-16")
@pytest.mark.parametrize(
    "make",
    [
        lambda bad: ConcatDataset([bad]),
        lambda bad: RepeatDataset(bad, times=2),
        lambda bad: ClassBalancedDataset(bad, oversample_thr=0.1),
    ],
)
def test_wrappers_reject_other_objects_with_the_spec_message(make: Any) -> None:
    with pytest.raises(TypeError) as info:
        make([1, 2])
    assert str(info.value) == (
        "elements in datasets sequence should be config or `BaseDataset` instance, "
        "but got <class 'list'>"
    )


@pytest.mark.spec("DS-13")
def test_concat_metainfo_must_agree_unless_ignored() -> None:
    a = labelled([[0]], metainfo={"classes": ("a",), "split": "train"})
    b = labelled([[0]], metainfo={"classes": ("a",), "split": "val"})
    with pytest.raises(ValueError) as info:
        ConcatDataset([a, b])
    assert str(info.value) == (
        "ConcatDataset: the meta information 'split' of dataset 1 (LabelledForWrappers), 'val', "
        "differs from that of dataset 0, 'train'; concatenated datasets must agree, "
        "or pass ignore_keys=['split']"
    )
    concat = ConcatDataset([a, b], ignore_keys="split")
    assert concat.metainfo["split"] == "train"  # the first dataset's
    c = labelled([[0]], metainfo={"classes": ("a",), "extra": 1, "split": "x"})
    with pytest.raises(ValueError, match=r"dataset 0 .* has no 'extra'"):
        ConcatDataset([a, c], ignore_keys=["split"])
    assert len(ConcatDataset([a, c], ignore_keys=["split", "extra"])) == 2
    with pytest.raises(TypeError, match="ignore_keys should be a list or str"):
        ConcatDataset([a], ignore_keys=3)  # type: ignore[arg-type]
    arrays = [labelled([[0]], metainfo={"palette": np.array([1, 2])}) for _ in range(2)]
    assert len(ConcatDataset(arrays)) == 2


@pytest.mark.spec("DS-14")
def test_repeat_dataset() -> None:
    repeated = RepeatDataset(dict(type="LabelledForWrappers", labels=[[0], [1], [2]]), times=3)
    assert len(repeated) == 9
    assert [repeated.get_data_info(i)["cats"][0] for i in range(9)] == [0, 1, 2] * 3
    assert repeated[-1]["sample_idx"] == 2
    with pytest.raises(TypeError, match="times must be an int >= 1, got 0"):
        RepeatDataset(labelled([[0]]), times=0)
    with pytest.raises(IndexError, match="index 9 is out of range for a dataset of 9 samples"):
        repeated[9]


@pytest.mark.spec("DS-15", "DS-12")
def test_class_balanced_repeat_factors() -> None:
    # 10 samples: category 0 in all, 1 in two, 2 in one; sample 9 has none
    labels = [[0]] * 6 + [[0, 1], [0, 1], [0, 2], []]
    dataset = labelled(labels)
    thr = 0.5
    balanced = ClassBalancedDataset(dataset, oversample_thr=thr)
    r1 = max(1.0, math.sqrt(thr / 0.2))
    r2 = max(1.0, math.sqrt(thr / 0.1))
    expected = [1] * 6 + [math.ceil(r1)] * 2 + [math.ceil(r2), 1]
    assert len(balanced) == sum(expected)
    counts = np.bincount(balanced.repeat_indices, minlength=10).tolist()
    assert counts == expected
    assert balanced.repeat_indices.dtype == np.int64  # one shared array, not a list
    assert balanced.get_cat_ids(len(balanced) - 1) == []
    assert balanced.metainfo == {"classes": ("a", "b", "c")}

    class NoCats(BaseDataset):
        def load_data_list(self) -> list[dict[str, Any]]:
            return [{"x": 1}]

    with pytest.raises(NotImplementedError, match="NoCats does not implement get_cat_ids") as info:
        ClassBalancedDataset(NoCats(), oversample_thr=0.1)
    assert "get_cat_ids(0)" in "".join(getattr(info.value, "__notes__", []))


@pytest.mark.spec("DS-16", "DS-08")
@pytest.mark.parametrize(
    "wrap",
    [
        lambda d: ConcatDataset([d], lazy_init=True),
        lambda d: RepeatDataset(d, times=2, lazy_init=True),
        lambda d: ClassBalancedDataset(d, oversample_thr=0.1, lazy_init=True),
    ],
)
def test_wrappers_initialise_lazily_once(wrap: Any, caplog: pytest.LogCaptureFixture) -> None:
    dataset = labelled([[0], [1]], lazy_init=True)
    wrapper = wrap(dataset)
    assert dataset.loads == 0
    assert wrapper._fully_initialized is False
    with caplog.at_level(logging.WARNING, logger="mme.dataset"):
        assert wrapper[0]["sample_idx"] == 0
    assert [r.getMessage() for r in caplog.records] == [
        "Please call `full_init` method manually to accelerate the speed."
    ]
    wrapper.full_init()
    len(wrapper)
    assert dataset.loads == 1
    with pytest.raises(NotImplementedError, match="does not support `get_subset`"):
        wrapper.get_subset(1)
    with pytest.raises(NotImplementedError, match="Take the subset of the wrapped dataset first"):
        wrapper.get_subset_(1)


@pytest.mark.spec("DS-16")
def test_len_and_get_data_info_initialise_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrapper = RepeatDataset(labelled([[0]], lazy_init=True), times=4, lazy_init=True)
    with caplog.at_level(logging.WARNING, logger="mme.dataset"):
        assert len(wrapper) == 4
    assert caplog.records == []
    wrapper.metainfo["classes"] = None  # a copy
    assert wrapper.metainfo["classes"] == ("a", "b", "c")


@pytest.mark.spec("DS-16")
def test_wrappers_nest() -> None:
    inner = ConcatDataset([labelled([[0]]), labelled([[1]])])
    outer = RepeatDataset(inner, times=2)
    assert [outer.get_data_info(i)["cats"] for i in range(4)] == [[0], [1], [0], [1]]
    assert [outer.get_cat_ids(i) for i in range(4)] == [[0], [1], [0], [1]]
    # category 1 is in 1 of 4 samples: r = sqrt(0.5 / 0.25) -> each of its samples twice
    balanced = ClassBalancedDataset(
        ConcatDataset([labelled([[0], [0], [0]]), labelled([[1]])]), 0.5
    )
    assert balanced.repeat_indices.tolist() == [0, 1, 2, 3, 3]


@pytest.mark.spec("DS-16")
def test_the_custom_wrapper_template_works_with_force_full_init() -> None:
    """The tutorial's ExampleDatasetWrapper, filled in (it reverses the dataset)."""

    class ReversedDataset:
        def __init__(self, dataset: Any, lazy_init: bool = False) -> None:
            self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
            self._metainfo = self.dataset.metainfo
            self._fully_initialized = False
            if not lazy_init:
                self.full_init()

        def full_init(self) -> None:
            if self._fully_initialized:
                return
            self.dataset.full_init()
            self._ori_len = len(self.dataset)
            self._fully_initialized = True

        @force_full_init
        def _get_ori_dataset_idx(self, idx: int) -> int:
            return self._ori_len - 1 - idx

        @force_full_init
        def __len__(self) -> int:
            return self._ori_len

    wrapper = ReversedDataset(
        dict(type="LabelledForWrappers", labels=[[0], [1], [2]]), lazy_init=True
    )
    assert wrapper._get_ori_dataset_idx(0) == 2
    assert len(wrapper) == 3

    class NoFullInit:
        @force_full_init
        def size(self) -> int:
            return 0

    with pytest.raises(AttributeError, match="NoFullInit has no full_init method"):
        NoFullInit().size()
