"""Write tests/runner/fixtures/mmengine_0.10.7_epoch_1.pth with MMEngine itself.

Run once, in an environment with mmengine 0.10.7 (not a dependency of mme):

    python tools/make_mmengine_checkpoint.py

It trains a 2 -> 3 -> 2 MLP for one epoch of 8 samples with MMEngine's Runner and copies the
checkpoint it writes (weights, meta, MMEngine's pickled message hub with HistoryBuffer and
NumPy objects, optimizer, schedulers). tests/runner/test_resume_mmengine_checkpoint.py loads
it with mme's ``load_from``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

TARGET = Path(__file__).parents[1] / "tests" / "runner" / "fixtures" / "mmengine_0.10.7_epoch_1.pth"


class MLP(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, inputs, labels, mode="tensor"):
        logits = self.net(torch.stack(inputs))
        if mode == "loss":
            return {"loss": nn.functional.cross_entropy(logits, torch.stack(labels))}
        return logits


def main() -> None:
    torch.manual_seed(0)
    data = [(torch.randn(2), torch.tensor(i % 2)) for i in range(8)]
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=MLP(),
            work_dir=work_dir,
            train_dataloader=dict(
                dataset=data, sampler=dict(type="DefaultSampler", shuffle=True), batch_size=4
            ),
            train_cfg=dict(by_epoch=True, max_epochs=1),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
            param_scheduler=dict(type="MultiStepLR", milestones=[1], by_epoch=True),
            randomness=dict(seed=0),
        )
        runner.train()
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(work_dir) / "epoch_1.pth", TARGET)
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
