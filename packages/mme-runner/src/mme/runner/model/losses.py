"""Turn the loss dict of ``forward(mode='loss')`` into the loss to optimise and the values to log.

Nothing here reads a tensor on the host: the logged values stay (detached) tensors on the
model's device until the log processor reads them at its interval. The only host read is the
finite check of `update_if_finite`, once per step, and only when the policy asks for it;
on a GPU it is arranged so that the GPU never waits for it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from mme.runner._suggest import did_you_mean

#: What a training step does with a NaN or infinite loss (``BaseModel(nonfinite_loss=...)``).
NONFINITE_POLICIES = ("raise", "skip", "ignore")

_logger = logging.getLogger("mme.runner.model")


class NonFiniteLossError(FloatingPointError):
    """A loss of a training step is NaN or infinite; the message names the loss keys.

    Raised before the parameters are updated, so the model still holds the weights of the
    previous step. The Runner adds the epoch and iteration to the message.
    """


def parse_losses(losses: Mapping[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """``(loss, log_vars)`` from the dict returned by ``forward(mode='loss')``.

    Each value is a tensor or a list of tensors; a tensor that is not a scalar is averaged,
    a list is the sum of its averaged tensors. ``loss`` is the sum of the values whose key
    contains ``'loss'`` (other keys, such as an accuracy, are only logged). ``log_vars`` holds
    every value, detached, in the order of ``losses``, and the total under ``'loss'``.

    Raises:
        TypeError: ``losses`` is not a dict, or a value is neither a tensor nor a list of
            tensors (the message names the key).
        ValueError: no key contains ``'loss'``, so there is nothing to optimise.
    """
    if type(losses) is not dict and not isinstance(losses, Mapping):  # (dict: no ABC check)
        raise TypeError(
            "forward(mode='loss') must return a dict of losses, got "
            f"{type(losses).__name__}: {_short(losses)}"
        )
    total: Tensor | None = None
    summed = 0
    log_vars: dict[str, Tensor] = {}
    for name, value in losses.items():
        if isinstance(value, Tensor):
            reduced = value if value.ndim == 0 else value.mean()
        elif (
            isinstance(value, (list, tuple)) and value and all(isinstance(v, Tensor) for v in value)
        ):
            reduced = value[0].mean()
            for item in value[1:]:
                reduced = reduced + item.mean()
        else:
            raise TypeError(
                f"The loss {name!r} returned by forward(mode='loss') must be a tensor or a "
                f"list of tensors, got {type(value).__name__}: {_short(value)}"
            )
        if "loss" in name:
            total = reduced if total is None else total + reduced
            summed += 1
        log_vars[name] = reduced.detach()
    if total is None:
        raise ValueError(
            "forward(mode='loss') returned no key containing 'loss', so there is nothing to "
            f"optimise (keys: {list(losses)}). Only keys containing 'loss' are summed; the "
            f"others are logged.{did_you_mean('loss', [str(k) for k in losses])}"
        )
    if summed > 1 or "loss" not in log_vars:
        log_vars["loss"] = total.detach()
    # else the total is the single loss value, logged (detached) as it came, once: a detach
    # builds a tensor, and this runs every step.
    return total, log_vars


#: Devices whose finite flag is read after the update is queued (the wait then covers only
#: the forward pass already queued, so the GPU never idles for it).
OVERLAP_DEVICES = ("cuda",)


def update_if_finite(
    loss: Tensor,
    log_vars: Mapping[str, Tensor],
    policy: str,
    optim_wrapper: Any,
    all_ranks: bool = False,
) -> bool:
    """``optim_wrapper.update_params(loss)`` unless ``policy`` forbids a non-finite loss.

    Returns whether the update was made. ``'ignore'`` always updates and reads nothing.
    ``'skip'`` reads the finite flag before the update (free on the CPU; on a GPU one wait
    for the forward pass) and skips the update, with a warning, when the loss is NaN or
    infinite. ``'raise'`` raises ``NonFiniteLossError``: on the CPU before the update; on a
    GPU the flag is copied asynchronously, the update is queued, and only then does the host
    wait for the flag, which is ready as soon as the forward pass is (the backward keeps the
    GPU busy meanwhile), so the check costs no GPU idle time, and the error comes in the same
    step, after its update was applied.

    With ``all_ranks`` the flag is reduced over the default process group, so that every
    rank of a DDP run raises or skips together (a rank that stopped alone would leave the
    others waiting in the gradient all-reduce).

    Raises:
        NonFiniteLossError: the loss is NaN or infinite and ``policy`` is ``'raise'``.
    """
    if policy == "ignore":
        optim_wrapper.update_params(loss)
        return True
    total = log_vars.get("loss")  # the detached total: no autograd bookkeeping
    if total is None:
        total = loss.detach()
    # (``is_cpu`` reads a flag; ``.device.type`` builds a device and a string.)
    device_type = "cpu" if total.is_cpu else total.device.type
    if policy == "raise" and device_type in OVERLAP_DEVICES:
        bad = _bad_flag(total, all_ranks)
        host = _copy_to_host_async(bad)
        optim_wrapper.update_params(loss)
        if not bool(host.wait()):
            return True
        raise _error(loss, log_vars, updated=True)
    if device_type == "cpu" and total.numel() == 1 and not all_ranks:
        finite = math.isfinite(float(total))  # no tensor op at all
    else:
        finite = not bool(_bad_flag(total, all_ranks))
    if finite:
        optim_wrapper.update_params(loss)
        return True
    if policy == "skip":
        where = describe_nonfinite(loss, log_vars) or "the losses of another rank"
        _logger.warning("Skipped a training step: non-finite loss (%s).", where)
        return False
    raise _error(loss, log_vars, updated=False)


def _bad_flag(total: Tensor, all_ranks: bool) -> Tensor:
    """An int32 tensor on ``total``'s device: 1 if ``total`` (on any rank) is not finite."""
    bad = (~torch.isfinite(total).all()).to(torch.int32)
    if all_ranks:
        import torch.distributed as torch_dist

        if torch_dist.is_available() and torch_dist.is_initialized():
            torch_dist.all_reduce(bad, op=torch_dist.ReduceOp.MAX)
    return bad


class _HostCopy:
    """A device tensor being copied to the host; ``wait()`` returns it once it has landed."""

    def __init__(self, tensor: Tensor) -> None:
        if tensor.is_cuda:
            self._host = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=True)
            self._host.copy_(tensor, non_blocking=True)
            self._event: Any = torch.cuda.Event()
            self._event.record(torch.cuda.current_stream(tensor.device))  # the copy's stream
        else:  # other devices: a plain copy (it waits, but only where there is no overlap)
            self._host = tensor.to("cpu", copy=True)
            self._event = None

    def wait(self) -> Tensor:
        if self._event is not None:
            self._event.synchronize()  # waits for the copy, not for the work queued after it
        return self._host


def _copy_to_host_async(tensor: Tensor) -> _HostCopy:
    return _HostCopy(tensor)


def _error(loss: Tensor, log_vars: Mapping[str, Tensor], updated: bool) -> NonFiniteLossError:
    where = describe_nonfinite(loss, log_vars) or "the losses of another rank"
    if updated:
        state = (
            "This step's update was applied: on a GPU the check does not hold the update back "
            "(that would make the GPU wait every step); resume from the last checkpoint."
        )
    else:
        state = "The parameters were not updated."
    return NonFiniteLossError(
        f"Non-finite loss: {where}. {state} To skip such steps instead, build the model with "
        "nonfinite_loss='skip' (or 'ignore' to update anyway, as MMEngine does)."
    )


def describe_nonfinite(loss: Tensor, log_vars: Mapping[str, Tensor]) -> str:
    """``"loss_cls is nan, loss_box is inf (loss = nan)"``, or ``""`` if ``loss`` is finite."""
    if bool(torch.isfinite(loss).all()):
        return ""
    parts = [
        f"{name} is {_kind(value)}"
        for name, value in log_vars.items()
        if name != "loss" and "loss" in name and not bool(torch.isfinite(value).all())
    ]
    parts.append(f"(loss = {_kind(loss)})")
    return ", ".join(parts[:-1]) + (" " if len(parts) > 1 else "") + parts[-1]


def _kind(value: Tensor) -> str:
    if bool(torch.isnan(value).any()):
        return "nan"
    return "inf" if bool((value > 0).any()) else "-inf"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
