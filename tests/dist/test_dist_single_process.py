"""Without a process group every function gives the one-process answer (DIST-02, DIST-03)."""

from __future__ import annotations

import pytest
import torch

import mme.dist as dist


@pytest.mark.spec("DIST-02")
def test_query_functions_without_a_process_group() -> None:
    assert dist.is_distributed() is False
    assert dist.get_world_size() == 1
    assert dist.get_rank() == 0
    assert dist.get_backend() is None
    assert dist.get_local_rank() == 0
    assert dist.get_local_size() == 1
    assert dist.get_dist_info() == (0, 1)  # (rank, world_size), not the doc's order
    assert dist.is_main_process() is True
    assert dist.get_default_group() is None
    assert dist.get_local_group() is None
    assert dist.get_comm_device() == torch.device("cpu")
    dist.barrier()


@pytest.mark.spec("DIST-02")
def test_master_only_runs_the_function_in_one_process() -> None:
    @dist.master_only
    def save(path: str, *, step: int) -> str:
        """Save something."""
        return f"{path}@{step}"

    assert save("ckpt.pth", step=3) == "ckpt.pth@3"
    assert save.__name__ == "save"
    assert save.__doc__ == "Save something."


@pytest.mark.spec("DIST-02")
def test_init_local_group_needs_a_process_group() -> None:
    with pytest.raises(RuntimeError, match=r"init_local_group needs an initialised default"):
        dist.init_local_group(0, 1)


@pytest.mark.spec("DIST-03")
def test_tensor_collectives_are_no_ops_in_one_process() -> None:
    data = torch.tensor([1.0, 2.0])
    for op in ("sum", "mean", "max", "min", "product", "MEAN"):
        dist.all_reduce(data, op=op)
    assert data.tolist() == [1.0, 2.0]
    gathered = dist.all_gather(data)
    assert len(gathered) == 1
    assert gathered[0] is data
    assert dist.gather(data)[0] is data
    dist.broadcast(data)
    metrics = {"loss": torch.tensor(0.5), "count": torch.tensor(3)}
    dist.all_reduce_dict(metrics)
    assert metrics["loss"].item() == 0.5
    assert metrics["count"].item() == 3
    params = list(torch.nn.Linear(2, 2).parameters())
    before = [p.detach().clone() for p in params]
    dist.all_reduce_params(params, op="mean")
    assert all(torch.equal(p, b) for p, b in zip(params, before, strict=True))


@pytest.mark.spec("DIST-03")
def test_object_collectives_are_no_ops_in_one_process() -> None:
    payload = {"a": [1, 2], "t": torch.ones(1)}
    assert dist.all_gather_object(payload) == [payload]
    assert dist.gather_object(payload) == [payload]
    items = ["x", {"y": 1}]
    dist.broadcast_object_list(items)
    assert items == ["x", {"y": 1}]


@pytest.mark.spec("DIST-03")
def test_sync_random_seed_in_one_process_follows_python_random() -> None:
    import random

    random.seed(7)
    first = dist.sync_random_seed()
    random.seed(7)
    assert dist.sync_random_seed() == first
    assert 0 <= first < 2**31


@pytest.mark.spec("DIST-03")
def test_collect_results_in_one_process_truncates_to_size() -> None:
    assert dist.collect_results([0, 1, 2, 3], 3) == [0, 1, 2]
    assert dist.collect_results((0, 1), 2, device="gpu") == [0, 1]


@pytest.mark.spec("DIST-03")
def test_misspelt_reduce_op_suggests_the_right_one() -> None:
    with pytest.raises(
        ValueError, match=r"op='summ' is not a reduce operation.*Did you mean 'sum'\?"
    ):
        dist.all_reduce(torch.ones(1), op="summ")
    with pytest.raises(ValueError, match=r"all_reduce_dict: op='avg'"):
        dist.all_reduce_dict({"x": torch.ones(1)}, op="avg")


@pytest.mark.spec("DIST-03")
def test_mean_of_integer_tensors_is_refused_even_in_one_process() -> None:
    with pytest.raises(TypeError, match=r"op='mean' needs a floating point tensor.*torch.int64"):
        dist.all_reduce(torch.tensor([1, 2]), op="mean")
    with pytest.raises(TypeError, match=r"data\['count'\] has dtype torch.int64"):
        dist.all_reduce_dict({"loss": torch.tensor(1.0), "count": torch.tensor(1)}, op="mean")
    with pytest.raises(TypeError, match=r"params\[0\] has dtype torch.int32"):
        dist.all_reduce_params([torch.ones(2, dtype=torch.int32)], op="mean")


@pytest.mark.spec("DIST-03")
def test_tensor_collectives_reject_other_objects_and_point_to_object_versions() -> None:
    with pytest.raises(TypeError, match=r"all_gather: data must be a torch.Tensor, got list.*"
                       r"all_gather_object"):  # fmt: skip
        dist.all_gather([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"all_reduce_dict: data\['acc'\] must be a torch.Tensor"):
        dist.all_reduce_dict({"acc": 0.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"broadcast_object_list: data must be a list"):
        dist.broadcast_object_list(("a",))  # type: ignore[arg-type]


@pytest.mark.spec("DIST-03")
def test_collect_results_argument_errors() -> None:
    with pytest.raises(ValueError, match=r"device='gpuu' is not one of.*Did you mean 'gpu'\?"):
        dist.collect_results([1], 1, device="gpuu")
    with pytest.raises(ValueError, match=r"tmpdir is only used with device='cpu'"):
        dist.collect_results([1], 1, device="gpu", tmpdir="/tmp/x")
    with pytest.raises(ValueError, match=r"size=5 but only 2 results were collected \(rank 0: 2\)"):
        dist.collect_results([1, 2], 5)
    with pytest.raises(ValueError, match=r"size must be a non-negative int, got -1"):
        dist.collect_results([1, 2], -1)
    with pytest.raises(TypeError, match=r"results must be a list of per-sample results, got str"):
        dist.collect_results("abc", 3)
