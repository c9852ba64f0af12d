"""Small models, datasets and evaluators shared by the runner tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

# Register the samplers, collate functions and optimizers before any test runs (a test of
# another folder may otherwise import them first and have its fixture undo the entries).
import mme.dataset
import mme.optim  # noqa: F401
from mme.runner.model import BaseModel as ToyBase


class ToyModel(ToyBase):
    """The logging tutorial's model (EX-30): one Linear, two losses."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, img: torch.Tensor, label: torch.Tensor, mode: str = "tensor") -> Any:
        feat = self.linear(img)
        if mode == "loss":
            return dict(loss1=(feat - label).pow(2), loss2=(feat - label).abs())
        return [dict(pred=f, gt=g) for f, g in zip(feat, label, strict=True)]


class Classifier(ToyBase):
    """A two-class MLP over 2-D points; ``predict`` returns (score, label) pairs."""

    def __init__(self, hidden: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        logits = self.net(inputs)
        if mode == "loss":
            return dict(loss=nn.functional.cross_entropy(logits, labels))
        return list(zip(logits.argmax(1).tolist(), labels.tolist(), strict=True))


def points(n: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``n`` 2-D points: class 1 when x + y > 0 (separable, learnt in a few epochs)."""
    g = torch.Generator().manual_seed(seed)
    xs = torch.randn(n, 2, generator=g)
    return [(x, torch.tensor(int(x.sum() > 0))) for x in xs]


def collate(
    batch: Sequence[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = zip(*batch, strict=True)
    return torch.stack(xs), torch.stack(ys)


class AccuracyEvaluator:
    """A duck-typed evaluator: ``process`` the (pred, gt) pairs, ``evaluate`` the accuracy."""

    def __init__(self, name: str = "accuracy") -> None:
        self.name = name
        self.results: list[bool] = []
        self.dataset_meta: dict | None = None

    def process(self, data_samples: Sequence[tuple[int, int]], data_batch: Any = None) -> None:
        self.results.extend(p == g for p, g in data_samples)

    def evaluate(self, size: int) -> dict[str, float]:
        correct = sum(self.results)
        total = len(self.results)
        self.results = []
        return {self.name: 100.0 * correct / max(total, 1)}


@contextlib.contextmanager
def registered(*entries: tuple[Any, type]) -> Iterator[None]:
    """Register ``(registry, class)`` pairs for the duration of the block, then undo it.

    Test modules register their classes this way (in a module fixture) rather than at import:
    pytest imports every test module before running any, and a registration at import would
    leak into the other packages' tests.
    """
    saved = []
    for registry, cls in entries:
        saved.append((registry, cls.__name__, registry._module_dict.get(cls.__name__)))
        registry.register_module(module=cls, force=True)
    try:
        yield
    finally:
        for registry, name, previous in reversed(saved):
            if previous is None:
                registry._module_dict.pop(name, None)
            else:
                registry._module_dict[name] = previous
