"""What a checkpoint needs beyond weights and optimizer for a resume that changes nothing.

`capture` returns the ``resume_state`` entry of a checkpoint and `restore` applies it:

- ``rng``: the Python, NumPy, torch CPU and CUDA random states of every rank (gathered to
  the saving rank), restored on each rank when the number of ranks is the same;
- ``sampler``: the training sampler's ``state_dict`` with the count of samples the loop
  really consumed (a DataLoader with workers fetches ahead), so the data order continues
  exactly, in the middle of an epoch too;
- ``grads``: the gradients accumulated so far when the checkpoint is taken part-way through
  a gradient-accumulation group (per rank: under DDP they are local until the group ends);
- ``batches_in_epoch``: where in the epoch the loop stood, so batch indices (and what
  hooks do with them: log lines) continue.

Everything is tensors and plain values: ``torch.load(weights_only=True)`` reads it. With
``num_workers=0`` the restored states make the main process's augmentations repeat; workers
start afresh after a resume, so their batches are seeded instead (sample_seeding.py).
Validation during training runs inside `rng_preserved`, so it draws nothing from the
training's streams (a resumed run does not repeat the validation before its checkpoint).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from mme.runner.runner import Runner

#: Version of the layout below; a newer checkpoint is refused with a clear message.
VERSION = 1


# ------------------------------------------------------------------------------ RNG
def rng_state() -> dict[str, Any]:
    """This process's random states as tensors and plain values."""
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    state: dict[str, Any] = {
        "python": {
            "version": int(version),
            # (through numpy: torch.tensor of a 625-int tuple takes three times as long)
            "state": torch.from_numpy(np.fromiter(internal, dtype=np.int64, count=len(internal))),
            "gauss_next": gauss,
        },
        "numpy": {
            "kind": str(kind),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = [torch.cuda.get_rng_state(i) for i in range(torch.cuda.device_count())]
    return state


@contextmanager
def rng_preserved() -> Iterator[None]:
    """Run a block (validation during training) without moving this process's random
    streams: the training after it draws as if the block had not run, so validating or not,
    or resuming after the validation that followed a checkpoint, changes nothing."""
    state = rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Put back the random states saved by `rng_state`."""
    py = state["python"]
    internal = tuple(py["state"].tolist())  # (tolist gives Python ints)
    random.setstate((py["version"], internal, py["gauss_next"]))
    npy = state["numpy"]
    np.random.set_state(
        (
            npy["kind"],
            npy["keys"].numpy().astype(np.uint32),
            npy["pos"],
            npy["has_gauss"],
            npy["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda")
    if cuda and torch.cuda.is_available():
        for index, value in enumerate(cuda[: torch.cuda.device_count()]):
            torch.cuda.set_rng_state(value, index)


# ---------------------------------------------------------------------- message hub
def hub_state(hub: Any) -> dict[str, Any]:
    """``hub.state_dict()`` with every scalar history as two tensors instead of two lists.

    The histories grow by one value per iteration (up to a million each): as lists, every
    checkpoint pickled and checked each number on its own, a cost that grew with training.
    A tensor is one object, and still loads with ``torch.load(weights_only=True)``.
    """
    state = hub.state_dict(arrays=True)
    for saved in state["log_scalars"].values():
        saved["log_history"] = torch.from_numpy(saved["log_history"])
        saved["count_history"] = torch.from_numpy(saved["count_history"])
    return state


def load_hub_state(hub: Any, state: Any) -> None:
    """``hub.load_state_dict(state)`` for a state from `hub_state` or a plain ``state_dict``
    (older mme and MMEngine-converted checkpoints hold lists)."""
    scalars = state.get("log_scalars") if isinstance(state, dict) else None
    if isinstance(scalars, dict):
        state = dict(state, log_scalars={k: _as_arrays(v) for k, v in scalars.items()})
    hub.load_state_dict(state)


def _as_arrays(saved: Any) -> Any:
    if not isinstance(saved, dict):
        return saved
    return {
        key: value.numpy() if isinstance(value, torch.Tensor) else value
        for key, value in saved.items()
    }


# -------------------------------------------------------------------------- sampler
def _sampler(loader: Any) -> Any:
    """The sampler of ``loader`` that has ``state_dict`` (or of its batch sampler)."""
    for holder in (loader, getattr(loader, "batch_sampler", None)):
        sampler = getattr(holder, "sampler", None)
        if sampler is not None and callable(getattr(sampler, "state_dict", None)):
            return sampler
    return None


def _batches_done(runner: Runner, meta: dict[str, Any]) -> int:
    """Batches of the current epoch (or pass over the data) the loop has finished."""
    from mme.runner.loops import IterBasedTrainLoop

    loop = runner.train_loop
    done = int(meta.get("iter", loop.iter))
    if isinstance(loop, IterBasedTrainLoop):
        passes = getattr(loop.dataloader_iterator, "_epoch", 0)
        return done - passes * len(loop.dataloader)
    return done - loop.epoch * len(loop.dataloader)


def sampler_state(runner: Runner, meta: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """The training sampler's state at the loop's real position, and batches of the epoch."""
    if not runner.train_loop_built:
        return None, 0
    loop = runner.train_loop
    loader = loop.dataloader
    sampler = _sampler(loader)
    batches = _batches_done(runner, meta)
    if sampler is None:
        return None, batches
    batch_size = getattr(loader, "batch_size", None)
    if batch_size is None:  # a custom batch sampler: trust the sampler's own count
        return dict(sampler.state_dict()), batches
    return dict(sampler.state_dict(consumed=batches * int(batch_size))), batches


# ---------------------------------------------------------------------------- grads
def _accumulating(optim_wrapper: Any) -> bool:
    """Whether some wrapper is part-way through a gradient-accumulation group."""
    wrappers = optim_wrapper.values() if hasattr(optim_wrapper, "values") else [optim_wrapper]
    for wrapper in wrappers:
        counts = int(getattr(wrapper, "_accumulative_counts", 1))
        if counts > 1 and int(getattr(wrapper, "_inner_count", 0)) % counts:
            return True
    return False


def _grads(runner: Runner) -> dict[str, torch.Tensor]:
    from mme.runner.checkpoint import unwrap

    return {
        name: param.grad.detach().cpu().clone()
        for name, param in unwrap(runner.model).named_parameters()
        if param.grad is not None
    }


# ---------------------------------------------------------------------- the state
def capture(runner: Runner, meta: dict[str, Any]) -> dict[str, Any]:
    """The ``resume_state`` of a checkpoint of ``runner`` (call it on every rank).

    In a distributed run this gathers every rank's random states (a few KB each) and, when
    part-way through an accumulation group, gradients: one ``all_gather_object`` per save.
    """
    from mme.dist import all_gather_object, get_world_size

    sampler, batches = sampler_state(runner, meta)
    mine: dict[str, Any] = {"rng": rng_state()}
    optim_wrapper = getattr(runner, "optim_wrapper", None)
    if (
        optim_wrapper is not None
        and not isinstance(optim_wrapper, dict)
        and _accumulating(optim_wrapper)
    ):
        mine["grads"] = _grads(runner)
    world_size = get_world_size()
    ranks = all_gather_object(mine) if world_size > 1 else [mine]
    return {
        "version": VERSION,
        "world_size": world_size,
        "ranks": ranks,
        "sampler": sampler,
        "batches_in_epoch": batches,
    }


def restore(runner: Runner, checkpoint: dict[str, Any], filename: str) -> None:
    """Apply the ``resume_state`` of ``checkpoint`` (read from ``filename``) to ``runner``.

    A checkpoint without one (older, or written by MMEngine) resumes weights, optimizer,
    schedulers and counters only; the runner says so in a warning.
    """
    from mme.dist import get_dist_info
    from mme.runner.checkpoint import CheckpointError
    from mme.runner.loops import IterBasedTrainLoop

    state = checkpoint.get("resume_state")
    logger = runner.logger
    if not isinstance(state, dict):
        logger.warning(
            f"{filename} has no resume_state (random states, sampler position): training "
            "continues from its weights, optimizer and counters, but data order and random "
            "numbers differ from an uninterrupted run"
        )
        return
    if int(state.get("version", 0)) > VERSION:
        raise CheckpointError(
            f"checkpoint {filename!r}: resume_state version {state['version']} is newer than "
            f"this mme-runner understands ({VERSION}); upgrade mme-runner to resume it"
        )
    rank, world_size = get_dist_info()
    loop = runner.train_loop
    loader = loop.dataloader
    sampler = _sampler(loader)
    saved_sampler = state.get("sampler")
    if sampler is not None and saved_sampler is not None:
        sampler.load_state_dict(saved_sampler)
        loop._data_resumed = True
        if isinstance(loop, IterBasedTrainLoop):
            iterator = loop.dataloader_iterator
            iterator._epoch = int(saved_sampler.get("epoch", 0))
            iterator._iterator = iter(loader)  # the old one was started before the restore
    batches = int(state.get("batches_in_epoch", 0))
    if not isinstance(loop, IterBasedTrainLoop) and 0 < batches < len(loader):
        loop._resumed_batches = batches
    ranks = state.get("ranks") or []
    if int(state.get("world_size", 1)) != world_size or len(ranks) != world_size:
        logger.warning(
            f"{filename} was saved by {state.get('world_size')} processes and is resumed by "
            f"{world_size}: random states are not restored (the data order is)"
        )
        return
    mine = ranks[rank]
    grads = mine.get("grads")
    if grads:
        _restore_grads(runner, grads, filename)
    set_rng_state(mine["rng"])


def _restore_grads(runner: Runner, grads: dict[str, torch.Tensor], filename: str) -> None:
    from mme.runner.checkpoint import CheckpointError, unwrap

    params = dict(unwrap(runner.model).named_parameters())
    unknown = [name for name in grads if name not in params]
    if unknown:
        raise CheckpointError(
            f"checkpoint {filename!r}: accumulated gradients of parameters the model does not "
            f"have: {', '.join(unknown[:5])}"
        )
    for name, grad in grads.items():
        param = params[name]
        param.grad = grad.to(device=param.device, dtype=param.dtype)


def load_optimizer(optim_wrapper: Any, state: dict[str, Any], filename: str) -> None:
    """``optim_wrapper.load_state_dict(state)``, with an error naming ``filename`` and both
    layouts of parameter groups when they differ."""
    from mme.runner.checkpoint import CheckpointError

    try:
        optim_wrapper.load_state_dict(state)
    except (ValueError, KeyError) as error:
        saved = _group_sizes(state)
        current = _group_sizes(optim_wrapper.state_dict())
        raise CheckpointError(
            f"checkpoint {filename!r}: its optimizer state does not fit this optimizer "
            f"(parameters per group: checkpoint {saved}, optimizer {current}; {error}). "
            "Resume with the same optim_wrapper (paramwise_cfg) as the run that saved it, or "
            "use load_from without resume to load the weights only"
        ) from None


def _group_sizes(state: Any) -> Any:
    if isinstance(state, dict) and "param_groups" in state:
        return [len(group.get("params", [])) for group in state["param_groups"]]
    if isinstance(state, dict):
        return {key: _group_sizes(value) for key, value in state.items()}
    return "?"
