"""Activation checkpointing and efficient_conv_bn_eval (RUN-29): same results, less memory
kept for backward (measured as the bytes autograd saves), switched on from the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from mme.runner import BaseModel, Runner
from mme.runner.activation_checkpointing import turn_on_activation_checkpointing
from mme.runner.model.efficient_conv_bn_eval import turn_on_efficient_conv_bn_eval

pytestmark = pytest.mark.spec("RUN-29")


class Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(width, width, 3, padding=1)
        self.bn = nn.BatchNorm2d(width)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return F.relu(self.bn(self.conv(x))) + x


class Net(BaseModel):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.backbone = nn.Sequential(Block(width), Block(width), Block(width))
        self.head = nn.Linear(width, 3)

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        x = self.head(self.backbone(self.stem(inputs)).mean((2, 3)))
        if mode == "loss":
            return {"loss": F.cross_entropy(x, labels)}
        return x


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(4, 1, 16, 16, generator=g), torch.tensor([0, 1, 2, 0])


def _saved_bytes_and_grads(model: Net) -> tuple[int, list[torch.Tensor]]:
    total = 0
    seen: set[int] = set()

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        key = t.untyped_storage().data_ptr()
        if key not in seen:
            seen.add(key)
            total += t.untyped_storage().nbytes()
        return t

    model.zero_grad()
    x, y = _batch()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(x, y, mode="loss")["loss"]
    loss.backward()
    return total, [p.grad.clone() for p in model.parameters() if p.grad is not None]


def test_activation_checkpointing_recomputes_and_keeps_less() -> None:
    plain = Net()
    plain_bytes, plain_grads = _saved_bytes_and_grads(plain)
    model = Net()
    turn_on_activation_checkpointing(model, ["backbone.0", "backbone.1", "backbone.2"])
    bytes_, grads = _saved_bytes_and_grads(model)
    assert model.backbone[0].calls == 2  # forward, then recomputed in backward
    for mine, theirs in zip(grads, plain_grads, strict=True):
        torch.testing.assert_close(mine, theirs)
    assert bytes_ < 0.5 * plain_bytes


def test_efficient_conv_bn_eval_matches_and_keeps_less() -> None:
    plain = Net()
    plain.backbone.eval()  # frozen BatchNorm statistics
    for block in plain.backbone:
        with torch.no_grad():
            block.bn.running_mean.uniform_(-1, 1)
            block.bn.running_var.uniform_(0.5, 2)
    plain_bytes, plain_grads = _saved_bytes_and_grads(plain)
    keys = list(plain.state_dict())

    model = Net()
    model.load_state_dict(plain.state_dict())
    model.backbone.eval()
    assert turn_on_efficient_conv_bn_eval(model, ["backbone.0", "backbone.1", "backbone.2"]) == 3
    assert list(model.state_dict()) == keys  # the weights keep their names
    bytes_, grads = _saved_bytes_and_grads(model)
    for mine, theirs in zip(grads, plain_grads, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-5)
    assert bytes_ < plain_bytes

    model.backbone.train()  # BatchNorm in training mode: the usual computation
    plain.backbone.train()
    x, y = _batch()
    torch.testing.assert_close(model(x, y), plain(x, y))


def test_both_from_the_config_and_bad_names(tmp_path: Path) -> None:
    data = [_batch()] * 2
    runner = Runner(
        model=Net(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(data, batch_size=None),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(checkpoint=None),
        cfg=dict(activation_checkpointing=["backbone.0"], efficient_conv_bn_eval=["backbone.1"]),
    )
    runner.train()
    assert runner.model.backbone[0].calls == 4  # 2 iterations x (forward + recompute)
    assert isinstance(runner.model.backbone[1], torch.fx.GraphModule)
    with pytest.raises(KeyError, match=r"no sub-module 'backbone\.9'\. Did you mean 'backbone\.2'"):
        turn_on_activation_checkpointing(Net(), "backbone.9")
    with pytest.raises(KeyError, match="efficient_conv_bn_eval: Net has no sub-module 'backbon'"):
        turn_on_efficient_conv_bn_eval(Net(), ["backbon"])
