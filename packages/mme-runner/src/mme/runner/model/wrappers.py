"""Model wrappers (``MODEL_WRAPPERS``): DDP that keeps the ``train_step``/``val_step`` API."""

from __future__ import annotations

from typing import Any

from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mme.registry import MODEL_WRAPPERS, Registry
from mme.runner.model.losses import update_if_finite
from mme.runner.model.utils import detect_anomalous_params

MODEL_WRAPPERS.register_module(module=DistributedDataParallel)


def is_model_wrapper(model: Any, registry: Registry = MODEL_WRAPPERS) -> bool:
    """Whether ``model`` is an instance of a class registered in ``registry`` or its children.

    Examples:
        >>> is_model_wrapper(nn.Linear(1, 1))
        False
    """
    wrappers = tuple(cls for cls in registry.module_dict.values() if isinstance(cls, type))
    if wrappers and isinstance(model, wrappers):
        return True
    return any(is_model_wrapper(model, child) for child in registry.children.values())


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallel(DistributedDataParallel):
    """``DistributedDataParallel`` for a ``BaseModel``: the runner calls ``train_step`` on it.

    ``train_step`` runs the data preprocessor and ``forward(mode='loss')`` through DDP (so
    gradients are averaged over the ranks during backward), then the wrapped model's
    ``parse_losses`` and non-finite check, then ``optim_wrapper.update_params``. The finite
    flag is reduced over the ranks first, so that all of them raise or skip the step together.
    ``val_step``/``test_step`` call the wrapped model's (no gradient synchronisation needed).

    Args:
        module: the model (a ``BaseModel``).
        detect_anomalous_params: log the parameters the loss does not depend on, at every
            step (slow; for debugging "unused parameters" errors).
        **kwargs: passed to ``DistributedDataParallel`` (``device_ids``,
            ``find_unused_parameters``...).
    """

    def __init__(
        self, module: nn.Module, detect_anomalous_params: bool = False, **kwargs: Any
    ) -> None:
        from mme.runner.model.separate_ddp import check_device_ids

        check_device_ids(kwargs.get("device_ids"), "MMDistributedDataParallel")
        super().__init__(module=module, **kwargs)
        self.detect_anomalous_params = detect_anomalous_params

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Any]:
        """One optimisation step on this rank's batch; returns the values to log."""
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode="loss")
        parsed_loss, log_vars = self.module.parse_losses(losses)
        policy = getattr(self.module, "nonfinite_loss", "raise")
        update_if_finite(parsed_loss, log_vars, policy, optim_wrapper, all_ranks=True)
        if self.detect_anomalous_params:
            detect_anomalous_params(parsed_loss, model=self)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """The wrapped model's ``val_step``."""
        return self.module.val_step(data)

    def test_step(self, data: Any) -> Any:
        """The wrapped model's ``test_step``."""
        return self.module.test_step(data)

    def _run_forward(self, data: Any, mode: str) -> Any:
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, (list, tuple)):
            return self(*data, mode=mode)
        raise TypeError(
            "The data preprocessor must return a dict (passed as **data) or a tuple/list "
            f"(passed as *data) to forward, got {type(data).__name__}."
        )
