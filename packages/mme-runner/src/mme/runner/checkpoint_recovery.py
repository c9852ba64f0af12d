"""``resume=True`` without a file: the newest checkpoint that loads, not just the newest.

A job killed while writing cannot leave a half-written checkpoint (writes are atomic), but a
file can still be damaged later (a full disk, an incomplete copy between machines). Then the
runner reports the damaged file and resumes from the newest good one instead of failing.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mme.runner.runner import Runner

#: Files that are not resume points: best checkpoints and published copies.
_NOT_RESUMABLE = re.compile(r"^best_|-[0-9a-f]{8}\.pth$")


def resume_candidates(work_dir: str) -> list[str]:
    """Checkpoints to resume from, best first: the one ``last_checkpoint`` names, then the
    other periodic checkpoints of its folder and of ``work_dir``, the highest step number
    (``iter_8.pth``) first, then the newest (copies between machines lose modification
    times)."""
    from mme.runner.checkpoint import find_latest_checkpoint

    latest = find_latest_checkpoint(work_dir)
    folders = [work_dir]
    if latest is not None and "://" not in latest:
        folders.insert(0, os.path.dirname(latest))
    found: dict[str, float] = {}
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith(".pth") and not _NOT_RESUMABLE.search(name) and os.path.isfile(path):
                found[os.path.abspath(path)] = os.path.getmtime(path)
    others = sorted(found, key=lambda p: (_step(p), found[p]), reverse=True)
    if latest is None:
        return others
    return [latest, *(p for p in others if p != os.path.abspath(latest))]


def resume_latest(runner: Runner) -> str | None:
    """Resume ``runner`` from the newest checkpoint of its work_dir that loads.

    A corrupt one is reported (a warning naming it and why) and the next older one tried.
    Returns the file resumed from, or None when there is none.
    """
    from mme.runner.async_checkpoint import wait_all
    from mme.runner.checkpoint import CorruptCheckpointError

    wait_all()  # a runner of this process may still be writing its last checkpoint
    for path in resume_candidates(runner.work_dir):
        try:
            runner.resume(path)
        except CorruptCheckpointError as error:
            runner.logger.warning(f"{error}; trying the previous checkpoint")
            continue
        except FileNotFoundError as error:
            runner.logger.warning(f"{error}; trying the previous checkpoint")
            continue
        return path
    return None


def _step(path: str) -> int:
    numbers = re.findall(r"\d+", os.path.basename(path))
    return int(numbers[-1]) if numbers else -1
