"""Test-time augmentation (MOD-10): BaseTTAModel.merge_preds, PrepareTTAHook, the config wiring.

``AverageClsScoreTTA`` is the spec's example, written so that it runs: the classifier's
predictions are ``ClsDataSample``s whose ``pred_label.score`` the TTA model averages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mme.config import Config
from mme.dataset import Compose
from mme.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from mme.runner import BaseMetric, BaseModel, Runner
from mme.runner.hooks import PrepareTTAHook
from mme.runner.model import BaseTTAModel, tta_config
from mme.runner.structures import BaseDataElement, LabelData

pytestmark = pytest.mark.spec("MOD-10")


class ClsDataSample(BaseDataElement):
    """A classification sample: ``gt_label`` and the predicted ``pred_label.score``."""

    def set_pred_score(self, score: torch.Tensor) -> ClsDataSample:
        self.pred_label = LabelData(score=score)
        return self


@MODELS.register_module(force=True)
class TinyClassifier(BaseModel):
    """Three classes of 2-D points; ``predict`` gives ClsDataSamples with softmax scores."""

    def __init__(self, data_preprocessor: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        torch.manual_seed(0)
        self.fc = nn.Linear(2, 3)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        x = torch.stack(list(inputs))
        logits = self.fc(x)
        if mode == "loss":
            labels = torch.tensor([int(s.gt_label) for s in data_samples])
            return {"loss": F.cross_entropy(logits, labels)}
        if mode == "predict":
            scores = logits.softmax(1)
            return [s.new().set_pred_score(p) for s, p in zip(data_samples, scores, strict=True)]
        return logits


@MODELS.register_module(force=True)
class AverageClsScoreTTA(BaseTTAModel):
    def merge_preds(self, data_samples_list: list[list[ClsDataSample]]) -> list[ClsDataSample]:
        merged_data_samples = []
        for data_samples in data_samples_list:
            merged_data_sample: ClsDataSample = data_samples[0].new()
            merged_score = sum(data_sample.pred_label.score for data_sample in data_samples) / len(
                data_samples
            )
            merged_data_sample.set_pred_score(merged_score)
            merged_data_samples.append(merged_data_sample)
        return merged_data_samples


@TRANSFORMS.register_module(force=True)
class PackPoint:
    def __call__(self, results: dict) -> dict:
        sample = ClsDataSample(gt_label=results["label"])
        return dict(inputs=results["point"], data_samples=sample)


@TRANSFORMS.register_module(force=True)
class PointTTA:
    """A stand-in for MMCV's TestTimeAug: the point, mirrored and scaled, packed as lists."""

    def __call__(self, results: dict) -> dict:
        views = [results["point"], -results["point"], 2 * results["point"]]
        sample = ClsDataSample(gt_label=results["label"])
        return dict(inputs=views, data_samples=[sample.new() for _ in views])


@DATASETS.register_module(force=True)
class PointSet(Dataset):
    def __init__(self, n: int = 6, pipeline: list | None = None) -> None:
        g = torch.Generator().manual_seed(1)
        self.points = torch.randn(n, 2, generator=g)
        self.pipeline = Compose(pipeline or [dict(type="PackPoint")])

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        point = self.points[index]
        return self.pipeline(dict(point=point, label=int(point.sum() > 0)))


@METRICS.register_module(force=True)
class ScoreDump(BaseMetric):
    """Keeps the scores it sees (as the metric ``n``); the test reads ``scores``."""

    scores: ClassVar[list[torch.Tensor]] = []

    def process(self, data_batch: Any, data_samples: Any) -> None:
        for sample in data_samples:
            # the Evaluator hands data elements over as dicts
            ScoreDump.scores.append(sample["pred_label"]["score"].clone())
            self.results.append(1)

    def compute_metrics(self, results: list) -> dict:
        return {"n": len(results)}


def _config(work_dir: Path, load_from: str | None = None) -> Config:
    return Config(
        dict(
            model=dict(type="TinyClassifier"),
            work_dir=str(work_dir),
            test_dataloader=dict(
                dataset=dict(type="PointSet", pipeline=[dict(type="PackPoint")]),
                sampler=dict(type="DefaultSampler", shuffle=False),
                batch_size=4,
            ),
            test_cfg=dict(),
            test_evaluator=dict(type="ScoreDump"),
            tta_model=dict(type="AverageClsScoreTTA"),
            tta_pipeline=[dict(type="PointTTA")],
            load_from=load_from,
            default_hooks=dict(checkpoint=None),
        )
    )


def test_merge_preds_averages_the_scores_of_each_sample() -> None:
    model = TinyClassifier()
    tta = AverageClsScoreTTA(module=model)
    dataset = PointSet(pipeline=[dict(type="PointTTA")])
    from mme.dataset import pseudo_collate

    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert len(batch["inputs"]) == 3  # one batch per augmentation
    merged = tta.test_step(batch)
    assert len(merged) == 4
    with torch.no_grad():
        for index, sample in enumerate(merged):
            point = dataset.points[index]
            views = torch.stack([point, -point, 2 * point])
            expected = model.fc(views).softmax(1).mean(0)
            torch.testing.assert_close(sample.pred_label.score, expected)
            assert sample.gt_label == int(point.sum() > 0)


def test_tta_config_wraps_the_model_and_loads_a_plain_checkpoint(tmp_path: Path) -> None:
    plain = TinyClassifier()
    with torch.no_grad():
        plain.fc.weight.fill_(0.5)
    torch.save({"state_dict": plain.state_dict()}, tmp_path / "plain.pth")

    cfg = tta_config(_config(tmp_path / "w", load_from=str(tmp_path / "plain.pth")))
    assert cfg.model == dict(type="AverageClsScoreTTA", module=dict(type="TinyClassifier"))
    assert cfg.test_dataloader.dataset.pipeline == [dict(type="PointTTA")]
    runner = Runner.from_cfg(cfg)
    assert isinstance(runner.model, AverageClsScoreTTA)
    ScoreDump.scores = []
    metrics = runner.test()
    assert metrics == {"n": 6}
    assert torch.equal(runner.model.module.fc.weight, torch.full((3, 2), 0.5))
    points = PointSet().points
    with torch.no_grad():
        expected = [plain.fc(torch.stack([p, -p, 2 * p])).softmax(1).mean(0) for p in points]
    for got, want in zip(ScoreDump.scores, expected, strict=True):
        torch.testing.assert_close(got, want)


def test_prepare_tta_hook_wraps_the_model_before_the_test(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    cfg.test_dataloader.dataset.pipeline = [dict(type="PointTTA")]
    cfg.custom_hooks = [dict(type="PrepareTTAHook", tta_cfg=dict(type="AverageClsScoreTTA"))]
    runner = Runner.from_cfg(cfg)
    assert isinstance(runner.model, TinyClassifier)
    ScoreDump.scores = []
    assert runner.test() == {"n": 6}
    assert isinstance(runner.model, AverageClsScoreTTA)
    assert len(ScoreDump.scores) == 6


def test_wiring_errors_name_what_is_wrong() -> None:
    cfg = Config(dict(model=dict(type="TinyClassifier")))
    with pytest.raises(KeyError, match="the config has no 'tta_model'"):
        tta_config(cfg)
    tta = AverageClsScoreTTA(module=dict(type="TinyClassifier"))
    with pytest.raises(ValueError, match="one entry per augmentation, got lengths"):
        tta.test_step(dict(inputs=[[torch.zeros(2)]] * 2, data_samples=[[ClsDataSample()]]))
    with pytest.raises(TypeError, match="module must be a model or its config"):
        AverageClsScoreTTA(module="TinyClassifier")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tta_cfg must be a config dict with a 'type'"):
        PrepareTTAHook(tta_cfg=dict())
