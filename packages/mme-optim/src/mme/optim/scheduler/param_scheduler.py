"""Parameter schedulers: schedule any key of the optimizer's ``param_groups`` (OPT-15..OPT-22).

Every scheduler is active in ``[begin, end)``, counted in epochs (``by_epoch=True``) or
iterations, and changes the current values multiplicatively (the "chainable" form of
``torch.optim.lr_scheduler``), so that several schedulers compose: a warm-up followed by
a decay, or a learning rate and a momentum schedule side by side. ``last_step`` counts
the steps taken inside ``[begin, end)``: milestones and periods count from ``begin``.

``state_dict()`` holds plain Python values only (a checkpoint with it loads with
``torch.load(weights_only=True)``); a scheduler restored with ``load_state_dict`` goes on
exactly as one that never stopped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from torch.optim import Optimizer

from mme.logging import print_log
from mme.optim._suggest import did_you_mean
from mme.optim.base import BaseOptimWrapper
from mme.registry import PARAM_SCHEDULERS

#: ``end`` of a scheduler that never ends.
INF = int(1e9)

OptimizerType = Optimizer | BaseOptimWrapper


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """``value`` with dict/tuple subclasses turned into plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return value.item()
    return value


class _ParamScheduler:
    """Base class of the parameter schedulers: subclasses define ``_get_value``.

    Args:
        optimizer: The optimizer (or ``OptimWrapper``) whose param groups to change.
        param_name: The param group key to schedule (``'lr'``, ``'momentum'``,
            ``'weight_decay'``...).
        begin: The first step (epoch or iteration) at which the scheduler acts.
        end: The step at which it stops acting (exclusive); default: never.
        last_step: The last step taken, to resume without a state dict; -1 to start.
        by_epoch: Whether steps are epochs (True) or iterations (False).
        verbose: Log every value set.
    """

    #: Arguments counted in steps, multiplied by the epoch length by
    #: ``build_iter_from_epoch``.
    _step_args: ClassVar[tuple[str, ...]] = ()
    #: Whether ``step`` needs the validation metrics (ReduceOnPlateau).
    need_val_args: ClassVar[bool] = False

    @classmethod
    def _end_shapes_schedule(cls, cfg: Mapping[str, Any]) -> bool:
        """Whether, for ``cfg``, ``end`` changes the values (not only where they stop)."""
        return False

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self._check_common(optimizer, param_name, begin, end, last_step)
        self.optimizer = optimizer
        self.param_name = param_name
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        self._init_base_values(last_step)
        self.last_step = last_step
        self._global_step = -1
        self.verbose = verbose
        self.step()

    # ---------------------------------------------------------------- checks
    def _check_common(
        self, optimizer: Any, param_name: str, begin: Any, end: Any, last_step: Any
    ) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, (Optimizer, BaseOptimWrapper)):
            raise TypeError(
                f"{name}: optimizer must be a torch.optim.Optimizer or an optimizer wrapper, got "
                f"{type(optimizer).__name__}"
            )
        for i, group in enumerate(optimizer.param_groups):
            if param_name not in group:
                keys = [k for k in group if k != "params"]
                raise ValueError(
                    f"{name}: param_name={param_name!r} is not a key of the optimizer's "
                    f"param_groups[{i}] ({type(_raw(optimizer)).__name__})."
                    f"{did_you_mean(param_name, keys)} Its keys: {', '.join(keys)}"
                )
        if not _is_int(begin) or not _is_int(end):
            raise TypeError(f"{name}: begin and end must be ints, got begin={begin!r}, end={end!r}")
        if begin < 0:
            raise ValueError(f"{name}: begin={begin} must be >= 0")
        if begin >= end:
            raise ValueError(
                f"{name}: begin={begin} must be smaller than end={end} (the scheduler acts "
                "in [begin, end))"
            )
        if not _is_int(last_step) or last_step < -1:
            raise ValueError(f"{name}: last_step must be an int >= -1, got {last_step!r}")

    def _init_base_values(self, last_step: int) -> None:
        key = f"initial_{self.param_name}"
        for i, group in enumerate(self.optimizer.param_groups):
            if last_step == -1:
                group.setdefault(key, group[self.param_name])
            elif key not in group:
                raise KeyError(
                    f"{type(self).__name__}: resuming with last_step={last_step} needs "
                    f"{key!r} in param_groups[{i}]; load the optimizer's state first, or "
                    "load the scheduler's state_dict instead of passing last_step"
                )
        self.base_values = [group[key] for group in self.optimizer.param_groups]

    def _check_in_range(self, arg: str, steps: Sequence[Any]) -> None:
        """Each of ``steps`` must be an int in ``[0, end - begin)``."""
        length = self.end - self.begin
        for step in steps:
            if not _is_int(step):
                raise TypeError(f"{type(self).__name__}: {arg} must be ints, got {step!r}")
            if step < 0 or (self.end != INF and step >= length):
                raise ValueError(
                    f"{type(self).__name__}: {arg} value {step} is outside the scheduler's "
                    f"range [begin={self.begin}, end={self.end}): {arg} count from begin, so "
                    f"they must lie in [0, {length})"
                )

    def _positive_int(self, arg: str, value: Any) -> None:
        if not _is_int(value) or value <= 0:
            raise ValueError(f"{type(self).__name__}: {arg} must be a positive int, got {value!r}")

    # ---------------------------------------------------------------- stepping
    def _get_value(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} must define _get_value")

    def step(self) -> None:
        """Advance one step (epoch or iteration) and set the scheduled values."""
        self._global_step += 1
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            values = self._get_value()
            for i, (group, value) in enumerate(
                zip(self.optimizer.param_groups, values, strict=False)
            ):
                group[self.param_name] = value
                if self.verbose:
                    self.print_value(True, i, value)
        self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]

    def print_value(self, is_verbose: bool, group: int, value: float) -> None:
        """Log the value set in param group ``group`` when ``is_verbose``."""
        if is_verbose:
            print_log(f"Adjusting parameter value of group {group} to {value:.4e}.", "current")

    def get_last_value(self) -> list[float]:
        """The values the last step left in the param groups."""
        return self._last_value

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, as plain Python values."""
        return {k: _plain(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from ``state_dict``."""
        unknown = [k for k in state_dict if k not in self.__dict__]
        if unknown:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: unknown keys {unknown} (a state "
                "saved by another kind of scheduler?)"
            )
        for key, value in state_dict.items():
            self.__dict__[key] = self._restore(key, value)

    def _restore(self, key: str, value: Any) -> Any:
        return value

    # ------------------------------------------------------ epoch -> iteration
    @classmethod
    def build_iter_from_epoch(
        cls,
        *args: Any,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        epoch_length: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Build an iteration-based scheduler from an epoch-based config.

        ``begin``, ``end`` and the arguments counted in epochs (milestones, step sizes,
        periods, ``T_max``...) are multiplied by ``epoch_length``.
        """
        name = cls.__name__
        if not by_epoch:
            raise ValueError(
                f"{name}: only an epoch-based config (by_epoch=True) can be converted to "
                "iterations (convert_to_iter_based / build_iter_from_epoch)"
            )
        if not _is_int(epoch_length) or epoch_length <= 0:  # type: ignore[operator]
            raise ValueError(
                f"{name}: epoch_length must be a positive int (the iterations of one epoch) "
                f"to convert by_epoch=True to iterations, got {epoch_length!r}"
            )
        assert epoch_length is not None
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        for arg in cls._step_args:
            value = kwargs.get(arg)
            if isinstance(value, (list, tuple)):
                kwargs[arg] = [v * epoch_length for v in value]
            elif value is not None:
                kwargs[arg] = value * epoch_length
        cls._convert_extra(kwargs, epoch_length)
        kwargs.update(begin=begin, end=end, by_epoch=False)
        return cls(*args, **kwargs)

    @classmethod
    def _convert_extra(cls, kwargs: dict[str, Any], epoch_length: int) -> None:
        """Convert other arguments for ``build_iter_from_epoch`` (in place)."""

    def __repr__(self) -> str:
        unit = "epoch" if self.by_epoch else "iter"
        end = "inf" if self.end == INF else self.end
        return (
            f"{type(self).__name__}(param_name={self.param_name!r}, begin={self.begin}, "
            f"end={end}, by_epoch={self.by_epoch}, last_step={self.last_step} {unit})"
        )


def _raw(optimizer: Any) -> Any:
    return optimizer.optimizer if isinstance(optimizer, BaseOptimWrapper) else optimizer


def _current(scheduler: _ParamScheduler) -> list[float]:
    return [group[scheduler.param_name] for group in scheduler.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class StepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every ``step_size`` steps."""

    _step_args = ("step_size",)

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        step_size: int,
        gamma: float = 0.1,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self._positive_int("step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[float]:
        if self.last_step == 0 or self.last_step % self.step_size != 0:
            return _current(self)
        return [v * self.gamma for v in _current(self)]


@PARAM_SCHEDULERS.register_module()
class MultiStepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` at each milestone (counted from ``begin``)."""

    _step_args = ("milestones",)

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_step: int = -1,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence):
            raise TypeError(
                f"{type(self).__name__}: milestones must be a list of ints, got {milestones!r}"
            )
        self.begin, self.end = begin, end
        if _is_int(begin) and _is_int(end) and begin < end:
            self._check_in_range("milestones", milestones)
        counts: dict[int, int] = {}
        for m in milestones:
            counts[m] = counts.get(m, 0) + 1
        self.milestones = counts
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _restore(self, key: str, value: Any) -> Any:
        if key == "milestones":
            return {int(k): int(v) for k, v in value.items()}
        return value

    def _get_value(self) -> list[float]:
        count = self.milestones.get(self.last_step)
        if count is None:
            return _current(self)
        return [v * self.gamma**count for v in _current(self)]


@PARAM_SCHEDULERS.register_module()
class ConstantParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` until the last step of ``[begin, end)``."""

    @classmethod
    def _end_shapes_schedule(cls, cfg: Mapping[str, Any]) -> bool:
        return True

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        factor: float = 1.0 / 3,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        if not 0 < factor <= 1.0:
            raise ValueError(f"{type(self).__name__}: factor must be in (0, 1], got {factor!r}")
        self.factor = factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[float]:
        if self.last_step == 0:
            return [v * self.factor for v in _current(self)]
        if self.last_step != self.total_iters:
            return _current(self)
        return [v * (1.0 / self.factor) for v in _current(self)]


@PARAM_SCHEDULERS.register_module()
class ExponentialParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every step.

    Converted to iterations, ``gamma`` becomes ``gamma ** (1 / epoch_length)`` so that
    the value at each epoch boundary is the epoch-based one.
    """

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        gamma: float,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    @classmethod
    def _convert_extra(cls, kwargs: dict[str, Any], epoch_length: int) -> None:
        if "gamma" in kwargs:
            kwargs["gamma"] = kwargs["gamma"] ** (1.0 / epoch_length)

    def _get_value(self) -> list[float]:
        if self.last_step == 0:
            return _current(self)
        return [v * self.gamma for v in _current(self)]


def _eta_min_check(name: str, eta_min: Any, eta_min_ratio: Any) -> None:
    if eta_min is not None and eta_min_ratio is not None:
        raise ValueError(f"{name}: give eta_min or eta_min_ratio, not both")


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingParamScheduler(_ParamScheduler):
    """Cosine annealing from the initial value to ``eta_min`` over ``T_max`` steps.

    ``T_max`` defaults to ``end - begin``; ``eta_min_ratio`` gives ``eta_min`` as a
    fraction of the initial value.
    """

    @classmethod
    def _end_shapes_schedule(cls, cfg: Mapping[str, Any]) -> bool:
        return cfg.get("T_max") is None

    _step_args = ("T_max",)

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        T_max: int | None = None,
        eta_min: float | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
        eta_min_ratio: float | None = None,
    ) -> None:
        name = type(self).__name__
        _eta_min_check(name, eta_min, eta_min_ratio)
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.0
        if T_max is None:
            if end == INF:
                raise ValueError(f"{name}: give T_max, or an end to anneal until")
            T_max = end - begin
        self._positive_int("T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _eta_min(self, base: float) -> float:
        if self.eta_min_ratio is None:
            assert self.eta_min is not None
            return self.eta_min
        return base * self.eta_min_ratio

    def _get_value(self) -> list[float]:
        step, t_max = self.last_step, self.T_max
        if step == 0:
            return _current(self)
        values = []
        for base, value in zip(self.base_values, _current(self), strict=False):
            eta_min = self._eta_min(base)
            if (step - 1 - t_max) % (2 * t_max) == 0:
                values.append(value + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2)
            else:
                values.append(
                    (1 + math.cos(math.pi * step / t_max))
                    / (1 + math.cos(math.pi * (step - 1) / t_max))
                    * (value - eta_min)
                    + eta_min
                )
        return values


@PARAM_SCHEDULERS.register_module()
class LinearParamScheduler(_ParamScheduler):
    """Change the value linearly from ``start_factor`` to ``end_factor`` times the
    initial value over ``[begin, end)``."""

    @classmethod
    def _end_shapes_schedule(cls, cfg: Mapping[str, Any]) -> bool:
        return True

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if not 0 < start_factor <= 1.0:
            raise ValueError(f"{name}: start_factor must be in (0, 1], got {start_factor!r}")
        if not 0 <= end_factor <= 1.0:
            raise ValueError(f"{name}: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[float]:
        if self.last_step == 0:
            return [v * self.start_factor for v in _current(self)]
        if self.last_step > self.total_iters:
            return _current(self)
        delta = self.end_factor - self.start_factor
        factor = 1.0 + delta / (self.total_iters * self.start_factor + (self.last_step - 1) * delta)
        return [v * factor for v in _current(self)]


@PARAM_SCHEDULERS.register_module()
class PolyParamScheduler(_ParamScheduler):
    """Polynomial decay to ``eta_min`` (with ``power``) over ``[begin, end)``."""

    @classmethod
    def _end_shapes_schedule(cls, cfg: Mapping[str, Any]) -> bool:
        return True

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        eta_min: float = 0,
        power: float = 1.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.eta_min = eta_min
        self.power = power
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[float]:
        if self.last_step == 0:
            return _current(self)
        remaining = self.total_iters - self.last_step + 1
        factor = (1 - 1 / remaining) ** self.power
        return [(v - self.eta_min) * factor + self.eta_min for v in _current(self)]


@PARAM_SCHEDULERS.register_module()
class OneCycleParamScheduler(_ParamScheduler):
    """The 1cycle policy: up from ``eta_max / div_factor`` to ``eta_max``, then down to
    ``eta_max / div_factor / final_div_factor`` over ``total_steps``."""

    @classmethod
    def _end_shapes_schedule(cls, cfg: Mapping[str, Any]) -> bool:
        return cfg.get("total_steps") is None

    _step_args = ("total_steps",)

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        eta_max: float | Sequence[float] = 0,
        total_steps: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if total_steps is None:
            if end == INF:
                raise ValueError(f"{name}: give total_steps, or an end to cycle until")
            total_steps = end - begin
        self._positive_int("total_steps", total_steps)
        self.total_steps = total_steps
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self.anneal_strategy = anneal_strategy
        p = param_name
        if three_phase:
            phases = [
                (float(pct_start * total_steps) - 1, f"initial_{p}", f"max_{p}"),
                (float(2 * pct_start * total_steps) - 2, f"max_{p}", f"initial_{p}"),
                (total_steps - 1, f"initial_{p}", f"min_{p}"),
            ]
        else:
            phases = [
                (float(pct_start * total_steps) - 1, f"initial_{p}", f"max_{p}"),
                (total_steps - 1, f"max_{p}", f"min_{p}"),
            ]
        self._phases: list[tuple[float, str, str]] = [
            (float(end_step), start, end_) for end_step, start, end_ in phases
        ]
        groups = optimizer.param_groups
        if isinstance(eta_max, (list, tuple)):
            if len(eta_max) != len(groups):
                raise ValueError(
                    f"{name}: eta_max has {len(eta_max)} values for {len(groups)} param groups"
                )
            max_values = list(eta_max)
        else:
            max_values = [eta_max] * len(groups)
        if last_step == -1:
            for group, max_value in zip(groups, max_values, strict=False):
                group[f"initial_{p}"] = max_value / div_factor
                group[f"max_{p}"] = max_value
                group[f"min_{p}"] = group[f"initial_{p}"] / final_div_factor
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[float]:
        step = self.last_step
        if step > self.total_steps:
            raise ValueError(
                f"{type(self).__name__}: stepped {step + 1} times, more than "
                f"total_steps={self.total_steps}"
            )
        values = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, start_key, end_key) in enumerate(self._phases):
                if step <= end_step or i == len(self._phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    values.append(self._anneal(group[start_key], group[end_key], pct))
                    break
                start_step = end_step
        return values

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start


@PARAM_SCHEDULERS.register_module()
class CosineRestartParamScheduler(_ParamScheduler):
    """Cosine annealing with restarts: one cosine period per entry of ``periods``,
    restarting at ``restart_weights[i]`` times the initial value."""

    _step_args = ("periods",)

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        periods: Sequence[int],
        restart_weights: Sequence[float] = (1,),
        eta_min: float | None = None,
        eta_min_ratio: float | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        _eta_min_check(name, eta_min, eta_min_ratio)
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.0
        if isinstance(periods, (str, bytes)) or not isinstance(periods, Sequence) or not periods:
            raise TypeError(f"{name}: periods must be a non-empty list of ints, got {periods!r}")
        for period in periods:
            self._positive_int("periods", period)
        if len(periods) != len(restart_weights):
            raise ValueError(
                f"{name}: periods ({len(periods)} values) and restart_weights "
                f"({len(restart_weights)} values) must have the same length"
            )
        self.periods = list(periods)
        self.restart_weights = list(restart_weights)
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.cumulative_periods = [sum(self.periods[: i + 1]) for i in range(len(self.periods))]
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[float]:
        idx = next((i for i, c in enumerate(self.cumulative_periods) if self.last_step < c), None)
        if idx is None:
            return _current(self)
        weight = self.restart_weights[idx]
        restart = 0 if idx == 0 else self.cumulative_periods[idx - 1]
        period = self.periods[idx]
        step = self.last_step - restart
        values = []
        for base, value in zip(self.base_values, _current(self), strict=False):
            eta_max = base * weight
            eta_min = self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio
            assert eta_min is not None
            if step == 0:
                values.append(eta_max)
            else:
                values.append(
                    (1 + math.cos(math.pi * step / period))
                    / (1 + math.cos(math.pi * (step - 1) / period))
                    * (value - eta_min)
                    + eta_min
                )
        return values


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` when the ``monitor`` metric stops improving.

    The runner calls ``step()`` after each training epoch (counting epochs) and
    ``step(metrics)`` after each validation with the metrics dict.

    Args:
        monitor: The metric to watch (a key of the validation metrics).
        rule: ``'less'`` (lower is better) or ``'greater'``.
        factor: Multiplier applied on a plateau (< 1).
        patience: Validations without improvement tolerated before reducing.
        threshold: Minimal change that counts as an improvement.
        threshold_rule: ``'rel'`` (relative to the best) or ``'abs'``.
        cooldown: Validations to wait after a reduction before counting again.
        min_value: Lower bound of the value (one for all groups, or one per group).
        eps: Reductions smaller than this are ignored.
    """

    need_val_args = True

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        monitor: str = "loss",
        rule: str = "less",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_rule: str = "rel",
        cooldown: int = 0,
        min_value: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        self._check_common(optimizer, param_name, begin, end, last_step)
        if not by_epoch:
            raise ValueError(f"{name}: only by_epoch=True is supported (it acts on validations)")
        if factor >= 1.0:
            raise ValueError(f"{name}: factor must be < 1.0, got {factor!r}")
        if rule not in ("less", "greater"):
            raise ValueError(f"{name}: rule must be 'less' or 'greater', got {rule!r}")
        if threshold_rule not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_rule must be 'rel' or 'abs', got {threshold_rule!r}"
            )
        if threshold < 0:
            raise ValueError(f"{name}: threshold must be >= 0, got {threshold!r}")
        groups = optimizer.param_groups
        if isinstance(min_value, (list, tuple)):
            if len(min_value) != len(groups):
                raise ValueError(
                    f"{name}: min_value has {len(min_value)} values for {len(groups)} param groups"
                )
            self.min_values = [float(v) for v in min_value]
        else:
            self.min_values = [float(min_value)] * len(groups)  # type: ignore[arg-type]
        self.optimizer = optimizer
        self.param_name = param_name
        self.begin, self.end, self.by_epoch = begin, end, by_epoch
        self._init_base_values(last_step)
        self.last_step = last_step
        self._global_step = 0
        self.verbose = verbose
        self.monitor = monitor
        self.rule = rule
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_rule = threshold_rule
        self.cooldown = cooldown
        self.eps = eps
        self.cooldown_counter = 0
        self.num_bad_epochs = 0
        self.best = math.inf if rule == "less" else -math.inf
        self._last_value = _current(self)

    def _is_better(self, value: float) -> bool:
        if self.rule == "less":
            if self.threshold_rule == "rel":
                return value < self.best * (1.0 - self.threshold)
            return value < self.best - self.threshold
        if self.threshold_rule == "rel":
            return value > self.best * (1.0 + self.threshold)
        return value > self.best + self.threshold

    def step(self, metrics: dict[str, Any] | None = None) -> None:
        """Count an epoch (no ``metrics``), or judge the validation ``metrics``."""
        if metrics is None:
            self._global_step += 1
            return
        if not isinstance(metrics, dict):
            raise TypeError(
                f"{type(self).__name__}.step: metrics must be a dict, got {type(metrics).__name__}"
            )
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            if self.monitor not in metrics:
                raise KeyError(
                    f"{type(self).__name__}: monitor={self.monitor!r} is not in the validation "
                    f"metrics ({', '.join(map(repr, metrics))})."
                    f"{did_you_mean(self.monitor, metrics)}"
                )
            value = float(metrics[self.monitor])
            if self._is_better(value):
                self.best = value
                self.num_bad_epochs = 0
            else:
                self.num_bad_epochs += 1
            if self.cooldown_counter > 0:
                self.cooldown_counter -= 1
                self.num_bad_epochs = 0
            if self.num_bad_epochs > self.patience:
                for i, (group, value_) in enumerate(
                    zip(self.optimizer.param_groups, self._get_value(), strict=False)
                ):
                    if group[self.param_name] - value_ > self.eps:
                        group[self.param_name] = value_
                        if self.verbose:
                            self.print_value(True, i, value_)
                self.cooldown_counter = self.cooldown
                self.num_bad_epochs = 0
        self._last_value = _current(self)

    def _get_value(self) -> list[float]:
        return [
            max(float(v) * self.factor, min_v)
            for v, min_v in zip(_current(self), self.min_values, strict=False)
        ]

    @classmethod
    def build_iter_from_epoch(cls, *args: Any, **kwargs: Any) -> Any:
        """Not available: ReduceOnPlateau acts on validations, which are epoch-based."""
        raise ValueError(
            f"{cls.__name__} acts after validations and cannot be converted to iterations "
            "(remove convert_to_iter_based)"
        )
