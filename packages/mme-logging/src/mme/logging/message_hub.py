"""MessageHub: the run's shared scalars and runtime information (LOG-13..LOG-18).

Any module can reach the current hub with ``MessageHub.get_current_instance()``
and post a scalar (``update_scalar``: kept as a `HistoryBuffer`) or a
piece of runtime information (``update_info``: overwritten on every update).
Only scalars whose keys start with ``train/``, ``val/`` or ``test/`` are
exported to the training logs, under their names without the prefix
(`MessageHub.exported_scalars`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from mme.logging._suggest import did_you_mean
from mme.logging.errors import LoggingKeyError
from mme.logging.history_buffer import HistoryBuffer
from mme.logging.manager import ManagerMixin
from mme.logging.plain_values import NotPlainError, to_plain

#: Modes whose scalars reach the logs; the key prefix is ``<mode>/``.
EXPORTED_MODES: tuple[str, ...] = ("train", "val", "test")
#: Name of the hub ``get_current_instance`` builds when none exists yet.
DEFAULT_HUB_NAME = "mme"
_STATE_KEYS = ("log_scalars", "runtime_info", "resumed_keys")
_SCALAR_ENTRY_KEYS = ("value", "count")


class MessageHub(ManagerMixin):
    """Named global store of logged scalars and runtime information.

    Args:
        name: The hub's name (see `ManagerMixin`).
        log_scalars: Initial scalars, key -> `HistoryBuffer`.
        runtime_info: Initial runtime information, key -> any value.
        resumed_keys: key -> whether the key is saved by `state_dict`
            (True when not given).

    Examples:
        >>> hub = MessageHub.get_instance('doc-example')
        >>> hub.update_scalar('train/loss', 1)
        >>> hub.update_scalar('train/loss', 3)
        >>> hub.get_scalar('train/loss').mean()
        2.0
    """

    def __init__(
        self,
        name: str,
        log_scalars: Mapping[str, HistoryBuffer] | None = None,
        runtime_info: Mapping[str, Any] | None = None,
        resumed_keys: Mapping[str, bool] | None = None,
    ) -> None:
        super().__init__(name)
        self._log_scalars: dict[str, HistoryBuffer] = {}
        for key, buffer in (log_scalars or {}).items():
            if not isinstance(buffer, HistoryBuffer):
                raise TypeError(
                    f"MessageHub {name!r}: log_scalars[{key!r}] must be a HistoryBuffer, got "
                    f"{type(buffer).__name__}"
                )
            self._log_scalars[self._check_key(key, "log_scalars")] = buffer
        self._runtime_info: dict[str, Any] = {}
        for key, value in (runtime_info or {}).items():
            self._runtime_info[self._check_key(key, "runtime_info")] = value
        self._resumed_keys: dict[str, bool] = dict.fromkeys(
            [*self._log_scalars, *self._runtime_info], True
        )
        for key, flag in (resumed_keys or {}).items():
            if key not in self._resumed_keys:
                known_keys = [*self._log_scalars, *self._runtime_info]
                raise LoggingKeyError(
                    f"MessageHub {name!r}: resumed_keys names {key!r}, which is neither in "
                    f"log_scalars nor in runtime_info.{did_you_mean(str(key), known_keys)}"
                )
            self._resumed_keys[key] = bool(flag)

    @classmethod
    def get_current_instance(cls) -> MessageHub:
        """The most recently built hub; builds one named ``'mme'`` if there is none."""
        with cls._instances_lock:
            if not cls._instances:
                return cls.get_instance(DEFAULT_HUB_NAME)
            return super().get_current_instance()

    def _check_key(self, key: object, where: str) -> str:
        if not isinstance(key, str):
            raise TypeError(
                f"MessageHub {self.instance_name!r}: {where} keys must be str, got "
                f"{type(key).__name__} {key!r}"
            )
        return key

    # ----------------------------------------------------------------- scalars
    @property
    def log_scalars(self) -> dict[str, HistoryBuffer]:
        """All scalars: key -> `HistoryBuffer` (the live dict)."""
        return self._log_scalars

    def update_scalar(self, key: str, value: Any, count: Any = 1, resumed: bool = True) -> None:
        """Append ``value`` to the scalar ``key``, creating its buffer on first use.

        Args:
            key: The scalar's name, e.g. ``'train/loss'``.
            value: A Python or numpy number or a single-element tensor.
            count: How many samples the value stands for (used by ``mean``).
            resumed: Whether `state_dict` saves this scalar.
        """
        buffer = self._log_scalars.get(key)
        if buffer is None:
            buffer = HistoryBuffer()
            self._log_scalars[self._check_key(key, "scalar")] = buffer
        try:
            buffer.update(value, count)
        except (TypeError, ValueError) as err:
            raise type(err)(f"MessageHub.update_scalar({key!r}): {err}") from None
        self._resumed_keys[key] = resumed

    def update_scalars(self, log_dict: Mapping[str, Any], resumed: bool = True) -> None:
        """Update several scalars at once.

        Args:
            log_dict: key -> value, or key -> ``{'value': v, 'count': n}``
                (``count`` optional, default 1).
            resumed: Whether `state_dict` saves these scalars.
        """
        if not isinstance(log_dict, Mapping):
            raise TypeError(
                f"MessageHub.update_scalars expects a dict of key -> value, got "
                f"{type(log_dict).__name__}"
            )
        update = self.update_scalar
        for key, entry in log_dict.items():
            if isinstance(entry, dict):
                for field in entry:
                    if field not in _SCALAR_ENTRY_KEYS:
                        raise ValueError(
                            f"MessageHub.update_scalars: entry {key!r} has an unknown field "
                            f"{field!r}.{did_you_mean(str(field), _SCALAR_ENTRY_KEYS)} "
                            "(expected {'value': ..., 'count': ...})"
                        )
                if "value" not in entry:
                    raise ValueError(
                        f"MessageHub.update_scalars: entry {key!r} is a dict without 'value' "
                        "(expected {'value': ..., 'count': ...})"
                    )
                update(key, entry["value"], entry.get("count", 1), resumed)
            else:
                update(key, entry, 1, resumed)

    def get_scalar(self, key: str) -> HistoryBuffer:
        """The `HistoryBuffer` of ``key``.

        Raises:
            LoggingKeyError: no scalar of that name has been updated.
        """
        buffer = self._log_scalars.get(key)
        if buffer is None:
            raise LoggingKeyError(
                f"MessageHub {self.instance_name!r} has no scalar {key!r}."
                f"{did_you_mean(str(key), self._log_scalars)}"
            )
        return buffer

    def exported_scalars(self, mode: str) -> dict[str, HistoryBuffer]:
        """The scalars of ``mode`` (``'train'``, ``'val'`` or ``'test'``), without the prefix.

        These are the scalars a log processor writes to the logs:
        ``'train/loss_tmp'`` comes back as ``'loss_tmp'``; keys with other prefixes
        are left out.
        """
        if mode not in EXPORTED_MODES:
            raise ValueError(
                f"MessageHub.exported_scalars: mode must be one of {', '.join(EXPORTED_MODES)}, "
                f"got {mode!r}.{did_you_mean(str(mode), EXPORTED_MODES)}"
            )
        prefix = f"{mode}/"
        return {
            key[len(prefix) :]: buffer
            for key, buffer in self._log_scalars.items()
            if key.startswith(prefix)
        }

    # ------------------------------------------------------------ runtime info
    @property
    def runtime_info(self) -> dict[str, Any]:
        """All runtime information: key -> value (the live dict)."""
        return self._runtime_info

    def update_info(self, key: str, value: Any, resumed: bool = True) -> None:
        """Set runtime information ``key`` to ``value``, replacing any earlier value.

        Args:
            key: The name, e.g. ``'iter'``.
            value: Any value; it is stored as given (not copied).
            resumed: Whether `state_dict` saves this key.
        """
        if type(key) is not str:  # (checked inline: the runner calls this every iteration)
            self._check_key(key, "runtime_info")
        self._runtime_info[key] = value
        self._resumed_keys[key] = resumed

    def update_info_dict(self, info_dict: Mapping[str, Any], resumed: bool = True) -> None:
        """Set several runtime information keys at once."""
        if not isinstance(info_dict, Mapping):
            raise TypeError(
                "MessageHub.update_info_dict expects a dict of key -> value, got "
                f"{type(info_dict).__name__}"
            )
        for key, value in info_dict.items():
            self.update_info(key, value, resumed)

    def get_info(self, key: str, default: Any = None) -> Any:
        """The runtime information ``key``, or ``default`` if it was never set."""
        return self._runtime_info.get(key, default)

    def pop_info(self, key: str, default: Any = None) -> Any:
        """Remove runtime information ``key`` and return it (``default`` if absent)."""
        self._resumed_keys.pop(key, None)
        return self._runtime_info.pop(key, default)

    # ------------------------------------------------------------ persistence
    def state_dict(self, arrays: bool = False) -> dict[str, Any]:
        """The hub's resumable content, made of plain Python types only.

        Scalars become ``{'log_history': [...], 'count_history': [...],
        'max_length': n}``; runtime information is converted to dicts, lists,
        tuples, strings and numbers. A checkpoint holding it therefore loads with
        ``torch.load(weights_only=True)``. Keys updated with ``resumed=False`` are
        left out, and so is runtime information that has no plain form, contains
        itself or is nested deeper than 200 containers (with a warning that names
        the key). A set is saved as a sorted list, so it comes back as a list (see
        docs/migration.md).

        Args:
            arrays: Give each scalar's two histories as numpy arrays instead of lists (for a
                checkpoint that stores them as tensors: see `HistoryBuffer.state_dict`).
        """
        log_scalars = {
            key: buffer.state_dict(arrays)
            for key, buffer in self._log_scalars.items()
            if self._resumed_keys.get(key, True)
        }
        runtime_info: dict[str, Any] = {}
        for key, value in self._runtime_info.items():
            if not self._resumed_keys.get(key, True):
                continue
            try:
                runtime_info[key] = to_plain(value, f"runtime_info[{key!r}]")
            except (NotPlainError, RecursionError) as err:
                reason = str(err)
                if isinstance(err, RecursionError):
                    reason = f"runtime_info[{key!r}] is nested too deeply to save ({err})"
                warnings.warn(
                    f"MessageHub {self.instance_name!r}.state_dict(): {reason}; it is left out "
                    "of the saved state",
                    stacklevel=2,
                )
        resumed_keys = {
            key: flag
            for key, flag in self._resumed_keys.items()
            if key in log_scalars or key in runtime_info
        }
        return {
            "log_scalars": log_scalars,
            "runtime_info": runtime_info,
            "resumed_keys": resumed_keys,
        }

    def load_state_dict(self, state_dict: Mapping[str, Any] | MessageHub) -> None:
        """Restore scalars and runtime information saved by `state_dict`.

        Entries present in ``state_dict`` replace the hub's entries of the same key;
        other entries of the hub are kept. A malformed entry (a broken scalar history,
        a key that is not a str, an unknown section) is skipped with a warning that
        names it, and the rest is loaded, so one bad entry does not stop a resume.

        Args:
            state_dict: A dict from `state_dict`, or another hub to copy from.
        """
        if isinstance(state_dict, MessageHub):
            state_dict = {
                "log_scalars": state_dict.log_scalars,
                "runtime_info": state_dict.runtime_info,
                "resumed_keys": state_dict._resumed_keys,
            }
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"MessageHub {self.instance_name!r}.load_state_dict expects a dict from "
                f"state_dict() or a MessageHub, got {type(state_dict).__name__}"
            )
        for key in state_dict:
            if key not in _STATE_KEYS:
                self._skip(
                    f"unknown key {key!r} (expected {', '.join(_STATE_KEYS)})."
                    f"{did_you_mean(str(key), _STATE_KEYS)}"
                )
        sections = {name: self._section(state_dict, name) for name in _STATE_KEYS}
        scalars, infos, resumed_keys = (sections[name] for name in _STATE_KEYS)
        for key, saved in scalars.items():
            try:
                self._check_key(key, "log_scalars")
                if isinstance(saved, HistoryBuffer):
                    buffer = saved
                else:
                    buffer = HistoryBuffer.from_state_dict(saved, f"log_scalars[{key!r}]")
            except (TypeError, ValueError) as err:
                self._skip(str(err))
                continue
            self._log_scalars[key] = buffer
            self._resumed_keys[key] = bool(resumed_keys.get(key, True))
        for key, value in infos.items():
            if not isinstance(key, str):
                self._skip(f"runtime_info keys must be str, got {type(key).__name__} {key!r}")
                continue
            self._runtime_info[key] = value
            self._resumed_keys[key] = bool(resumed_keys.get(key, True))
        for key in resumed_keys:
            if key not in scalars and key not in infos:
                self._skip(f"resumed_keys names {key!r}, which the state has no entry for")

    def _section(self, state_dict: Mapping[str, Any], name: str) -> Mapping[Any, Any]:
        """One part of a saved state; a part that is not a dict is skipped with a warning."""
        section = state_dict.get(name, {})
        if isinstance(section, Mapping):
            return section
        self._skip(f"{name} must be a dict, got {type(section).__name__}")
        return {}

    def _skip(self, problem: str) -> None:
        warnings.warn(
            f"MessageHub {self.instance_name!r}.load_state_dict: {problem}; this entry is "
            "skipped and the rest is loaded",
            stacklevel=3,
        )

    def __repr__(self) -> str:
        return (
            f"MessageHub(name={self.instance_name!r}, scalars={sorted(self._log_scalars)}, "
            f"runtime_info={sorted(self._runtime_info)})"
        )
