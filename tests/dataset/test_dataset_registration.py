"""REG-15's dataset half: built-ins are registered, and the root registries' locations
import mme.dataset when a name is looked up (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

import mme.dataset
from mme.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS, TRANSFORMS


@pytest.mark.spec("REG-15", "DS-20", "DS-21", "DS-23")
def test_samplers_and_collate_functions_are_registered_under_their_names() -> None:
    assert DATA_SAMPLERS.get("DefaultSampler") is mme.dataset.DefaultSampler
    assert DATA_SAMPLERS.get("InfiniteSampler") is mme.dataset.InfiniteSampler
    assert FUNCTIONS.get("pseudo_collate") is mme.dataset.pseudo_collate
    assert FUNCTIONS.get("default_collate") is mme.dataset.default_collate
    assert mme.dataset.COLLATE_FUNCTIONS is FUNCTIONS
    for wrapper in ("ConcatDataset", "RepeatDataset", "ClassBalancedDataset"):
        assert DATASETS.get(wrapper) is getattr(mme.dataset, wrapper)
    sampler = DATA_SAMPLERS.build(
        dict(type="DefaultSampler", shuffle=False, seed=0), default_args=dict(dataset=range(3))
    )
    assert list(sampler) == [0, 1, 2]


@pytest.mark.spec("REG-15", "REG-07")
def test_locations_find_the_built_ins_without_importing_mme_dataset() -> None:
    code = textwrap.dedent(
        """
        import json, sys
        from mme.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS, TRANSFORMS
        assert "mme.dataset" not in sys.modules
        found = {
            "sampler": DATA_SAMPLERS.get("InfiniteSampler").__module__,
            "collate": FUNCTIONS.get("default_collate").__module__,
            "wrapper": DATASETS.get("ClassBalancedDataset").__module__,
            "transforms": list(TRANSFORMS.locations),
        }
        print(json.dumps(found))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["sampler"] == "mme.dataset.sampler"
    assert found["collate"] == "mme.dataset.collate"
    assert found["wrapper"] == "mme.dataset.dataset_wrapper"
    assert found["transforms"] == ["mme.dataset"]
    assert DATASETS.locations == ("mme.dataset",)
    assert TRANSFORMS.locations == ("mme.dataset",)


@pytest.mark.spec("DS-22")
def test_a_custom_sampler_registered_and_built_by_name() -> None:
    from torch.utils.data import Sampler

    @DATA_SAMPLERS.register_module(force=True)
    class EveryOtherSampler(Sampler[int]):
        def __init__(self, dataset: Any, start: int = 0) -> None:
            self.size = len(dataset)
            self.start = start

        def __iter__(self) -> Iterator[int]:
            return iter(range(self.start, self.size, 2))

        def __len__(self) -> int:
            return len(range(self.start, self.size, 2))

    sampler = DATA_SAMPLERS.build(
        dict(type="EveryOtherSampler", start=1), default_args=dict(dataset=range(7))
    )
    assert list(sampler) == [1, 3, 5]
