"""Real 2-rank runs (gloo on 127.0.0.1) of MMDistributedDataParallel and the evaluator.

One launch (tests/dist's harness) runs every part of model_dist_scenarios.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).parent
SCENARIOS = HERE / "model_dist_scenarios.py"


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
    harness = _harness()
    return harness.run_ranks(
        tmp_path_factory.mktemp("model_dist"), f"{SCENARIOS}::model_and_evaluator", limit=90.0
    )


@pytest.mark.spec("MOD-09", "MOD-02")
def test_ddp_train_step_averages_gradients_over_ranks(two_ranks: list[dict[str, Any]]) -> None:
    rank0, rank1 = (r["ddp"] for r in two_ranks)
    # local gradients 2 and 8; without averaging the ranks would end at 0.8 and 0.2
    assert rank0["weight_after_step"] == pytest.approx(0.5)
    assert rank1["weight_after_step"] == pytest.approx(0.5)
    assert (rank0["log_loss"], rank1["log_loss"]) == (1.0, 4.0)  # each rank logs its own loss
    assert rank0["log_is_tensor"]
    assert rank1["log_is_tensor"]


@pytest.mark.spec("MOD-09", "OPT-03")
def test_ddp_accumulation_syncs_only_on_the_updating_step(two_ranks: list[dict[str, Any]]) -> None:
    rank0, rank1 = (r["ddp"] for r in two_ranks)
    # first of 2 steps under no_sync: each rank keeps its own (halved) gradient
    assert (rank0["grad_after_first_accumulation"], rank1["grad_after_first_accumulation"]) == (
        1.0,
        4.0,
    )
    assert rank0["weight_after_first_accumulation"] == 1.0
    assert rank0["weight_after_accumulation"] == rank1["weight_after_accumulation"]
    assert rank0["weight_after_accumulation"] == pytest.approx(0.5)


@pytest.mark.spec("MOD-09", "MOD-03")
def test_ddp_val_and_test_step_delegate_to_the_model(two_ranks: list[dict[str, Any]]) -> None:
    for rank in two_ranks:
        assert rank["ddp"]["val_step"] == [[1.0]]  # w = 0.5 after the step
        assert rank["ddp"]["test_step"] == [[1.5]]


@pytest.mark.spec("MOD-02", "MOD-09")
def test_a_nan_on_one_rank_raises_on_every_rank_before_the_update(
    two_ranks: list[dict[str, Any]],
) -> None:
    rank0, rank1 = (r["ddp"] for r in two_ranks)
    assert rank1["raise_message"].startswith("Non-finite loss: (loss = nan).")
    assert rank0["raise_message"].startswith("Non-finite loss: the losses of another rank.")
    assert "nonfinite_loss='skip'" in rank0["raise_message"]
    assert rank0["weight_after_raise"] == rank1["weight_after_raise"] == pytest.approx(0.5)


@pytest.mark.spec("MOD-02", "MOD-09")
def test_skip_policy_skips_the_step_on_every_rank_and_training_goes_on(
    two_ranks: list[dict[str, Any]],
) -> None:
    for rank in two_ranks:
        ddp = rank["ddp"]
        assert ddp["weight_after_skip"] == 1.0
        assert ddp["updates_after_skip"] == 0
        assert ddp["weight_after_skip_then_step"] == pytest.approx(0.5)


@pytest.mark.spec("EVAL-01", "EVAL-02", "DIST-04")
def test_uneven_dataset_results_are_gathered_in_order_without_padding(
    two_ranks: list[dict[str, Any]],
) -> None:
    rank0, rank1 = (r["eval"] for r in two_ranks)
    assert rank0["metrics"]["ids/count"] == 5  # 6 samples ran: the padded one is dropped
    assert rank0["metrics"]["ids/order"] == [0, 1, 2, 3, 4]
    assert rank0["metrics"]["files/order"] == [0, 1, 2, 3, 4]  # through collect_dir files
    assert rank1["metrics"] == rank0["metrics"]  # broadcast to every rank
    assert (rank0["computed_here"], rank1["computed_here"]) == (True, False)
    assert rank0["results_cleared"] == [0, 0, 0, 0]


@pytest.mark.spec("EVAL-01")
def test_per_batch_results_count_the_padding_and_say_so(two_ranks: list[dict[str, Any]]) -> None:
    rank0, rank1 = (r["eval"] for r in two_ranks)
    assert rank0["metrics"]["samples_counted"] == 6
    expected = (
        "BatchCounter: 4 results for a dataset of 5 samples on 2 ranks: the results are not "
        "one per sample, so the 1 sample(s) the sampler repeats to even out the ranks are "
        "counted too. Append one result per sample in process() to count every sample once."
    )
    assert expected in rank0["warnings"]
    assert expected in rank1["warnings"]


@pytest.mark.spec("EVAL-02")
def test_dump_results_writes_every_prediction_once_in_order(
    two_ranks: list[dict[str, Any]],
) -> None:
    assert two_ranks[0]["eval"]["dumped"] == [{"id": i} for i in range(5)]


@pytest.mark.spec("EVAL-01")
def test_a_rank_without_results_warns_but_the_metric_is_computed(
    two_ranks: list[dict[str, Any]],
) -> None:
    rank0, rank1 = (r["eval"] for r in two_ranks)
    assert (
        rank0["one_rank_empty"] == rank1["one_rank_empty"] == {"empty/count": 1, "empty/order": [0]}
    )
    assert any(w.startswith("SampleIds got empty `self.results`") for w in rank1["warnings"])
    assert not any(w.startswith("SampleIds got empty") for w in rank0["warnings"])
