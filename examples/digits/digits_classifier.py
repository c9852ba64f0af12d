"""A digit classifier for scikit-learn's 8x8 digits: dataset, model and metric.

Registered in mme's registries so that ``digits_config.py`` can name them. The data ships with
scikit-learn (1,797 images); nothing is downloaded.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mme.registry import DATASETS, METRICS, MODELS
from mme.runner import BaseMetric, BaseModel


@DATASETS.register_module()
class DigitsDataset(Dataset):
    """The 8x8 digits, split 80/20 into train and val by a fixed permutation.

    Args:
        split: ``'train'`` or ``'val'``.
        seed: The seed of the permutation.
    """

    METAINFO: ClassVar[dict] = dict(classes=tuple(str(i) for i in range(10)))

    def __init__(self, split: str = "train", seed: int = 0) -> None:
        from sklearn.datasets import load_digits

        if split not in ("train", "val"):
            raise ValueError(f"DigitsDataset: split must be 'train' or 'val', got {split!r}")
        digits = load_digits()
        images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
        labels = torch.tensor(digits.target, dtype=torch.long)
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
        cut = int(0.8 * len(labels))
        index = order[:cut] if split == "train" else order[cut:]
        self.images, self.labels = images[index], labels[index]
        self.metainfo = dict(self.METAINFO)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]


@MODELS.register_module()
class DigitsNet(BaseModel):
    """A multi-layer perceptron over the 64 pixels.

    Args:
        hidden: Width of the hidden layer.
    """

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Flatten(), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10)
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        logits = self.mlp(images)
        if mode == "loss":
            return {"loss": F.cross_entropy(logits, labels)}
        if mode == "predict":
            return logits.argmax(1), labels
        return logits


@METRICS.register_module()
class DigitsAccuracy(BaseMetric):
    """Top-1 accuracy in percent."""

    def process(self, data_batch: Any, data_samples: Any) -> None:
        predictions, labels = data_samples
        self.results.append((int((predictions == labels).sum()), len(labels)))

    def compute_metrics(self, results: list) -> dict[str, float]:
        correct = sum(c for c, _ in results)
        total = sum(n for _, n in results)
        return {"accuracy": 100.0 * correct / total}
