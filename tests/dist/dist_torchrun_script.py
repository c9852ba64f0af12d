"""A training-script stand-in: ``--launcher`` as in the launch recipes, results as JSON.

test_dist_torchrun.py runs it with ``python -m torch.distributed.run --nproc-per-node 2`` and
as a single process with ``--launcher none``; both must write the same kind of record.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import mme.dist as dist


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.launcher != "none":
        dist.init_dist(args.launcher, timeout=20)
    rank, world_size = dist.get_dist_info()
    total = torch.tensor([float(rank + 1)])
    dist.all_reduce(total)
    size = 5
    mine = [f"sample{i}" for i in range(rank, size, world_size)]
    collected = dist.collect_results(mine, size)
    record = {
        "rank": rank,
        "world_size": world_size,
        "local_rank": dist.get_local_rank(),
        "local_size": dist.get_local_size(),
        "backend": dist.get_backend(),
        "total": total.item(),
        "collected": collected,
        "seed_is_int": isinstance(dist.sync_random_seed(), int),
    }
    Path(args.out, f"rank{rank}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    main()
