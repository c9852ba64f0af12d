"""Trained under ``python -m torch.distributed.run --nproc-per-node 2`` by test_runner_distributed.

Each rank trains the same Runner with ``launcher='pytorch'`` and writes what it ended with to
``<out>/rank<r>.pt`` for the test to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.runner.runner_toys import AccuracyEvaluator, Classifier, collate, points

from mme.runner import Runner


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(int(os.environ["RANK"]))  # different initial weights on purpose
    model = nn_model = Classifier()
    runner = Runner(
        model=model,
        work_dir=str(Path(args.out) / "work_dir"),
        train_dataloader=dict(
            dataset=points(64),
            sampler=dict(type="DefaultSampler", shuffle=True),
            batch_size=8,
            collate_fn=collate,
        ),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        val_dataloader=dict(
            dataset=points(16, seed=1),
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=8,
            collate_fn=collate,
        ),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
        custom_hooks=[dict(type="SyncBuffersHook")],
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo", timeout=60)),
        randomness=dict(seed=1),
    )
    runner.train()
    state = {k: v.clone() for k, v in nn_model.state_dict().items()}
    torch.save(state, Path(args.out) / f"rank{runner.rank}.pt")
    record = dict(
        rank=runner.rank,
        world_size=runner.world_size,
        timestamp=runner.timestamp,
        wrapper=type(runner.model).__name__,
        iters=runner.iter,
        samples=len(runner.train_dataloader) * 8,
    )
    (Path(args.out) / f"rank{runner.rank}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    main()
