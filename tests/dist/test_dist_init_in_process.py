"""init_dist in this process with world size 1: the real call path, CPU and pretend-CUDA."""

from __future__ import annotations

import gc
import logging
import socket
import threading
import weakref
from collections.abc import Iterator

import pytest
import torch
import torch.distributed as torch_dist

import mme.dist as dist

pytestmark = pytest.mark.spec("DIST-01")


@pytest.fixture
def one_rank_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """torchrun's variables for a job of one process; the group is destroyed afterwards.

    MASTER_PORT=0: rank 0's store binds a port the system chooses, so no other program can
    take it first (no other rank needs to know it in a job of one).
    """
    for name, value in {
        "RANK": "0",
        "WORLD_SIZE": "1",
        "LOCAL_RANK": "0",
        "LOCAL_WORLD_SIZE": "1",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "0",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GROUP_RANK", raising=False)
    yield
    if torch_dist.is_initialized():
        torch_dist.destroy_process_group()


def test_init_dist_on_a_cpu_machine_uses_gloo_and_never_touches_cuda(
    one_rank_env: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_cuda(device: int) -> None:
        raise AssertionError("set_device must not be called without CUDA")

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "set_device", no_cuda)
    with caplog.at_level(logging.INFO, logger="mme.dist"):
        dist.init_dist("pytorch", backend="nccl")  # MMEngine's default backend, on a CPU box
    assert dist.is_distributed()
    assert dist.get_backend() == "gloo"
    assert dist.get_dist_info() == (0, 1)
    assert (dist.get_local_rank(), dist.get_local_size()) == (0, 1)
    assert dist.get_world_size(dist.get_local_group()) == 1
    assert "backend 'nccl' needs CUDA" in caplog.text
    assert "Process group started: launcher pytorch, backend gloo, rank 0 of 1" in caplog.text
    assert "timeout 0:30:00" in caplog.text  # the specified default
    value = torch.tensor([2.0])
    dist.all_reduce(value)
    assert value.item() == 2.0


def test_init_dist_with_cuda_selects_the_local_device_first(
    one_rank_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    selected: list[int] = []
    monkeypatch.setenv("LOCAL_RANK", "5")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.setattr(torch.cuda, "set_device", selected.append)
    dist.init_dist("pytorch", backend="gloo", timeout=12.5)
    assert selected == [1]  # LOCAL_RANK 5 on a machine with 4 GPUs
    assert dist.get_backend() == "gloo"


def test_init_dist_twice_is_refused(one_rank_env: None) -> None:
    dist.init_dist("pytorch", backend="gloo")
    with pytest.raises(RuntimeError, match=r"already initialised \(backend 'gloo', rank 0 of 1\)"):
        dist.init_dist("pytorch", backend="gloo")


def test_destroyed_groups_are_not_kept_alive_or_returned(one_rank_env: None) -> None:
    dist.init_dist("pytorch", backend="gloo")
    world = weakref.ref(torch_dist.group.WORLD)
    local = weakref.ref(dist.get_local_group())
    torch_dist.destroy_process_group()
    gc.collect()
    assert world() is None
    assert local() is None
    assert dist.get_local_group() is None
    assert dist.get_local_size() == 1


def test_bad_arguments_are_refused_before_anything_starts(one_rank_env: None) -> None:
    with pytest.raises(ValueError, match=r"timeout must be positive, got -1"):
        dist.init_dist("pytorch", backend="gloo", timeout=-1)
    with pytest.raises(TypeError, match=r"timeout must be seconds .* got '10'"):
        dist.init_dist("pytorch", backend="gloo", timeout="10")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"init_backend='colossalai' is not supported"):
        dist.init_dist("pytorch", backend="gloo", init_backend="colossalai")
    assert not dist.is_distributed()


def test_a_failing_rendezvous_names_launcher_rank_and_address(
    one_rank_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: object) -> None:
        raise RuntimeError("connection refused")

    monkeypatch.setattr(torch_dist, "init_process_group", refuse)
    with pytest.raises(dist.LaunchError) as info:
        dist.init_dist("pytorch", backend="gloo")
    assert str(info.value).startswith(
        "init_dist('pytorch'): rank 0 of 1 could not start the 'gloo' process group at 127.0.0.1:"
    )
    assert str(info.value).endswith(": connection refused")
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.spec("DIST-03")
def test_cpu_results_use_a_separate_gloo_group_when_the_default_is_not_gloo(
    one_rank_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mme.dist import query

    dist.init_dist("pytorch", backend="gloo")
    assert query.cpu_group() is dist.get_default_group()  # gloo: the default group serves
    created: list[str] = []
    real_new_group = torch_dist.new_group

    def new_group(*args: object, **kwargs: object) -> object:
        created.append(str(kwargs.get("backend")))
        return real_new_group(*args, **kwargs)  # type: ignore[arg-type]

    torch_dist.destroy_process_group()
    dist.init_dist("pytorch", backend="gloo")
    monkeypatch.setattr(query, "get_backend", lambda group=None: "nccl")  # pretend a GPU job
    monkeypatch.setattr(torch_dist, "new_group", new_group)
    group = query.cpu_group()
    assert created == ["gloo"]
    assert group is not None
    assert group is not dist.get_default_group()
    assert query.cpu_group() is group  # made once
    assert created == ["gloo"]


def test_rank1_facing_a_silent_listener_on_master_port_fails_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Something that is not rank 0 accepts connections on MASTER_PORT and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    for name, value in {
        "RANK": "1",
        "WORLD_SIZE": "2",
        "LOCAL_RANK": "1",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
    }.items():
        monkeypatch.setenv(name, value)
    outcome: list[BaseException] = []

    def start() -> None:
        try:
            dist.init_dist("pytorch", backend="gloo", timeout=1.0)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    thread.join(60)  # generous: a hang (the bug) leaves the thread running forever
    hung = thread.is_alive()
    # The abandoned check thread waits on the listener: closing it ends that thread's
    # connection (torch then gives up within the 1 s timeout); wait for it, so that it never
    # outlives the interpreter.
    listener.close()
    for leftover in threading.enumerate():
        if leftover.name == "mme-dist-rendezvous-check":
            leftover.join(30)
    assert not hung, "init_dist hung on a listener that never answers"
    assert not dist.is_distributed()
    assert len(outcome) == 1
    assert isinstance(outcome[0], dist.LaunchError)
    message = str(outcome[0])
    assert message.startswith(
        f"init_dist('pytorch'): rank 1 of 2 could not reach the rendezvous at 127.0.0.1:{port} "
        "(MASTER_ADDR:MASTER_PORT): "
    )
    assert "did not answer as rank 0's" in message
    assert "no other program listens on that port" in message
