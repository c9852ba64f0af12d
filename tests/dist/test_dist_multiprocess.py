"""Real two-rank runs (gloo on 127.0.0.1): every collective with tensors and objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Ranks = Callable[..., list[Any]]


@pytest.mark.spec("DIST-01", "DIST-02")
def test_query_and_control_on_two_ranks(query_and_control_run: list[Any]) -> None:
    rank0, rank1 = query_and_control_run
    assert rank0["dist_info"] == (0, 2)
    assert rank1["dist_info"] == (1, 2)
    for rank, facts in enumerate((rank0, rank1)):
        assert facts["backend"] == "gloo"
        assert facts["is_distributed"] is True
        assert facts["has_default_group"] is True
        assert facts["is_main_process"] is (rank == 0)
        assert (facts["local_rank"], facts["local_size"], facts["local_group_size"]) == (rank, 2, 2)
        assert facts["comm_device"] == "cpu"
        # init_local_group(node_rank=rank, 1): every rank alone on its "node"
        assert facts["local_after_one_per_node"] == (0, 1)
        assert "already initialised (backend 'gloo', rank" in facts["reinit_error"]
    assert rank0["master_only_returned"] == "saved ckpt"
    assert rank0["master_only_calls"] == [0]
    assert rank1["master_only_returned"] is None
    assert rank1["master_only_calls"] == []


@pytest.mark.spec("DIST-03", "DIST-05")
def test_sync_random_seed_gives_every_rank_rank0_seed(query_and_control_run: list[Any]) -> None:
    rank0, rank1 = query_and_control_run
    assert rank0["seeds"] == rank1["seeds"]
    assert rank0["seeds"][0] != rank0["seeds"][1]
    assert all(0 <= seed < 2**31 for seed in rank0["seeds"])


@pytest.mark.spec("DIST-03")
def test_tensor_collectives_on_two_ranks(ranks: Ranks) -> None:
    results = ranks("tensor_collectives")
    for out in results:  # every rank sees the same reduced values
        assert out["all_reduce_sum"] == [3.0, 30.0]
        assert out["all_reduce_mean"] == [1.5, 15.0]
        assert out["all_reduce_max"] == [2.0, 20.0]
        assert out["all_reduce_min"] == [1.0, 10.0]
        assert out["all_reduce_product"] == [2.0, 200.0]
        assert out["all_reduce_int_sum"] == [3]
        assert out["all_reduce_strided"] == [[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]]
        assert out["all_gather"] == [[0, 0], [1, 10]]
        assert out["all_gather_uneven"] == [[[0.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]]
        assert out["all_gather_scalar"] == [0.5, 1.5]
        assert out["broadcast_from_1"] == [7.0, 1.0]
        assert out["all_reduce_dict_sum"] == {"loss": 3.0, "acc": [1.0, 0.25], "count": [7]}
        assert out["all_reduce_dict_mean"] == {"loss": 1.5, "acc": [0.5, 0.125]}
        assert out["params_mean_ok"] is True
        assert out["params_mean_uncoalesced_ok"] is True
        assert out["params_bucketed"] == [(1.0, 1.0), (2.0, 2.0)]
    assert results[0]["gather_to_1"] == []
    assert results[1]["gather_to_1"] == [[0], [0, 1]]


@pytest.mark.spec("DIST-03")
def test_object_collectives_on_two_ranks(ranks: Ranks) -> None:
    rank0, rank1 = ranks("object_collectives")
    for out in (rank0, rank1):
        assert out["all_gather_object"] == [(0, 50, [0, 1]), (1, 100, [0, 1, 2])]
        assert out["broadcast_object_list_from_1"] == ["cfg of rank 1", {"lr": 0.2}, None]
    view = [[1.0, 5.0, 9.0], [2.0, 6.0, 10.0], [3.0, 7.0, 11.0]]
    for rank, out in enumerate((rank0, rank1)):
        other = 1 - rank
        assert out["tensors_from_other_rank"] == {
            "bf16": ("Tensor", "torch.bfloat16", [[other + 0.5] * 3] * 2),
            "view": ("Tensor", "torch.float32", [[v + other for v in row] for row in view]),
            "param": ("Parameter", "torch.float32", [float(other)] * 2),
        }
    assert rank0["gather_object_dst0"] == [("from", 0), ("from", 1)]
    assert rank1["gather_object_dst0"] is None
    assert rank0["gather_object_dst1"] is None
    assert rank1["gather_object_dst1"] == [{"r": 0}, {"r": 1}]


@pytest.mark.spec("DIST-03")
def test_mismatched_inputs_fail_on_every_rank_with_the_keys_at_fault(ranks: Ranks) -> None:
    rank0, rank1 = ranks("mismatch_errors")
    assert "non_member" not in rank0
    assert rank1["non_member"] == (
        "all_reduce: this process (global rank 1) is not a member of the group it was given; "
        "only the ranks of a group may call collectives on it."
    )
    for errors in (rank0, rank1):
        assert errors["all_reduce_dict"] == (
            "all_reduce_dict: every rank must pass the same keys with tensors of the same dtype "
            "and shape: rank 1 has extra ['acc']."
        )
        assert "rank 0: torch.float32 1-d, rank 1: torch.int64 1-d" in errors["all_gather"]


@pytest.mark.spec("DIST-03", "DIST-05")
def test_collect_results_restores_dataset_order_and_drops_padding(ranks: Ranks) -> None:
    rank0, rank1 = ranks("collect_results")
    in_order = [0, 1, 2, 3, 4, 5, 6]
    assert rank0["cpu"] == in_order
    assert rank0["gpu"] == in_order  # gloo group: the 'gpu' mode gathers through it as well
    assert rank0["tmpdir"] == in_order
    assert rank0["tmpdir_left"] == []  # part files removed
    assert rank0["unpadded"] == ["s0", "s1", "s2", "s3", "s4"]
    assert rank1 == {"cpu": None, "gpu": None, "tmpdir": None, "unpadded": None}


@pytest.mark.spec("DIST-01", "DIST-03")
def test_rank_that_exits_early_makes_the_collective_fail_naming_it(ranks: Ranks) -> None:
    rank0, _ = ranks("peer_exits_early", may_exit=(1,), group_timeout=5.0, limit=25.0)
    assert rank0["collective"] == "all_reduce"
    assert rank0["message"].startswith("all_reduce failed on rank 0 of 2 (backend 'gloo'")
    assert "timeout 0:00:05" in rank0["message"]
    assert rank0["cause_is_runtime_error"] is True


@pytest.mark.spec("DIST-01", "DIST-03")
def test_collective_times_out_with_the_group_timeout(ranks: Ranks) -> None:
    rank0, _ = ranks("peer_never_joins", may_exit=(1,), group_timeout=2.0, limit=25.0)
    assert rank0["collective"] == "all_gather_object"
    assert rank0["message"].startswith("all_gather_object failed on rank 0 of 2")
    assert "timeout 0:00:02" in rank0["message"]
    assert rank0["cause_is_runtime_error"] is True
    # torch's own error says it gave up after the group timeout (rank 1 is still alive then)
    assert "Timed out waiting 2000ms" in rank0["cause_text"]


@pytest.mark.spec("DIST-01")
@pytest.mark.parametrize("launcher", ["slurm", "mpi"])
def test_slurm_and_mpi_launchers_start_a_real_group(ranks: Ranks, launcher: str) -> None:
    results = ranks("launch_facts", launcher=launcher)
    for rank, facts in enumerate(results):
        assert facts["dist_info"] == (rank, 2)
        assert facts["sum_of_ranks_plus_one"] == 3.0
        assert (facts["local_rank"], facts["local_size"]) == (rank, 2)
        expected_addr = "localhost" if launcher == "slurm" else "127.0.0.1"
        assert facts["env"]["MASTER_ADDR"] == expected_addr
        assert facts["env"]["RANK"] == str(rank)
        assert facts["env"]["LOCAL_RANK"] == str(rank)


@pytest.mark.spec("DIST-01", "DIST-02")
@pytest.mark.parametrize("launcher", ["pytorch", "slurm"])
def test_two_nodes_give_each_rank_its_own_local_group(ranks: Ranks, launcher: str) -> None:
    results = ranks("launch_facts", launcher=launcher, nodes=2)
    for rank, facts in enumerate(results):
        assert facts["dist_info"] == (rank, 2)
        assert facts["sum_of_ranks_plus_one"] == 3.0
        assert (facts["local_rank"], facts["local_size"], facts["local_group_size"]) == (0, 1, 1)
