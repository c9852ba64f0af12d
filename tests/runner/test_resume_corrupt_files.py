"""Damaged and mismatched checkpoints give errors that name the file (RUN-22, RUN-23)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from mme.runner import Runner
from mme.runner.checkpoint import CheckpointError, load_checkpoint

from .resume_toys import DropoutNet, config, train

pytestmark = pytest.mark.spec("RUN-22")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work_dir with iter_1.pth ... iter_4.pth (stopped after iteration 4 of 12)."""
    work_dir = tmp_path_factory.mktemp("trained")
    train(work_dir, by_epoch=False, stop_at=4)
    return work_dir


def copy_work_dir(source: Path, target: Path) -> Path:
    target.mkdir(exist_ok=True)
    for path in source.glob("iter_*.pth"):
        (target / path.name).write_bytes(path.read_bytes())
    (target / "last_checkpoint").write_text(str(target / "iter_4.pth"))
    return target


@pytest.mark.spec("RUN-23")
def test_truncated_checkpoint_is_a_clear_error(trained: Path, tmp_path: Path) -> None:
    data = (trained / "iter_4.pth").read_bytes()
    broken = tmp_path / "broken.pth"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=re.escape(f"checkpoint {str(broken)!r} is corrupt")):
        load_checkpoint(DropoutNet(), broken)


def test_resume_skips_a_corrupt_newest_checkpoint(
    trained: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    work_dir = copy_work_dir(trained, tmp_path / "work")
    newest = work_dir / "iter_4.pth"
    newest.write_bytes(newest.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING):
        runner = train(work_dir, by_epoch=False, resume=True, stop_at=5)
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    assert f"checkpoint {str(newest)!r} is corrupt or truncated" in log
    assert "trying the previous checkpoint" in log
    assert "resumed epoch: 0, iter: 3" in log
    assert runner.iter == 4  # resumed after 3, stopped after 5 - 1 counted


def test_resume_with_another_model_lists_keys_and_shapes(trained: Path, tmp_path: Path) -> None:
    work_dir = copy_work_dir(trained, tmp_path / "work")
    model = DropoutNet()
    model.net[0] = nn.Linear(2, 5)
    model.net[3] = nn.Linear(5, 2)
    model.extra = nn.Linear(1, 1)
    args = config(work_dir, by_epoch=False, resume=True)
    args["model"] = model
    runner = Runner(**args)
    with pytest.raises(CheckpointError) as error:
        runner.train()
    message = str(error.value)
    assert f"checkpoint {str(work_dir / 'iter_4.pth')!r} does not fit the model" in message
    assert "net.0.weight: checkpoint (8, 2), model (5, 2)" in message
    assert "net.3.weight: checkpoint (2, 8), model (2, 5)" in message
    assert "missing keys in source state_dict: extra.weight, extra.bias" in message


def test_resume_with_other_param_groups_names_the_file(trained: Path, tmp_path: Path) -> None:
    work_dir = copy_work_dir(trained, tmp_path / "work")
    checkpoint = torch.load(work_dir / "iter_4.pth", weights_only=True)
    group = checkpoint["optimizer"]["param_groups"][0]
    checkpoint["optimizer"]["param_groups"] = [
        {**group, "params": group["params"][:2]},
        {**group, "params": group["params"][2:]},
    ]
    torch.save(checkpoint, work_dir / "iter_4.pth")
    with pytest.raises(CheckpointError) as error:
        train(work_dir, by_epoch=False, resume=True)
    message = str(error.value)
    assert f"checkpoint {str(work_dir / 'iter_4.pth')!r}" in message
    assert "parameters per group: checkpoint [2, 2], optimizer [4]" in message
