"""Averaged models and EMAHook (RUN-18): the averages, the swap for validation, checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from mme.registry import MODELS
from mme.runner import Hook, Runner
from mme.runner.hooks import EMAHook
from mme.runner.model import (
    BaseAveragedModel,
    ExponentialMovingAverage,
    MomentumAnnealingEMA,
    StochasticWeightAverage,
)

from .runner_toys import AccuracyEvaluator, Classifier, collate, points

pytestmark = pytest.mark.spec("RUN-18")


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def _perturb(model: nn.Module, step: int) -> None:
    with torch.no_grad():
        for index, p in enumerate(model.parameters()):
            p.add_(0.1 * (step + 1) * (index + 1))
        model[1].running_mean.add_(1.0)


def _reference(kind: str, history: list[torch.Tensor], interval: int = 1) -> torch.Tensor:
    avg = history[0].clone()
    for steps, value in enumerate(history[1:], start=1):
        if steps % interval:
            continue
        if kind == "ema":
            w = 0.1
        elif kind == "anneal":
            w = max(0.1, 4 / (4 + steps))
        else:
            w = 1 / (steps // interval + 1)
        avg = (1 - w) * avg + w * value
    return avg


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("ema", lambda m: ExponentialMovingAverage(m, momentum=0.1)),
        ("anneal", lambda m: MomentumAnnealingEMA(m, momentum=0.1, gamma=4)),
        ("swa", lambda m: StochasticWeightAverage(m)),
    ],
)
def test_averages_follow_their_formula(kind: str, build: Any) -> None:
    model = _net()
    average = build(model)
    history = []
    for step in range(6):
        _perturb(model, step)
        history.append(model[0].weight.detach().clone())
        average.update_parameters(model)
    torch.testing.assert_close(average.module[0].weight, _reference(kind, history))
    assert int(average.steps) == 6
    # buffers are copied, not averaged, by default
    torch.testing.assert_close(average.module[1].running_mean, model[1].running_mean)
    assert not any(p.requires_grad for p in average.parameters())


def test_interval_and_update_buffers() -> None:
    model = _net()
    average = StochasticWeightAverage(model, interval=2, update_buffers=True)
    weights, means = [], []
    for step in range(5):
        _perturb(model, step)
        weights.append(model[0].weight.detach().clone())
        means.append(model[1].running_mean.clone())
        average.update_parameters(model)
    torch.testing.assert_close(average.module[0].weight, _reference("swa", weights, interval=2))
    torch.testing.assert_close(average.module[1].running_mean, _reference("swa", means, interval=2))


def test_the_update_is_one_fused_lerp_per_device_and_dtype(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = _net()
    average = ExponentialMovingAverage(model, momentum=0.5)
    calls: list[int] = []
    real = torch._foreach_lerp_

    def counting(avgs: list[torch.Tensor], srcs: list[torch.Tensor], weight: float) -> Any:
        calls.append(len(avgs))
        return real(avgs, srcs, weight)

    monkeypatch.setattr(torch, "_foreach_lerp_", counting)
    for step in range(3):
        _perturb(model, step)
        average.update_parameters(model)
    assert calls == [6, 6]  # the first update copies; then one call for all six parameters


def test_a_custom_average_needs_only_avg_func() -> None:
    class LastValue(BaseAveragedModel):
        def avg_func(self, averaged_param: torch.Tensor, source: torch.Tensor, steps: int) -> None:
            averaged_param.copy_(source)

    model = _net()
    average = LastValue(model)
    for step in range(3):
        _perturb(model, step)
        average.update_parameters(model)
    torch.testing.assert_close(average.module[2].bias, model[2].bias)


def test_average_steps_resume_from_the_state_dict() -> None:
    model = _net()
    first = MomentumAnnealingEMA(model, momentum=0.01, gamma=2)
    for step in range(3):
        _perturb(model, step)
        first.update_parameters(model)
    second = MomentumAnnealingEMA(_net(), momentum=0.01, gamma=2)
    second.load_state_dict(first.state_dict())
    _perturb(model, 3)
    first.update_parameters(model)
    second.update_parameters(model)
    torch.testing.assert_close(first.module[0].weight, second.module[0].weight)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match=r"momentum must be in \(0, 1\), got 1.5"):
        ExponentialMovingAverage(_net(), momentum=1.5)
    with pytest.raises(ValueError, match="interval must be an int >= 1, got 0"):
        StochasticWeightAverage(_net(), interval=0)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        MomentumAnnealingEMA(_net(), gamma=0)
    with pytest.raises(
        KeyError, match=r"EMAHook: ema_type: .*Did you mean .*StochasticWeightAverage"
    ):
        EMAHook(ema_type="StochasticWeightAverag")
    with pytest.raises(ValueError, match="not both"):
        EMAHook(begin_iter=2, begin_epoch=1)
    assert MODELS.get("ExponentialMovingAverage") is ExponentialMovingAverage


# ------------------------------------------------------------------ with the runner
class _Probe(Hook):
    """Records the weights the model has around validation (after EMAHook's swaps)."""

    priority = "LOWEST"

    def __init__(self) -> None:
        self.records: list[dict[str, torch.Tensor]] = []

    def _weight(self, runner: Runner) -> torch.Tensor:
        return runner.model.net[0].weight.detach().clone()

    def after_train_epoch(self, runner: Runner) -> None:
        ema = next(h for h in runner.hooks if isinstance(h, EMAHook))
        self.records.append(
            dict(trained=self._weight(runner), average=ema.ema_model.module.net[0].weight.clone())
        )

    def before_val_iter(self, runner: Runner, batch_idx: int, data_batch: Any = None) -> None:
        self.records[-1]["validated"] = self._weight(runner)

    def after_val(self, runner: Runner) -> None:
        self.records[-1]["after"] = self._weight(runner)


def _runner(work_dir: Path, max_epochs: int = 4, **kwargs: Any) -> Runner:
    torch.manual_seed(0)
    args: dict[str, Any] = dict(
        model=Classifier(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader(points(32), batch_size=8, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.2, momentum=0.9)),
        val_dataloader=DataLoader(points(8, seed=1), batch_size=8, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
        custom_hooks=[dict(type="EMAHook", momentum=0.2)],
        randomness=dict(seed=0),
        default_hooks=dict(logger=dict(interval=100)),
    )
    args.update(kwargs)
    return Runner(**args)


def test_validation_uses_the_averaged_weights_and_training_continues_from_the_trained(
    tmp_path: Path,
) -> None:
    probe = _Probe()
    runner = _runner(tmp_path, max_epochs=2)
    runner.register_hook(probe)
    runner.train()
    assert len(probe.records) == 2
    for record in probe.records:
        assert not torch.equal(record["trained"], record["average"])
        torch.testing.assert_close(record["validated"], record["average"])
        torch.testing.assert_close(record["after"], record["trained"])


def test_checkpoint_holds_the_average_and_resume_is_exact(tmp_path: Path) -> None:
    straight = _runner(tmp_path / "straight")
    straight.train()
    ema = next(h for h in straight.hooks if isinstance(h, EMAHook))

    checkpoint = torch.load(tmp_path / "straight" / "epoch_4.pth", weights_only=True)
    state, ema_state = checkpoint["state_dict"], checkpoint["ema_state_dict"]
    # state_dict deploys the average; ema_state_dict keeps the trained weights
    torch.testing.assert_close(state["net.0.weight"], ema.ema_model.module.net[0].weight)
    torch.testing.assert_close(ema_state["module.net.0.weight"], straight.model.net[0].weight)
    assert int(ema_state["steps"]) == 16

    first = _runner(tmp_path / "resumed", max_epochs=2)
    first.train()
    resumed = _runner(tmp_path / "resumed", resume=True)
    resumed.train()
    ema_resumed = next(h for h in resumed.hooks if isinstance(h, EMAHook))
    for mine, theirs in zip(resumed.model.parameters(), straight.model.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    for mine, theirs in zip(
        ema_resumed.ema_model.parameters(), ema.ema_model.parameters(), strict=True
    ):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)


def test_load_from_starts_the_average_from_the_weights(tmp_path: Path) -> None:
    source = _runner(tmp_path / "a", max_epochs=1)
    source.train()
    tester = _runner(tmp_path / "b", load_from=str(tmp_path / "a" / "epoch_1.pth"))
    metrics = tester.val()
    ema = next(h for h in tester.hooks if isinstance(h, EMAHook))
    saved = torch.load(tmp_path / "a" / "epoch_1.pth", weights_only=True)["state_dict"]
    torch.testing.assert_close(ema.ema_model.module.net[0].weight, saved["net.0.weight"])
    assert "accuracy" in metrics


def test_begin_iter_after_the_end_is_an_error(tmp_path: Path) -> None:
    runner = _runner(tmp_path, max_epochs=1, custom_hooks=[dict(type="EMAHook", begin_iter=99)])
    with pytest.raises(ValueError, match="begin_iter=99 is after the last iteration"):
        runner.train()
