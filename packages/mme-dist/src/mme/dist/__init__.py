"""Distributed helpers that give the one-process answer when no process group is up.

``init_dist`` starts a process group from the torchrun, Slurm or Open MPI environment (gloo on
CPU, nccl with CUDA); the query functions and collectives work the same in one process (where
they are no-ops) and in many, and accept any picklable object where the name says so.
"""

from mme.dist.collectives import (
    all_gather,
    all_reduce,
    all_reduce_dict,
    all_reduce_params,
    broadcast,
    gather,
    sync_random_seed,
)
from mme.dist.devices import cast_data_device, get_comm_device, get_data_device
from mme.dist.errors import CollectiveError, LaunchError
from mme.dist.launch import init_dist
from mme.dist.launch_plan import LaunchPlan, infer_launcher, plan_launch
from mme.dist.objects import all_gather_object, broadcast_object_list, gather_object
from mme.dist.query import (
    barrier,
    get_backend,
    get_default_group,
    get_dist_info,
    get_local_group,
    get_local_rank,
    get_local_size,
    get_rank,
    get_world_size,
    init_local_group,
    is_distributed,
    is_main_process,
    master_only,
)
from mme.dist.results import collect_results, collect_results_cpu, collect_results_gpu
from mme.dist.slurm import expand_nodelist

__version__ = "0.1.0"

__all__ = [
    "CollectiveError",
    "LaunchError",
    "LaunchPlan",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "all_reduce_dict",
    "all_reduce_params",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "cast_data_device",
    "collect_results",
    "collect_results_cpu",
    "collect_results_gpu",
    "expand_nodelist",
    "gather",
    "gather_object",
    "get_backend",
    "get_comm_device",
    "get_data_device",
    "get_default_group",
    "get_dist_info",
    "get_local_group",
    "get_local_rank",
    "get_local_size",
    "get_rank",
    "get_world_size",
    "infer_launcher",
    "init_dist",
    "init_local_group",
    "is_distributed",
    "is_main_process",
    "master_only",
    "plan_launch",
    "sync_random_seed",
]
