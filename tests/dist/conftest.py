"""Multi-process harness: run a scenario of dist_scenarios.py on N real ranks (gloo, 127.0.0.1).

Each rank is a fresh ``python dist_worker_main.py`` process with the launcher's environment
(torchrun, Slurm or Open MPI variables). A hard wall-clock limit kills every rank that is still
running; a rank that fails makes the test fail with that rank's traceback.
"""

from __future__ import annotations

import os
import pickle
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
WORKER = HERE / "dist_worker_main.py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launcher_env(
    launcher: str, rank: int, world_size: int, port: int, nodes: int = 1
) -> dict[str, str]:
    """The variables the launcher would set for ``rank``.

    The ranks are placed node by node on ``nodes`` pretend machines (all really this one).
    """
    per_node = world_size // nodes
    node, local_rank = divmod(rank, per_node)
    if launcher == "pytorch":
        return {
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "RANK": str(rank),
            "WORLD_SIZE": str(world_size),
            "GROUP_RANK": str(node),
            "LOCAL_RANK": str(local_rank),
            "LOCAL_WORLD_SIZE": str(per_node),
        }
    if launcher == "slurm":
        return {
            "SLURM_PROCID": str(rank),
            "SLURM_NTASKS": str(world_size),
            "SLURM_LOCALID": str(local_rank),
            "SLURM_NODEID": str(node),
            "SLURM_NODELIST": "localhost,node[02-03]",
            "SLURM_TASKS_PER_NODE": f"{per_node}(x{nodes})",
            "MASTER_PORT": str(port),
        }
    if launcher == "mpi":
        return {
            "OMPI_COMM_WORLD_RANK": str(rank),
            "OMPI_COMM_WORLD_SIZE": str(world_size),
            "OMPI_COMM_WORLD_LOCAL_RANK": str(rank),
            "OMPI_COMM_WORLD_LOCAL_SIZE": str(world_size),
            "MASTER_PORT": str(port),
        }
    raise ValueError(f"unknown launcher {launcher!r}")


#: Runs started on fresh ports when rank 0 could not bind the one chosen.
PORT_ATTEMPTS = 3
_BIND_FAILURE = re.compile(r"address already in use|EADDRINUSE|failed to bind|bind\(\)", re.I)

_LAUNCHER_VARS = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK", "GROUP_RANK")


def _base_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _LAUNCHER_VARS and not key.startswith(("SLURM_", "OMPI_", "TORCHELASTIC_"))
    }
    env["OMP_NUM_THREADS"] = "1"
    return env


def run_ranks(
    tmp_path: Path,
    scenario: str,
    world_size: int = 2,
    launcher: str = "pytorch",
    group_timeout: float = 10.0,
    limit: float = 30.0,
    may_exit: tuple[int, ...] = (),
    nodes: int = 1,
) -> list[Any]:
    """Run ``scenario`` on ``world_size`` ranks; return each rank's return value.

    Args:
        tmp_path: folder for the ranks' outputs (also given to scenarios as MME_TEST_TMP).
        scenario: a function name in dist_scenarios.py.
        world_size: number of ranks.
        launcher: whose environment the ranks get, passed on to ``init_dist``.
        group_timeout: the process group timeout in seconds.
        limit: hard wall-clock limit for the whole run in seconds.
        may_exit: ranks that are expected to exit without returning (their value is None).
        nodes: number of pretend machines the ranks are spread over (pytorch and slurm).
    """
    for attempt in range(PORT_ATTEMPTS):
        values, failures = _run_once(
            tmp_path, scenario, world_size, launcher, group_timeout, limit, may_exit, nodes
        )
        # Rank 0 binds the port itself (torch's store), so another program can take it between
        # free_port() and that bind: start again on a new port after any bind failure.
        if not (failures and _BIND_FAILURE.search("".join(failures))):
            break
        if attempt + 1 < PORT_ATTEMPTS:
            for path in tmp_path.glob("rank*.*"):
                path.unlink()
    if failures:
        pytest.fail(f"scenario {scenario!r} failed:\n" + "\n".join(failures), pytrace=False)
    return values


def _run_once(
    tmp_path: Path,
    scenario: str,
    world_size: int,
    launcher: str,
    group_timeout: float,
    limit: float,
    may_exit: tuple[int, ...],
    nodes: int,
) -> tuple[list[Any], list[str]]:
    """Start the ranks once; return their values and the failure reports (empty if none)."""
    port = free_port()
    procs: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
    for rank in range(world_size):
        out, err = tmp_path / f"rank{rank}.pkl", tmp_path / f"rank{rank}.err"
        env = _base_env() | launcher_env(launcher, rank, world_size, port, nodes)
        env["MME_TEST_TMP"] = str(tmp_path)
        command = [sys.executable, str(WORKER), scenario, launcher, str(group_timeout), str(out)]
        with err.open("wb") as stderr:
            procs.append((subprocess.Popen(command, env=env, stderr=stderr), out, err))
    deadline = time.monotonic() + limit
    timed_out = False
    for proc, _, _ in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            timed_out = True
            break
    if timed_out:
        for proc, _, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    values = []
    failures = []
    for rank, (proc, out, err) in enumerate(procs):
        if rank in may_exit and not out.exists() and proc.returncode == 0:
            values.append(None)
            continue
        if proc.returncode != 0 or not out.exists():
            failures.append(
                f"--- rank {rank} exited with {proc.returncode} ---\n"
                + err.read_text(errors="replace")
            )
            values.append(None)
            continue
        values.append(pickle.loads(out.read_bytes()))
    if timed_out:
        failures.insert(0, f"the ranks did not finish within {limit} s and were killed")
    return values, failures


@pytest.fixture
def ranks(tmp_path: Path) -> Callable[..., list[Any]]:
    """``ranks("scenario", **options)``: run a scenario on real ranks, see :func:`run_ranks`."""

    def run(scenario: str, **options: Any) -> list[Any]:
        return run_ranks(tmp_path, scenario, **options)

    return run


@pytest.fixture(scope="module")
def query_and_control_run(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """One two-rank run of the query_and_control scenario, shared by the tests of a module."""
    return run_ranks(tmp_path_factory.mktemp("query"), "query_and_control")
