"""AmpOptimWrapper: automatic mixed precision on CUDA and on CPU (OPT-02, OPT-07).

``optim_context(model)`` runs the forward under ``torch.autocast`` on the device the
model's parameters are on; the loss is scaled by a ``torch.amp.GradScaler`` before
backward, and unscaled before clipping and stepping.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from mme.optim._suggest import did_you_mean
from mme.optim.optim_wrapper import OptimWrapper
from mme.registry import OPTIM_WRAPPERS

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}


def _cast_dtype(dtype: Any) -> torch.dtype | None:
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    if isinstance(dtype, torch.dtype) and dtype in _DTYPES.values():
        return dtype
    hint = did_you_mean(dtype, _DTYPES) if isinstance(dtype, str) else ""
    raise ValueError(
        f"AmpOptimWrapper: dtype={dtype!r} is not supported.{hint} Valid values: "
        "'float16', 'bfloat16', None (the autocast default of the device: float16 on "
        "CUDA, bfloat16 on CPU)"
    )


def _device_type(params: Iterator[torch.Tensor]) -> str | None:
    for param in params:
        return param.device.type
    return None


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` for automatic mixed precision training.

    Unlike MMEngine's, it does not require a GPU: autocast and the loss scaler run on
    the device of the parameters (CUDA, or CPU with bfloat16 or float16).

    Args:
        loss_scale: ``'dynamic'`` (a ``GradScaler`` with its defaults), a float (a fixed
            scale), or a dict of ``torch.amp.GradScaler`` arguments (``init_scale``,
            ``growth_factor``, ``backoff_factor``, ``growth_interval``, ``enabled``).
        dtype: The autocast dtype: ``'float16'``, ``'bfloat16'`` or None (the device's
            autocast default).
        use_fsdp: Scale with FSDP's ``ShardedGradScaler`` (for a model wrapped by
            ``FullyShardedDataParallel``, whose gradients are sharded).
        **kwargs: ``optimizer``, ``accumulative_counts``, ``clip_grad`` of
            ``OptimWrapper``.
    """

    def __init__(
        self,
        loss_scale: str | float | dict[str, Any] = "dynamic",
        dtype: str | torch.dtype | None = None,
        use_fsdp: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        scaler_cls: Any = torch.amp.GradScaler
        if use_fsdp:
            from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

            scaler_cls = ShardedGradScaler
        self.use_fsdp = use_fsdp
        self.cast_dtype = _cast_dtype(dtype)
        device = _device_type(p for g in self.optimizer.param_groups for p in g["params"])
        self._device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._scale_update_param: float | None = None
        if loss_scale == "dynamic":
            self.loss_scaler = scaler_cls(self._device)
        elif isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            self.loss_scaler = scaler_cls(self._device, init_scale=float(loss_scale))
        elif isinstance(loss_scale, dict):
            accepted = [
                name for name in inspect.signature(scaler_cls).parameters if name != "device"
            ]
            for key in loss_scale:
                if key not in accepted:
                    raise ValueError(
                        f"AmpOptimWrapper: loss_scale key {key!r} is not an argument of "
                        f"{scaler_cls.__name__}.{did_you_mean(key, accepted)} Accepted: "
                        f"{', '.join(accepted)}"
                    )
            self.loss_scaler = scaler_cls(self._device, **loss_scale)
        else:
            raise TypeError(
                "AmpOptimWrapper: loss_scale must be 'dynamic', a float or a dict of "
                f"GradScaler arguments, got {loss_scale!r}"
            )

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Backward the scaled loss."""
        self.loss_scaler.scale(loss).backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs: Any) -> None:
        """Unscale, clip if asked, step (skipped on inf/nan gradients), update the scale."""
        if self._clip_func is not None:
            self.loss_scaler.unscale_(self.optimizer)
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict plus ``'loss_scaler'``, the scaler's state."""
        state = self.optimizer.state_dict()
        state["loss_scaler"] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from ``state_dict`` (``'loss_scaler'`` is optional)."""
        state = dict(state_dict)
        scaler_state = state.pop("loss_scaler", None)
        if scaler_state is not None:
            self.loss_scaler.load_state_dict(scaler_state)
        self.optimizer.load_state_dict(state)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """No gradient sync on accumulation steps, and autocast on the model's device."""
        device = _device_type(model.parameters()) or self._device
        with (
            super().optim_context(model),
            torch.autocast(device_type=device, dtype=self.cast_dtype),
        ):
            yield
