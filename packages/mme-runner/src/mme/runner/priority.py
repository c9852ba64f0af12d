"""Hook priorities (RUN-13): a smaller number runs first at every mount point."""

from __future__ import annotations

from enum import IntEnum

from mme.runner._suggest import did_you_mean


class Priority(IntEnum):
    """The named hook priorities, from ``HIGHEST`` (0) to ``LOWEST`` (100)."""

    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


def get_priority(priority: int | str | Priority) -> int:
    """The number of ``priority``: a name (``'NORMAL'``), a `Priority` or an int 0-100.

    Raises:
        ValueError: an unknown name (with the closest known one) or an int outside 0-100.
        TypeError: anything else.
    """
    if isinstance(priority, Priority):
        return int(priority)
    if isinstance(priority, bool):
        raise TypeError(f"hook priority must be a name or an int in 0-100, got {priority!r}")
    if isinstance(priority, int):
        if not 0 <= priority <= 100:
            raise ValueError(f"hook priority must be between 0 and 100, got {priority}")
        return priority
    if isinstance(priority, str):
        try:
            return int(Priority[priority.upper()])
        except KeyError:
            names = [p.name for p in Priority]
            raise ValueError(
                f"unknown hook priority {priority!r}; use one of {', '.join(names)} or an "
                f"int in 0-100.{did_you_mean(priority.upper(), names)}"
            ) from None
    raise TypeError(
        f"hook priority must be a name or an int in 0-100, got {type(priority).__name__}"
    )
