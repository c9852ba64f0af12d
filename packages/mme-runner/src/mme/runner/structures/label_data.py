"""LabelData: the labels of a whole sample (classification) and one-hot conversions."""

from __future__ import annotations

import torch

from mme.runner.structures.base_data_element import BaseDataElement


class LabelData(BaseDataElement):
    """Sample-level labels and scores, e.g. ``LabelData(label=torch.tensor([2]))``.

    Examples:
        >>> LabelData.label_to_onehot(torch.tensor([1, 3]), num_classes=4).tolist()
        [0, 1, 0, 1]
    """

    @staticmethod
    def onehot_to_label(onehot: torch.Tensor) -> torch.Tensor:
        """The indices of the ones of a 1-D one-hot (or multi-hot) tensor.

        Raises:
            ValueError: ``onehot`` is not 1-D or holds values other than 0 and 1.
        """
        if not isinstance(onehot, torch.Tensor):
            raise TypeError(f"onehot_to_label expects a tensor, got {type(onehot).__name__}")
        if onehot.ndim != 1 or (onehot.numel() and not bool(((onehot == 0) | (onehot == 1)).all())):
            raise ValueError(
                f"onehot_to_label: the input is not a 1-D one-hot tensor of 0 and 1 (shape "
                f"{tuple(onehot.shape)}, values {onehot.unique().tolist()[:5]})."
            )
        return onehot.nonzero().squeeze(-1)

    @staticmethod
    def label_to_onehot(label: torch.Tensor, num_classes: int) -> torch.Tensor:
        """A 1-D tensor of ``num_classes`` zeros with ones at the indices in ``label``.

        Raises:
            ValueError: a label is negative or not below ``num_classes``.
        """
        if not isinstance(label, torch.Tensor):
            raise TypeError(f"label_to_onehot expects a tensor, got {type(label).__name__}")
        onehot = label.new_zeros((num_classes,))
        if label.numel():
            low, high = int(label.min()), int(label.max())
            if low < 0 or high >= num_classes:
                raise ValueError(
                    f"label_to_onehot: labels must be in [0, {num_classes}), got "
                    f"{label.tolist()} (num_classes={num_classes})."
                )
        onehot[label] = 1
        return onehot
