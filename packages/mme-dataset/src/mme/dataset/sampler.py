"""``DefaultSampler`` and ``InfiniteSampler``: the same order in one process and in many.

Both draw one global order of indices (a permutation seeded with ``seed``, the same on
every rank because the seed is shared through `mme.dist.sync_random_seed`) and give
rank ``r`` of ``w`` the positions ``r, r + w, r + 2w, ...`` of it. Concatenating the ranks'
shares position by position gives back the one-process order.

Both can stop and resume in the middle of a pass: ``state_dict()`` records the epoch (or
the place in the infinite stream) and how many indices this rank consumed, and a sampler
given that state with ``load_state_dict`` yields exactly the rest. A resumed run may use
another number of ranks: the global position consumed so far is kept and the rest of the
order is split over the new ranks.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Iterator, Sized
from typing import Any

import torch
from torch.utils.data import Sampler

from mme.dist import get_dist_info, sync_random_seed
from mme.registry import DATA_SAMPLERS


def _permutation(size: int, seed: int, shuffle: bool) -> list[int]:
    """The global order of one pass: ``randperm`` seeded with ``seed``, or ``0..size-1``."""
    if not shuffle:
        return list(range(size))
    generator = torch.Generator()
    generator.manual_seed(seed)
    return torch.randperm(size, generator=generator).tolist()


def _check_int(value: Any, name: str, owner: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise TypeError(f"{owner}: {name} must be an int >= {minimum}, got {value!r}")
    return value


def _check_dataset(dataset: Any, owner: str) -> int:
    if not isinstance(dataset, Sized):
        raise TypeError(
            f"{owner}: dataset must have a length (a map-style dataset), got "
            f"{type(dataset).__name__}"
        )
    return len(dataset)


def _check_state(state: Any, owner: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(state, dict):
        raise TypeError(
            f"{owner}.load_state_dict: state must be a dict, got {type(state).__name__}"
        )
    missing = [key for key in keys if key not in state]
    if missing:
        raise KeyError(
            f"{owner}.load_state_dict: the state has no {', '.join(map(repr, missing))} "
            f"(keys: {sorted(state)}); it must come from {owner}.state_dict()"
        )
    return state


class _Position:
    """The place of a sampler in its global order: where the current pass started and how
    many indices this rank used since.

    ``consumed`` counts this rank's indices of the pass (or of the stream), including those
    used before a resume; the global position is ``start + (consumed - start_consumed) *
    world_size``.
    """

    world_size: int
    consumed: int
    _start: tuple[int, int]  # (global position, consumed) where the current pass started

    def _count(self, indices: Iterable[int]) -> Iterator[int]:
        for index in indices:
            self.consumed += 1
            yield index

    def _used(self, consumed: int | None) -> tuple[int, int]:
        """``consumed`` (the loop's count, or ours) and the global position it means."""
        used = self.consumed if consumed is None else _check_int(consumed, "consumed", "state_dict")
        position, start_consumed = self._start
        return used, position + max(used - start_consumed, 0) * self.world_size


def _saved_position(state: dict[str, Any]) -> tuple[int, int]:
    """The ``consumed`` count and the global position recorded in a state dict."""
    consumed = _check_int(state["consumed"], "consumed", "load_state_dict")
    world_size = _check_int(state["world_size"], "world_size", "load_state_dict", 1)
    position = state.get("position", consumed * world_size)
    return consumed, _check_int(position, "position", "load_state_dict")


@DATA_SAMPLERS.register_module()
class DefaultSampler(_Position, Sampler[int]):
    """The sampler of epoch-based training, the same in one process and in many.

    Args:
        dataset: The dataset (anything with a length).
        shuffle: Draw a new random order each epoch (``seed + epoch``); else ``0..n-1``.
        seed: The random seed; must be the same on every rank. ``None``: draw one on rank 0
            and share it (`mme.dist.sync_random_seed`). The runner passes its
            ``randomness`` seed.
        round_up: Pad the order by repeating it from the start so that every rank gets
            ``ceil(n / world_size)`` indices (PyTorch's ``DistributedSampler`` with
            ``drop_last=False``). ``False``: no padding, the first ranks get one more.

    Examples:
        >>> sampler = DefaultSampler(range(10), shuffle=False)
        >>> list(sampler)
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """

    def __init__(
        self,
        dataset: Sized,
        shuffle: bool = True,
        seed: int | None = None,
        round_up: bool = True,
    ) -> None:
        size = _check_dataset(dataset, "DefaultSampler")
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = (
            sync_random_seed() if seed is None else _check_int(seed, "seed", "DefaultSampler")
        )
        self.round_up = bool(round_up)
        self.epoch = 0
        self._handing: tuple[Iterator[int], int, int] | None = None
        self.consumed = 0
        self._start = (0, 0)
        #: The epoch a restored state resumes, until its pass starts (``load_state_dict``).
        self._resume_epoch: int | None = None
        if self.round_up:
            self.num_samples = math.ceil(size / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil((size - self.rank) / self.world_size)
            self.total_size = size

    def _order(self, epoch: int) -> list[int]:
        """The global order of ``epoch``, padded when ``round_up``."""
        size = len(self.dataset)
        order = _permutation(size, self.seed + epoch, self.shuffle)
        if self.round_up and size:
            total = math.ceil(size / self.world_size) * self.world_size
            order = (order * (total // size + 1))[:total]
        return order

    def _remaining(self, epoch: int, position: int) -> list[int]:
        """This rank's indices of ``epoch`` from global ``position`` on."""
        if position == 0:
            return self._order(epoch)[self.rank :: self.world_size]
        size = len(self.dataset)
        order = _permutation(size, self.seed + epoch, self.shuffle)
        rest = order[position:]
        if self.round_up and rest and len(rest) % self.world_size:
            padding = self.world_size - len(rest) % self.world_size
            rest += (order * (padding // size + 1))[:padding]
        return rest[self.rank :: self.world_size]

    def __iter__(self) -> Iterator[int]:
        """This rank's indices of the current epoch (the rest of it after a resume)."""
        if self._resume_epoch == self.epoch:
            position = self._start[0]
        else:
            position = 0
            self._start = (0, 0)
            self.consumed = 0
        self._resume_epoch = None
        indices = self._remaining(self.epoch, position)
        # A plain list iterator, counted by what it has left (no Python code per index).
        iterator = iter(indices)
        self._handing = (iterator, len(indices), self._consumed)
        return iterator

    @property
    def consumed(self) -> int:
        """This rank's indices of the epoch handed out so far (with those before a resume)."""
        if self._handing is None:
            return self._consumed
        iterator, length, before = self._handing
        return before + length - operator.length_hint(iterator)

    @consumed.setter
    def consumed(self, value: int) -> None:
        self._consumed = value
        self._handing = None

    def __len__(self) -> int:
        """The number of indices of this rank in a whole epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the order of ``epoch`` from the next pass on (each epoch shuffles anew).

        A resume point restored by `load_state_dict` is kept when ``epoch`` is the
        restored epoch, so the runner may call ``set_epoch`` before the first pass.
        """
        epoch = _check_int(epoch, "epoch", "DefaultSampler.set_epoch")
        if epoch != self.epoch:
            self._start = (0, 0)
            self.consumed = 0
        self.epoch = epoch

    def state_dict(self, consumed: int | None = None) -> dict[str, Any]:
        """Where this sampler is: the epoch and how many of this rank's indices are used.

        Args:
            consumed: How many of this rank's indices of the epoch the training loop really
                used (including those before a resume). By default the number this sampler
                handed out; a DataLoader with workers fetches ahead of the loop, so a runner
                passes its own count (iterations of the epoch times the batch size).

        Returns:
            Plain ints and bools, safe for ``torch.load(weights_only=True)``. ``position``
            is the number of indices of the epoch's global order all ranks used together.
        """
        used, position = self._used(consumed)
        return {
            "epoch": self.epoch,
            "consumed": used,
            "position": position,
            "seed": self.seed,
            "shuffle": self.shuffle,
            "round_up": self.round_up,
            "world_size": self.world_size,
            "dataset_size": len(self.dataset),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from ``state``: the next pass yields the rest of the recorded epoch.

        The dataset must have the same length as when the state was saved. The number of
        ranks may differ: the indices the old ranks used together are skipped and the rest
        of the epoch is shared by the new ranks.
        """
        state = _check_state(state, "DefaultSampler", ("epoch", "consumed", "seed", "world_size"))
        size = len(self.dataset)
        saved_size = state.get("dataset_size", size)
        if saved_size != size:
            raise ValueError(
                f"DefaultSampler.load_state_dict: the state was saved for a dataset of "
                f"{saved_size} samples, this dataset has {size}; the order cannot be resumed"
            )
        self.seed = _check_int(state["seed"], "seed", "load_state_dict")
        self.shuffle = bool(state.get("shuffle", self.shuffle))
        self.round_up = bool(state.get("round_up", self.round_up))
        self.epoch = _check_int(state["epoch"], "epoch", "load_state_dict")
        self.consumed, position = _saved_position(state)
        self._start = (position, self.consumed)
        self._resume_epoch = self.epoch


@DATA_SAMPLERS.register_module()
class InfiniteSampler(_Position, Sampler[int]):
    """The sampler of iteration-based training: an endless stream of indices.

    The stream is one permutation after another (seeded ``seed``, ``seed + 1``, ...), or
    ``0..n-1`` repeated; rank ``r`` of ``w`` gets every ``w``-th index starting at ``r``.

    Args:
        dataset: The dataset (anything with a length).
        shuffle: Shuffle each pass over the dataset.
        seed: The random seed; ``None`` draws one on rank 0 and shares it.

    Examples:
        >>> import itertools
        >>> list(itertools.islice(InfiniteSampler(range(3), shuffle=False), 7))
        [0, 1, 2, 0, 1, 2, 0]
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int | None = None) -> None:
        self.size = _check_dataset(dataset, "InfiniteSampler")
        if self.size == 0:
            raise ValueError("InfiniteSampler: the dataset is empty; there is nothing to repeat")
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = (
            sync_random_seed() if seed is None else _check_int(seed, "seed", "InfiniteSampler")
        )
        self.consumed = 0
        self._start = (0, 0)

    def _stream(self, start: int) -> Iterator[int]:
        """The global stream from position ``start``."""
        cycle, offset = divmod(start, self.size)
        for number in itertools.count(cycle):
            yield from _permutation(self.size, self.seed + number, self.shuffle)[offset:]
            offset = 0

    def __iter__(self) -> Iterator[int]:
        """This rank's endless share of the stream (from the resume point, if any)."""
        start = self._start[0]
        self.consumed = self._start[1]
        shares = itertools.islice(self._stream(start + self.rank), None, None, self.world_size)
        return self._count(shares)

    def __len__(self) -> int:
        """The length of the dataset (the stream itself has no end)."""
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Does nothing: the stream has no epochs (kept for the runner's hooks)."""

    def state_dict(self, consumed: int | None = None) -> dict[str, Any]:
        """How many indices of the stream this rank used (``consumed``: the loop's count)."""
        used, position = self._used(consumed)
        return {
            "consumed": used,
            "position": position,
            "seed": self.seed,
            "shuffle": self.shuffle,
            "world_size": self.world_size,
            "dataset_size": self.size,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue the stream after the indices recorded in ``state``."""
        state = _check_state(state, "InfiniteSampler", ("consumed", "seed", "world_size"))
        saved_size = state.get("dataset_size", self.size)
        if saved_size != self.size:
            raise ValueError(
                f"InfiniteSampler.load_state_dict: the state was saved for a dataset of "
                f"{saved_size} samples, this dataset has {self.size}; the stream cannot be "
                "resumed"
            )
        self.seed = _check_int(state["seed"], "seed", "load_state_dict")
        self.shuffle = bool(state.get("shuffle", self.shuffle))
        self.consumed, position = _saved_position(state)
        self._start = (position, self.consumed)
