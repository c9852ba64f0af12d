"""DDP for models with several optimizers, and SyncBatchNorm conversion (MOD-09).

``MMSeparateDistributedDataParallel`` wraps every child of a model that has trainable
parameters (a GAN's generator and discriminator) in its own ``MMDistributedDataParallel``, so
each can be optimised by its own optimizer in the model's own ``train_step``.
``convert_sync_batchnorm`` / ``revert_sync_batchnorm`` turn BatchNorm layers into
``SyncBatchNorm`` (statistics over all ranks; CUDA only in PyTorch) and back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.parallel import DistributedDataParallel

from mme.registry import MODEL_WRAPPERS
from mme.runner.model.wrappers import MMDistributedDataParallel


def check_device_ids(device_ids: Any, wrapper: str) -> None:
    """Reject several devices for one process (PyTorch dropped single-process multi-GPU)."""
    if device_ids is not None and len(list(device_ids)) > 1:
        raise ValueError(
            f"{wrapper}: device_ids={list(device_ids)} names several devices, but one process "
            "drives one device (multi-GPU in one process is not supported, as in PyTorch). "
            "Start one process per GPU (torchrun --nproc-per-node N ... --launcher pytorch) "
            "and leave device_ids unset"
        )


@MODEL_WRAPPERS.register_module()
class MMSeparateDistributedDataParallel(DistributedDataParallel):
    """Each trainable child of ``module`` in its own ``MMDistributedDataParallel``.

    The model's own ``train_step`` runs (it drives its sub-models and optimizers, as a GAN
    does); children without trainable parameters stay plain.

    Args:
        module: The model.
        broadcast_buffers: Passed to each child's DDP.
        find_unused_parameters: Passed to each child's DDP.
        **kwargs: Other ``DistributedDataParallel`` arguments for each child.
    """

    def __init__(
        self,
        module: nn.Module,
        broadcast_buffers: bool = False,
        find_unused_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        nn.Module.__init__(self)
        check_device_ids(kwargs.get("device_ids"), "MMSeparateDistributedDataParallel")
        self.module = module
        for name, child in list(module._modules.items()):
            if child is None:
                continue
            if any(p.requires_grad for p in child.parameters()):
                module._modules[name] = MMDistributedDataParallel(
                    module=child,
                    broadcast_buffers=broadcast_buffers,
                    find_unused_parameters=find_unused_parameters,
                    **kwargs,
                )

    def train_step(self, data: Any, optim_wrapper: Any) -> Any:
        """The model's own ``train_step`` (its children synchronise their gradients)."""
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data: Any) -> Any:
        """The model's ``val_step``."""
        return self.module.val_step(data)

    def test_step(self, data: Any) -> Any:
        """The model's ``test_step``."""
        return self.module.test_step(data)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The model's forward."""
        return self.module(*args, **kwargs)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """No gradient synchronisation in any child (gradient accumulation)."""
        with ExitStack() as stack:
            for child in self.module._modules.values():
                if isinstance(child, MMDistributedDataParallel):
                    stack.enter_context(child.no_sync())
            yield

    def train(self, mode: bool = True) -> MMSeparateDistributedDataParallel:
        """Set training mode on the model."""
        self.training = mode
        self.module.train(mode)
        return self


def convert_sync_batchnorm(module: nn.Module, implementation: str = "torch") -> nn.Module:
    """Every BatchNorm layer of ``module`` as ``torch.nn.SyncBatchNorm`` (weights kept).

    Only ``implementation='torch'`` exists here (MMCV's needs mmcv).
    """
    if implementation != "torch":
        raise ValueError(
            f"convert_sync_batchnorm: implementation must be 'torch', got {implementation!r} "
            "(MMCV's SyncBatchNorm is not available in mme)"
        )
    return nn.SyncBatchNorm.convert_sync_batchnorm(module)


class _BatchNormXd(_BatchNorm):
    """A BatchNorm for inputs of any dimension (what a reverted SyncBatchNorm becomes)."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        return


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Every ``SyncBatchNorm`` of ``module`` back to a BatchNorm (for CPU or one process),
    with its weights, running statistics and ``num_batches_tracked``."""
    converted = module
    if isinstance(module, nn.SyncBatchNorm):
        converted = _BatchNormXd(
            module.num_features,
            module.eps,
            module.momentum,
            module.affine,
            module.track_running_stats,
        )
        if module.affine:
            with torch.no_grad():
                converted.weight = module.weight
                converted.bias = module.bias
        converted.running_mean = module.running_mean
        converted.running_var = module.running_var
        converted.num_batches_tracked = module.num_batches_tracked
        converted.training = module.training
    for name, child in module.named_children():
        converted.add_module(name, revert_sync_batchnorm(child))
    return converted


def apply_sync_bn(model: nn.Module, sync_bn: str | None) -> nn.Module:
    """``cfg.sync_bn='torch'``: convert the model's BatchNorm layers (distributed runs)."""
    if sync_bn is None:
        return model
    return convert_sync_batchnorm(model, implementation=sync_bn)
