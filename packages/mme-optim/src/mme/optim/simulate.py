"""See a parameter schedule before training: simulate it on a dummy optimizer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from mme.optim.optim_wrapper import OptimWrapper
from mme.optim.scheduler.builder import build_param_schedulers
from mme.registry import OPTIMIZERS


def simulate_schedule(
    param_scheduler: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    max_epochs: int | None = None,
    max_iters: int | None = None,
    epoch_length: int | None = None,
    optimizer: Mapping[str, Any] | None = None,
) -> dict[str, list[float]]:
    """Run a ``param_scheduler`` config the way the runner steps it, and record it.

    Iteration-based schedulers step after every iteration and epoch-based ones after
    every epoch, in config order (as ``ParamSchedulerHook`` does). Nothing is trained:
    the optimizer holds one dummy parameter. A scheduler whose shape depends on its
    ``end`` and that has none ends with the run, as in the runner. ``ReduceOnPlateau``
    schedulers receive no metrics, so they keep their value.

    Args:
        param_scheduler: One scheduler config or a list of them.
        max_epochs: Simulate epoch-based training of this many epochs...
        max_iters: ...or iteration-based training of this many iterations.
        epoch_length: Iterations per epoch. Needed for iteration-based schedulers in
            epoch-based training (and ``convert_to_iter_based``); defaults to 1 when
            every scheduler is epoch-based. In iteration-based training, epoch-based
            schedulers step every ``epoch_length`` iterations.
        optimizer: The optimizer config (default ``dict(type='SGD', lr=0.01,
            momentum=0.9)``); its ``lr`` and ``momentum``/``betas`` are the start values.

    Returns:
        ``{'iter': [...], 'epoch': [...], 'lr': [...], 'momentum': [...], ...}``: one
        entry per iteration, with the values that iteration trains with; every other
        param group key that a scheduler changes is included too.
    """
    if (max_epochs is None) == (max_iters is None):
        raise ValueError("simulate_schedule: give exactly one of max_epochs and max_iters")
    total = max_epochs if max_epochs is not None else max_iters
    if not isinstance(total, int) or total <= 0:
        raise ValueError(f"simulate_schedule: the run length must be a positive int, got {total!r}")
    cfgs = [param_scheduler] if isinstance(param_scheduler, Mapping) else list(param_scheduler)
    needs_length = any(
        not cfg.get("by_epoch", True) or cfg.get("convert_to_iter_based", False) for cfg in cfgs
    )
    if epoch_length is None:
        if max_epochs is not None and needs_length:
            raise ValueError(
                "simulate_schedule: the schedule has iteration-based schedulers (by_epoch=False "
                "or convert_to_iter_based=True) in epoch-based training; give epoch_length, "
                "the number of iterations per epoch"
            )
        if max_iters is not None:
            for cfg in cfgs:
                if cfg.get("by_epoch", True):
                    raise ValueError(
                        f"simulate_schedule: {cfg.get('type')} is epoch-based (by_epoch=True) "
                        "in iteration-based training, where epochs do not end; set "
                        "by_epoch=False or give epoch_length"
                    )
        epoch_length = 1
    opt_cfg = dict(optimizer) if optimizer is not None else {"type": "SGD", "lr": 0.01}
    opt_cfg.setdefault("type", "SGD")
    if opt_cfg["type"] in ("SGD", torch.optim.SGD) and "momentum" not in opt_cfg:
        opt_cfg["momentum"] = 0.9
    opt_cfg["params"] = [torch.zeros(1, requires_grad=True)]
    wrapper = OptimWrapper(OPTIMIZERS.build(opt_cfg))
    n_iters = total * epoch_length if max_epochs is not None else total
    schedulers = build_param_schedulers(
        cfgs, wrapper, epoch_length=epoch_length, max_epochs=max_epochs, max_iters=n_iters
    )
    assert isinstance(schedulers, list)
    iter_based = [s for s in schedulers if not s.by_epoch]
    epoch_based = [s for s in schedulers if s.by_epoch]
    names = ["lr", "momentum"]
    for scheduler in schedulers:
        if scheduler.param_name not in names:
            names.append(scheduler.param_name)
    trace: dict[str, list[float]] = {"iter": [], "epoch": [], **{n: [] for n in names}}
    group = wrapper.param_groups[0]
    for it in range(n_iters):
        trace["iter"].append(it)
        trace["epoch"].append(it // epoch_length)
        for name in names:
            if name == "momentum":
                trace[name].append(wrapper.get_momentum()["momentum"][0])
            else:
                trace[name].append(group[name])
        for scheduler in iter_based:
            scheduler.step()
        if (it + 1) % epoch_length == 0:
            for scheduler in epoch_based:
                scheduler.step()
    return trace
