"""BaseMetric, Evaluator, DumpResults and get_metric_value in one process."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch

from mme.registry import EVALUATOR, METRICS
from mme.runner.evaluator import BaseMetric, DumpResults, Evaluator, get_metric_value
from mme.runner.structures import BaseDataElement


class Accuracy(BaseMetric):
    """The spec's Accuracy (002:L280-301): one result per batch."""

    def process(self, data_batch: Any, data_samples: Any) -> None:
        score, gt = data_samples
        self.results.append(
            {"batch_size": len(gt), "correct": (score.argmax(dim=1) == gt).sum().cpu()}
        )

    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        total_correct = sum(item["correct"] for item in results)
        total_size = sum(item["batch_size"] for item in results)
        return dict(accuracy=100 * total_correct / total_size)


class Labels(BaseMetric):
    default_prefix = "labels"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(sample["label"] for sample in data_samples)
        self.batches = [*getattr(self, "batches", []), data_batch]

    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        return {"seen": list(results), "classes": (self.dataset_meta or {}).get("classes")}


@pytest.mark.spec("EVAL-01", "EVAL-02", "RUN-06")
def test_the_spec_accuracy_metric_through_the_evaluator() -> None:
    evaluator = Evaluator(Accuracy())
    scores = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    evaluator.process(data_samples=(scores, torch.tensor([0, 1, 1])), data_batch=None)
    evaluator.process(data_samples=(scores[:1], torch.tensor([1])), data_batch=None)
    metrics = evaluator.evaluate(4)
    assert list(metrics) == ["accuracy"]
    assert float(metrics["accuracy"]) == pytest.approx(50.0)
    assert evaluator.metrics[0].results == []  # cleared for the next evaluation


@pytest.mark.spec("EVAL-01", "EVAL-02", "STR-01")
def test_data_elements_reach_metrics_as_dicts_and_dataset_meta_is_shared() -> None:
    metric = Labels()
    evaluator = Evaluator([metric])
    evaluator.dataset_meta = {"classes": ("cat", "dog")}
    assert metric.dataset_meta == {"classes": ("cat", "dog")}
    sample = BaseDataElement(metainfo=dict(img_id=1), label=1)
    evaluator.process([sample, {"label": 0}], data_batch="batch-1")
    assert metric.batches == ["batch-1"]
    assert metric.results == [1, 0]
    assert evaluator.evaluate(2) == {"labels/seen": [1, 0], "labels/classes": ("cat", "dog")}


@pytest.mark.spec("EVAL-02")
def test_prefix_beats_default_prefix_and_a_shared_key_names_both_metrics() -> None:
    assert Labels(prefix="val").prefix == "val"
    assert Labels().prefix == "labels"
    assert Accuracy().prefix is None
    first, second = Accuracy(), Accuracy()
    second.__class__ = type("TopOneAccuracy", (Accuracy,), {})
    evaluator = Evaluator([first, second])
    for metric in evaluator.metrics:
        metric.results.append({"batch_size": 1, "correct": torch.tensor(1)})
    with pytest.raises(ValueError) as info:
        evaluator.evaluate(1)
    assert str(info.value) == (
        "The metrics Accuracy and TopOneAccuracy both return 'accuracy'. Give them different "
        "prefixes, e.g. prefix='val' in one metric's config."
    )


@pytest.mark.spec("EVAL-01")
def test_an_empty_results_list_warns_with_the_metric_name(caplog: pytest.LogCaptureFixture) -> None:
    class Count(BaseMetric):
        def process(self, data_batch: Any, data_samples: Any) -> None:
            pass  # forgets to append

        def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
            return {"n": len(results)}

    with caplog.at_level(logging.WARNING, logger="mme.runner.evaluator"):
        assert Evaluator(Count()).offline_evaluate([1, 2]) == {"n": 0}
    assert (
        "Count got empty `self.results` at evaluate(): process() appended nothing. Make sure "
        "process() adds the results of each batch to self.results" in caplog.text
    )


@pytest.mark.spec("EVAL-02")
def test_offline_evaluate_feeds_chunks_with_their_data() -> None:
    metric = Labels()
    samples = [{"label": i} for i in range(5)]
    data = [f"d{i}" for i in range(5)]
    metrics = Evaluator(metric).offline_evaluate(samples, data, chunk_size=2)
    assert metrics["labels/seen"] == [0, 1, 2, 3, 4]
    assert metric.batches == [["d0", "d1"], ["d2", "d3"], ["d4"]]
    with pytest.raises(ValueError, match="data has 1 items but data_samples has 5"):
        Evaluator(Labels()).offline_evaluate(samples, ["x"])
    with pytest.raises(ValueError, match="chunk_size must be a positive int, got 0"):
        Evaluator(Labels()).offline_evaluate(samples, chunk_size=0)


@pytest.mark.spec("EVAL-02", "EVAL-03", "REG-04")
def test_metrics_and_evaluators_build_from_configs(tmp_path: Path) -> None:
    METRICS.register_module(module=Labels, force=True)
    evaluator = EVALUATOR.build(dict(type="Evaluator", metrics=[dict(type="Labels", prefix="p")]))
    assert isinstance(evaluator, Evaluator)
    assert evaluator.metrics[0].prefix == "p"
    out = tmp_path / "preds.pkl"
    dumped = Evaluator(dict(type="DumpResults", out_file_path=str(out)))
    dumped.process([BaseDataElement(score=torch.tensor([0.5]))])
    assert dumped.evaluate(1) == {}
    loaded = pickle.loads(out.read_bytes())
    assert loaded[0]["score"].tolist() == [0.5]
    with pytest.raises(TypeError, match=r"metric 0 must be a BaseMetric or a config dict, got str"):
        Evaluator(["Accuracy"])  # type: ignore[list-item]


@pytest.mark.spec("EVAL-02")
def test_metric_argument_errors() -> None:
    with pytest.raises(
        ValueError, match=r"out_file_path must be a \.pkl or \.pickle file, got 'x\.json'"
    ):
        DumpResults("x.json")
    with pytest.raises(ValueError, match="collect_device must be 'cpu' or 'gpu', got 'cuda'"):
        Labels(collect_device="cuda")
    with pytest.raises(ValueError, match="collect_dir is only used with collect_device='cpu'"):
        Labels(collect_device="gpu", collect_dir="/tmp")

    class Bad(Labels):
        def compute_metrics(self, results: list[Any]) -> Any:
            return 3

    metric = Bad()
    metric.results.append(1)
    with pytest.raises(TypeError, match=r"Bad.compute_metrics must return a dict, got int"):
        metric.evaluate(1)


@pytest.mark.spec("EVAL-02")
def test_get_metric_value_matches_with_or_without_prefix() -> None:
    metrics = {"val/accuracy": 0.9, "val/loss": 0.3, "test/loss": 0.4, "top1": 1}
    assert get_metric_value("accuracy", metrics) == 0.9
    assert get_metric_value("val/loss", metrics) == 0.3
    assert get_metric_value("top1", metrics) == 1
    with pytest.raises(
        ValueError, match=r"'loss' is ambiguous: it matches the metrics \['val/loss', 'test/loss'\]"
    ):
        get_metric_value("loss", metrics)
    with pytest.raises(ValueError, match=r"'train/accuracy' matches no metric in \['val/accuracy'"):
        get_metric_value("train/accuracy", metrics)
