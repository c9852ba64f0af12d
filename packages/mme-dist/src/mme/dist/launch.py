"""``init_dist``: start the default process group from a launcher's environment.

The launcher's variables are turned into a `LaunchPlan` first
(``launch_plan.py``, a pure function of the environment and the CUDA facts), then the plan is
applied here: variables exported, device selected, the rendezvous checked within the timeout,
the group started and the per-machine groups created.
"""

from __future__ import annotations

import atexit
import logging
import os
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as torch_dist

from mme.dist import _state
from mme.dist.errors import LaunchError
from mme.dist.launch_plan import LaunchPlan, plan_launch
from mme.dist.objects import all_gather_object
from mme.dist.query import _set_local_group, get_backend, get_rank, get_world_size, is_distributed
from mme.dist.timeouts import as_timeout, check_rendezvous

logger = logging.getLogger("mme.dist")


def init_dist(
    launcher: str,
    backend: str | None = None,
    timeout: float | timedelta | None = None,
    **kwargs: Any,
) -> None:
    """Start the default process group for a job started by ``launcher``.

    Works on CPU-only machines: without CUDA the backend is gloo (a requested ``'nccl'`` falls
    back to gloo with a warning) and no CUDA device is selected. With CUDA, the device
    ``local_rank % device_count`` is selected before the group starts. It also creates the
    local (per-machine) group that `get_local_rank` and `get_local_size` use.

    Args:
        launcher: ``'pytorch'`` (torchrun), ``'slurm'`` (srun) or ``'mpi'`` (Open MPI).
        backend: ``'nccl'``, ``'gloo'``, ...; None picks nccl with CUDA and gloo without.
        timeout: collective timeout in seconds (or a timedelta); 30 minutes when None. A
            collective that waits longer raises `mme.dist.CollectiveError`; a rank other than
            0 that cannot reach rank 0's rendezvous within it raises `mme.dist.LaunchError`
            naming the address.
        **kwargs: ``port`` (slurm/mpi rendezvous port), ``init_backend`` (only ``'torch'``)
            and anything else is passed to ``torch.distributed.init_process_group``.
    """
    _refuse_second_init()
    init_backend = kwargs.pop("init_backend", "torch")
    if init_backend != "torch":
        raise ValueError(
            f"init_dist: init_backend={init_backend!r} is not supported; only 'torch' is."
        )
    plan = plan_launch(launcher, backend, port=kwargs.pop("port", None))
    group_timeout = as_timeout(timeout)
    os.environ.update(plan.env)
    if plan.cuda_device is not None:
        torch.cuda.set_device(plan.cuda_device)
    _start_group(plan, group_timeout, kwargs)
    _state.current().timeout = group_timeout
    atexit.unregister(_destroy_at_exit)  # once, however often init_dist runs
    atexit.register(_destroy_at_exit)
    _init_local_groups(plan.node)
    _log_started(plan, group_timeout)


def _refuse_second_init() -> None:
    if is_distributed():
        raise RuntimeError(
            f"init_dist: the default process group is already initialised (backend "
            f"{get_backend()!r}, rank {get_rank()} of {get_world_size()}); call init_dist once "
            "per process."
        )


def _start_group(plan: LaunchPlan, group_timeout: timedelta, kwargs: dict[str, Any]) -> None:
    """``init_process_group`` with the env:// rendezvous, its errors naming the address."""
    who = f"init_dist({plan.launcher!r}): rank {plan.rank} of {plan.world_size}"
    if plan.rank != 0 and kwargs.get("store") is None:
        check_rendezvous(plan.master_addr, plan.master_port, group_timeout, who)
    try:
        torch_dist.init_process_group(
            backend=plan.backend,
            init_method="env://",
            rank=plan.rank,
            world_size=plan.world_size,
            timeout=group_timeout,
            **kwargs,
        )
    except (RuntimeError, ValueError) as exc:
        raise LaunchError(
            f"{who} could not start the {plan.backend!r} process group at "
            f"{plan.master_addr}:{plan.master_port}: {exc}"
        ) from exc


def _log_started(plan: LaunchPlan, group_timeout: timedelta) -> None:
    logger.info(
        "Process group started: launcher %s, backend %s, rank %d of %d, local rank %d, "
        "master %s:%d, timeout %s%s.",
        plan.launcher,
        plan.backend,
        plan.rank,
        plan.world_size,
        plan.local_rank,
        plan.master_addr,
        plan.master_port,
        group_timeout,
        f", cuda:{plan.cuda_device}" if plan.cuda_device is not None else "",
    )


def _destroy_at_exit() -> None:
    """Destroy the process group before the interpreter exits.

    A gloo group still alive when the interpreter finishes can abort the process during
    teardown ("terminate called without an active exception") after the script succeeded.
    """
    if is_distributed():
        try:
            torch_dist.destroy_process_group()
        except (RuntimeError, ValueError) as exc:  # peers may be gone already
            logger.debug("destroy_process_group at exit failed: %s", exc)


def _init_local_groups(node: str) -> None:
    """Group the ranks by machine (the plan's node key) and create one group per machine."""
    nodes = all_gather_object(node)
    order = list(dict.fromkeys(nodes))
    layout = [[rank for rank, key in enumerate(nodes) if key == each] for each in order]
    _set_local_group(layout, order.index(node))
