"""The process environment of a run: ``env_cfg``, the launcher, randomness and the banner.

``env_cfg`` (RUN-31): ``cudnn_benchmark``, ``mp_cfg=dict(mp_start_method='fork',
opencv_num_threads=0)`` and ``dist_cfg=dict(backend='nccl', timeout=1800)``; ``launcher``
(RUN-32) starts the process group through `mme.dist.init_dist`; ``randomness`` (RUN-30)
seeds Python, numpy and torch.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import platform
import random
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from mme.dist import get_rank, get_world_size, init_dist, is_distributed, sync_random_seed
from mme.runner._suggest import did_you_mean

_logger = logging.getLogger("mme.runner")

LAUNCHERS = ("none", "pytorch", "slurm", "mpi")
_ENV_KEYS = ("cudnn_benchmark", "mp_cfg", "dist_cfg")
_RANDOMNESS_KEYS = ("seed", "diff_rank_seed", "deterministic")


def set_random_seed(
    seed: int | None = None, deterministic: bool = False, diff_rank_seed: bool = False
) -> int:
    """Seed ``random``, numpy and torch (every device); return the seed used.

    Args:
        seed: The seed; None draws one (the same on every rank of a distributed run).
        deterministic: Also ask cuDNN and torch for deterministic algorithms.
        diff_rank_seed: Add the process's rank to the seed, so ranks draw different numbers.
    """
    if seed is None:
        seed = sync_random_seed()
    if diff_rank_seed:
        seed = seed + get_rank()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


def check_keys(given: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    """Raise a ValueError naming the first key of ``given`` not in ``known``."""
    for key in given:
        if key not in known:
            raise ValueError(
                f"{where}: unknown key {key!r}.{did_you_mean(str(key), known)} "
                f"(known keys: {', '.join(known)})"
            )


def setup_env(env_cfg: Mapping[str, Any], launcher: str) -> bool:
    """Apply ``env_cfg`` and start the process group for ``launcher``; return ``distributed``.

    Raises:
        ValueError: an unknown ``env_cfg`` key (``backend`` at the top level is told to go
            into ``dist_cfg``) or an unknown launcher.
    """
    if "backend" in env_cfg:
        raise ValueError(
            "env_cfg: 'backend' belongs in env_cfg['dist_cfg'] "
            f"(env_cfg=dict(dist_cfg=dict(backend={env_cfg['backend']!r})))"
        )
    check_keys(env_cfg, _ENV_KEYS, "env_cfg")
    if launcher not in LAUNCHERS:
        raise ValueError(
            f"launcher={launcher!r} is not supported; use one of {', '.join(LAUNCHERS)}."
            f"{did_you_mean(str(launcher), LAUNCHERS)}"
        )
    if env_cfg.get("cudnn_benchmark"):
        torch.backends.cudnn.benchmark = True
    _setup_multiprocessing(dict(env_cfg.get("mp_cfg") or {}))
    if launcher != "none" and not is_distributed():
        dist_cfg = dict(env_cfg.get("dist_cfg") or {})
        init_dist(launcher, **dist_cfg)
    return launcher != "none" or is_distributed()


def _setup_multiprocessing(mp_cfg: dict[str, Any]) -> None:
    check_keys(mp_cfg, ("mp_start_method", "opencv_num_threads"), "env_cfg['mp_cfg']")
    method = mp_cfg.get("mp_start_method")
    if method is not None and platform.system() != "Windows":
        current = multiprocessing.get_start_method(allow_none=True)
        if current is not None and current != method:
            _logger.warning(
                "mp_start_method %r is different from the previous setting %r; it is set to %r",
                method,
                current,
                method,
            )
        multiprocessing.set_start_method(method, force=True)
    threads = mp_cfg.get("opencv_num_threads")
    if threads is not None and "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(threads)


def banner(env_cfg: Mapping[str, Any], launcher: str, seed: int, distributed: bool) -> str:
    """The environment banner the Runner logs at start (``numpy_random_seed`` etc.)."""
    from mme.runner import __version__

    cuda = torch.cuda.is_available()
    lines = [
        "",
        "------------------------------------------------------------",
        "System environment:",
        f"    sys.platform: {sys.platform}",
        f"    Python: {sys.version.replace(chr(10), '')}",
        f"    CUDA available: {cuda}",
        f"    numpy_random_seed: {seed}",
    ]
    if cuda:
        names: dict[str, list[int]] = {}
        for index in range(torch.cuda.device_count()):
            names.setdefault(torch.cuda.get_device_name(index), []).append(index)
        for name, indices in names.items():
            lines.append(f"    GPU {','.join(map(str, indices))}: {name}")
        lines.append(f"    CUDA_HOME: {os.environ.get('CUDA_HOME', 'not set')}")
    lines += [
        f"    PyTorch: {torch.__version__}",
        f"    NumPy: {np.__version__}",
        f"    mme-runner: {__version__}",
        "",
        "Runtime environment:",
        f"    cudnn_benchmark: {bool(env_cfg.get('cudnn_benchmark', False))}",
        f"    mp_cfg: {dict(env_cfg.get('mp_cfg') or {})}",
        f"    dist_cfg: {dict(env_cfg.get('dist_cfg') or {})}",
        f"    seed: {seed}",
        f"    Distributed launcher: {launcher}",
        f"    Distributed training: {distributed}",
        f"    GPU number: {get_world_size()}",
        "------------------------------------------------------------",
        "",
    ]
    return "\n".join(lines)
