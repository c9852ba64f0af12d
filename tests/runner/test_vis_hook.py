"""VisualizationHook / NaiveVisualizationHook and add_datasample (VIS-01, VIS-02)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from mme.runner import Runner
from mme.runner.hooks import NaiveVisualizationHook, VisualizationHook
from mme.runner.hooks.visualization_hook import tensor_to_image
from mme.runner.model import BaseModel
from mme.runner.structures import BaseDataElement, InstanceData, LabelData
from mme.runner.visualization import Visualizer

pytestmark = pytest.mark.spec("VIS-01")


def image_samples(n: int) -> list[dict]:
    """Images 3x48x48, dark (class 0) or bright (class 1), with a box around a square."""
    out = []
    for i in range(n):
        label = i % 2
        image = torch.full((3, 48, 48), 200 if label else 30, dtype=torch.uint8)
        sample = BaseDataElement(
            gt_label=LabelData(label=torch.tensor([label])),
            gt_instances=InstanceData(bboxes=torch.tensor([[2.0, 2.0, 40.0, 40.0]])),
        )
        out.append(dict(inputs=image, data_samples=sample))
    return out


def collate(batch: list[dict]) -> dict:
    return dict(
        inputs=[b["inputs"] for b in batch], data_samples=[b["data_samples"] for b in batch]
    )


class Brightness(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(1, 2)

    def forward(self, inputs: list, data_samples: list, mode: str = "tensor") -> Any:
        x = torch.stack([i.float().mean()[None] / 255 for i in inputs])
        logits = self.fc(x)
        if mode == "loss":
            labels = torch.cat([s.gt_label.label for s in data_samples])
            return dict(loss=nn.functional.cross_entropy(logits, labels))
        for sample, score in zip(data_samples, logits.softmax(1), strict=True):
            sample.pred_label = LabelData(label=score.argmax()[None], score=score)
        return data_samples


class Accuracy:
    def __init__(self) -> None:
        self.dataset_meta: dict | None = None
        self.hits: list[bool] = []

    def process(self, data_samples: list, data_batch: Any = None) -> None:
        self.hits += [bool(s.pred_label.label == s.gt_label.label) for s in data_samples]

    def evaluate(self, size: int) -> dict:
        hits, self.hits = self.hits, []
        return dict(accuracy=100.0 * sum(hits) / len(hits))


def test_the_hook_draws_the_first_val_batches_through_the_backends(tmp_path: Path) -> None:
    runner = Runner(
        model=Brightness(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(image_samples(8), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        val_dataloader=DataLoader(image_samples(8), batch_size=4, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=Accuracy(),
        test_dataloader=DataLoader(image_samples(4), batch_size=2, collate_fn=collate),
        test_cfg=dict(),
        test_evaluator=Accuracy(),
        custom_hooks=[dict(type="VisualizationHook", num_batches=1, max_samples=2)],
        visualizer=dict(vis_backends=[dict(type="LocalVisBackend")]),
    )
    runner.train()
    folder = Path(runner.log_dir) / "vis_data" / "vis_image"
    assert sorted(p.name for p in folder.iterdir()) == [
        "val_0_0_1.png",
        "val_0_0_2.png",
        "val_0_1_1.png",
        "val_0_1_2.png",
    ]
    import matplotlib.image

    drawn = (matplotlib.image.imread(folder / "val_0_1_2.png")[..., :3] * 255).round()
    assert drawn[35, 2].tolist() == [0, 200, 0]  # the ground-truth box edge, in green
    assert drawn[35, 20].tolist() == [200, 200, 200]  # the image inside the box
    assert drawn[44, 44].tolist() == [200, 200, 200]  # and outside it
    assert not isinstance(runner.hooks[0], NaiveVisualizationHook)


def test_naive_hook_draws_every_interval_th_test_batch(tmp_path: Path) -> None:
    runner = Runner(
        model=Brightness(),
        work_dir=str(tmp_path),
        test_dataloader=DataLoader(image_samples(6), batch_size=2, collate_fn=collate),
        test_cfg=dict(),
        test_evaluator=Accuracy(),
        custom_hooks=[dict(type="NaiveVisualizationHook", interval=2)],
    )
    runner.test()
    folder = Path(runner.log_dir) / "vis_data" / "vis_image"
    assert sorted(p.name for p in folder.iterdir()) == [
        "test_1_0_0.png",
        "test_1_1_0.png",
    ]
    with pytest.raises(ValueError, match="interval must be an int >= 1, got 0"):
        NaiveVisualizationHook(interval=0)
    with pytest.raises(ValueError, match="num_batches must be an int >= 1, got 0"):
        VisualizationHook(num_batches=0)


def test_add_datasample_draws_boxes_labels_and_class_names(tmp_path: Path) -> None:
    vis = Visualizer(
        name="vis-datasample", vis_backends=[dict(type="LocalVisBackend")], save_dir=tmp_path
    )
    vis.dataset_meta = dict(classes=("cat", "dog"))
    sample = BaseDataElement(
        gt_instances=InstanceData(bboxes=torch.tensor([[4.0, 4.0, 40.0, 40.0]])),
        pred_instances=InstanceData(
            bboxes=torch.tensor([[20.0, 20.0, 60.0, 60.0]]),
            labels=torch.tensor([1]),
            scores=torch.tensor([0.9]),
        ),
    )
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    vis.add_datasample("pair", image, sample, step=3)
    import matplotlib.image

    saved = matplotlib.image.imread(tmp_path / "vis_data" / "vis_image" / "pair_3.png")
    saved = (saved[..., :3] * 255).round()
    assert saved[30, 4].tolist() == [0, 200, 0]  # ground truth, green
    assert saved[50, 60].tolist() == [220, 20, 60]  # prediction, red
    assert saved[50, 40].tolist() == [0, 0, 0]
    vis.add_datasample("gt-only", image, sample, draw_pred=False)
    gt_only = matplotlib.image.imread(tmp_path / "vis_data" / "vis_image" / "gt-only_0.png")
    assert (gt_only[50, 60, :3] == 0).all()


def test_tensor_to_image_scales_and_checks() -> None:
    assert tensor_to_image(torch.ones(1, 2, 2)).tolist() == [[[255] * 3] * 2] * 2
    normalised = torch.tensor([[[-1.0, 1.0]]] * 3)
    assert tensor_to_image(normalised)[0].tolist() == [[0, 0, 0], [255, 255, 255]]
    bgr = torch.zeros(3, 1, 1, dtype=torch.uint8)
    bgr[0] = 255
    assert tensor_to_image(bgr, bgr_to_rgb=True)[0, 0].tolist() == [0, 0, 255]
    with pytest.raises(ValueError, match=r"\(C, H, W\) with C = 1 or 3, got \(2, 4, 4\)"):
        tensor_to_image(torch.zeros(2, 4, 4))
