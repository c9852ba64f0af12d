"""Pick one metric out of an evaluation's results."""

from __future__ import annotations

from typing import Any


def get_metric_value(indicator: str, metrics: dict[str, Any]) -> Any:
    """The value of metric ``indicator`` (``'accuracy'`` or ``'prefix/accuracy'``) in ``metrics``.

    A name without a prefix matches a prefixed key when that is the only one with this name.

    Raises:
        ValueError: nothing matches, or several prefixed keys do (the message lists them).

    Examples:
        >>> get_metric_value('accuracy', {'val/accuracy': 0.9, 'val/loss': 0.3})
        0.9
    """
    if indicator in metrics:
        return metrics[indicator]
    if "/" not in indicator:
        matched = [key for key in metrics if key.split("/")[-1] == indicator]
        if len(matched) == 1:
            return metrics[matched[0]]
        if len(matched) > 1:
            raise ValueError(
                f"The indicator {indicator!r} is ambiguous: it matches the metrics {matched}; "
                "use the full name with its prefix."
            )
    raise ValueError(f"The indicator {indicator!r} matches no metric in {list(metrics)}.")
