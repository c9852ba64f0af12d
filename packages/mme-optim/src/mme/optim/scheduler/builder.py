"""Building parameter schedulers from configs, including ``convert_to_iter_based``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mme.optim.optim_wrapper import OptimWrapper
from mme.optim.scheduler.param_scheduler import _ParamScheduler
from mme.registry import PARAM_SCHEDULERS


def build_param_scheduler(
    cfg: Mapping[str, Any], optimizer: Any, epoch_length: int | None = None
) -> _ParamScheduler:
    """Build one scheduler from ``cfg`` for ``optimizer``.

    ``convert_to_iter_based=True`` (with ``by_epoch=True``, the default) builds it with
    ``build_iter_from_epoch``; ``epoch_length``, the iterations of one epoch, is needed
    then.
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(
            f"a param_scheduler config must be a dict such as dict(type='MultiStepLR', "
            f"milestones=[8, 11]), got {type(cfg).__name__}: {cfg!r}"
        )
    args = dict(cfg)
    convert = args.pop("convert_to_iter_based", False)
    if not convert:
        return PARAM_SCHEDULERS.build(args, default_args={"optimizer": optimizer})
    if "type" not in args:
        raise KeyError(f"the param_scheduler config {cfg!r} has no 'type'")
    scheduler_type = args.pop("type")
    cls = (
        PARAM_SCHEDULERS.get(scheduler_type) if isinstance(scheduler_type, str) else scheduler_type
    )
    name = getattr(cls, "__name__", str(scheduler_type))
    if not args.get("by_epoch", True):
        raise ValueError(
            f"{name}: convert_to_iter_based=True converts an epoch-based config; it cannot "
            "be used with by_epoch=False"
        )
    if epoch_length is None:
        raise ValueError(
            f"{name}: by_epoch=True with convert_to_iter_based=True needs the epoch length "
            "(iterations per epoch) to convert to iterations; pass epoch_length"
        )
    return cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length, **args)


def build_param_schedulers(
    cfgs: Any,
    optim_wrapper: Any,
    epoch_length: int | None = None,
    max_epochs: int | None = None,
    max_iters: int | None = None,
) -> list[_ParamScheduler] | dict[str, list[_ParamScheduler]]:
    """Build the ``param_scheduler`` config of a run: one config, a list, or built ones.

    For an ``OptimWrapperDict``, the same list is built for each wrapper, or ``cfgs``
    may be a dict from wrapper name to its list; the result is then a dict as well.

    Given the run's length (``max_epochs`` and/or ``max_iters``), a scheduler whose
    shape depends on its ``end`` (linear, polynomial, constant, cosine without
    ``T_max``, 1cycle without ``total_steps``) and that has no ``end`` ends with the
    run, as in MMEngine's runner: ``max_epochs`` for ``by_epoch=True``, ``max_iters``
    otherwise.
    """
    lengths = (epoch_length, max_epochs, max_iters)
    if not isinstance(optim_wrapper, OptimWrapper) and hasattr(optim_wrapper, "optim_wrappers"):
        wrappers = optim_wrapper.optim_wrappers
        if isinstance(cfgs, Mapping) and set(cfgs) <= set(wrappers) and "type" not in cfgs:
            return {name: _build_list(cfgs[name], wrappers[name], *lengths) for name in cfgs}
        return {name: _build_list(cfgs, w, *lengths) for name, w in wrappers.items()}
    return _build_list(cfgs, optim_wrapper, *lengths)


def _with_default_end(
    cfg: Mapping[str, Any], max_epochs: int | None, max_iters: int | None
) -> Mapping[str, Any]:
    if "end" in cfg:
        return cfg
    scheduler_type = cfg.get("type")
    cls = (
        PARAM_SCHEDULERS.get(scheduler_type) if isinstance(scheduler_type, str) else scheduler_type
    )
    if not getattr(cls, "_end_shapes_schedule", lambda _cfg: False)(cfg):
        return cfg
    end = max_epochs if cfg.get("by_epoch", True) else max_iters
    return cfg if end is None else {**cfg, "end": end}


def _build_list(
    cfgs: Any,
    optimizer: Any,
    epoch_length: int | None,
    max_epochs: int | None,
    max_iters: int | None,
) -> list[_ParamScheduler]:
    items = [cfgs] if isinstance(cfgs, (Mapping, _ParamScheduler)) else cfgs
    if not isinstance(items, Sequence):
        raise TypeError(
            "param_scheduler must be a config dict, a list of them or of schedulers, got "
            f"{type(cfgs).__name__}"
        )
    built = []
    for item in items:
        if isinstance(item, _ParamScheduler):
            built.append(item)
        else:
            cfg = (
                _with_default_end(item, max_epochs, max_iters)
                if isinstance(item, Mapping)
                else item
            )
            built.append(build_param_scheduler(cfg, optimizer, epoch_length))
    return built
