"""``EarlyStoppingHook``: stops training when a validation metric stops improving."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mme.registry import HOOKS
from mme.runner._suggest import did_you_mean
from mme.runner.hooks.checkpoint_hook import GREATER_KEYS, LESS_KEYS, RULES, infer_rule
from mme.runner.hooks.hook import Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class EarlyStoppingHook(Hook):
    """Stops training after ``patience`` validations without an improvement of ``monitor``.

    Args:
        monitor: The metric to watch (a key of the evaluator's results).
        rule: ``'greater'`` or ``'less'``; inferred from the metric's name when None.
        min_delta: The smallest change that counts as an improvement.
        strict: Raise when ``monitor`` is missing from the metrics (otherwise warn).
        check_finite: Stop at once when the metric is NaN or infinite.
        patience: Validations without improvement before stopping.
        stopping_threshold: Stop as soon as the metric reaches this value.
    """

    priority = "LOWEST"

    def __init__(
        self,
        monitor: str,
        rule: str | None = None,
        min_delta: float = 0.1,
        strict: bool = False,
        check_finite: bool = True,
        patience: int = 5,
        stopping_threshold: float | None = None,
    ) -> None:
        if rule is None:
            rule = infer_rule(monitor, GREATER_KEYS, LESS_KEYS, "EarlyStoppingHook")
        if rule not in RULES:
            raise ValueError(f"EarlyStoppingHook: rule must be 'greater' or 'less', got {rule!r}")
        if patience < 1:
            raise ValueError(f"EarlyStoppingHook: patience must be >= 1, got {patience}")
        self.monitor = monitor
        self.rule = rule
        self.min_delta = abs(min_delta)
        self.strict = strict
        self.check_finite = check_finite
        self.patience = patience
        self.stopping_threshold = stopping_threshold
        self.best_score = -math.inf if rule == "greater" else math.inf
        self.wait_count = 0

    def _better(self, value: float, reference: float) -> bool:
        if self.rule == "greater":
            return value > reference
        return value < reference

    def before_run(self, runner: Runner) -> None:
        self.best_score = -math.inf if self.rule == "greater" else math.inf
        self.wait_count = 0

    def after_val_epoch(self, runner: Runner, metrics: dict[str, Any] | None = None) -> None:
        metrics = metrics or {}
        if self.monitor not in metrics:
            message = (
                f"EarlyStoppingHook: monitor={self.monitor!r} is not among the metrics "
                f"{sorted(metrics)}.{did_you_mean(self.monitor, metrics)}"
            )
            if self.strict:
                raise KeyError(message)
            runner.logger.warning(message)
            return
        value = float(metrics[self.monitor])
        reason = None
        if self.check_finite and not math.isfinite(value):
            reason = f"{self.monitor} is {value}"
        elif self.stopping_threshold is not None and (
            self._better(value, self.stopping_threshold) or value == self.stopping_threshold
        ):
            reason = f"{self.monitor} reached the stopping threshold {self.stopping_threshold}"
        else:
            step = self.min_delta if self.rule == "greater" else -self.min_delta
            if self._better(value - step, self.best_score):
                self.best_score = value
                self.wait_count = 0
            else:
                self.wait_count += 1
                if self.wait_count >= self.patience:
                    reason = (
                        f"{self.monitor} did not improve by {self.min_delta} in the last "
                        f"{self.patience} validations (best {self.best_score:.4f})"
                    )
        if reason is not None and runner.train_loop_built:
            runner.train_loop.stop_training = True
            runner.logger.info(f"Early stopping: {reason}")
