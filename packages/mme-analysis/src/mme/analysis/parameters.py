"""Parameter counts per module and parameter, and fvcore's parameter table."""

from __future__ import annotations

from collections import defaultdict

from torch import nn

from mme.analysis.formatting import text_table


def parameter_count(model: nn.Module) -> defaultdict[str, int]:
    """Parameters of the model (key `""`), of every module that holds some, and of every
    parameter (keys `"fc"`, `"fc.weight"`); shared parameters count once."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    count: defaultdict[str, int] = defaultdict(int)
    for name, param in model.named_parameters():
        parts = name.split(".")
        for k in range(len(parts) + 1):
            count[".".join(parts[:k])] += param.numel()
    count[""] += 0
    return count


def _one_decimal_size(x: int) -> str:
    for threshold, scale, suffix in ((1e8, 1e9, "G"), (1e5, 1e6, "M"), (1e2, 1e3, "K")):
        if x > threshold:
            return f"{x / scale:.1f}{suffix}"
    return str(x)


def parameter_count_table(model: nn.Module, max_depth: int = 3) -> str:
    """A table of the parameters of `model` and its submodules down to `max_depth`, with
    the shape of each parameter, under the title `parameter count of <class>`."""
    count = dict(parameter_count(model))
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    rows = [["model", _one_decimal_size(count.pop(""))]]

    def fill(level: int, prefix: str) -> None:
        if level >= max_depth:
            return
        for name, value in count.items():
            if name.count(".") == level and name.startswith(prefix):
                pad = " " * (level + 1)
                if name in shapes:
                    rows.append([pad + name, pad + str(shapes[name])])
                else:
                    rows.append([pad + name, pad + _one_decimal_size(value)])
                    fill(level + 1, name + ".")

    fill(0, "")
    table = text_table(["name", "#elements or shape"], rows)
    title = f"parameter count of {type(model).__name__}"
    width = len(table.split("\n", 1)[0])
    left = max(width - len(title), 0) // 2
    return " " * left + title + " " * max(width - len(title) - left, 0) + "\n" + table
