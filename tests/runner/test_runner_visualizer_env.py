"""Visualizer and LocalVisBackend (VIS-02, VIS-03), the environment banner, the progress bar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from mme.config import Config
from mme.runner import LocalVisBackend, Visualizer, set_random_seed
from mme.runner.environment import banner, setup_env

pytestmark = pytest.mark.spec("RUN-08")


@pytest.mark.spec("VIS-02", "VIS-03")
def test_local_backend_writes_json_lines_and_the_config(tmp_path: Path) -> None:
    vis = Visualizer.get_instance(
        "vis-test", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path)
    )
    assert Visualizer.get_current_instance() is vis
    assert not (tmp_path / "vis_data").exists()  # nothing is created before the first write
    vis.add_scalars({"loss": torch.tensor(0.5), "lr": 0.01}, step=3)
    vis.add_scalar("acc", 90, step=4)
    vis.add_config(Config(dict(a=1)))
    lines = (tmp_path / "vis_data" / "scalars.json").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"loss": 0.5, "lr": 0.01, "step": 3},
        {"acc": 90, "step": 4},
    ]
    assert "a = 1" in (tmp_path / "vis_data" / "config.py").read_text()
    assert isinstance(vis.get_backend("LocalVisBackend"), LocalVisBackend)
    with pytest.raises(KeyError, match="Did you mean 'LocalVisBackend'"):
        vis.get_backend("LocalVisBacken")
    with pytest.raises(ValueError, match=r"must end in \.json"):
        LocalVisBackend(str(tmp_path), scalar_save_file="scalars.txt")


@pytest.mark.spec("RUN-30")
def test_set_random_seed_returns_the_seed_and_seeds_torch() -> None:
    assert set_random_seed(5) == 5
    first = torch.rand(2)
    set_random_seed(5)
    assert torch.equal(first, torch.rand(2))
    assert isinstance(set_random_seed(None), int)


@pytest.mark.spec("RUN-31")
def test_env_cfg_checks_and_banner() -> None:
    assert (
        setup_env(dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method="fork")), "none") is False
    )
    with pytest.raises(ValueError, match=r"env_cfg\['mp_cfg'\]: unknown key 'mp_start'"):
        setup_env(dict(mp_cfg=dict(mp_start="fork")), "none")
    text = banner(dict(dist_cfg=dict(backend="nccl")), "none", 42, False)
    assert "System environment:" in text
    assert "    numpy_random_seed: 42" in text
    assert "    CUDA available: False" in text or "    CUDA available: True" in text
    assert "    Distributed launcher: none" in text


def test_progress_bar_is_added_only_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mme.runner import runner as runner_module
    from mme.runner.hooks import ProgressBarHook

    from .runner_toys import Classifier

    monkeypatch.setattr(runner_module, "_is_terminal", lambda: True)
    runner = runner_module.Runner(model=Classifier(), work_dir=str(tmp_path))
    assert isinstance(runner.hooks[-1], ProgressBarHook)
    monkeypatch.setattr(runner_module, "_is_terminal", lambda: False)
    runner = runner_module.Runner(model=Classifier(), work_dir=str(tmp_path))
    assert not any(isinstance(h, ProgressBarHook) for h in runner.hooks)


def test_training_with_the_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from torch.utils.data import DataLoader

    from mme.runner import runner as runner_module
    from mme.runner.hooks import ProgressBarHook

    from .runner_toys import AccuracyEvaluator, Classifier, collate, points

    monkeypatch.setattr(runner_module, "_is_terminal", lambda: True)
    runner = runner_module.Runner(
        model=Classifier(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(points(16), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        val_dataloader=DataLoader(points(8), batch_size=4, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
    )
    runner.train()
    bar = runner.hooks[-1]
    assert isinstance(bar, ProgressBarHook)
    assert bar._tasks == {}
    assert bar._progress is None
