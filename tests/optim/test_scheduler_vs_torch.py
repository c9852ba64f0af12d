"""Every scheduler family against torch.optim.lr_scheduler, step by step, to 1e-12 (OPT-15..19)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as tls

import mme.optim as mo

STEPS = 60
TOL = 1e-12


def _optimizer() -> SGD:
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, momentum=0.9)


def _run(make: Callable[[SGD], Any], steps: int = STEPS) -> list[list[float]]:
    optimizer = _optimizer()
    scheduler = make(optimizer)
    values = []
    for _ in range(steps):
        values.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return values


CASES: dict[str, tuple[Callable[[SGD], Any], Callable[[SGD], Any]]] = {
    "StepLR": (
        lambda o: mo.StepLR(o, step_size=7, gamma=0.5),
        lambda o: tls.StepLR(o, step_size=7, gamma=0.5),
    ),
    "MultiStepLR": (
        lambda o: mo.MultiStepLR(o, milestones=[5, 20, 20, 41], gamma=0.3),
        lambda o: tls.MultiStepLR(o, milestones=[5, 20, 20, 41], gamma=0.3),
    ),
    "ConstantLR": (
        lambda o: mo.ConstantLR(o, factor=0.25, end=13),
        lambda o: tls.ConstantLR(o, factor=0.25, total_iters=12),
    ),
    "ExponentialLR": (
        lambda o: mo.ExponentialLR(o, gamma=0.93),
        lambda o: tls.ExponentialLR(o, gamma=0.93),
    ),
    "CosineAnnealingLR": (
        lambda o: mo.CosineAnnealingLR(o, T_max=17, eta_min=0.001),
        lambda o: tls.CosineAnnealingLR(o, T_max=17, eta_min=0.001),
    ),
    "LinearLR": (
        lambda o: mo.LinearLR(o, start_factor=0.05, end_factor=0.8, end=31),
        lambda o: tls.LinearLR(o, start_factor=0.05, end_factor=0.8, total_iters=30),
    ),
    "PolyLR": (
        lambda o: mo.PolyLR(o, power=2.0, end=41),
        lambda o: tls.PolynomialLR(o, total_iters=40, power=2.0),
    ),
    "OneCycleLR": (
        lambda o: mo.OneCycleLR(o, eta_max=[1.0, 2.0], total_steps=STEPS),
        lambda o: tls.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=STEPS, cycle_momentum=False),
    ),
    "OneCycleLR-linear-3phase": (
        lambda o: mo.OneCycleLR(
            o,
            eta_max=1.0,
            total_steps=STEPS,
            anneal_strategy="linear",
            three_phase=True,
            pct_start=0.25,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
        lambda o: tls.OneCycleLR(
            o,
            max_lr=1.0,
            total_steps=STEPS,
            anneal_strategy="linear",
            three_phase=True,
            pct_start=0.25,
            div_factor=10.0,
            final_div_factor=100.0,
            cycle_momentum=False,
        ),
    ),
    "CosineRestartLR": (
        lambda o: mo.CosineRestartLR(
            o, periods=[15, 15, 15, 15], restart_weights=[1] * 4, eta_min=0.002
        ),
        lambda o: tls.CosineAnnealingWarmRestarts(o, T_0=15, eta_min=0.002),
    ),
}


@pytest.mark.spec("OPT-15")
@pytest.mark.parametrize("family", sorted(CASES))
def test_family_matches_torch_over_a_whole_run(family: str) -> None:
    ours, theirs = CASES[family]
    got, expected = _run(ours), _run(theirs)
    assert len(got) == len(expected) == STEPS
    for step, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a == pytest.approx(b, abs=TOL, rel=0), f"{family}: step {step}: {a} != {b}"


@pytest.mark.spec("OPT-15")
def test_reduce_on_plateau_matches_torch() -> None:
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89999, 0.7, 0.71, 0.72, 0.73, 0.74, 0.8] * 3
    for kwargs in (
        dict(rule="less", patience=2, factor=0.5, cooldown=1, threshold=1e-3),
        dict(
            rule="greater",
            patience=1,
            factor=0.2,
            threshold_rule="abs",
            threshold=0.01,
            min_value=0.01,
        ),
    ):
        ours_opt, torch_opt = _optimizer(), _optimizer()
        ours = mo.ReduceOnPlateauLR(ours_opt, monitor="acc", **kwargs)  # type: ignore[arg-type]
        torch_kwargs = dict(kwargs)
        torch_kwargs["mode"] = {"less": "min", "greater": "max"}[torch_kwargs.pop("rule")]
        if "threshold_rule" in torch_kwargs:
            torch_kwargs["threshold_mode"] = torch_kwargs.pop("threshold_rule")
        if "min_value" in torch_kwargs:
            torch_kwargs["min_lr"] = torch_kwargs.pop("min_value")
        theirs = tls.ReduceLROnPlateau(torch_opt, **torch_kwargs)  # type: ignore[arg-type]
        for metric in metrics:
            ours.step()  # the end of a training epoch
            ours.step({"acc": metric})  # the validation
            theirs.step(metric)
            assert [g["lr"] for g in ours_opt.param_groups] == [
                g["lr"] for g in torch_opt.param_groups
            ]
        assert ours_opt.param_groups[0]["lr"] < 0.1  # it did reduce


@pytest.mark.spec("OPT-19")
def test_warmup_then_multistep_by_epoch_matches_torch() -> None:
    # spec: LinearLR(start_factor=0.001, by_epoch=False, begin=0, end=50)
    #       + MultiStepLR(by_epoch=True, milestones=[8, 11], gamma=0.1)
    epoch_length, epochs = 20, 12
    ours_opt, torch_opt = _optimizer(), _optimizer()
    warmup = mo.LinearLR(ours_opt, start_factor=0.001, by_epoch=False, begin=0, end=50)
    decay = mo.MultiStepLR(ours_opt, by_epoch=True, milestones=[8, 11], gamma=0.1)
    t_warmup = tls.LinearLR(torch_opt, start_factor=0.001, total_iters=49)
    t_decay = tls.MultiStepLR(torch_opt, milestones=[8, 11], gamma=0.1)
    for _ in range(epochs):
        for _ in range(epoch_length):
            a = [g["lr"] for g in ours_opt.param_groups]
            b = [g["lr"] for g in torch_opt.param_groups]
            assert a == pytest.approx(b, abs=TOL, rel=0)
            ours_opt.step()
            torch_opt.step()
            warmup.step()
            t_warmup.step()
        decay.step()
        t_decay.step()
    assert ours_opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.01, abs=TOL)


@pytest.mark.spec("OPT-19")
def test_warmup_then_cosine_matches_torch_sequential_lr() -> None:
    # spec: LinearLR(start_factor=0.001, by_epoch=False, begin=0, end=100)
    #       + CosineAnnealingLR(T_max=800, by_epoch=False, begin=100, end=900)
    ours_opt, torch_opt = _optimizer(), _optimizer()
    schedulers = [
        mo.LinearLR(ours_opt, start_factor=0.001, by_epoch=False, begin=0, end=100),
        mo.CosineAnnealingLR(ours_opt, T_max=800, by_epoch=False, begin=100, end=900),
    ]
    sequential = tls.SequentialLR(
        torch_opt,
        [
            tls.LinearLR(torch_opt, start_factor=0.001, total_iters=99),
            tls.CosineAnnealingLR(torch_opt, T_max=800),
        ],
        milestones=[100],
    )
    for step in range(1000):
        a = [g["lr"] for g in ours_opt.param_groups]
        b = [g["lr"] for g in torch_opt.param_groups]
        if step < 900:  # from end=900 on, ours keeps the last value; torch's cosine goes on
            assert a == pytest.approx(b, abs=TOL, rel=0), f"step {step}"
        ours_opt.step()
        torch_opt.step()
        for scheduler in schedulers:
            scheduler.step()
        sequential.step()
    assert ours_opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-5)
