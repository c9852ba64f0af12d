"""One rank of the two-process sampler test: ``python dist_sampler_rank.py OUT``.

Started by test_dataset_distributed.py with torchrun's variables (gloo on 127.0.0.1). It
runs every scenario below on this rank and pickles a dict of plain values to OUT.
"""

from __future__ import annotations

import itertools
import os
import pickle
import random
import sys
import traceback
from typing import Any

import torch


def scenarios() -> dict[str, Any]:
    import mme.dist as dist
    from mme.dataset import BaseDataset, DefaultSampler, InfiniteSampler, default_collate

    rank = dist.get_rank()
    out: dict[str, Any] = {"dist_info": dist.get_dist_info()}

    random.seed(100 + rank)  # on its own each rank would draw another seed
    sampler = DefaultSampler(range(11))
    out["seed"] = sampler.seed
    out["len"] = len(sampler)
    out["epoch0"] = list(sampler)
    sampler.set_epoch(1)
    out["epoch1"] = list(sampler)
    out["no_round_up"] = list(DefaultSampler(range(11), seed=3, round_up=False))

    infinite = InfiniteSampler(range(5))
    out["infinite_seed"] = infinite.seed
    out["infinite"] = list(itertools.islice(infinite, 12))

    # stop after 2 indices of epoch 3, resume in a new sampler
    first = DefaultSampler(range(11), seed=8)
    first.set_epoch(3)
    out["resume_full"] = list(first)
    iterator = iter(first)
    out["resume_taken"] = [next(iterator), next(iterator)]
    state = first.state_dict()
    out["resume_state"] = state
    second = DefaultSampler(range(11), seed=0)
    second.load_state_dict(state)
    second.set_epoch(3)
    out["resume_rest"] = list(second)

    class Squares(BaseDataset):
        def load_data_list(self) -> list[dict[str, Any]]:
            return [{"x": i, "y": i * i} for i in range(9)]

    dataset = Squares()
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=2, sampler=DefaultSampler(dataset, seed=1), collate_fn=default_collate
    )
    out["batches"] = [(batch["x"].tolist(), batch["y"].tolist()) for batch in loader]
    return out


def main() -> None:
    from mme.dist import barrier, init_dist

    try:
        init_dist("pytorch", backend="gloo", timeout=30)
        result = scenarios()
        with open(sys.argv[1], "wb") as f:
            pickle.dump(result, f)
        barrier()  # rank 0 hosts the store: nobody leaves while a peer still uses it
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
