"""``PrepareTTAHook``: wraps the model in a TTA model just before testing (MOD-10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mme.registry import HOOKS, MODELS
from mme.runner.hooks.hook import Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class PrepareTTAHook(Hook):
    """Before the test, replace the model by ``tta_cfg`` built around it (inside the DDP
    wrapper, if any), so the weights are loaded into the plain model first.

    Args:
        tta_cfg: The TTA model's config, e.g. ``dict(type='AverageClsScoreTTA')``.
    """

    def __init__(self, tta_cfg: dict) -> None:
        if not isinstance(tta_cfg, dict) or "type" not in tta_cfg:
            raise TypeError(
                f"PrepareTTAHook: tta_cfg must be a config dict with a 'type', got {tta_cfg!r}"
            )
        self.tta_cfg = tta_cfg

    def before_test(self, runner: Runner) -> None:
        """Wrap the model."""
        from mme.runner.model.wrappers import is_model_wrapper

        if is_model_wrapper(runner.model):
            runner.model.module = MODELS.build(
                dict(self.tta_cfg), default_args=dict(module=runner.model.module)
            )
        else:
            runner.model = MODELS.build(dict(self.tta_cfg), default_args=dict(module=runner.model))
