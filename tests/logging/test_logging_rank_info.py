"""Rank, world size and local rank from launchers and torch.distributed (LOG-04)."""

from __future__ import annotations

import sys
import types

import pytest

from mme.logging import RankInfo, get_rank_info
from mme.logging.rank_info import rank_info_from_environ

pytestmark = pytest.mark.spec("LOG-04")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, RankInfo(0, 1, 0)),
        ({"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "3"}, RankInfo(3, 8, 3)),
        ({"SLURM_PROCID": "9", "SLURM_NTASKS": "16", "SLURM_LOCALID": "1"}, RankInfo(9, 16, 1)),
        (
            {
                "OMPI_COMM_WORLD_RANK": "5",
                "OMPI_COMM_WORLD_SIZE": "6",
                "OMPI_COMM_WORLD_LOCAL_RANK": "2",
            },
            RankInfo(5, 6, 2),
        ),
        # torchrun's variables win over Slurm's when both are set (torchrun inside srun).
        (
            {"RANK": "1", "WORLD_SIZE": "2", "SLURM_PROCID": "0", "SLURM_NTASKS": "1"},
            RankInfo(1, 2, 0),
        ),
    ],
)
def test_launcher_variables(environ: dict[str, str], expected: RankInfo) -> None:
    assert rank_info_from_environ(environ) == expected


def test_bad_values_name_the_variable() -> None:
    with pytest.raises(ValueError, match=r"environment variable RANK='one' is not an integer"):
        rank_info_from_environ({"RANK": "one"})
    with pytest.raises(ValueError, match=r"SLURM_NTASKS='-2' must not be negative"):
        rank_info_from_environ({"SLURM_PROCID": "0", "SLURM_NTASKS": "-2"})
    with pytest.raises(ValueError, match=r"RANK=4 and WORLD_SIZE=4 disagree"):
        rank_info_from_environ({"RANK": "4", "WORLD_SIZE": "4"})


def test_main_process_flag() -> None:
    assert RankInfo().is_main_process
    assert not RankInfo(rank=2, world_size=4).is_main_process


def fake_distributed(initialized: bool, rank: int, world_size: int) -> types.ModuleType:
    module = types.ModuleType("torch.distributed")
    module.is_available = lambda: True  # type: ignore[attr-defined]
    module.is_initialized = lambda: initialized  # type: ignore[attr-defined]
    module.get_rank = lambda: rank  # type: ignore[attr-defined]
    module.get_world_size = lambda: world_size  # type: ignore[attr-defined]
    return module


def test_an_initialised_process_group_has_the_final_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("LOCAL_RANK", "2")
    monkeypatch.setitem(sys.modules, "torch.distributed", fake_distributed(True, 6, 8))
    assert get_rank_info() == RankInfo(rank=6, world_size=8, local_rank=2)


def test_a_process_group_that_is_not_up_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setitem(sys.modules, "torch.distributed", fake_distributed(False, 6, 8))
    assert get_rank_info() == RankInfo(rank=1, world_size=2, local_rank=1)
