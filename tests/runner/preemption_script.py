"""Train the run of resume_toys.py with a PreemptionHook until a signal stops it.

``python preemption_script.py WORK_DIR READY_FILE``: writes READY_FILE after iteration 3,
then slows down (0.1 s per iteration) so that the test's signal arrives mid-training.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).parent))
import resume_toys

from mme.runner import Hook, Runner


class Ready(Hook):
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def after_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if runner.iter + 1 == 3:
            self.path.write_text("3")
        if runner.iter + 1 >= 3:
            time.sleep(0.1)


def train(work_dir: Path, ready: Path) -> None:
    """Train with a PreemptionHook; READY is written after iteration 3."""
    torch.set_num_threads(1)
    torch.manual_seed(123)
    args = resume_toys.config(Path(work_dir))
    args["custom_hooks"] = [dict(type="PreemptionHook"), Ready(str(ready))]
    Runner(**args).train()


def main() -> None:
    work_dir, ready = sys.argv[1:3]
    train(Path(work_dir), Path(ready))


if __name__ == "__main__":
    main()
