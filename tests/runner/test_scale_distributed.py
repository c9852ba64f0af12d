"""DDP options, MMSeparateDistributedDataParallel and FSDP2 (MOD-09, RUN-28) on two real
gloo ranks (one launch of scale_dist_scenarios.py), and what needs no process group."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from torch import nn

from mme.runner.model import (
    MMDistributedDataParallel,
    MMFullyShardedDataParallel,
    MMSeparateDistributedDataParallel,
    convert_sync_batchnorm,
    revert_sync_batchnorm,
)

HERE = Path(__file__).parent
SCENARIOS = HERE / "scale_dist_scenarios.py"


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mme_dist_harness", HERE.parent / "dist" / "conftest.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return _harness().run_ranks(  # type: ignore[no-any-return]
        tmp_path_factory.mktemp("scale_dist"), f"{SCENARIOS}::scale", limit=180.0
    )


@pytest.mark.spec("MOD-09")
def test_ddp_options_reach_ddp_through_model_wrapper_cfg(two_ranks: list[dict[str, Any]]) -> None:
    rank0, rank1 = (r["ddp"] for r in two_ranks)
    assert rank0["find_unused"] is True  # the model has an unused layer: training needs it
    assert rank0["broadcast_buffers"] is True
    assert rank0["bucket_bytes_cap"] == 1024 * 1024  # bucket_cap_mb=1
    assert rank0["static_graph"] is True
    # broadcast_buffers: rank 0's buffer before every forward, then this rank's own +1 / +2
    assert (rank0["seen"], rank1["seen"]) == (4.0, 5.0)
    assert rank0["weights"] == rank1["weights"]
    assert rank0["static_weights"] == rank1["static_weights"]


@pytest.mark.spec("MOD-09")
def test_separate_ddp_wraps_each_trainable_child(two_ranks: list[dict[str, Any]]) -> None:
    rank0, rank1 = (r["separate"] for r in two_ranks)
    assert rank0["kinds"] == {
        "data_preprocessor": "BaseDataPreprocessor",
        "generator": "MMDistributedDataParallel",
        "discriminator": "MMDistributedDataParallel",
        "frozen": "Linear",
    }
    # different data on each rank, two optimizers: the gradients were averaged
    assert rank0["weights"] == rank1["weights"]


@pytest.mark.spec("RUN-28", "MOD-09")
def test_ex07_fsdp_toy_model_trains_sharded_with_cpu_offload(
    two_ranks: list[dict[str, Any]],
) -> None:
    rank0, rank1 = (r["fsdp"] for r in two_ranks)
    assert rank0["wrapper"] == "MMFullyShardedDataParallel"
    assert rank0["sharded"]
    assert rank1["sharded"]
    assert (rank0["local_numel"], rank1["local_numel"]) == (1, 0)  # the 1x1 weight, sharded
    assert rank1["full"] == {}  # full_state_dict() gathers on rank 0
    assert rank0["checkpoint"] == rank0["full"]  # the Runner's checkpoint holds full tensors
    assert rank0["loss"] < 0.05


@pytest.mark.spec("RUN-28", "RUN-22")
def test_fsdp_runner_checkpoint_resumes_sharded_momentum_exactly(
    two_ranks: list[dict[str, Any]],
) -> None:
    momentum = two_ranks[0]["fsdp"]["momentum"]
    # the checkpoint holds the momentum buffers as full tensors (weight 1x1, bias 1)
    assert momentum["buffer"] == [(1,), (1, 1)]
    assert momentum["resumed"] == momentum["straight"]
    assert momentum["straight"]  # rank 0 gathered the weights


@pytest.mark.spec("RUN-28")
def test_fsdp_sharded_checkpoint_resumes_exactly_and_reads_on_one_process(
    two_ranks: list[dict[str, Any]],
) -> None:
    rank0, rank1 = (r["sharded"] for r in two_ranks)
    assert rank0["units"] == 3  # the root and both Linear layers (auto_wrap_policy)
    assert rank0["resumed"] == rank0["straight"]  # Adam state re-sharded from the files
    assert rank1["resumed"] == rank1["straight"] == {}
    assert rank1["saved_three"] == {}
    assert rank0["optim_keys"] == ["body.0.bias", "body.0.weight", "body.2.bias", "body.2.weight"]
    assert rank1["optim_keys"] == []  # the full optimizer state is gathered on rank 0
    one = rank0["one_process"]
    assert one.pop("adam_steps") == [3.0, 3.0, 3.0, 3.0]
    assert one == rank0["saved_three"]  # 2 ranks wrote, 1 process read the same weights
    # mixed_precision: computed in bfloat16, the sharded parameters stay float32
    assert rank0["mixed_precision"] == dict(activation="torch.bfloat16", param="torch.float32")


# ----------------------------------------------------------------- no process group
@pytest.mark.spec("MOD-09")
def test_several_devices_in_one_process_are_refused() -> None:
    for wrapper in (MMDistributedDataParallel, MMSeparateDistributedDataParallel):
        with pytest.raises(ValueError, match=r"device_ids=\[0, 1\] names several devices"):
            wrapper(nn.Linear(1, 1), device_ids=[0, 1])


@pytest.mark.spec("RUN-28")
def test_fsdp_needs_a_process_group() -> None:
    with pytest.raises(RuntimeError, match="works only in a distributed run"):
        MMFullyShardedDataParallel(nn.Linear(1, 1))


@pytest.mark.spec("MOD-09")
def test_sync_batchnorm_round_trip_keeps_the_statistics() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(3)))
    model[1](torch.randn(4, 2, 2, 2))  # one training batch: running statistics move
    synced = convert_sync_batchnorm(model)
    assert isinstance(synced[1], nn.SyncBatchNorm)
    assert isinstance(synced[2][0], nn.SyncBatchNorm)
    back = revert_sync_batchnorm(synced)
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in back.modules())
    torch.testing.assert_close(back[1].running_mean, model[1].running_mean)
    assert int(back[1].num_batches_tracked) == 1
    back.eval()
    out = back[1](torch.ones(1, 2, 2, 2))  # runs on the CPU in one process
    assert out.shape == (1, 2, 2, 2)
    with pytest.raises(ValueError, match="implementation must be 'torch', got 'mmcv'"):
        convert_sync_batchnorm(model, implementation="mmcv")
