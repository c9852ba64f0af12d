"""BaseModel: the model API the Runner drives (``train_step``, ``val_step``, ``test_step``)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch
from torch import Tensor, nn

from mme.registry import MODELS
from mme.runner._suggest import did_you_mean
from mme.runner.model.base_module import BaseModule
from mme.runner.model.data_preprocessor import BaseDataPreprocessor, _cuda_device
from mme.runner.model.losses import NONFINITE_POLICIES, parse_losses, update_if_finite

MODES = ("loss", "predict", "tensor")


class BaseModel(BaseModule):
    """Base class of the models trained by the Runner: implement ``forward`` and you are done.

    ``forward(*inputs, mode)`` has three modes: ``'loss'`` returns a dict of losses,
    ``'predict'`` the predictions the evaluator takes, ``'tensor'`` the raw outputs. The
    steps:

    - ``train_step(data, optim_wrapper)``: ``data_preprocessor(data, training=True)``,
      ``forward(mode='loss')`` (a dict batch as ``**data``, a tuple/list as ``*data``), then
      ``parse_losses``, the non-finite check and ``optim_wrapper.update_params(loss)``;
      returns the values to log (detached tensors, read only when logged).
    - ``val_step(data)`` / ``test_step(data)``: ``data_preprocessor(data, training=False)``
      then ``forward(mode='predict')``.

    Args:
        data_preprocessor: a module, or a config dict built by ``MODELS``; default
            ``BaseDataPreprocessor()`` (moves the batch to the model's device).
        init_cfg: the weight initialisation, see ``BaseModule``.
        nonfinite_loss: what ``train_step`` does when the loss is NaN or infinite:
            ``'raise'`` (default) raises ``NonFiniteLossError`` naming the loss keys (on the
            CPU before the update; on a GPU after it, so that the GPU never waits for the
            check); ``'skip'`` logs a warning and skips the update; ``'ignore'`` updates
            anyway (MMEngine's behaviour) and never reads the loss. See
            ``mme.runner.model.losses.update_if_finite``.
    """

    def __init__(
        self,
        data_preprocessor: dict[str, Any] | nn.Module | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
        nonfinite_loss: str = "raise",
    ) -> None:
        super().__init__(init_cfg)
        if data_preprocessor is None:
            data_preprocessor = dict(type="BaseDataPreprocessor")
        if isinstance(data_preprocessor, nn.Module):
            self.data_preprocessor = data_preprocessor
        elif isinstance(data_preprocessor, dict):
            self.data_preprocessor = MODELS.build(data_preprocessor)
        else:
            raise TypeError(
                "data_preprocessor must be an nn.Module, a config dict or None, got "
                f"{type(data_preprocessor).__name__}: {data_preprocessor!r}"
            )
        self.nonfinite_loss = nonfinite_loss

    @property
    def nonfinite_loss(self) -> str:
        """What ``train_step`` does with a NaN or infinite loss: raise, skip or ignore."""
        return self._nonfinite_loss

    @nonfinite_loss.setter
    def nonfinite_loss(self, policy: str) -> None:
        if policy not in NONFINITE_POLICIES:
            raise ValueError(
                f"nonfinite_loss must be one of {NONFINITE_POLICIES}, got {policy!r}."
                f"{did_you_mean(str(policy), NONFINITE_POLICIES)}"
            )
        self._nonfinite_loss = policy

    # ------------------------------------------------------------------ steps
    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Tensor]:
        """One optimisation step; returns the values to log (``loss`` last).

        Raises:
            NonFiniteLossError: the loss is NaN or infinite and ``nonfinite_loss='raise'``.
        """
        # (The preprocessor read from _modules, where nn.Module keeps it, without the Python
        # __getattr__ of nn.Module on the way: this runs every step.)
        preprocessor = self._modules.get("data_preprocessor")
        if preprocessor is None:
            preprocessor = self.data_preprocessor
        context = optim_wrapper.optim_context(self)
        if type(context) is nullcontext:  # most steps: nothing to enter, no calls spent on it
            data = preprocessor(data, True)
            losses = self._run_forward(data, mode="loss")
        else:
            with context:
                data = preprocessor(data, True)
                losses = self._run_forward(data, mode="loss")
        parsed_losses, log_vars = self.parse_losses(losses)
        update_if_finite(parsed_losses, log_vars, self._nonfinite_loss, optim_wrapper)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """Predictions for a validation batch (``forward(mode='predict')``)."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode="predict")

    def test_step(self, data: Any) -> Any:
        """Predictions for a test batch (``forward(mode='predict')``)."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode="predict")

    def parse_losses(self, losses: dict[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
        """``(loss, log_vars)``: the sum of the ``*loss*`` entries and every entry detached.

        See ``mme.runner.model.parse_losses``.
        """
        return parse_losses(losses)

    def _run_forward(self, data: Any, mode: str) -> Any:
        """``self(**data, mode=mode)`` for a dict, ``self(*data, mode=mode)`` for a tuple/list."""
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, (list, tuple)):
            return self(*data, mode=mode)
        raise TypeError(
            "The data preprocessor must return a dict (passed to forward as **data) or a "
            f"tuple/list (passed as *data), got {type(data).__name__}."
        )

    # ------------------------------------------------------------------ devices
    def to(self, *args: Any, **kwargs: Any) -> BaseModel:
        """``nn.Module.to``; the data preprocessors follow the device."""
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._set_device(torch.device(device))
        return super().to(*args, **kwargs)

    def cuda(self, device: torch.device | int | None = None) -> BaseModel:
        """``nn.Module.cuda``; the data preprocessors follow the device."""
        self._set_device(_cuda_device(device))
        return super().cuda(device)

    def cpu(self) -> BaseModel:
        """``nn.Module.cpu``; the data preprocessors follow the device."""
        self._set_device(torch.device("cpu"))
        return super().cpu()

    def _set_device(self, device: torch.device) -> None:
        for module in self.modules():
            if isinstance(module, BaseDataPreprocessor):
                module._device = device
