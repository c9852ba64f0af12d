"""Distributed evaluation with mme.dist: the same script in one process or many.

Each rank evaluates the samples an interleaving sampler gives it (rank r gets
r, r + world_size, ...; the last ones padded), the results come back to rank 0 in
dataset order without the padding, and the accuracy is averaged with all_reduce.

    python docs/examples/distributed_eval.py
    torchrun --standalone --nproc-per-node 2 docs/examples/distributed_eval.py --launcher pytorch
"""

from __future__ import annotations

import argparse
import math

import torch

from mme.dist import all_reduce, collect_results, get_dist_info, init_dist, master_only

NUM_SAMPLES = 11


def predict(index: int) -> dict[str, int]:
    """A stand-in model: right on every sample but multiples of 4."""
    label = index % 3
    return {"index": index, "pred": label if index % 4 else (label + 1) % 3, "label": label}


@master_only
def report(results: list[dict[str, int]], mean_accuracy: float, world_size: int) -> None:
    indices = [r["index"] for r in results]
    correct = sum(r["pred"] == r["label"] for r in results)
    print(f"world size {world_size}: {len(results)} results in order {indices == sorted(indices)}")
    print(f"accuracy {correct}/{len(results)} = {correct / len(results):.4f}")
    print(f"mean of per-rank accuracies {mean_accuracy:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    args = parser.parse_args()
    if args.launcher != "none":
        init_dist(args.launcher)  # nccl with CUDA, gloo without
    rank, world_size = get_dist_info()

    per_rank = math.ceil(NUM_SAMPLES / world_size)
    indices = [(rank + k * world_size) % NUM_SAMPLES for k in range(per_rank)]  # padded
    mine = [predict(i) for i in indices]
    accuracy = torch.tensor(sum(r["pred"] == r["label"] for r in mine) / len(mine))
    all_reduce(accuracy, op="mean")
    results = collect_results(mine, size=NUM_SAMPLES)
    report(results, accuracy.item(), world_size)


if __name__ == "__main__":
    main()
