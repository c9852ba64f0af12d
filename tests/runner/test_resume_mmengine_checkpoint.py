"""``load_from`` reads a checkpoint written by MMEngine 0.10.7 (RUN-22, RUN-23).

The fixture was written by ``python tools/make_mmengine_checkpoint.py`` with mmengine
0.10.7 (a 2 -> 3 -> 2 MLP after one epoch); mmengine itself is not imported here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from mme.runner import Runner

from .runner_toys import ToyBase

FIXTURE = Path(__file__).parent / "fixtures" / "mmengine_0.10.7_epoch_1.pth"

pytestmark = pytest.mark.spec("RUN-22", "RUN-23")


class MLP(ToyBase):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> dict:
        return dict(loss=nn.functional.cross_entropy(self.net(inputs), labels))


def test_load_from_an_mmengine_checkpoint(tmp_path: Path) -> None:
    runner = Runner(
        model=MLP(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=[(torch.zeros(2), torch.tensor(0))] * 4,
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=2,
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.0)),
        load_from=str(FIXTURE),
        default_hooks=dict(checkpoint=None),
    )
    runner.train()
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    assert (
        f"{FIXTURE}: loaded the weights and meta; skipped entries holding objects that safe "
        "loading does not rebuild: message_hub (mmengine.logging.history_buffer.HistoryBuffer"
    ) in log
    with pytest.raises(Exception, match="weights_only"):  # what plain torch.load says
        torch.load(FIXTURE, weights_only=True)
    from mme.runner.checkpoint_compat import load_foreign_checkpoint

    expected = load_foreign_checkpoint(FIXTURE)["state_dict"]  # tensors rebuilt by torch
    assert expected["net.0.weight"].shape == (3, 2)
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, expected[key]), key  # lr 0: the weights stay as loaded


def test_foreign_loader_keeps_meta_and_never_imports_mmengine() -> None:
    import sys

    from mme.runner.checkpoint_compat import load_foreign_checkpoint

    checkpoint = load_foreign_checkpoint(FIXTURE)
    assert checkpoint["meta"]["mmengine_version"] == "0.10.7"
    assert (checkpoint["meta"]["epoch"], checkpoint["meta"]["iter"]) == (1, 2)
    assert "message_hub" not in checkpoint
    assert sorted(checkpoint["state_dict"]) == [
        "net.0.bias",
        "net.0.weight",
        "net.2.bias",
        "net.2.weight",
    ]
    assert "mmengine" not in sys.modules
