"""BaseDataset: initialisation flow, annotation formats and URIs, subsets, the pipeline,
and a clear error for every bad input."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mme import fileio
from mme.config import Config
from mme.dataset import BaseDataset, Compose
from mme.dataset.base_dataset import Compose as ComposeFromModule
from mme.registry import TRANSFORMS

ANNOTATION = {
    "metainfo": {"classes": ["a", "b"], "palette": [1, 2], "version": "file"},
    "data_list": [{"img_path": f"{i}.png", "label": i % 2} for i in range(6)],
}


def notes(error: BaseException) -> str:
    return "\n".join(getattr(error, "__notes__", []))


@pytest.fixture
def ann_dir(tmp_path: Path) -> Path:
    (tmp_path / "ann.json").write_text(json.dumps(ANNOTATION))
    return tmp_path


class Listed(BaseDataset):
    """A dataset whose data list is given in code (load_data_list override)."""

    def __init__(self, items: list[dict[str, Any]], **kwargs: Any) -> None:
        self.items = items
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict[str, Any]]:
        return [dict(item) for item in self.items]


# ---------------------------------------------------------------- metainfo and paths
@pytest.mark.spec("DS-03", "DS-11")
def test_metainfo_priority_is_argument_then_class_then_file_field_by_field(ann_dir: Path) -> None:
    class WithMeta(BaseDataset):
        METAINFO = {"classes": ("x", "y"), "version": "class"}  # noqa: RUF012

    dataset = WithMeta(ann_file=str(ann_dir / "ann.json"), metainfo={"version": "argument"})
    assert dataset.metainfo == {"classes": ("x", "y"), "palette": [1, 2], "version": "argument"}
    assert WithMeta.METAINFO == {"classes": ("x", "y"), "version": "class"}  # not changed
    from_config = WithMeta(ann_file=str(ann_dir / "ann.json"), metainfo=Config(dict(palette=[9])))
    assert from_config.metainfo["palette"] == [9]


@pytest.mark.spec("DS-05")
def test_metainfo_is_a_copy(ann_dir: Path) -> None:
    dataset = BaseDataset(ann_file=str(ann_dir / "ann.json"))
    dataset.metainfo["classes"].append("c")
    assert dataset.metainfo["classes"] == ["a", "b"]


@pytest.mark.spec("DS-03")
def test_a_metainfo_string_naming_a_file_is_read_as_lines(ann_dir: Path) -> None:
    (ann_dir / "classes.txt").write_text("cat\ndog\n")
    dataset = BaseDataset(
        ann_file=str(ann_dir / "ann.json"),
        metainfo={"classes": str(ann_dir / "classes.txt"), "name": "toy"},
    )
    assert dataset.metainfo["classes"] == ["cat", "dog"]
    assert dataset.metainfo["name"] == "toy"


@pytest.mark.spec("DS-02", "DS-03", "DS-04")
def test_data_root_joins_ann_file_and_prefixes_unless_absolute(ann_dir: Path) -> None:
    dataset = BaseDataset(
        ann_file="ann.json",
        data_root=str(ann_dir),
        data_prefix=dict(img_path="imgs/", seg="/abs/seg"),
        lazy_init=True,
    )
    assert dataset.ann_file == str(ann_dir / "ann.json")
    assert dataset.data_prefix == {"img_path": f"{ann_dir}/imgs/", "seg": "/abs/seg"}
    absolute = BaseDataset(
        ann_file=str(ann_dir / "ann.json"), data_root="/elsewhere", lazy_init=True
    )
    assert absolute.ann_file == str(ann_dir / "ann.json")


@pytest.mark.spec("DS-02", "DS-03", "FIO-01")
def test_uri_data_root_reads_through_fileio() -> None:
    fileio.dump(ANNOTATION, "memory://mme-dataset-test/annotations/train.json")
    dataset = BaseDataset(
        ann_file="annotations/train.json",
        data_root="memory://mme-dataset-test/",
        data_prefix=dict(img_path="train/"),
    )
    assert dataset.ann_file == "memory://mme-dataset-test/annotations/train.json"
    assert dataset.get_data_info(2)["img_path"] == "memory://mme-dataset-test/train/2.png"
    s3 = BaseDataset(
        data_root="s3://bucket/data", data_prefix=dict(img_path="train"), lazy_init=True
    )
    assert s3.data_prefix == {"img_path": "s3://bucket/data/train"}
    assert s3.parse_data_info({"img_path": "x.png"}) == {"img_path": "s3://bucket/data/train/x.png"}


@pytest.mark.spec("DS-02")
@pytest.mark.parametrize("suffix", ["json", "yaml", "yml", "pkl", "pickle"])
def test_annotation_files_in_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"ann.{suffix}"
    fileio.dump(
        ANNOTATION, str(path), file_format={"yml": "yaml", "pkl": "pickle"}.get(suffix, suffix)
    )
    dataset = BaseDataset(ann_file=str(path), data_prefix=dict(img_path="root"))
    assert len(dataset) == 6
    assert dataset.get_data_info(5) == {"img_path": "root/5.png", "label": 1, "sample_idx": 5}
    assert dataset.metainfo["classes"] == ["a", "b"]


# ---------------------------------------------------------------- parsing and filtering
@pytest.mark.spec("DS-06")
def test_parse_data_info_may_return_several_samples(ann_dir: Path) -> None:
    class Video(BaseDataset):
        def parse_data_info(self, raw_data_info: dict[str, Any]) -> list[dict[str, Any]]:
            return [{"frame": f"{raw_data_info['img_path']}#{k}"} for k in range(3)]

    dataset = Video(ann_file=str(ann_dir / "ann.json"))
    assert len(dataset) == 18
    assert dataset.get_data_info(4) == {"frame": "1.png#1", "sample_idx": 4}


@pytest.mark.spec("DS-07", "DS-04")
def test_load_data_list_override_filter_and_indices() -> None:
    class Even(Listed):
        def filter_data(self) -> list[dict[str, Any]]:
            assert self.filter_cfg == {"keep": 0}
            return [d for d in self.data_list if d["x"] % 2 == self.filter_cfg["keep"]]

    items = [{"x": i} for i in range(10)]
    dataset = Even(items, filter_cfg=dict(keep=0))
    assert [dataset.get_data_info(i)["x"] for i in range(len(dataset))] == [0, 2, 4, 6, 8]
    first_two = Even(items, filter_cfg=dict(keep=0), indices=2)
    assert [first_two.get_data_info(i)["x"] for i in range(len(first_two))] == [0, 2]
    chosen = Even(items, filter_cfg=dict(keep=0), indices=[4, 0], serialize_data=False)
    assert [chosen.get_data_info(i)["x"] for i in range(2)] == [8, 0]


@pytest.mark.spec("DS-10")
def test_indices_shorten_an_epoch_like_the_debug_trick() -> None:
    dataset = Listed([{"x": i} for i in range(50000)], indices=5000)
    assert len(dataset) == 5000
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, collate_fn=lambda b: b)
    assert len(loader) == 313  # [1][100/313] instead of [1][100/3125]


@pytest.mark.spec("DS-05")
@pytest.mark.parametrize("serialize", [True, False])
def test_subsets_by_count_from_the_end_and_by_indices(serialize: bool) -> None:
    dataset = Listed([{"x": i} for i in range(8)], serialize_data=serialize)
    assert [d["x"] for d in map(dataset.get_data_info, range(3))] == [0, 1, 2]
    last = dataset.get_subset(-3)
    assert [last.get_data_info(i)["x"] for i in range(3)] == [5, 6, 7]
    picked = dataset.get_subset([7, -8, 3])
    assert [picked.get_data_info(i)["x"] for i in range(3)] == [7, 0, 3]
    assert len(dataset.get_subset(0)) == 0
    assert len(dataset.get_subset([])) == 0
    assert len(dataset) == 8  # get_subset copies
    picked.get_subset_([2])
    assert picked.get_data_info(0)["x"] == 3
    assert dataset.get_data_info(-1) == {"x": 7, "sample_idx": 7}


@pytest.mark.spec("DS-12")
def test_get_cat_ids_must_be_implemented_for_class_balancing() -> None:
    with pytest.raises(NotImplementedError, match="Listed does not implement get_cat_ids"):
        Listed([{"x": 1}]).get_cat_ids(0)


# ---------------------------------------------------------------- pipeline
@pytest.mark.spec("DS-17", "DS-18")
def test_pipeline_of_callables_and_registered_config_dicts() -> None:
    @TRANSFORMS.register_module(force=True)
    class AddOffset:
        def __init__(self, offset: int) -> None:
            self.offset = offset

        def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
            results["y"] = results["x"] + self.offset
            return results

    dataset = Listed(
        [{"x": 1}, {"x": 2}],
        pipeline=[dict(type="AddOffset", offset=10), lambda r: {**r, "z": r["y"] * 2}],
    )
    assert dataset[1] == {"x": 2, "sample_idx": 1, "y": 12, "z": 24}
    assert ComposeFromModule is Compose
    assert "AddOffset" in repr(dataset.pipeline)


@pytest.mark.spec("DS-17", "DS-18")
def test_compose_stops_at_none_and_rejects_bad_steps() -> None:
    calls: list[str] = []

    def first(data: dict[str, Any]) -> None:
        calls.append("first")

    def second(data: dict[str, Any]) -> dict[str, Any]:
        calls.append("second")
        return data

    assert Compose([first, second])({}) is None
    assert calls == ["first"]
    assert Compose(None)({"a": 1}) == {"a": 1}
    with pytest.raises(
        TypeError, match="step 2 of the pipeline must be a callable or a config dict, got int"
    ):
        Compose([second, 3])  # type: ignore[list-item]
    with pytest.raises(KeyError) as info:
        Compose([dict(type="NoSuchTransformAnywhere")])
    assert "while building step 1 of the pipeline" in notes(info.value)


@pytest.mark.spec("DS-17")
def test_a_failing_transform_keeps_its_exception_and_gets_notes() -> None:
    class Crop:
        def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
            if results["x"] == 3:
                raise ValueError("crop larger than the image")
            return results

    dataset = Listed([{"x": i} for i in range(5)], pipeline=[lambda r: r, Crop()])
    with pytest.raises(ValueError, match="crop larger than the image") as info:
        dataset[3]
    text = notes(info.value)
    assert "in transform Crop (step 2 of 2 in the pipeline)" in text
    assert "while preparing sample 3 of Listed" in text


@pytest.mark.spec("DS-04")
def test_a_pipeline_returning_none_refetches_another_sample() -> None:
    np.random.seed(0)
    dataset = Listed(
        [{"x": i} for i in range(6)],
        pipeline=[lambda r: None if r["x"] < 3 else r],
    )
    for idx in range(3):
        assert dataset[idx]["x"] >= 3
    always_none = Listed([{"x": 1}], pipeline=[lambda r: None], max_refetch=4)
    with pytest.raises(
        RuntimeError,
        match=r"returned None for sample 0 and for 4 other random samples \(max_refetch\)",
    ):
        always_none[0]
    test_mode = Listed([{"x": 1}, {"x": 2}], pipeline=[lambda r: None], test_mode=True)
    with pytest.raises(RuntimeError, match="returned None for sample 1 in test mode"):
        test_mode[1]


@pytest.mark.spec("DS-09")
def test_a_serialized_dataset_pickles_for_spawned_workers() -> None:
    dataset = Listed([{"x": i, "tags": ["a"] * i} for i in range(4)])
    assert dataset[2]["tags"] == ["a", "a"]  # memoryviews are cached by now
    clone = pickle.loads(pickle.dumps(dataset))
    assert [clone[i] for i in range(4)] == [dataset[i] for i in range(4)]


# ---------------------------------------------------------------- bad input
@pytest.mark.spec("DS-02")
def test_missing_annotation_file_names_the_path_and_the_closest_name(tmp_path: Path) -> None:
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "train.json").write_text(json.dumps(ANNOTATION))
    with pytest.raises(FileNotFoundError) as info:
        BaseDataset(ann_file="annotations/trian.json", data_root=str(tmp_path))
    message = str(info.value)
    assert str(tmp_path / "annotations" / "trian.json") in message
    assert "Did you mean 'train.json'?" in message
    assert "BaseDataset: the annotation file ann_file=" in notes(info.value)


@pytest.mark.spec("DS-02")
def test_annotation_file_without_a_required_key(tmp_path: Path) -> None:
    path = tmp_path / "ann.json"
    path.write_text(json.dumps({"meta_info": {}, "data_list": []}))
    with pytest.raises(ValueError, match="has no 'metainfo' key") as info:
        BaseDataset(ann_file=str(path))
    assert "Did you mean 'meta_info'?" in str(info.value)
    assert str(path) in str(info.value)
    path.write_text(json.dumps({"metainfo": {}}))
    with pytest.raises(ValueError, match=r"has no 'data_list' key \(it has \['metainfo'\]\)"):
        BaseDataset(ann_file=str(path))
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(
        TypeError, match="must hold a dict with 'metainfo' and 'data_list', got a list"
    ):
        BaseDataset(ann_file=str(path))
    path.write_text(json.dumps({"metainfo": {}, "data_list": {"a": 1}}))
    with pytest.raises(TypeError, match=r"'data_list' of .* must be a list, got dict"):
        BaseDataset(ann_file=str(path))
    with pytest.raises(ValueError, match="ann_file is empty"):
        BaseDataset()


@pytest.mark.spec("DS-06")
def test_parse_data_info_of_the_wrong_type_names_the_method_and_the_type(ann_dir: Path) -> None:
    class Broken(BaseDataset):
        def parse_data_info(self, raw_data_info: dict[str, Any]) -> Any:
            return raw_data_info["img_path"]

    with pytest.raises(
        TypeError,
        match=r"Broken.parse_data_info must return a dict or a list of dicts, "
        r"got str '0.png' for data_list\[0\]",
    ):
        Broken(ann_file=str(ann_dir / "ann.json"))

    class BrokenList(BaseDataset):
        def parse_data_info(self, raw_data_info: dict[str, Any]) -> Any:
            return [raw_data_info, 3]

    with pytest.raises(TypeError, match="got a list with int items"):
        BrokenList(ann_file=str(ann_dir / "ann.json"))


@pytest.mark.spec("DS-06")
def test_a_missing_prefix_key_names_the_entry(ann_dir: Path) -> None:
    with pytest.raises(KeyError, match="has no 'seg_path' key") as info:
        BaseDataset(ann_file=str(ann_dir / "ann.json"), data_prefix=dict(seg_path="seg/"))
    assert "parse_data_info failed on data_list[0]" in notes(info.value)


@pytest.mark.spec("DS-07")
def test_load_data_list_must_return_a_list_of_dicts() -> None:
    class Tuples(BaseDataset):
        def load_data_list(self) -> Any:
            return [{"a": 1}, (1, 2)]

    with pytest.raises(
        TypeError, match=r"Tuples.load_data_list must return a list of dicts, but item 1 is a tuple"
    ):
        Tuples()


@pytest.mark.spec("DS-04", "DS-10")
def test_indices_out_of_range_name_the_dataset_length() -> None:
    items = [{"x": i} for i in range(3)]
    with pytest.raises(
        IndexError, match="indices=5000 asks for 5000 samples, but the dataset has only 3"
    ):
        Listed(items, indices=5000)
    with pytest.raises(
        IndexError, match=r"indices \[3, -4\] are out of range for a dataset of 3 samples"
    ):
        Listed(items, indices=[0, 3, -4])
    with pytest.raises(TypeError, match="indices must be an int or a sequence of ints, got str"):
        Listed(items, indices="2")  # type: ignore[arg-type]
    dataset = Listed(items)
    with pytest.raises(IndexError, match="index 3 is out of range for a dataset of 3 samples"):
        dataset.get_data_info(3)
    with pytest.raises(IndexError, match="index -4 is out of range"):
        dataset[-4]


@pytest.mark.spec("DS-04")
def test_bad_constructor_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="metainfo must be a dict or a Config, got list"):
        Listed([], metainfo=["a"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"data_prefix\['img_path'\] must be a str, got int"):
        Listed([], data_prefix=dict(img_path=3))  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="data_prefix must be a dict"):
        Listed([], data_prefix="train/")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_refetch must be an int >= 0, got -1"):
        Listed([], max_refetch=-1)


@pytest.mark.spec("DS-09")
def test_assigning_the_serialized_buffers_keeps_access_consistent() -> None:
    """Downstream code written for MMEngine sets data_bytes/data_address directly."""
    source = Listed([{"x": i} for i in range(4)])
    target = Listed([{"x": 100}])
    target.data_bytes, target.data_address = source.data_bytes, source.data_address
    assert len(target) == 4
    assert target.get_data_info(3) == {"x": 3, "sample_idx": 3}
    with pytest.raises(TypeError, match="an index must be an int, got str"):
        target.get_data_info("1")  # type: ignore[arg-type]


@pytest.mark.spec("DS-05")
@pytest.mark.parametrize("serialize", [True, False])
def test_numpy_and_torch_indices_give_plain_int_sample_idx(serialize: bool) -> None:
    dataset = Listed([{"x": i} for i in range(4)], serialize_data=serialize)
    for index in (np.int64(3), torch.tensor(3), np.int32(-1)):
        info = dataset[index]  # type: ignore[index]
        assert info == {"x": 3, "sample_idx": 3}
        assert type(info["sample_idx"]) is int


@pytest.mark.spec("DS-09")
def test_serialized_infos_with_shared_and_cyclic_parts_round_trip() -> None:
    shared = [1, 2]
    cyclic: list[Any] = ["loop"]
    cyclic.append(cyclic)
    dataset = Listed([{"a": shared, "b": shared}, {"c": cyclic}])
    assert dataset.get_data_info(0) == {"a": [1, 2], "b": [1, 2], "sample_idx": 0}
    loop = dataset.get_data_info(1)["c"]
    assert loop[1] is loop  # the cycle survives (plain pickling for this list)


def _freeze_count(queue: Any) -> None:
    import gc

    queue.put(gc.get_freeze_count())


@pytest.mark.spec("DS-09")
def test_forked_workers_keep_the_garbage_collector_off_the_inherited_heap() -> None:
    import gc
    import multiprocessing

    Listed([{"x": 1}])  # a full_init registers the at-fork hook
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    child = context.Process(target=_freeze_count, args=(queue,))
    child.start()
    child.join(60)
    assert queue.get() > gc.get_freeze_count()  # the inherited objects are frozen there
