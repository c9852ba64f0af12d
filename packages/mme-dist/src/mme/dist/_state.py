"""Process-wide bookkeeping: the local (per-node) group, the CPU group and the group timeout.

The records are tied to the default process group they were made for, so that after
``destroy_process_group`` and a new ``init_process_group`` stale groups are never returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import torch.distributed as torch_dist


@dataclass
class DistState:
    """What mme.dist remembers about the current default process group."""

    owner: object | None = None
    local_group: torch_dist.ProcessGroup | None = None
    cpu_group: torch_dist.ProcessGroup | None = None
    timeout: timedelta | None = None


STATE = DistState()


def default_group() -> torch_dist.ProcessGroup | None:
    """The default process group, or None when no process group is initialised."""
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return None
    return torch_dist.group.WORLD


def current() -> DistState:
    """The state for the current default group; reset if the group changed since it was made."""
    group = default_group()
    if STATE.owner is not group:
        STATE.owner = group
        STATE.local_group = None
        STATE.cpu_group = None
        STATE.timeout = None
    return STATE
