"""EX-13 and EX-14: the Runner tutorial's beginner example, as objects and as a config file.

Sizes are smaller than the tutorial's (1,000 training points, 3 epochs, no worker processes,
lr 0.01)
to keep the suite fast; everything else is the tutorial's code, with its missing comma added
and ``backend='nccl'`` moved into ``dist_cfg`` (Appendix B items 8 and 10).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, default_collate

from mme.config import Config
from mme.registry import DATASETS, METRICS, MODELS
from mme.runner import BaseMetric, BaseModel, Runner

from .runner_toys import registered

pytestmark = pytest.mark.spec("RUN-01", "RUN-02", "RUN-03", "RUN-04", "RUN-06", "RUN-10")


class MyAwesomeModel(BaseModel):
    def __init__(self, layers: int = 4, activation: str = "relu") -> None:
        super().__init__()
        act_type = {"relu": nn.ReLU, "silu": nn.SiLU, "none": nn.Identity}[activation]
        sequence: list[nn.Module] = [nn.Linear(2, 64), act_type()]
        for _ in range(layers - 1):
            sequence.extend([nn.Linear(64, 64), act_type()])
        self.mlp = nn.Sequential(*sequence)
        self.classifier = nn.Linear(64, 2)

    def forward(self, data: torch.Tensor, labels: torch.Tensor, mode: str) -> Any:
        x = self.classifier(self.mlp(data))
        if mode == "tensor":
            return x
        if mode == "predict":
            return F.softmax(x, dim=1), labels
        return {"loss": F.cross_entropy(x, labels)}


class MyDataset(Dataset):
    def __init__(self, is_train: bool, size: int) -> None:
        torch.manual_seed(0 if is_train else 3407)
        self.labels = torch.randint(0, 2, (size,))
        r = 3 * (self.labels + 1) + torch.randn(self.labels.shape)
        theta = torch.rand(self.labels.shape) * 2 * torch.pi
        self.data = torch.vstack([r * torch.cos(theta), r * torch.sin(theta)]).T

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data[index], self.labels[index]

    def __len__(self) -> int:
        return len(self.data)


class Accuracy(BaseMetric):
    def __init__(self) -> None:
        super().__init__()

    def process(self, data_batch: Any, data_samples: Any) -> None:
        score, gt = data_samples
        self.results.append(
            {"batch_size": len(gt), "correct": (score.argmax(dim=1) == gt).sum().cpu()}
        )

    def compute_metrics(self, results: list) -> dict:
        total_correct = sum(r["correct"] for r in results)
        total_size = sum(r["batch_size"] for r in results)
        return dict(accuracy=100 * total_correct / total_size)


@pytest.fixture(autouse=True, scope="module")
def _registrations() -> Iterator[None]:
    with registered((MODELS, MyAwesomeModel), (DATASETS, MyDataset), (METRICS, Accuracy)):
        yield


def accuracies(runner: Runner) -> list[float]:
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    return [
        float(line.rsplit("accuracy: ", 1)[1])
        for line in log.splitlines()
        if "Epoch(val)" in line and "accuracy:" in line
    ]


def test_ex13_objects(tmp_path: Path) -> None:
    runner = Runner(
        model=MyAwesomeModel(layers=2, activation="relu"),
        work_dir=str(tmp_path / "exp" / "my_awesome_model"),
        train_dataloader=DataLoader(
            dataset=MyDataset(is_train=True, size=1000),
            shuffle=True,
            collate_fn=default_collate,
            batch_size=64,
        ),
        train_cfg=dict(by_epoch=True, max_epochs=3, val_begin=2, val_interval=1),
        optim_wrapper=dict(optimizer=dict(type=torch.optim.Adam, lr=0.01)),
        param_scheduler=dict(type="MultiStepLR", by_epoch=True, milestones=[2], gamma=0.1),
        val_dataloader=DataLoader(
            dataset=MyDataset(is_train=False, size=1000),
            shuffle=False,
            collate_fn=default_collate,
            batch_size=1000,
        ),
        val_cfg=dict(),
        val_evaluator=dict(type=Accuracy),
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=1)),
        launcher="none",
        env_cfg=dict(
            cudnn_benchmark=False,
            dist_cfg=dict(backend="nccl"),
            mp_cfg=dict(mp_start_method="fork"),
        ),
        log_level="INFO",
        load_from=None,
        resume=False,
    )
    runner.train()
    scores = accuracies(runner)
    assert len(scores) == 2  # val_begin=2: epochs 2 and 3
    assert scores[-1] > 80  # chance is 50
    # MultiStepLR at epoch 2 divided the learning rate by 10
    assert runner.optim_wrapper.get_lr()["lr"][0] == pytest.approx(1e-3)
    checkpoint = torch.load(Path(runner.work_dir, "epoch_3.pth"), weights_only=True)
    assert len(checkpoint["param_schedulers"]) == 1


CONFIG = """
model = dict(type='MyAwesomeModel', layers=2, activation='relu')
work_dir = {work_dir!r}
train_dataloader = dict(
    dataset=dict(type='MyDataset', is_train=True, size=1000),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    batch_size=64,
    num_workers=0)
train_cfg = dict(by_epoch=True, max_epochs=3, val_begin=2, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=0.01))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[4, 8], gamma=0.1)
val_dataloader = dict(
    dataset=dict(type='MyDataset', is_train=False, size=1000),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    batch_size=1000,
    num_workers=0)
val_cfg = dict()
val_evaluator = dict(type='Accuracy')
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
launcher = 'none'
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='nccl'),
               mp_cfg=dict(mp_start_method='fork'))
log_level = 'INFO'
load_from = None
resume = False
"""


def test_ex14_config_file(tmp_path: Path) -> None:
    path = tmp_path / "example_config.py"
    path.write_text(CONFIG.format(work_dir=str(tmp_path / "exp")))
    config = Config.fromfile(str(path))
    runner = Runner.from_cfg(config)
    runner.train()
    assert accuracies(runner)[-1] > 80  # chance is 50
    assert runner.experiment_name == f"example_config_{runner.timestamp}"
    assert Path(runner.log_dir, "example_config.py").is_file()
    checkpoint = torch.load(Path(runner.work_dir, "epoch_3.pth"), weights_only=True)
    assert "MyAwesomeModel" in checkpoint["meta"]["cfg"]
