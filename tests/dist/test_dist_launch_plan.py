"""init_dist's decisions from the launcher environment, without starting processes (DIST-01)."""

from __future__ import annotations

import logging

import pytest

import mme.dist as dist
from mme.dist import LaunchError, plan_launch

pytestmark = pytest.mark.spec("DIST-01")

TORCHRUN = {
    "RANK": "3",
    "WORLD_SIZE": "8",
    "LOCAL_RANK": "1",
    "LOCAL_WORLD_SIZE": "2",
    "GROUP_RANK": "1",
    "MASTER_ADDR": "10.0.0.1",
    "MASTER_PORT": "29501",
}
SLURM = {
    "SLURM_PROCID": "9",
    "SLURM_NTASKS": "16",
    "SLURM_LOCALID": "1",
    "SLURM_NODEID": "1",
    "SLURM_NODELIST": "gpu-[07-08]",
    "SLURM_TASKS_PER_NODE": "8(x2)",
}
MPI = {
    "OMPI_COMM_WORLD_RANK": "5",
    "OMPI_COMM_WORLD_SIZE": "8",
    "OMPI_COMM_WORLD_LOCAL_RANK": "1",
    "OMPI_COMM_WORLD_LOCAL_SIZE": "4",
    "MASTER_ADDR": "node1",
}
CPU = {"cuda_available": False, "nccl_available": False}


def test_pytorch_launcher_reads_torchrun_variables() -> None:
    plan = plan_launch("pytorch", environ=TORCHRUN, **CPU)
    assert (plan.rank, plan.world_size, plan.local_rank, plan.local_size) == (3, 8, 1, 2)
    assert (plan.master_addr, plan.master_port) == ("10.0.0.1", 29501)
    assert plan.node == "node-rank:1"
    assert plan.backend == "gloo"
    assert plan.cuda_device is None
    assert plan.env == {}  # torchrun already exported everything env:// needs


def test_slurm_launcher_resolves_the_master_from_the_node_list() -> None:
    plan = plan_launch("slurm", environ=SLURM, **CPU)
    assert (plan.rank, plan.world_size, plan.local_rank, plan.local_size) == (9, 16, 1, 8)
    assert (plan.master_addr, plan.master_port) == ("gpu-07", 29500)  # MASTER_PORT defaulted
    assert plan.env == {
        "MASTER_ADDR": "gpu-07",
        "MASTER_PORT": "29500",
        "WORLD_SIZE": "16",
        "RANK": "9",
        "LOCAL_RANK": "1",
        "LOCAL_WORLD_SIZE": "8",
    }


def test_slurm_port_argument_wins_over_master_port_and_master_addr_is_kept() -> None:
    environ = SLURM | {"MASTER_PORT": "1234", "MASTER_ADDR": "login-node"}
    assert plan_launch("slurm", environ=environ, **CPU).master_port == 1234
    plan = plan_launch("slurm", environ=environ, port=4321, **CPU)
    assert (plan.master_addr, plan.master_port) == ("login-node", 4321)


def test_slurm_without_localid_uses_the_rank_modulo_gpus() -> None:
    environ = {k: v for k, v in SLURM.items() if k != "SLURM_LOCALID"}
    plan = plan_launch(
        "slurm", environ=environ, cuda_available=True, nccl_available=True, device_count=4
    )
    assert plan.local_rank == 9 % 4
    assert plan.cuda_device == 1


def test_mpi_launcher_reads_open_mpi_variables() -> None:
    plan = plan_launch("MPI", environ=MPI, **CPU)  # the manual spells it MPI
    assert plan.launcher == "mpi"
    assert (plan.rank, plan.world_size, plan.local_rank, plan.local_size) == (5, 8, 1, 4)
    assert (plan.master_addr, plan.master_port) == ("node1", 29500)
    assert plan.env["RANK"] == "5"
    assert plan.env["LOCAL_WORLD_SIZE"] == "4"


def test_mpi_on_one_machine_defaults_the_master_to_localhost() -> None:
    environ = {k: v for k, v in MPI.items() if k != "MASTER_ADDR"}
    environ["OMPI_COMM_WORLD_LOCAL_SIZE"] = "8"
    assert plan_launch("mpi", environ=environ, **CPU).master_addr == "127.0.0.1"


def test_mpi_on_several_machines_needs_master_addr() -> None:
    environ = {k: v for k, v in MPI.items() if k != "MASTER_ADDR"}
    with pytest.raises(LaunchError, match=r"init_dist\('mpi'\) needs MASTER_ADDR"):
        plan_launch("mpi", environ=environ, **CPU)


def test_cuda_machine_gets_nccl_and_the_local_device() -> None:
    plan = plan_launch(
        "pytorch", environ=TORCHRUN, cuda_available=True, nccl_available=True, device_count=2
    )
    assert plan.backend == "nccl"
    assert plan.cuda_device == 1


def test_cpu_machine_gets_gloo_and_no_device(caplog: pytest.LogCaptureFixture) -> None:
    assert plan_launch("pytorch", environ=TORCHRUN, **CPU).backend == "gloo"
    with caplog.at_level(logging.WARNING, logger="mme.dist"):
        plan = plan_launch("pytorch", "nccl", environ=TORCHRUN, **CPU)
    assert plan.backend == "gloo"
    assert plan.cuda_device is None
    assert (
        "backend 'nccl' needs CUDA and this process sees no CUDA device; using 'gloo'"
        in caplog.text
    )


def test_explicit_backends_pass_through() -> None:
    cuda = {"cuda_available": True, "nccl_available": True, "device_count": 1}
    assert plan_launch("pytorch", "GLOO", environ=TORCHRUN, **cuda).backend == "gloo"
    assert plan_launch("pytorch", "cpu:gloo,cuda:nccl", environ=TORCHRUN, **cuda).backend == (
        "cpu:gloo,cuda:nccl"
    )


def test_misspelt_launcher_and_backend_suggest_the_right_name() -> None:
    with pytest.raises(
        ValueError, match=r"launcher='pytroch' is not one of.*Did you mean 'pytorch'"
    ):
        plan_launch("pytroch", environ=TORCHRUN, **CPU)
    with pytest.raises(ValueError, match=r"backend='ncl' is not one of.*Did you mean 'nccl'"):
        plan_launch("pytorch", "ncl", environ=TORCHRUN, **CPU)
    with pytest.raises(ValueError, match=r"launcher='none' means one process"):
        plan_launch("none", environ=TORCHRUN, **CPU)


def test_missing_variables_are_listed_with_a_suggestion_and_how_to_launch() -> None:
    environ = {k: v for k, v in TORCHRUN.items() if k not in ("MASTER_ADDR", "RANK")}
    environ["MASTER_ADRR"] = "10.0.0.1"
    with pytest.raises(LaunchError) as info:
        plan_launch("pytorch", environ=environ, **CPU)
    assert str(info.value) == (
        "init_dist('pytorch') needs the environment variable(s) RANK, MASTER_ADDR, which are "
        "not set (MASTER_ADDR: did you mean 'MASTER_ADRR'?). torchrun sets them: torchrun "
        "--nproc-per-node=N train.py --launcher pytorch (or python -m torch.distributed.run "
        "...); or run one process with launcher='none'."
    )
    with pytest.raises(
        LaunchError,
        match=r"variable\(s\) SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST.*srun",
    ):
        plan_launch("slurm", environ={}, **CPU)


def test_malformed_variables_are_named() -> None:
    with pytest.raises(LaunchError, match=r"the environment variable RANK='two' is not an integer"):
        plan_launch("pytorch", environ=TORCHRUN | {"RANK": "two"}, **CPU)
    with pytest.raises(LaunchError, match=r"rank 8 is out of range for world size 8"):
        plan_launch("pytorch", environ=TORCHRUN | {"RANK": "8"}, **CPU)


def test_port_is_refused_for_torchrun() -> None:
    with pytest.raises(ValueError, match=r"port is for the slurm and mpi launchers"):
        plan_launch("pytorch", environ=TORCHRUN, port=1, **CPU)


@pytest.mark.parametrize(
    ("nodelist", "hosts"),
    [
        ("node1", ["node1"]),
        ("node[1-3]", ["node1", "node2", "node3"]),
        ("gpu[08-10,12]", ["gpu08", "gpu09", "gpu10", "gpu12"]),
        ("a[1-2],b5,c[7]", ["a1", "a2", "b5", "c7"]),
        ("rack[1-2]-n[3-4]", ["rack1-n3", "rack1-n4", "rack2-n3", "rack2-n4"]),
        ("n[1-2]-ib", ["n1-ib", "n2-ib"]),
    ],
)
def test_expand_nodelist(nodelist: str, hosts: list[str]) -> None:
    assert dist.expand_nodelist(nodelist) == hosts


@pytest.mark.parametrize(
    ("nodelist", "message"),
    [
        ("node[1-3", "unbalanced brackets"),
        ("node[3-1]", "range '3-1' runs backwards"),
        ("node[a-b]", "'a-b' is not a number or range"),
        ("", "names no host"),
    ],
)
def test_expand_nodelist_errors(nodelist: str, message: str) -> None:
    with pytest.raises(LaunchError, match=message):
        dist.expand_nodelist(nodelist)


def test_infer_launcher() -> None:
    assert dist.infer_launcher({"WORLD_SIZE": "2", "SLURM_NTASKS": "2"}) == "pytorch"
    assert dist.infer_launcher({"SLURM_NTASKS": "2"}) == "slurm"
    assert dist.infer_launcher({"OMPI_COMM_WORLD_LOCAL_RANK": "0"}) == "mpi"
    assert dist.infer_launcher({}) == "none"
