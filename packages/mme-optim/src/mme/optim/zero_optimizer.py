"""ZeroRedundancyOptimizer: an optimizer whose state is sharded over the ranks (ZeRO-1).

Registered in ``OPTIMIZERS``, so that a config selects it by name::

    optim_wrapper = dict(optimizer=dict(
        type='ZeroRedundancyOptimizer', optimizer_type='AdamW', lr=1e-3))

``torch.distributed.optim`` takes seconds to import, so it is imported when such an
optimizer is first built, not when ``mme.optim`` is.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from torch.optim import Optimizer

from mme.dist import is_main_process
from mme.registry import OPTIMIZERS


@functools.cache
def zero_redundancy_optimizer_class() -> Any:
    """The optimizer class: torch's ``ZeroRedundancyOptimizer`` with a named inner optimizer."""
    from torch.distributed.optim import ZeroRedundancyOptimizer as TorchZeRO

    class ZeroRedundancyOptimizer(TorchZeRO):
        def __init__(
            self, params: Iterable[Any], optimizer_type: str | type, **kwargs: Any
        ) -> None:
            optimizer_class = (
                OPTIMIZERS.get(optimizer_type)
                if isinstance(optimizer_type, str)
                else optimizer_type
            )
            super().__init__(params, optimizer_class, **kwargs)

        def state_dict(self) -> dict[str, Any]:
            # consolidate_state_dict is a collective: every rank calls it
            self.consolidate_state_dict()
            return super().state_dict() if is_main_process() else {}

    ZeroRedundancyOptimizer.__module__ = __name__
    return ZeroRedundancyOptimizer


@OPTIMIZERS.register_module(name="ZeroRedundancyOptimizer")
def ZeroRedundancyOptimizer(
    params: Iterable[Any], optimizer_type: str | type, **kwargs: Any
) -> Optimizer:
    """Build ``torch.distributed.optim.ZeroRedundancyOptimizer`` around a named optimizer.

    Each rank keeps the optimizer state of its shard of the parameters only; the process
    group must be initialized first. ``state_dict()`` gathers the whole state on rank 0
    (a collective: call it on every rank) and returns ``{}`` on the others.

    Args:
        params: The parameters (or param groups) to optimize.
        optimizer_type: The inner optimizer: a name in ``OPTIMIZERS`` (``'SGD'``,
            ``'AdamW'``...) or an optimizer class.
        **kwargs: The inner optimizer's arguments (``lr``...) and those of torch's
            ``ZeroRedundancyOptimizer`` (``overlap_with_ddp``...).
    """
    return zero_redundancy_optimizer_class()(params, optimizer_type, **kwargs)
