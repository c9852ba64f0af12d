"""pseudo_collate and default_collate: one test per nested shape."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any

import numpy as np
import pytest
import torch

from mme.dataset import default_collate, pseudo_collate

Point = namedtuple("Point", ["x", "y"])


class DataElement:
    """A stand-in for a data element (not a tensor, not a sequence, not a mapping)."""

    def __init__(self, label: int) -> None:
        self.label = label


@pytest.mark.spec("DS-23")
def test_pseudo_collate_transposes_dicts_and_keeps_leaves_as_lists() -> None:
    a, b = torch.ones(3, 2), torch.zeros(3, 4)  # different shapes are fine
    batch = pseudo_collate(
        [{"img": a, "label": 0, "name": "a"}, {"img": b, "label": 1, "name": "b"}]
    )
    assert list(batch) == ["img", "label", "name"]
    assert batch["img"][0] is a
    assert batch["img"][1] is b
    assert batch["label"] == [0, 1]
    assert batch["name"] == ["a", "b"]


@pytest.mark.spec("DS-23")
def test_pseudo_collate_keeps_mapping_and_sequence_types() -> None:
    batch = pseudo_collate([OrderedDict(a=[1, 2]), OrderedDict(a=[3, 4])])
    assert type(batch) is OrderedDict
    assert batch == OrderedDict(a=[[1, 3], [2, 4]])


@pytest.mark.spec("DS-23")
def test_pseudo_collate_tuples_become_lists_of_columns() -> None:
    assert pseudo_collate([(1, "a"), (2, "b")]) == [[1, 2], ["a", "b"]]
    assert pseudo_collate([Point(1, 2), Point(3, 4)]) == Point([1, 3], [2, 4])


@pytest.mark.spec("DS-23")
def test_pseudo_collate_of_arrays_strings_and_elements() -> None:
    arrays = [np.arange(3), np.arange(5)]
    assert pseudo_collate(arrays) == arrays
    assert pseudo_collate(["x", "y"]) == ["x", "y"]
    assert pseudo_collate([b"x", b"y"]) == [b"x", b"y"]
    elements = [DataElement(1), DataElement(2)]
    batch = pseudo_collate([{"data_samples": e} for e in elements])
    assert batch["data_samples"] == elements


@pytest.mark.spec("DS-23")
def test_default_collate_stacks_tensors_arrays_and_numbers() -> None:
    samples = [
        {"img": torch.full((2, 2), float(i)), "arr": np.full(3, i), "label": i, "score": i / 2}
        for i in range(3)
    ]
    batch = default_collate(samples)
    assert batch["img"].shape == (3, 2, 2)
    assert batch["img"][2].tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert torch.equal(batch["arr"], torch.tensor([[0, 0, 0], [1, 1, 1], [2, 2, 2]]))
    assert torch.equal(batch["label"], torch.tensor([0, 1, 2]))
    assert batch["score"].dtype == torch.float64
    assert batch["score"].tolist() == [0.0, 0.5, 1.0]


@pytest.mark.spec("DS-23")
def test_default_collate_nested_lists_tuples_and_named_tuples() -> None:
    batch = default_collate([([1, 2], "a"), ([3, 4], "b")])
    assert isinstance(batch, list)
    assert [t.tolist() for t in batch[0]] == [[1, 3], [2, 4]]
    assert batch[1] == ["a", "b"]
    point = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(point, Point)
    assert point.x.tolist() == [1, 3]
    assert point.y.tolist() == [2.0, 4.0]


@pytest.mark.spec("DS-23")
def test_default_collate_keeps_data_elements_and_strings_as_lists() -> None:
    elements = [DataElement(0), DataElement(1)]
    batch = default_collate(
        [
            {"inputs": torch.ones(2), "data_samples": e, "path": f"{i}.png"}
            for i, e in enumerate(elements)
        ]
    )
    assert batch["inputs"].shape == (2, 2)
    assert batch["data_samples"] == elements
    assert batch["path"] == ["0.png", "1.png"]
    strings = default_collate([np.array(["a"]), np.array(["b"])])
    assert isinstance(strings, list)


@pytest.mark.spec("DS-23")
def test_default_collate_matches_pytorch_on_plain_batches() -> None:
    samples: list[Any] = [(torch.randn(3), i) for i in range(4)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert torch.equal(ours[0], theirs[0])
    assert torch.equal(ours[1], theirs[1])


@pytest.mark.spec("DS-23")
def test_default_collate_names_the_key_of_tensors_it_cannot_stack() -> None:
    samples = [{"gt": {"img": torch.ones(3, 4)}}, {"gt": {"img": torch.ones(3, 5)}}]
    with pytest.raises(RuntimeError) as info:
        default_collate(samples)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "at ['gt']['img']" in notes
    assert "(3, 4), (3, 5)" in notes
    assert "pseudo_collate" in notes
    assert pseudo_collate(samples)["gt"]["img"][1].shape == (3, 5)


@pytest.mark.spec("DS-23")
@pytest.mark.parametrize("collate", [pseudo_collate, default_collate])
def test_bad_batches_are_named(collate: Any) -> None:
    with pytest.raises(RuntimeError, match=r"at \['pts'\] have lengths \[2, 3\]"):
        collate([{"pts": [1, 2]}, {"pts": [1, 2, 3]}])
    with pytest.raises(KeyError, match="sample 1 of the batch has no key 'label'"):
        collate([{"img": 1, "label": 0}, {"img": 2}])
    with pytest.raises(TypeError, match="data_batch must be a list of samples, got dict"):
        collate({"a": 1})
    assert collate([]) == []
