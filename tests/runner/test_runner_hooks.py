"""Hooks: the 22 mount points, priorities, helpers, and calls only where a hook overrides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from mme.registry import HOOKS
from mme.runner import Hook, Priority, Runner, get_priority
from mme.runner.hooks import MOUNT_POINTS
from mme.runner.hooks.hook import overridden_mount_points

from .runner_toys import AccuracyEvaluator, Classifier, collate, points, registered

pytestmark = pytest.mark.spec("RUN-14", "RUN-15")


def make_runner(tmp_path: Path, **kwargs: Any) -> Runner:
    torch.manual_seed(0)
    args: dict[str, Any] = dict(
        model=Classifier(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(points(16), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        val_dataloader=DataLoader(points(8, seed=1), batch_size=4, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
        default_hooks=dict(checkpoint=None),
    )
    args.update(kwargs)
    return Runner(**args)


@pytest.mark.spec("RUN-14")
def test_hook_has_the_22_mount_points() -> None:
    assert len(MOUNT_POINTS) == 22 == len(set(MOUNT_POINTS))
    assert set(MOUNT_POINTS) == {
        f"{w}_{s}"
        for w in ("before", "after")
        for s in (
            "run",
            "train",
            "val",
            "test",
            "train_epoch",
            "val_epoch",
            "test_epoch",
            "train_iter",
            "val_iter",
            "test_iter",
        )
    } | {"before_save_checkpoint", "after_load_checkpoint"}
    for name in MOUNT_POINTS:
        assert callable(getattr(Hook, name))


@pytest.mark.spec("RUN-13")
def test_priorities_by_name_and_number() -> None:
    assert [(p.name, p.value) for p in Priority] == [
        ("HIGHEST", 0),
        ("VERY_HIGH", 10),
        ("HIGH", 30),
        ("ABOVE_NORMAL", 40),
        ("NORMAL", 50),
        ("BELOW_NORMAL", 60),
        ("LOW", 70),
        ("VERY_LOW", 90),
        ("LOWEST", 100),
    ]
    assert get_priority("ABOVE_NORMAL") == 40 == get_priority(40)
    with pytest.raises(ValueError, match="Did you mean 'NORMAL'"):
        get_priority("NORMALL")
    with pytest.raises(ValueError, match="between 0 and 100"):
        get_priority(101)


class Recorder(Hook):
    def __init__(self, tag: str, calls: list[str]) -> None:
        self.tag = tag
        self.calls = calls

    def before_train_epoch(self, runner: Runner) -> None:
        self.calls.append(self.tag)


@pytest.mark.spec("RUN-13", "RUN-15")
def test_hooks_run_by_priority_then_registration_order(tmp_path: Path) -> None:
    calls: list[str] = []
    runner = make_runner(tmp_path, custom_hooks=[Recorder("a", calls), Recorder("b", calls)])
    runner.register_hook(Recorder("first", calls), priority="HIGHEST")
    runner.register_hook(Recorder("last", calls), priority=Priority.LOWEST)
    runner.call_hook("before_train_epoch")
    assert calls == ["first", "a", "b", "last"]
    names = [type(h).__name__ for h in runner.hooks]
    assert names[:6] == [
        "Recorder",
        "RuntimeInfoHook",
        "IterTimerHook",
        "DistSamplerSeedHook",
        "Recorder",
        "Recorder",
    ]
    assert names.index("LoggerHook") < names.index("ParamSchedulerHook")


@pytest.mark.spec("RUN-15")
def test_default_hooks_can_be_replaced_and_removed(tmp_path: Path) -> None:
    runner = make_runner(tmp_path, default_hooks=dict(logger=dict(interval=3), timer=None))
    names = [type(h).__name__ for h in runner.hooks]
    assert "IterTimerHook" not in names
    logger = next(h for h in runner.hooks if type(h).__name__ == "LoggerHook")
    assert logger.interval == 3  # type: ignore[attr-defined]
    runner = make_runner(tmp_path / "2")
    assert [type(h).__name__ for h in runner.hooks] == [
        "RuntimeInfoHook",
        "IterTimerHook",
        "DistSamplerSeedHook",
        "LoggerHook",
        "ParamSchedulerHook",
    ]


def test_a_hook_is_called_only_at_the_points_it_overrides(tmp_path: Path) -> None:
    class OnlyEpochs(Hook):
        def after_train_epoch(self, runner: Runner) -> None:
            pass

    assert overridden_mount_points(OnlyEpochs) == ["after_train_epoch"]
    runner = make_runner(tmp_path, custom_hooks=[OnlyEpochs()])
    runner.train()
    # The per-point lists hold only the hooks that override the point.
    assert all(
        getattr(m, "__self__", None).__class__ is not OnlyEpochs
        for m in runner._hooks_at["after_train_iter"]
    )
    assert any(
        getattr(m, "__self__", None).__class__ is OnlyEpochs
        for m in runner._hooks_at["after_train_epoch"]
    )
    # A hook that overrides nothing is never called.
    idle = make_runner(
        tmp_path / "idle",
        default_hooks=dict(
            runtime_info=None,
            timer=None,
            sampler_seed=None,
            logger=None,
            param_scheduler=None,
            checkpoint=None,
        ),
    )
    idle.register_hook(Hook())
    idle.train()
    assert idle._hooks_at["after_train_iter"] == []


@pytest.mark.spec("RUN-14")
def test_mount_points_are_called_in_order_with_their_arguments(tmp_path: Path) -> None:
    seen: list[tuple[str, tuple]] = []

    class All(Hook):
        pass

    for point in MOUNT_POINTS:

        def record(self: Hook, runner: Runner, _point: str = point, **kwargs: Any) -> None:
            seen.append((_point, tuple(sorted(kwargs))))

        setattr(All, point, record)

    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=True, max_epochs=1),
        default_hooks=dict(checkpoint=dict(interval=1)),
        custom_hooks=[All()],
    )
    runner.train()
    order = [p for p, _ in seen]
    first = {p: order.index(p) for p in set(order)}
    assert sorted(first, key=first.get) == [  # type: ignore[arg-type]
        "before_run",
        "before_train",
        "before_train_epoch",
        "before_train_iter",
        "after_train_iter",
        "after_train_epoch",
        "before_save_checkpoint",
        "before_val",
        "before_val_epoch",
        "before_val_iter",
        "after_val_iter",
        "after_val_epoch",
        "after_val",
        "after_train",
        "after_run",
    ]
    assert ("after_train_iter", ("batch_idx", "data_batch", "outputs")) in seen
    assert ("before_val_iter", ("batch_idx", "data_batch")) in seen
    assert ("after_val_epoch", ("metrics",)) in seen
    assert ("before_save_checkpoint", ("checkpoint",)) in seen
    assert order.count("after_train_iter") == 4


def test_helpers_every_n_and_last(tmp_path: Path) -> None:
    runner = make_runner(tmp_path)
    hook = Hook()
    loop = runner.train_loop
    loop._epoch, loop._iter = 1, 7  # type: ignore[attr-defined]
    assert hook.every_n_epochs(runner, 2)
    assert not hook.every_n_epochs(runner, 3)
    assert hook.every_n_train_iters(runner, 4)
    assert not hook.every_n_train_iters(runner, 3)
    assert hook.every_n_inner_iters(3, 2)
    assert not hook.every_n_inner_iters(2, 2)
    assert hook.end_of_epoch(runner.train_dataloader, 3)
    assert hook.is_last_train_epoch(runner)
    assert hook.is_last_train_iter(runner)


class CheckInvalidLossHook(Hook):
    """EX-21, as the tutorial writes it (no super().__init__, no priority argument)."""

    def __init__(self, interval: int = 50) -> None:
        self.interval = interval

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self.every_n_train_iters(runner, self.interval):
            assert torch.isfinite(outputs["loss"]), runner.logger.info(
                "loss become infinite or NaN!"
            )


@pytest.mark.spec("RUN-21", "RUN-13", "RUN-19", "RUN-20")
def test_ex21_custom_hooks_from_config_with_a_priority(tmp_path: Path) -> None:
    runner = make_runner(
        tmp_path,
        custom_hooks=[
            dict(type="CheckInvalidLossHook", interval=2, priority="ABOVE_NORMAL"),
            dict(type="EmptyCacheHook", after_epoch=True),
            dict(type="SyncBuffersHook"),
        ],
    )
    hook = next(h for h in runner.hooks if isinstance(h, CheckInvalidLossHook))
    assert hook.priority == "ABOVE_NORMAL"
    assert hook.interval == 2
    runner.train()
    empty = next(h for h in runner.hooks if type(h).__name__ == "EmptyCacheHook")
    assert "after_train_iter" not in empty.get_triggered_stages()

    class NaNModel(Classifier):
        def __init__(self) -> None:
            super().__init__()
            self.nonfinite_loss = "ignore"  # let the hook see it (BaseModel would raise first)

        def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
            out = super().forward(inputs, labels, mode)
            if mode == "loss":
                out["loss"] = out["loss"] * float("nan")
            return out

    torch.manual_seed(0)
    bad = make_runner(
        tmp_path / "nan",
        model=NaNModel(),
        custom_hooks=[dict(type="CheckInvalidLossHook", interval=2)],
    )
    with pytest.raises(AssertionError):
        bad.train()


def test_unknown_hook_type_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="CheckInvalidLosHook"):
        make_runner(tmp_path, custom_hooks=[dict(type="CheckInvalidLosHook")])


def test_early_stopping_stops_when_the_metric_stalls(tmp_path: Path) -> None:
    class Flat(AccuracyEvaluator):
        def evaluate(self, size: int) -> dict[str, float]:
            super().evaluate(size)
            return {"accuracy": 50.0}

    runner = make_runner(
        tmp_path,
        train_cfg=dict(by_epoch=True, max_epochs=10),
        val_evaluator=Flat(),
        custom_hooks=[dict(type="EarlyStoppingHook", monitor="accuracy", patience=2)],
    )
    runner.train()
    assert runner.epoch == 3  # improvement at 1, then two epochs without
    from mme.runner import EarlyStoppingHook

    with pytest.raises(ValueError, match="cannot tell whether a larger or smaller 'score'"):
        EarlyStoppingHook(monitor="score")


@pytest.fixture(autouse=True, scope="module")
def _registrations() -> Iterator[None]:
    with registered((HOOKS, CheckInvalidLossHook)):
        yield
