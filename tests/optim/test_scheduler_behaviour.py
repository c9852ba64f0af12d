"""Scheduler behaviour: units, ranges, conversion, momentum, generic names, resume, errors
(OPT-15..OPT-22)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch.optim import SGD, Adam

import mme.optim as mo
from mme.optim import OptimWrapper, build_param_scheduler, build_param_schedulers
from mme.registry import PARAM_SCHEDULERS

FAMILIES = [
    "Constant", "CosineAnnealing", "CosineRestart", "Exponential", "Linear", "MultiStep",
    "OneCycle", "Poly", "ReduceOnPlateau", "Step",
]  # fmt: skip


def _sgd(lr: float = 0.1, momentum: float = 0.9) -> SGD:
    return SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=momentum, weight_decay=1e-2)


@pytest.mark.spec("OPT-15", "OPT-20", "OPT-21")
@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_lr_momentum_and_generic_forms_registered(family: str) -> None:
    for suffix in ("LR", "Momentum", "ParamScheduler"):
        name = family + suffix
        assert PARAM_SCHEDULERS.get(name) is getattr(mo, name)
    assert "param_name" not in str(getattr(mo, family + "LR").__signature__)


@pytest.mark.spec("OPT-17")
def test_multistep_by_epoch_and_by_iteration() -> None:
    optimizer = _sgd(lr=0.01)
    scheduler = PARAM_SCHEDULERS.build(
        dict(type="MultiStepLR", optimizer=optimizer, by_epoch=True, milestones=[8, 11], gamma=0.1)
    )
    assert scheduler.by_epoch is True
    lrs = []
    for _ in range(12):
        lrs.append(optimizer.param_groups[0]["lr"])
        scheduler.step()
    # multiplied by 0.1 at the end of the 8th and the 11th epoch
    assert lrs == pytest.approx([0.01] * 8 + [0.001] * 3 + [0.0001])
    iter_based = mo.MultiStepLR(_sgd(), by_epoch=False, milestones=[600, 800], gamma=0.1)
    assert iter_based.by_epoch is False


@pytest.mark.spec("OPT-18")
def test_build_iter_from_epoch_and_convert_to_iter_based() -> None:
    epoch_length = 10
    by_iter = mo.MultiStepLR.build_iter_from_epoch(
        _sgd(), milestones=[8, 11], gamma=0.1, epoch_length=epoch_length
    )
    assert (by_iter.by_epoch, by_iter.milestones) == (False, {80: 1, 110: 1})
    optimizer = _sgd()
    cosine = build_param_scheduler(
        dict(type="CosineAnnealingLR", by_epoch=True, T_max=12, convert_to_iter_based=True),
        optimizer,
        epoch_length=epoch_length,
    )
    assert (cosine.by_epoch, cosine.T_max) == (False, 120)
    values = []
    for _ in range(120):
        values.append(optimizer.param_groups[0]["lr"])
        cosine.step()
    assert len(set(values)) == 120  # a new value every iteration: the smooth curve
    epoch_based_optimizer = _sgd()
    epoch_based = mo.CosineAnnealingLR(epoch_based_optimizer, by_epoch=True, T_max=12)
    for epoch in range(12):
        lr = epoch_based_optimizer.param_groups[0]["lr"]
        assert values[epoch * epoch_length] == pytest.approx(lr, abs=1e-12)
        epoch_based.step()
    # gamma is per epoch: converted, the value at each epoch boundary is unchanged
    exp_opt = _sgd()
    exp = mo.ExponentialLR.build_iter_from_epoch(exp_opt, gamma=0.5, epoch_length=4)
    for _ in range(8):
        exp.step()
    assert exp_opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.25, abs=1e-12)
    linear = mo.LinearLR.build_iter_from_epoch(_sgd(), begin=1, end=3, epoch_length=5)
    assert (linear.begin, linear.end) == (5, 15)


@pytest.mark.spec("OPT-19")
def test_gaps_keep_the_value_and_overlaps_apply_in_order() -> None:
    optimizer = _sgd(lr=1.0)
    first = mo.StepLR(optimizer, step_size=1, gamma=0.5, by_epoch=False, begin=0, end=3)
    second = mo.StepLR(optimizer, step_size=1, gamma=0.1, by_epoch=False, begin=5, end=7)
    lrs = []
    for _ in range(9):
        lrs.append(optimizer.param_groups[0]["lr"])
        first.step()
        second.step()
    assert lrs == pytest.approx([1, 0.5, 0.25, 0.25, 0.25, 0.25, 0.025, 0.025, 0.025])
    optimizer = _sgd(lr=1.0)
    schedulers = [
        mo.ExponentialLR(optimizer, gamma=0.5, by_epoch=False),
        mo.ExponentialLR(optimizer, gamma=0.2, by_epoch=False),
    ]
    for scheduler in schedulers:
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1)


@pytest.mark.spec("OPT-20")
def test_momentum_schedules_sgd_momentum_and_adam_beta1() -> None:
    optimizer = _sgd(momentum=0.9)
    scheduler = mo.LinearMomentum(optimizer, start_factor=0.5, by_epoch=False, begin=0, end=3)
    values = []
    for _ in range(4):
        values.append(optimizer.param_groups[0]["momentum"])
        scheduler.step()
    assert values == pytest.approx([0.45, 0.675, 0.9, 0.9])
    adam = Adam([torch.zeros(1, requires_grad=True)], lr=0.1, betas=(0.8, 0.99))
    cosine = mo.CosineAnnealingMomentum(adam, T_max=4, eta_min=0.4, by_epoch=False)
    betas = []
    for _ in range(5):
        betas.append(adam.param_groups[0]["betas"])
        cosine.step()
    assert [b[1] for b in betas] == [0.99] * 5
    assert [b[0] for b in betas] == pytest.approx([0.8, 0.7414213562, 0.6, 0.4585786438, 0.4])
    wrapper = OptimWrapper(adam)
    assert wrapper.get_momentum()["momentum"] == [adam.param_groups[0]["momentum"]]
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        mo.StepMomentum(torch.optim.Adadelta([torch.zeros(1, requires_grad=True)]), step_size=1)


@pytest.mark.spec("OPT-21")
def test_generic_scheduler_on_lr_and_weight_decay() -> None:
    a, b = _sgd(), _sgd()
    generic = mo.LinearParamScheduler(a, param_name="lr", start_factor=0.001, by_epoch=False,
                                      begin=0, end=10)  # fmt: skip
    specific = mo.LinearLR(b, start_factor=0.001, by_epoch=False, begin=0, end=10)
    for _ in range(12):
        assert a.param_groups[0]["lr"] == b.param_groups[0]["lr"]
        generic.step()
        specific.step()
    optimizer = _sgd()
    wd = PARAM_SCHEDULERS.build(
        dict(type="LinearParamScheduler", optimizer=optimizer, param_name="weight_decay",
             start_factor=0.001, by_epoch=False, begin=0, end=1000)
    )  # fmt: skip
    assert optimizer.param_groups[0]["weight_decay"] == pytest.approx(1e-5)
    assert optimizer.param_groups[0]["lr"] == 0.1
    assert wd.param_name == "weight_decay"


@pytest.mark.spec("OPT-16")
def test_schedulers_accept_an_optim_wrapper() -> None:
    wrapper = OptimWrapper(_sgd(lr=0.01))
    scheduler = mo.MultiStepLR(wrapper, milestones=[1], gamma=0.1)
    scheduler.step()
    assert wrapper.get_lr() == {"lr": [pytest.approx(0.001)]}


# -------------------------------------------------------------------- resume
def _make(family: str) -> Callable[[SGD], Any]:
    cls = getattr(mo, family + "LR")
    kwargs: dict[str, Any] = {
        "Constant": dict(factor=0.5, end=7),
        "CosineAnnealing": dict(T_max=9, eta_min_ratio=0.01),
        "CosineRestart": dict(periods=[5, 7, 9], restart_weights=[1, 0.5, 0.25], eta_min=0.0),
        "Exponential": dict(gamma=0.9),
        "Linear": dict(start_factor=0.1, end=9),
        "MultiStep": dict(milestones=[3, 6, 6, 12], gamma=0.5),
        "OneCycle": dict(eta_max=1.0, total_steps=21),
        "Poly": dict(power=0.9, eta_min=0.001, end=16),
        "ReduceOnPlateau": dict(patience=1, factor=0.5, cooldown=1),
        "Step": dict(step_size=4, gamma=0.7),
    }[family]
    return lambda optimizer: cls(optimizer, **kwargs)


def _advance(scheduler: Any, optimizer: SGD, i: int) -> float:
    if scheduler.need_val_args:
        scheduler.step()
        scheduler.step({"loss": [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7][i % 8]})
    else:
        scheduler.step()
    return optimizer.param_groups[0]["lr"]


@pytest.mark.spec("OPT-15")
@pytest.mark.parametrize("family", FAMILIES)
def test_resume_from_state_dict_is_exact_and_loads_with_weights_only(family: str) -> None:
    make = _make(family)
    optimizer = _sgd()
    scheduler = make(optimizer)
    uninterrupted = [_advance(scheduler, optimizer, i) for i in range(20)]

    optimizer = _sgd()
    scheduler = make(optimizer)
    first = [_advance(scheduler, optimizer, i) for i in range(9)]
    buffer = io.BytesIO()
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)

    resumed_optimizer = _sgd(lr=0.5, momentum=0.1)
    resumed = make(resumed_optimizer)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    rest = [_advance(resumed, resumed_optimizer, i) for i in range(9, 20)]
    assert first + rest == uninterrupted
    if family == "ReduceOnPlateau":
        assert {"best", "num_bad_epochs", "cooldown_counter"} <= set(checkpoint["scheduler"])


@pytest.mark.spec("OPT-15")
def test_momentum_scheduler_state_resumes_adam_betas() -> None:
    def run(adam: Adam, scheduler: Any, steps: int) -> list[float]:
        out = []
        for _ in range(steps):
            scheduler.step()
            out.append(adam.param_groups[0]["betas"][0])
        return out

    def make() -> tuple[Adam, Any]:
        adam = Adam([torch.zeros(1, requires_grad=True)], lr=0.1)
        return adam, mo.StepMomentum(adam, step_size=2, gamma=0.9)

    adam, scheduler = make()
    expected = run(adam, scheduler, 8)
    adam, scheduler = make()
    head = run(adam, scheduler, 3)
    state = (adam.state_dict(), scheduler.state_dict())
    adam, scheduler = make()
    adam.load_state_dict(state[0])
    scheduler.load_state_dict(state[1])
    assert head + run(adam, scheduler, 5) == expected


# -------------------------------------------------------------------- errors
@pytest.mark.spec("OPT-19", "OPT-22")
@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda o: mo.LinearLR(o, begin=10, end=10), ValueError,
         r"LinearLR: begin=10 must be smaller than end=10"),
        (lambda o: mo.MultiStepLR(o, milestones=[8, 13], begin=0, end=12), ValueError,
         r"MultiStepLR: milestones value 13 is outside the scheduler's range \[begin=0, end=12\)"),
        (lambda o: mo.MultiStepLR(o, milestones=[8, 11], begin=5, end=12), ValueError,
         r"milestones count from begin, so they must lie in \[0, 7\)"),
        (lambda o: mo.LinearParamScheduler(o, param_name="weight_decy"), ValueError,
         r"LinearParamScheduler: param_name='weight_decy' is not a key.*Did you mean "
         r"'weight_decay'.*Its keys: lr, momentum"),
        (lambda o: mo.StepLR(o, step_size=0), ValueError, r"StepLR: step_size must be a positive"),
        (lambda o: mo.CosineAnnealingLR(o), ValueError, r"CosineAnnealingLR: give T_max"),
        (lambda o: mo.CosineRestartLR(o, periods=[2, 3], restart_weights=[1]), ValueError,
         r"periods \(2 values\) and restart_weights \(1 values\)"),
        (lambda o: mo.LinearLR(o, start_factr=0.1), TypeError,
         r"LinearLR:.*'start_factr'.*Did you mean 'start_factor'"),
        (lambda o: mo.OneCycleLR(o, eta_max=1, total_steps=10, anneal_strategy="cosine"),
         ValueError, r"anneal_strategy must be 'cos' or 'linear'"),
        (lambda o: mo.LinearLR.build_iter_from_epoch(o, epoch_length=None), ValueError,
         r"LinearLR: epoch_length must be a positive int"),
        (lambda o: mo.ReduceOnPlateauLR.build_iter_from_epoch(o, epoch_length=3), ValueError,
         r"ReduceOnPlateauLR acts after validations"),
        (lambda o: build_param_scheduler(
            dict(type="MultiStepLR", by_epoch=True, milestones=[8], convert_to_iter_based=True), o),
         ValueError, r"MultiStepLR: by_epoch=True with convert_to_iter_based=True needs the "
         r"epoch length"),
        (lambda o: build_param_scheduler(
            dict(type="StepLR", step_size=1, by_epoch=False, convert_to_iter_based=True), o, 10),
         ValueError, r"StepLR: convert_to_iter_based=True converts an epoch-based config"),
        (lambda o: mo.ReduceOnPlateauLR(o, monitor="acc").step({"accuracy": 1.0}), KeyError,
         r"monitor='acc' is not in the validation metrics \('accuracy'\)"),
    ],
)  # fmt: skip
def test_bad_arguments_name_the_scheduler_and_the_argument(
    build: Callable[[SGD], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        build(SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9))


@pytest.mark.spec("OPT-15")
def test_load_state_of_another_scheduler_is_an_error() -> None:
    step = mo.StepLR(_sgd(), step_size=2)
    with pytest.raises(KeyError, match="unknown keys"):
        step.load_state_dict(mo.MultiStepLR(_sgd(), milestones=[1]).state_dict())


@pytest.mark.spec("OPT-19")
def test_build_param_schedulers_lists_and_wrapper_dicts() -> None:
    wrapper = OptimWrapper(_sgd())
    built = build_param_schedulers(
        [dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=5),
         dict(type="MultiStepLR", milestones=[2], convert_to_iter_based=True)],
        wrapper, epoch_length=3,
    )  # fmt: skip
    assert isinstance(built, list)
    assert [type(s).__name__ for s in built] == ["LinearLR", "MultiStepLR"]
    assert built[1].milestones == {6: 1}
    optim_dict = mo.OptimWrapperDict(gen=OptimWrapper(_sgd()), disc=OptimWrapper(_sgd()))
    per_name = build_param_schedulers(
        {"gen": dict(type="StepLR", step_size=1), "disc": [dict(type="ExponentialLR", gamma=0.5)]},
        optim_dict,
    )
    assert isinstance(per_name, dict)
    assert {k: [type(s).__name__ for s in v] for k, v in per_name.items()} == {
        "gen": ["StepLR"], "disc": ["ExponentialLR"]
    }  # fmt: skip
    shared = build_param_schedulers(dict(type="StepLR", step_size=1), optim_dict)
    assert isinstance(shared, dict)
    assert set(shared) == {"gen", "disc"}


@pytest.mark.spec("OPT-15")
def test_verbose_logs_each_value_set(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from mme.logging import MMLogger

    MMLogger.get_instance("optim-verbose")
    with caplog.at_level(logging.INFO):
        scheduler = mo.StepLR(_sgd(lr=0.1), step_size=1, gamma=0.5, verbose=True)
        scheduler.step()
    assert caplog.messages == [
        "Adjusting parameter value of group 0 to 1.0000e-01.",
        "Adjusting parameter value of group 0 to 5.0000e-02.",
    ]
    assert "StepLR(param_name='lr', begin=0, end=inf, by_epoch=True" in repr(scheduler)


@pytest.mark.spec("OPT-19")
def test_schedulers_shaped_by_end_end_with_the_run_when_end_is_not_given() -> None:
    optimizer = _sgd(lr=1.0)
    built = build_param_schedulers(
        [dict(type="PolyLR", power=1.0),  # by epoch: ends at max_epochs
         dict(type="LinearMomentum", start_factor=0.5, by_epoch=False),  # ends at max_iters
         dict(type="CosineAnnealingLR", by_epoch=False, begin=10),  # T_max = end - begin
         dict(type="MultiStepLR", milestones=[30]),  # end only limits: not defaulted
         dict(type="CosineAnnealingLR", T_max=5, by_epoch=False)],  # T_max given: not needed
        optimizer, epoch_length=10, max_epochs=6, max_iters=60,
    )  # fmt: skip
    assert isinstance(built, list)
    assert [s.end for s in built] == [6, 60, 60, mo.INF, mo.INF]
    assert built[2].T_max == 50
    trace = mo.simulate_schedule(dict(type="PolyLR", power=1.0), max_epochs=4)
    assert trace["lr"] == pytest.approx([0.01, 0.02 / 3, 0.01 / 3, 0.0])
