"""HistoryBuffer: the history of one logged scalar, with windowed statistics (LOG-07..LOG-12).

The values live in two preallocated numpy arrays used as a bounded ring: the
live history is always the contiguous slice ``[start:end]``. Writing moves ``end``
(and ``start`` once ``max_length`` is reached); when the arrays are full the live
part is moved to the front or the arrays double, so an update is O(1) amortised at
any history length, and a statistic over a window of ``w`` entries reads a slice of
``w`` entries, O(w).

An update of a Python float is only appended to a list; the list is written to the
arrays in one slice at the next read (or every 256 updates), because one numpy
element write costs more than the list append, and a training loop makes several
updates every step. ``current()`` and ``mean(w)`` of a window that lies in that list
read it directly. Device tensors wait in the same list, in order, and are brought to
the host in one transfer.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

from mme.logging._suggest import did_you_mean, known
from mme.logging.errors import LoggingKeyError, NotAScalarError

_F = TypeVar("_F", bound=Callable[..., Any])

#: Default bound of the history (the upstream default).
DEFAULT_MAX_LENGTH = 1_000_000
#: Accelerator tensors waiting to be read are copied to the host in one batch at most
#: this many updates apart.
MAX_PENDING_TENSORS = 256
_SMALLEST_CAPACITY = 16
_INT64_MAX = int(np.iinfo(np.int64).max)

Number = int | float


def _torch_tensor_type() -> type | None:
    """``torch.Tensor`` if torch is already imported, else None (never imports torch)."""
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", None) if torch is not None else None


def _is_tensor(value: object) -> bool:
    tensor_type = _torch_tensor_type()
    return tensor_type is not None and isinstance(value, tensor_type)


def _on_accelerator(tensor: Any) -> bool:
    """Whether reading ``tensor`` on the host would wait for a device (it is not on the CPU)."""
    return not tensor.is_cpu  # (a flag; .device.type would build a device and a string)


def _to_number(value: object, what: str) -> Number:
    """Turn a Python/numpy number or a single-element array/CPU tensor into int or float."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        if value.size != 1:
            raise NotAScalarError(
                f"HistoryBuffer.update: {what} must be a single value, got an array of shape "
                f"{value.shape}; reduce it first (e.g. .sum() or .mean())"
            )
        return _to_number(value.reshape(()).item(), what)
    if _is_tensor(value):
        tensor: Any = value
        if tensor.numel() != 1:
            raise NotAScalarError(
                f"HistoryBuffer.update: {what} must be a single value, got a tensor of "
                f"shape {tuple(tensor.shape)}; reduce it first (e.g. .sum() or .mean())"
            )
        return _to_number(tensor.detach().item(), what)
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise TypeError(
        f"HistoryBuffer.update: {what} must be a number (int, float, numpy scalar or "
        f"single-element tensor), got {type(value).__name__} {shown}"
    )


def _as_history(values: Sequence[Any] | np.ndarray, what: str) -> np.ndarray:
    """Validate a history given to the constructor; return it as int64 or float64."""
    array = np.asarray(values)
    if array.size == 0:
        return np.empty(0, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"HistoryBuffer: {what} must be one-dimensional, got shape {array.shape}")
    if array.dtype.kind == "O":
        array = np.asarray([_to_number(v, f"{what}[{i}]") for i, v in enumerate(values)])
        if array.dtype.kind == "O":  # integers beyond 64 bits
            return array.astype(np.float64)
    if array.dtype.kind in "biu":
        if array.dtype.kind == "u" and array.max() > _INT64_MAX:
            return array.astype(np.float64)
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        return array.astype(np.float64)
    raise TypeError(f"HistoryBuffer: {what} must hold numbers, got dtype {array.dtype}")


#: numpy sums up to this many float64 values with eight running sums, then adds the rest.
_PAIRWISE_BLOCK = 128


def _float_sum(values: list[float]) -> float:
    """The sum of at most 128 floats in the order numpy's ``ndarray.sum`` adds them.

    numpy adds fewer than 8 values one by one, and 8 to 128 values with 8 interleaved
    running sums that are added pairwise at the end, then the values left over. Python's own
    ``sum`` rounds differently (it compensates), so a mean would change in its last bits.
    """
    n = len(values)
    if n < 8:
        total = 0.0
        for value in values:
            total += value
        return total
    r0, r1, r2, r3, r4, r5, r6, r7 = values[:8]
    whole = n - n % 8
    for i in range(8, whole, 8):
        r0 += values[i]
        r1 += values[i + 1]
        r2 += values[i + 2]
        r3 += values[i + 3]
        r4 += values[i + 4]
        r5 += values[i + 5]
        r6 += values[i + 6]
        r7 += values[i + 7]
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for value in values[whole:]:
        total += value
    return total + 0.0  # numpy adds to a 0.0 start: a sum of -0.0 values is 0.0


def _fits_int64(value: Number) -> bool:
    return isinstance(value, float) or -_INT64_MAX - 1 <= value <= _INT64_MAX


class HistoryBuffer:
    """The history of one scalar (a loss, the learning rate, ...) and its statistics.

    Args:
        log_history: Initial values, oldest first.
        count_history: How many samples each value stands for (used by ``mean``);
            same length as ``log_history``.
        max_length: The most values kept; older ones are dropped first.

    Values may be Python numbers, numpy scalars or single-element torch tensors.
    Statistics return Python ``int``/``float``. A CPU tensor is read with
    ``.item()`` at once; a tensor on an accelerator is detached and copied on its
    device (no autograd graph is kept and the host does not wait for the device)
    and all such pending values are brought to the host in one transfer the next
    time the buffer is read, or every 256 updates.

    Examples:
        >>> buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
        >>> buffer.update(4)
        >>> buffer.mean(2), buffer.max(), buffer.current()
        (3.5, 4, 4)
    """

    _statistics_methods: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init__(
        self,
        log_history: Sequence[Any] | np.ndarray = (),
        count_history: Sequence[Any] | np.ndarray = (),
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(
                f"HistoryBuffer: max_length must be a positive int, got {max_length!r}"
            )
        logs = _as_history(log_history, "log_history")
        counts = _as_history(count_history, "count_history")
        if len(logs) != len(counts):
            raise ValueError(
                f"HistoryBuffer: log_history has {len(logs)} values but count_history has "
                f"{len(counts)}; give one count per value"
            )
        logs, counts = logs[-max_length:], counts[-max_length:]
        size = len(logs)
        capacity = min(2 * max_length, max(_SMALLEST_CAPACITY, 2 * size))
        self._max_length = max_length
        self._log = np.empty(capacity, dtype=logs.dtype)
        self._count = np.empty(capacity, dtype=counts.dtype)
        self._log[:size] = logs
        self._count[:size] = counts
        self._log_is_int = logs.dtype.kind == "i"
        self._count_is_int = counts.dtype.kind == "i"
        # The live history is [max(0, end - max_length), end): data is moved to the
        # front whenever the arrays are reorganised, so no start index is stored.
        self._end = size
        self._capacity = capacity
        self._pending_values: list[Any] = []
        self._pending_counts: list[Number] = []
        self._pending_tensors = 0  # how many of the pending values are device tensors
        self._fast = not self._log_is_int

    # ------------------------------------------------------------------ update
    def update(self, log_val: Any, count: Any = 1) -> None:
        """Append one value.

        Args:
            log_val: The value: a Python or numpy number, or a single-element tensor.
            count: How many samples the value stands for (positive); default 1.
        """
        if (
            type(log_val) is float
            and type(count) is int
            and count > 0
            and self._fast
            and len(self._pending_values) < MAX_PENDING_TENSORS
        ):
            # The common case, a Python float into float storage: kept in a list and written
            # to the arrays in one go when the buffer is next read (a numpy element write
            # costs more than a list append, and a training run makes several every step).
            self._pending_values.append(log_val)
            self._pending_counts.append(count)
            return
        self._update_slow(log_val, count)

    def _update_slow(self, log_val: Any, count: Any) -> None:
        count = _to_number(count, "count")
        if not count > 0:
            raise ValueError(f"HistoryBuffer.update: count must be positive, got {count!r}")
        if _is_tensor(log_val) and _on_accelerator(log_val):
            if log_val.numel() != 1:
                raise NotAScalarError(
                    "HistoryBuffer.update: log_val must be a single value, got a tensor of "
                    f"shape {tuple(log_val.shape)}; reduce it first (e.g. .sum() or .mean())"
                )
            self._pending_values.append(log_val.detach().reshape(()).clone())
            self._pending_counts.append(count)
            self._pending_tensors += 1
            if len(self._pending_values) >= MAX_PENDING_TENSORS:
                self._flush()
            return
        if self._pending_values:
            self._flush()
        self._append(_to_number(log_val, "log_val"), count)

    def _append(self, value: Number, count: Number) -> None:
        if self._log_is_int and (isinstance(value, float) or not _fits_int64(value)):
            self._promote_log()
        if self._count_is_int and (isinstance(count, float) or not _fits_int64(count)):
            self._promote_count()
        if self._end == self._capacity:
            self._make_room()
        self._log[self._end] = value
        self._count[self._end] = count
        self._end += 1

    def _flush(self) -> None:
        """Write the pending values to the arrays, in order: Python floats as they are, and
        accelerator tensors brought to the host in one transfer."""
        values, counts = self._pending_values, self._pending_counts
        self._pending_values, self._pending_counts = [], []
        # Everything pending is a float but the device tensors counted on the way in.
        tensors = (
            [i for i, value in enumerate(values) if type(value) is not float]
            if self._pending_tensors
            else []
        )
        self._pending_tensors = 0
        if tensors:
            torch: Any = sys.modules["torch"]
            on_device = [values[i] for i in tensors]
            try:
                host = torch.stack(on_device).cpu().tolist()
            except (RuntimeError, TypeError):  # mixed devices or dtypes: one at a time
                host = [v.item() for v in on_device]
            for i, value in zip(tensors, host, strict=True):
                values[i] = _to_number(value, "log_val")
        if not tensors and not (self._log_is_int or self._count_is_int):
            # Floats into float storage, in one write (after making room for all of them).
            if len(values) > self._max_length:  # only the newest max_length stay
                values, counts = values[-self._max_length :], counts[-self._max_length :]
            size = len(values)
            if self._end + size > self._capacity:
                self._make_room(size)
            end = self._end
            self._log[end : end + size] = values
            self._count[end : end + size] = counts
            self._end = end + size
            return
        for value, count in zip(values, counts, strict=True):
            self._append(value, count)

    def _live(self) -> tuple[int, int]:
        """The (start, end) of the live history in the arrays."""
        end = self._end
        return max(0, end - self._max_length), end

    def _make_room(self, more: int = 1) -> None:
        """Make room for ``more`` values (at most ``max_length``): move the live history that
        stays to the front when it fills at most half the arrays, else grow them (doubling,
        up to twice ``max_length``), so that every value is moved O(1) times on average."""
        start, end = self._live()
        keep = min(end - start, self._max_length - more)  # the rest is pushed out anyway
        start = end - keep
        needed = keep + more
        capacity = self._capacity
        if start > 0 and needed <= capacity // 2:
            self._log[:keep] = self._log[start:end]
            self._count[:keep] = self._count[start:end]
        else:
            capacity = max(2 * capacity, _SMALLEST_CAPACITY)
            while capacity < needed:
                capacity *= 2
            capacity = min(capacity, 2 * self._max_length)
            log, count = self._log, self._count
            self._log = np.empty(capacity, dtype=log.dtype)
            self._count = np.empty(capacity, dtype=count.dtype)
            self._log[:keep] = log[start:end]
            self._count[:keep] = count[start:end]
            self._capacity = capacity
        self._end = keep

    def _promote_log(self) -> None:
        self._log = self._log.astype(np.float64)
        self._log_is_int = False
        self._fast = True

    def _promote_count(self) -> None:
        self._count = self._count.astype(np.float64)
        self._count_is_int = False

    # ------------------------------------------------------------------ access
    @property
    def max_length(self) -> int:
        """The most values kept."""
        return self._max_length

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of ``(log_history, count_history)``, oldest first."""
        if self._pending_values:
            self._flush()
        start, end = self._live()
        return self._log[start:end].copy(), self._count[start:end].copy()

    @property
    def _log_history(self) -> np.ndarray:
        """Read-only view of the values, for custom statistics methods."""
        if self._pending_values:
            self._flush()
        start, end = self._live()
        view = self._log[start:end]
        view.flags.writeable = False
        return view

    @property
    def _count_history(self) -> np.ndarray:
        """Read-only view of the counts, for custom statistics methods."""
        if self._pending_values:
            self._flush()
        start, end = self._live()
        view = self._count[start:end]
        view.flags.writeable = False
        return view

    def __getstate__(self) -> dict[str, Any]:
        """Pickle and deep-copy support: pending device values are read first."""
        if self._pending_values:
            self._flush()
        return self.__dict__.copy()

    def __len__(self) -> int:
        start, end = self._live()
        return min(self._max_length, end - start + len(self._pending_values))

    def __repr__(self) -> str:
        size = len(self)
        last = f", current={self.current()!r}" if size else ""
        return f"HistoryBuffer(len={size}, max_length={self._max_length}{last})"

    # -------------------------------------------------------------- statistics
    def _window(self, window_size: int | None, method: str) -> tuple[np.ndarray, np.ndarray]:
        if self._pending_values:
            self._flush()
        first, end = self._live()
        if end == first:
            raise ValueError(f"HistoryBuffer.{method}(): the buffer is empty; call update() first")
        if window_size is None:
            start = first
        else:
            if isinstance(window_size, bool) or not isinstance(window_size, int | np.integer):
                raise TypeError(
                    f"HistoryBuffer.{method}(): window_size must be a positive int or None, "
                    f"got {type(window_size).__name__} {window_size!r}"
                )
            if window_size < 1:
                raise ValueError(
                    f"HistoryBuffer.{method}(): window_size must be positive, got {window_size}"
                )
            start = max(first, end - int(window_size))
        return self._log[start:end], self._count[start:end]

    def current(self) -> Number:
        """The latest value."""
        pending = self._pending_values
        if pending and not self._pending_tensors:
            return pending[-1]  # a float (see update)
        end = self._end
        if end and not pending:
            return self._log[end - 1].item()
        logs, _ = self._window(1, "current")
        return logs[-1].item()

    def mean(self, window_size: int | None = None) -> float:
        """Sum of values over sum of counts in the last ``window_size`` entries (None: all).

        The sums are taken in float64, so large integers do not overflow.
        """
        pending = self._pending_values
        if (
            type(window_size) is int
            and 0 < window_size <= len(pending)
            and window_size <= self._max_length
            and window_size <= _PAIRWISE_BLOCK
            and not self._pending_tensors
        ):
            # The window lies within the floats not yet written to the arrays (the log
            # processor reads the last 10 every 10 iterations): summed from the lists.
            return _float_sum(pending[-window_size:]) / _float_sum(
                [float(count) for count in self._pending_counts[-window_size:]]
            )
        logs, counts = self._window(window_size, "mean")
        if len(logs) <= _PAIRWISE_BLOCK and not (self._log_is_int or self._count_is_int):
            # The log processor's windows (10 values every 10 iterations): summed in Python
            # in numpy's own order, the same result bit for bit without numpy's call cost.
            return _float_sum(logs.tolist()) / _float_sum(counts.tolist())
        return float(logs.sum(dtype=np.float64) / counts.sum(dtype=np.float64))

    def max(self, window_size: int | None = None) -> Number:
        """Largest value in the last ``window_size`` entries (None: all)."""
        logs, _ = self._window(window_size, "max")
        return logs.max().item()

    def min(self, window_size: int | None = None) -> Number:
        """Smallest value in the last ``window_size`` entries (None: all)."""
        logs, _ = self._window(window_size, "min")
        return logs.min().item()

    @classmethod
    def register_statistics(cls, method: _F) -> _F:
        """Register ``method`` (by its ``__name__``) so ``statistics(name, ...)`` can call it.

        Use as a decorator on a function ``f(self, *args)``; it may read
        ``self._log_history`` and ``self._count_history`` (numpy arrays, oldest first).
        """
        if not callable(method) or not hasattr(method, "__name__"):
            raise TypeError(
                "HistoryBuffer.register_statistics expects a function, got "
                f"{type(method).__name__} {method!r}"
            )
        cls._statistics_methods[method.__name__] = method
        return method

    @classmethod
    def statistics_names(cls) -> list[str]:
        """The names ``statistics`` accepts, sorted."""
        return sorted(cls._statistics_methods)

    def statistics(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the registered statistics method ``method_name`` with the given arguments.

        Raises:
            LoggingKeyError: no method of that name is registered.
            TypeError: the arguments do not fit the method's signature.
        """
        method = self._statistics_methods.get(method_name)
        if method is None:
            raise LoggingKeyError(
                f"HistoryBuffer has no statistics method {method_name!r} (registered: "
                f"{known(self._statistics_methods)})."
                f"{did_you_mean(str(method_name), self._statistics_methods)}"
            )
        try:
            return method(self, *args, **kwargs)
        except TypeError:
            signature = inspect.signature(method)
            try:
                signature.bind(self, *args, **kwargs)
            except TypeError as mismatch:
                params = list(signature.parameters.values())[1:]
                shown = ", ".join(
                    p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in params
                )
                given = ", ".join([repr(method_name), *map(repr, args)])
                given += "".join(f", {k}={v!r}" for k, v in kwargs.items())
                raise TypeError(
                    f"HistoryBuffer.statistics({given}): the arguments do not match "
                    f"{method_name}({shown}): {mismatch}"
                ) from None
            raise

    # ------------------------------------------------------------ persistence
    def state_dict(self, arrays: bool = False) -> dict[str, Any]:
        """The history as plain Python lists and ints (safe for ``weights_only`` loading).

        Args:
            arrays: Give the two histories as numpy arrays (copies) instead of lists, for a
                caller that stores them as arrays or tensors: a history holds up to a
                million values, and a list of them costs a Python object each.
        """
        logs, counts = self.data
        return {
            "log_history": logs if arrays else logs.tolist(),
            "count_history": counts if arrays else counts.tolist(),
            "max_length": self._max_length,
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any], where: str = "HistoryBuffer") -> HistoryBuffer:
        """Rebuild a buffer from `state_dict` output.

        Args:
            state: The dict to read.
            where: What to call it in error messages (e.g. the MessageHub key).
        """
        if not isinstance(state, dict):
            raise TypeError(
                f"{where}: expected a dict from state_dict(), got {type(state).__name__}"
            )
        expected = ("log_history", "count_history", "max_length")
        for key in state:
            if key not in expected:
                raise ValueError(
                    f"{where}: unknown key {key!r} in the state dict."
                    f"{did_you_mean(str(key), expected)}"
                )
        missing = [k for k in expected[:2] if k not in state]
        if missing:
            raise ValueError(f"{where}: the state dict lacks {', '.join(missing)}")
        return cls(
            state["log_history"],
            state["count_history"],
            state.get("max_length", DEFAULT_MAX_LENGTH),
        )


for _builtin in (HistoryBuffer.current, HistoryBuffer.mean, HistoryBuffer.max, HistoryBuffer.min):
    HistoryBuffer.register_statistics(_builtin)
