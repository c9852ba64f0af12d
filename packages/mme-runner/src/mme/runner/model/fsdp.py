"""``MMFullyShardedDataParallel``: fully sharded data parallel on PyTorch's FSDP2 (RUN-28).

``model_wrapper_cfg=dict(type='MMFullyShardedDataParallel', cpu_offload=True)`` shards every
parameter, gradient and optimizer state over the ranks with ``torch.distributed.fsdp.
fully_shard`` (FSDP2: parameters become ``DTensor`` shards). The model keeps its step API:
``train_step`` runs the data preprocessor and the forward (FSDP2 gathers the parameters in the
module's forward hooks and reduce-scatters the gradients in backward), then the optimizer
wrapper.

Checkpoints:

- ``state_dict()`` of the wrapped model (what the Runner saves) holds **full** tensors by
  default (``state_dict_type='full'``, gathered on every rank), so a checkpoint written by an
  FSDP run loads into a plain model, and ``load_state_dict`` of full tensors re-shards them.
- ``save_sharded(path, optimizer)`` writes each rank's shards with
  ``torch.distributed.checkpoint`` (no rank holds the whole model); ``load_sharded`` reads them
  back into any number of ranks, and ``dcp_to_torch_save`` makes one ordinary file of them.
- ``full_state_dict()`` / ``full_optim_state_dict(optimizer)`` export the whole model and
  optimizer state as plain tensors, on rank 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from mme.registry import MODEL_WRAPPERS
from mme.runner.model.losses import update_if_finite

_STRATEGIES = {"FULL_SHARD": True, "SHARD_GRAD_OP": False}


def _matcher(policy: Any) -> Callable[[str, nn.Module], bool] | None:
    """``auto_wrap_policy`` as a predicate on (qualified name, module)."""
    if policy is None:
        return None
    if callable(policy) and not isinstance(policy, type):
        return lambda name, module: bool(policy(module))
    names = [policy] if isinstance(policy, str | type) else list(policy)

    def match(name: str, module: nn.Module) -> bool:
        for item in names:
            if isinstance(item, type) and isinstance(module, item):
                return True
            if isinstance(item, str) and item in (type(module).__name__, name):
                return True
        return False

    return match


@MODEL_WRAPPERS.register_module()
class MMFullyShardedDataParallel(nn.Module):
    """Shard a ``BaseModel`` with FSDP2 (``fully_shard``) and keep its step API.

    Args:
        module: The model (a ``BaseModel``), already on its device.
        cpu_offload: Keep the sharded parameters, gradients and optimizer states in CPU
            memory (``CPUOffloadPolicy``); the optimizer step runs on the CPU.
        mixed_precision: ``dict(param_dtype='bfloat16', reduce_dtype='float32')`` (names or
            torch dtypes) or a ``MixedPrecisionPolicy``.
        sharding_strategy: ``'FULL_SHARD'`` (re-shard after the forward; least memory) or
            ``'SHARD_GRAD_OP'`` (keep the gathered parameters until backward).
        auto_wrap_policy: Sub-modules sharded as their own unit (gathered one at a time):
            class names, module names or classes, or a callable ``module -> bool``.
        state_dict_type: ``'full'`` (plain tensors, the default) or ``'sharded'`` (DTensor
            shards) for ``state_dict()``.
        **kwargs: Other ``fully_shard`` arguments (``mesh``, ``reshard_after_forward``...).

    Raises:
        RuntimeError: no process group (FSDP works only in distributed runs).
    """

    def __init__(
        self,
        module: nn.Module,
        cpu_offload: bool | Any = False,
        mixed_precision: dict | Any = None,
        sharding_strategy: str = "FULL_SHARD",
        auto_wrap_policy: Any = None,
        state_dict_type: str = "full",
        **kwargs: Any,
    ) -> None:
        super().__init__()
        import torch.distributed as dist
        from torch.distributed.fsdp import CPUOffloadPolicy, MixedPrecisionPolicy, fully_shard

        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError(
                "MMFullyShardedDataParallel works only in a distributed run: start with a "
                "launcher (torchrun ... --launcher pytorch)"
            )
        if sharding_strategy not in _STRATEGIES:
            raise ValueError(
                f"MMFullyShardedDataParallel: sharding_strategy must be one of "
                f"{', '.join(_STRATEGIES)}, got {sharding_strategy!r} (for no sharding use "
                "MMDistributedDataParallel)"
            )
        if state_dict_type not in ("full", "sharded"):
            raise ValueError(
                f"MMFullyShardedDataParallel: state_dict_type must be 'full' or 'sharded', got "
                f"{state_dict_type!r}"
            )
        options: dict[str, Any] = dict(kwargs)
        options.setdefault("reshard_after_forward", _STRATEGIES[sharding_strategy])
        if cpu_offload is True:
            options["offload_policy"] = CPUOffloadPolicy(pin_memory=torch.cuda.is_available())
        elif cpu_offload:
            options["offload_policy"] = cpu_offload
        if isinstance(mixed_precision, dict):
            policy: dict[str, Any] = {
                k: _dtype(v) if k.endswith("dtype") else v for k, v in mixed_precision.items()
            }
            options["mp_policy"] = MixedPrecisionPolicy(**policy)
        elif mixed_precision is not None:
            options["mp_policy"] = mixed_precision
        match = _matcher(auto_wrap_policy)
        if match is not None:
            units = [m for n, m in module.named_modules() if n and match(n, m)]
            for unit in reversed(units):  # innermost first
                fully_shard(unit, **options)
        sharded: Any = fully_shard(module, **options)
        self.module: Any = sharded
        self.state_dict_type = state_dict_type
        # torch marks its hooks with an attribute, which a bound method cannot take
        self.module.register_state_dict_post_hook(lambda *args: self._full_state_dict_hook(*args))
        self.module.register_load_state_dict_pre_hook(lambda *args: self._shard_on_load_hook(*args))

    # ------------------------------------------------------------------ steps
    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Any]:
        """One optimisation step on this rank's batch; returns the values to log."""
        module = self.module
        with optim_wrapper.optim_context(module):
            data = module.data_preprocessor(data, training=True)
            losses = module._run_forward(data, mode="loss")
        parsed_loss, log_vars = module.parse_losses(losses)
        policy = getattr(module, "nonfinite_loss", "raise")
        update_if_finite(parsed_loss, log_vars, policy, optim_wrapper, all_ranks=True)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """The wrapped model's ``val_step`` (parameters gathered in its forward)."""
        return self.module.val_step(data)

    def test_step(self, data: Any) -> Any:
        """The wrapped model's ``test_step``."""
        return self.module.test_step(data)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped model's forward."""
        return self.module(*args, **kwargs)

    # ------------------------------------------------------------- state dicts
    def _full_state_dict_hook(
        self, module: nn.Module, state: dict, prefix: str, *args: Any
    ) -> None:
        from torch.distributed.tensor import DTensor

        if self.state_dict_type != "full":
            return
        for key, value in state.items():
            if isinstance(value, DTensor):
                state[key] = value.full_tensor().detach()

    def _shard_on_load_hook(self, module: nn.Module, state: dict, prefix: str, *args: Any) -> None:
        from torch.distributed.tensor import DTensor, distribute_tensor

        own = module.state_dict(keep_vars=True) if self.state_dict_type == "sharded" else None
        if own is None:
            saved, self.state_dict_type = self.state_dict_type, "sharded"
            try:
                own = module.state_dict(keep_vars=True)
            finally:
                self.state_dict_type = saved
        for key, value in list(state.items()):
            name = key[len(prefix) :] if key.startswith(prefix) else key
            target = own.get(name)
            if (
                isinstance(target, DTensor)
                and isinstance(value, torch.Tensor)
                and not isinstance(value, DTensor)
            ):
                state[key] = distribute_tensor(
                    value.to(target.device, target.dtype), target.device_mesh, target.placements
                )

    def attach_optimizer(self, optim_wrapper: Any) -> None:
        """Make the optimizer's ``state_dict`` hold full tensors and its ``load_state_dict``
        re-shard them (the Runner calls this when it builds the optimizer wrapper), so the
        Runner's checkpoints resume an FSDP run, on any number of ranks."""
        optimizers = (
            [w.optimizer for w in optim_wrapper.values()]
            if hasattr(optim_wrapper, "values")
            else [getattr(optim_wrapper, "optimizer", optim_wrapper)]
        )
        for optimizer in optimizers:
            if getattr(optimizer, "_mme_fsdp_attached", False):
                continue
            optimizer._mme_fsdp_attached = True
            # only for the Runner's full checkpoints: torch.distributed.checkpoint reads
            # and writes the shards (state_dict_type is 'sharded' while it runs)
            optimizer.register_state_dict_post_hook(
                lambda opt, state: _gather_state(state) if self.state_dict_type == "full" else None
            )
            optimizer.register_load_state_dict_pre_hook(
                lambda opt, state: (
                    _shard_state(opt, state) if self.state_dict_type == "full" else None
                )
            )

    def full_state_dict(self) -> dict[str, Any]:
        """The whole model as plain CPU tensors, gathered on rank 0 (call it on every rank;
        the other ranks get an empty dict)."""
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            get_model_state_dict,
        )

        saved, self.state_dict_type = self.state_dict_type, "sharded"
        try:
            return get_model_state_dict(
                self.module, options=StateDictOptions(full_state_dict=True, cpu_offload=True)
            )
        finally:
            self.state_dict_type = saved

    def full_optim_state_dict(self, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
        """The optimizer's state for the whole model, with parameter names as keys
        (gathered on rank 0: call it on every rank; the other ranks get an empty dict)."""
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            get_optimizer_state_dict,
        )

        saved, self.state_dict_type = self.state_dict_type, "sharded"
        try:
            return get_optimizer_state_dict(
                self.module,
                optimizer,
                options=StateDictOptions(full_state_dict=True, cpu_offload=True),
            )
        finally:
            self.state_dict_type = saved

    def save_sharded(self, path: str, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Write each rank's shards of the model (and optimizer) to the folder ``path``
        with ``torch.distributed.checkpoint`` (call it on every rank)."""
        import torch.distributed.checkpoint as dcp

        dcp.save(self._sharded_state(optimizer), checkpoint_id=path)

    def load_sharded(self, path: str, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Read a ``save_sharded`` folder, written by any number of ranks, into this model
        (and optimizer), re-sharding as needed (call it on every rank)."""
        import torch.distributed.checkpoint as dcp
        from torch.distributed.checkpoint.state_dict import (
            set_model_state_dict,
            set_optimizer_state_dict,
        )

        state = self._sharded_state(optimizer)
        dcp.load(state, checkpoint_id=path)
        saved, self.state_dict_type = self.state_dict_type, "sharded"
        try:
            set_model_state_dict(self.module, state["model"])
            if optimizer is not None:
                set_optimizer_state_dict(self.module, optimizer, state["optimizer"])
        finally:
            self.state_dict_type = saved

    def _sharded_state(self, optimizer: torch.optim.Optimizer | None) -> dict[str, Any]:
        from torch.distributed.checkpoint.state_dict import get_state_dict

        saved, self.state_dict_type = self.state_dict_type, "sharded"
        try:
            if optimizer is None:
                from torch.distributed.checkpoint.state_dict import get_model_state_dict

                return {"model": get_model_state_dict(self.module)}
            model_state, optim_state = get_state_dict(self.module, optimizer)
            return {"model": model_state, "optimizer": optim_state}
        finally:
            self.state_dict_type = saved


def _gather_state(state: dict[str, Any]) -> dict[str, Any]:
    from torch.distributed.tensor import DTensor

    # new dicts: the per-parameter dicts of Optimizer.state_dict() are the live state's
    state["state"] = {
        index: {
            key: value.full_tensor().detach() if isinstance(value, DTensor) else value
            for key, value in values.items()
        }
        for index, values in state.get("state", {}).items()
    }
    return state


def _shard_state(optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> dict[str, Any]:
    from torch.distributed.tensor import DTensor, distribute_tensor

    params = [p for group in optimizer.param_groups for p in group["params"]]
    indices = [i for group in state.get("param_groups", []) for i in group["params"]]
    for index, param in zip(indices, params, strict=False):
        values = state.get("state", {}).get(index)
        if not values or not isinstance(param, DTensor):
            continue
        for key, value in list(values.items()):
            if (
                isinstance(value, torch.Tensor)
                and not isinstance(value, DTensor)
                and tuple(value.shape) == tuple(param.shape)
            ):
                values[key] = distribute_tensor(
                    value.to(param.device, value.dtype), param.device_mesh, param.placements
                )
    return state


def _dtype(value: str | torch.dtype | None) -> torch.dtype | None:
    if value is None or isinstance(value, torch.dtype):
        return value
    dtype = getattr(torch, str(value), None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"MMFullyShardedDataParallel: mixed_precision dtype {value!r} is unknown")
    return dtype
