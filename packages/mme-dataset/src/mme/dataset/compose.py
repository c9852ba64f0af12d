"""``Compose``: a pipeline of transforms applied one after the other.

A transform is any callable; in mme's datasets it takes the sample's dict and returns a
dict (adding or updating fields), or ``None`` to reject the sample. Config dicts are built
from the ``TRANSFORMS`` registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mme.dataset._notes import add_note
from mme.registry import TRANSFORMS


def transform_name(transform: Any) -> str:
    """A short name for messages: the class name, or the function's name."""
    name = getattr(transform, "__name__", None)
    return name if isinstance(name, str) else type(transform).__name__


class Compose:
    """Apply transforms in sequence; stop early when one returns ``None``.

    Args:
        transforms: Callables, or config dicts built with ``TRANSFORMS.build``. ``None``
            or an empty list gives a pipeline that returns its input.

    Examples:
        >>> pipeline = Compose([lambda d: {**d, "a": 1}, lambda d: {**d, "b": d["a"] + 1}])
        >>> pipeline({})
        {'a': 1, 'b': 2}
    """

    def __init__(self, transforms: Sequence[Mapping[str, Any] | Callable[..., Any]] | None) -> None:
        if transforms is None:
            transforms = []
        elif isinstance(transforms, Mapping) or callable(transforms):
            transforms = [transforms]  # one transform, as torchvision-style code passes
        elif not isinstance(transforms, Sequence) or isinstance(transforms, (str, bytes)):
            raise TypeError(
                f"Compose: transforms must be a list of callables or config dicts, got "
                f"{type(transforms).__name__}"
            )
        self.transforms: list[Callable[..., Any]] = []
        for step, transform in enumerate(transforms):
            if isinstance(transform, Mapping):
                try:
                    built = TRANSFORMS.build(dict(transform))
                except Exception as error:
                    add_note(
                        error,
                        f"while building step {step + 1} of the pipeline: {dict(transform)!r}",
                    )
                    raise
                if not callable(built):
                    raise TypeError(
                        f"Compose: step {step + 1} of the pipeline, {dict(transform)!r}, built a "
                        f"{type(built).__name__}, which is not callable"
                    )
                self.transforms.append(built)
            elif callable(transform):
                self.transforms.append(transform)
            else:
                raise TypeError(
                    f"Compose: step {step + 1} of the pipeline must be a callable or a config "
                    f"dict, got {type(transform).__name__}: {transform!r}"
                )

    def __call__(self, data: Any) -> Any:
        """Run ``data`` through every transform; ``None`` as soon as one returns ``None``.

        An exception raised by a transform propagates unchanged, with a note (PEP 678)
        naming the transform and its step.
        """
        if not self.transforms:
            return data
        transform = None
        try:
            for transform in self.transforms:
                data = transform(data)
                if data is None:
                    return None
        except Exception as error:
            step = next(i for i, t in enumerate(self.transforms) if t is transform)
            add_note(
                error,
                f"in transform {transform_name(transform)} (step {step + 1} of "
                f"{len(self.transforms)} in the pipeline)",
            )
            raise
        return data

    def __repr__(self) -> str:
        lines = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({lines}\n)"
