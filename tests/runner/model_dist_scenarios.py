"""What each rank does in the 2-process tests of models and evaluators (gloo on 127.0.0.1).

Run by tests/dist/dist_worker_main.py (``this_file.py::scenario``): one launch runs every
part and returns plain values that test_model_distributed.py asserts on.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

import mme.dist as dist
from mme.optim import OptimWrapper
from mme.runner.evaluator import BaseMetric, DumpResults, Evaluator
from mme.runner.model import BaseModel, MMDistributedDataParallel, NonFiniteLossError


class SGDWrapper(OptimWrapper):
    """mme.optim's OptimWrapper over SGD, counting its updates."""

    def __init__(self, params: Iterator[nn.Parameter], lr: float) -> None:
        super().__init__(torch.optim.SGD(params, lr=lr))
        self.updates = 0

    def update_params(self, loss: torch.Tensor, *args: Any, **kwargs: Any) -> None:
        super().update_params(loss, *args, **kwargs)
        self.updates += 1


class Scale(BaseModel):
    """y = w * x with w = 1; loss = (w x)²; predict returns w x."""

    def __init__(self, nonfinite_loss: str = "raise") -> None:
        super().__init__(nonfinite_loss=nonfinite_loss)
        self.linear = nn.Linear(1, 1, bias=False)
        nn.init.constant_(self.linear.weight, 1.0)

    def forward(self, inputs: torch.Tensor, mode: str = "tensor") -> Any:
        out = self.linear(inputs)
        if mode == "loss":
            return {"loss": out.pow(2).mean()}
        return out


def _weight(model: MMDistributedDataParallel) -> float:
    return float(model.module.linear.weight.item())


def _ddp_parts(rank: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    model = MMDistributedDataParallel(Scale())
    wrapper = SGDWrapper(model.parameters(), lr=0.1)
    # rank r sees x = r + 1: local grads 2 and 8, averaged 5 -> w = 1 - 0.1 * 5 = 0.5
    log_vars = model.train_step({"inputs": torch.tensor([[rank + 1.0]])}, wrapper)
    out["weight_after_step"] = _weight(model)
    out["log_loss"] = float(log_vars["loss"])
    out["log_is_tensor"] = isinstance(log_vars["loss"], torch.Tensor)
    out["val_step"] = model.val_step({"inputs": torch.tensor([[2.0]])}).tolist()
    out["test_step"] = model.test_step({"inputs": torch.tensor([[3.0]])}).tolist()

    # a NaN on rank 1 only: both ranks raise, nobody updates, nobody hangs
    bad = {"inputs": torch.tensor([[float("nan") if rank == 1 else 1.0]])}
    try:
        model.train_step(bad, wrapper)
        out["raise_message"] = None
    except NonFiniteLossError as error:
        out["raise_message"] = str(error)
    out["weight_after_raise"] = _weight(model)

    skipping = MMDistributedDataParallel(Scale(nonfinite_loss="skip"))
    skip_wrapper = SGDWrapper(skipping.parameters(), lr=0.1)
    skipping.train_step(bad, skip_wrapper)
    out["weight_after_skip"] = _weight(skipping)
    out["updates_after_skip"] = skip_wrapper.updates
    skipping.train_step({"inputs": torch.tensor([[rank + 1.0]])}, skip_wrapper)
    out["weight_after_skip_then_step"] = _weight(skipping)

    # accumulation: the first step runs under no_sync (local gradients), the second syncs
    accumulating = MMDistributedDataParallel(Scale())
    acc_wrapper = OptimWrapper(
        torch.optim.SGD(accumulating.parameters(), lr=0.1), accumulative_counts=2
    )
    batch = {"inputs": torch.tensor([[rank + 1.0]])}
    accumulating.train_step(batch, acc_wrapper)
    out["grad_after_first_accumulation"] = float(accumulating.module.linear.weight.grad.item())
    out["weight_after_first_accumulation"] = _weight(accumulating)
    accumulating.train_step(batch, acc_wrapper)
    out["weight_after_accumulation"] = _weight(accumulating)
    return out


class SampleIds(BaseMetric):
    """One result per sample: its id. Records whether compute_metrics ran on this rank."""

    default_prefix = "ids"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.computed_here = False

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(int(sample["id"]) for sample in data_samples)

    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        self.computed_here = True
        return {"count": len(results), "order": results}


class BatchCounter(BaseMetric):
    """One result per batch (the spec's Accuracy style): the number of samples in it."""

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.append(len(data_samples))

    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        return {"samples_counted": sum(results)}


def _rank_batches(rank: int, size: int, world_size: int, batch_size: int) -> list[list[int]]:
    """The batches DefaultSampler (round_up=True) gives ``rank``: padded by repeating from 0."""
    total = -(-size // world_size) * world_size
    indices = [i % size for i in range(total)][rank::world_size]
    return [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)]


def _evaluator_parts(rank: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tmp = Path(os.environ["MME_TEST_TMP"])
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logging.getLogger("mme.runner.evaluator").addHandler(handler)

    ids = SampleIds()
    through_files = SampleIds(prefix="files", collect_dir=str(tmp / "collect"))
    batches = BatchCounter()
    dump_path = tmp / "preds.pkl"
    evaluator = Evaluator([ids, through_files, batches, DumpResults(str(dump_path))])
    for batch in _rank_batches(rank, size=5, world_size=2, batch_size=2):
        evaluator.process([{"id": i} for i in batch], data_batch=None)
    out["metrics"] = evaluator.evaluate(5)
    out["computed_here"] = ids.computed_here
    out["results_cleared"] = [len(m.results) for m in evaluator.metrics]
    dist.barrier()
    out["dumped"] = pickle.loads(dump_path.read_bytes()) if rank == 0 else None

    empty = SampleIds(prefix="empty")
    if rank == 0:
        empty.process(None, [{"id": 0}])
    out["one_rank_empty"] = empty.evaluate(1)
    logging.getLogger("mme.runner.evaluator").removeHandler(handler)
    out["warnings"] = records
    return out


def model_and_evaluator() -> dict[str, Any]:
    """Every 2-rank check of mme.runner.model and mme.runner.evaluator, in one launch."""
    rank = dist.get_rank()
    return {"ddp": _ddp_parts(rank), "eval": _evaluator_parts(rank)}
