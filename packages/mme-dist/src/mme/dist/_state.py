"""Process-wide bookkeeping: the local (per-node) group, the CPU group and the group timeout.

Groups are held through weak references: torch's own registry keeps a group alive until
``destroy_process_group``, and after that mme.dist must neither return it nor keep it alive
(a process group destroyed only at interpreter exit can abort the process). The records are
tied to the default group they were made for, so a new ``init_process_group`` starts afresh.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import timedelta

import torch.distributed as torch_dist

ProcessGroup = torch_dist.ProcessGroup


@dataclass
class DistState:
    """What mme.dist remembers about the current default process group."""

    owner: weakref.ReferenceType[ProcessGroup] | None = None
    local_ref: weakref.ReferenceType[ProcessGroup] | None = field(default=None, repr=False)
    cpu_ref: weakref.ReferenceType[ProcessGroup] | None = field(default=None, repr=False)
    timeout: timedelta | None = None

    @property
    def local_group(self) -> ProcessGroup | None:
        """The group of this machine's processes, if it was created."""
        return None if self.local_ref is None else self.local_ref()

    @local_group.setter
    def local_group(self, group: ProcessGroup | None) -> None:
        self.local_ref = None if group is None else weakref.ref(group)

    @property
    def cpu_group(self) -> ProcessGroup | None:
        """The gloo group used for CPU-side object transfer, if it was created."""
        return None if self.cpu_ref is None else self.cpu_ref()

    @cpu_group.setter
    def cpu_group(self, group: ProcessGroup | None) -> None:
        self.cpu_ref = None if group is None else weakref.ref(group)


STATE = DistState()


def default_group() -> ProcessGroup | None:
    """The default process group, or None when no process group is initialised."""
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return None
    return torch_dist.group.WORLD


def current() -> DistState:
    """The state for the current default group; reset if the group changed since it was made."""
    group = default_group()
    owner = None if STATE.owner is None else STATE.owner()
    if group is None or owner is not group:
        STATE.owner = None if group is None else weakref.ref(group)
        STATE.local_group = None
        STATE.cpu_group = None
        STATE.timeout = None
    return STATE
