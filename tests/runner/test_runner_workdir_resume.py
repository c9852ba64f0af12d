"""The work_dir layout users' scripts read, load_from/resume (RUN-22), CheckpointHook (RUN-16)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from mme.runner import Runner

from .runner_toys import AccuracyEvaluator, Classifier, collate, points

pytestmark = pytest.mark.spec("RUN-16", "RUN-33")


def make_runner(work_dir: Path, **kwargs: Any) -> Runner:
    torch.manual_seed(0)
    args: dict[str, Any] = dict(
        model=Classifier(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader(points(16), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        val_dataloader=DataLoader(points(8, seed=1), batch_size=4, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
        randomness=dict(seed=0),
    )
    args.update(kwargs)
    return Runner(**args)


@pytest.mark.spec("RUN-16", "RUN-02")
def test_work_dir_layout(tmp_path: Path) -> None:
    runner = make_runner(
        tmp_path, default_hooks=dict(checkpoint=dict(save_best="accuracy")), cfg=dict(note="x")
    )
    runner.train()
    names = sorted(p.name for p in tmp_path.iterdir())
    best = [n for n in names if n.startswith("best_accuracy_epoch_")]
    assert len(best) == 1
    assert [n for n in names if n not in best] == sorted(
        [
            "epoch_1.pth",
            "epoch_2.pth",
            "epoch_3.pth",
            "last_checkpoint",
            runner.timestamp,
        ]
    )
    assert (tmp_path / "last_checkpoint").read_text() == str(tmp_path / "epoch_3.pth")
    run_dir = tmp_path / runner.timestamp
    assert (run_dir / f"{runner.timestamp}.log").is_file()
    assert (run_dir / f"{runner.timestamp}.py").is_file()  # the dumped config
    assert (run_dir / "vis_data" / "config.py").is_file()
    records = [
        json.loads(line)
        for line in (run_dir / "vis_data" / "scalars.json").read_text().splitlines()
    ]
    assert {"accuracy", "step"} <= set(records[-1])
    assert [r["step"] for r in records if "accuracy" in r] == [1, 2, 3]  # by epoch
    checkpoint = torch.load(tmp_path / "epoch_2.pth", weights_only=True)
    assert checkpoint["meta"]["epoch"] == 2
    assert checkpoint["meta"]["iter"] == 8
    assert {"meta", "state_dict", "message_hub", "optimizer"} <= set(checkpoint)
    log = (run_dir / f"{runner.timestamp}.log").read_text()
    assert f"Checkpoints will be saved to {tmp_path} by HardDiskBackend." in log
    assert "Saving checkpoint at 2 epochs" in log
    assert "Epoch(val) [3][2/2]  accuracy: " in log
    assert "numpy_random_seed: 0" in log
    assert "Training finished in" in log
    assert "Best accuracy: " in log


@pytest.mark.spec("RUN-02")
def test_two_runners_in_the_same_second_keep_separate_logs(tmp_path: Path) -> None:
    first = make_runner(tmp_path)
    second = make_runner(tmp_path)
    assert first.timestamp != second.timestamp
    assert first.log_dir != second.log_dir
    first.logger.info("only in the first")
    second.logger.info("only in the second")
    log1 = Path(first.log_dir, f"{first.timestamp}.log").read_text()
    log2 = Path(second.log_dir, f"{second.timestamp}.log").read_text()
    assert "only in the first" in log1
    assert "only in the second" not in log1
    assert "only in the second" in log2
    assert "only in the first" not in log2
    if time.strftime("%Y%m%d_%H%M%S") == first.timestamp[:15]:
        assert second.timestamp.startswith(first.timestamp[:15])


@pytest.mark.spec("RUN-22", "RUN-16")
def test_resume_continues_where_training_stopped(tmp_path: Path) -> None:
    full = make_runner(tmp_path / "full")
    full.train()
    part = make_runner(tmp_path / "part", train_cfg=dict(by_epoch=True, max_epochs=2))
    part.train()
    resumed = make_runner(tmp_path / "part", resume=True)
    resumed.train()
    assert resumed.epoch == 3
    assert resumed.iter == 12
    log = Path(resumed.log_dir, f"{resumed.timestamp}.log").read_text()
    assert "resumed epoch: 2, iter: 8" in log
    for a, b in zip(
        full.model.state_dict().values(), resumed.model.state_dict().values(), strict=True
    ):
        assert torch.allclose(a, b)


@pytest.mark.spec("RUN-22")
def test_resume_without_checkpoint_trains_from_scratch(tmp_path: Path) -> None:
    runner = make_runner(tmp_path, resume=True, train_cfg=dict(by_epoch=True, max_epochs=1))
    runner.train()
    assert runner.epoch == 1
    assert (
        "has no checkpoint: training from scratch"
        in Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    )


@pytest.mark.spec("RUN-22")
def test_load_from_loads_weights_and_restarts(tmp_path: Path) -> None:
    first = make_runner(tmp_path / "a", train_cfg=dict(by_epoch=True, max_epochs=2))
    first.train()
    second = make_runner(
        tmp_path / "b",
        load_from=str(tmp_path / "a" / "epoch_2.pth"),
        train_cfg=dict(by_epoch=True, max_epochs=1),
    )
    second.load_or_resume()
    for a, b in zip(
        first.model.state_dict().values(), second.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    second.train()
    assert second.epoch == 1  # training restarted, not resumed
    explicit = make_runner(
        tmp_path / "c", load_from=str(tmp_path / "a" / "epoch_1.pth"), resume=True
    )
    explicit.train()
    assert (
        "resumed epoch: 1, iter: 4"
        in Path(explicit.log_dir, f"{explicit.timestamp}.log").read_text()
    )


@pytest.mark.spec("RUN-16")
def test_max_keep_ckpts_and_interval(tmp_path: Path) -> None:
    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=True, max_epochs=20, val_interval=100),
        train_dataloader=DataLoader(points(4), batch_size=4, collate_fn=collate),
        default_hooks=dict(checkpoint=dict(interval=5, max_keep_ckpts=2), logger=None),
    )
    runner.train()
    assert sorted(p.name for p in tmp_path.glob("*.pth")) == ["epoch_15.pth", "epoch_20.pth"]


@pytest.mark.spec("RUN-16", "RUN-24", "RUN-12")
def test_iteration_checkpoints_best_rule_and_published_keys(tmp_path: Path) -> None:
    class Loss(AccuracyEvaluator):
        calls = 0

        def evaluate(self, size: int) -> dict[str, float]:
            super().evaluate(size)
            Loss.calls += 1
            # The first call is the check of save_best before training.
            return {"val_loss": [9.0, 3.0, 1.0, 2.0][Loss.calls - 1]}

    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=False, max_iters=6, val_interval=2),
        val_evaluator=Loss(),
        log_processor=dict(by_epoch=False),
        default_hooks=dict(
            checkpoint=dict(
                by_epoch=False,
                interval=3,
                save_best="val_loss",
                published_keys=["meta", "state_dict"],
            ),
            logger=dict(interval=2, log_metric_by_epoch=False),
        ),
    )
    runner.train()
    names = sorted(p.name for p in tmp_path.glob("*.pth"))
    assert "iter_3.pth" in names
    assert "iter_6.pth" in names
    assert "best_val_loss_iter_4.pth" in names  # 'loss' -> smaller is better
    published = [n for n in names if n.startswith("best_val_loss_iter_4-")]
    assert len(published) == 1
    assert set(torch.load(tmp_path / published[0], weights_only=True)) == {"meta", "state_dict"}
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    assert "Iter(train) [2/6]  lr: 1.0000e-01  eta: " in log
    for value in ("3.0000", "1.0000", "2.0000"):
        assert f"Iter(val) [2/2]  val_loss: {value}" in log


def test_val_begin_and_interval(tmp_path: Path) -> None:
    calls: list[int] = []

    class Counting(AccuracyEvaluator):
        def evaluate(self, size: int) -> dict[str, float]:
            calls.append(runner.epoch)
            return super().evaluate(size)

    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=True, max_epochs=7, val_begin=2, val_interval=3),
        val_evaluator=Counting(),
        default_hooks=dict(checkpoint=None),
    )
    runner.train()
    assert calls == [3, 6, 7]  # multiples of 3 from epoch 2 on, and the last epoch


def test_dynamic_intervals_of_the_iteration_loop(tmp_path: Path) -> None:
    calls: list[int] = []

    class Counting(AccuracyEvaluator):
        def evaluate(self, size: int) -> dict[str, float]:
            calls.append(runner.iter)
            return super().evaluate(size)

    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=False, max_iters=10, val_interval=4, dynamic_intervals=[(6, 2)]),
        val_evaluator=Counting(),
        default_hooks=dict(checkpoint=None, logger=None),
    )
    runner.train()
    assert calls == [4, 6, 8, 10]
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    assert "log_processor.by_epoch=True but train_cfg trains by iteration" in log


@pytest.mark.spec("RUN-16")
def test_save_begin_and_filename_tmpl(tmp_path: Path) -> None:
    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=True, max_epochs=6, val_interval=100),
        train_dataloader=DataLoader(points(4), batch_size=4, collate_fn=collate),
        default_hooks=dict(
            checkpoint=dict(interval=2, save_begin=3, filename_tmpl="ckpt_{}.pth"), logger=None
        ),
    )
    runner.train()
    # epochs 3 and 5 (every 2 from 3), and the last one
    assert sorted(p.name for p in tmp_path.glob("*.pth")) == [
        "ckpt_3.pth",
        "ckpt_5.pth",
        "ckpt_6.pth",
    ]
    assert (tmp_path / "last_checkpoint").read_text() == str(tmp_path / "ckpt_6.pth")


@pytest.mark.spec("RUN-22", "RUN-12")
def test_iteration_based_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    def run(work_dir: Path, max_iters: int, **kwargs: Any) -> Runner:
        runner = make_runner(
            work_dir,
            train_dataloader=dict(
                dataset=points(16),
                sampler=dict(type="DefaultSampler", shuffle=True),
                batch_size=4,
                collate_fn=collate,
            ),
            train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=100),
            default_hooks=dict(checkpoint=dict(by_epoch=False, interval=3), logger=None),
            log_processor=dict(by_epoch=False),
            **kwargs,
        )
        runner.train()
        return runner

    full = run(tmp_path / "full", 10)
    run(tmp_path / "part", 6)
    resumed = run(tmp_path / "part", 10, resume=True)
    assert resumed.iter == 10
    assert (
        "resumed epoch: 0, iter: 6" in Path(resumed.log_dir, f"{resumed.timestamp}.log").read_text()
    )
    for a, b in zip(
        full.model.state_dict().values(), resumed.model.state_dict().values(), strict=True
    ):
        assert torch.allclose(a, b)


@pytest.mark.spec("RUN-22")
def test_checkpoints_hold_scalar_histories_as_tensors_and_resume_restores_them(
    tmp_path: Path,
) -> None:
    """A history grows by one value per iteration: saved as a list, every checkpoint pickled
    and checked each number; as a tensor it is one object, and a resume gets it back."""
    from mme.runner.resume_state import load_hub_state

    part = make_runner(tmp_path, train_cfg=dict(by_epoch=True, max_epochs=2))
    part.train()
    checkpoint = torch.load(tmp_path / "epoch_2.pth", weights_only=True)
    loss = checkpoint["message_hub"]["log_scalars"]["train/loss"]
    assert isinstance(loss["log_history"], torch.Tensor)
    assert loss["log_history"].dtype == torch.float64
    assert loss["log_history"].shape == (8,)  # 2 epochs of 4 iterations
    assert loss["count_history"].tolist() == [1] * 8
    expected = part.message_hub.get_scalar("train/loss").data[0].tolist()
    assert loss["log_history"].tolist() == expected
    resumed = make_runner(tmp_path, resume=True)
    resumed.load_or_resume()
    assert resumed.message_hub.get_scalar("train/loss").data[0].tolist() == expected
    # a plain state_dict (lists, as older checkpoints hold) loads the same way
    hub = type(part.message_hub).get_instance("plain-hub-state")
    load_hub_state(hub, part.message_hub.state_dict())
    assert hub.get_scalar("train/loss").data[0].tolist() == expected
