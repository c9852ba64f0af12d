"""The terminal report of ``mme analyze``: a summary line and a rich table.

It lives here rather than in the torch-free CLI so that the CLI never imports torch or
rich itself; this is the one place mme-analysis uses rich.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from torch import nn

from mme.analysis.analyzer import ActivationAnalyzer, FlopAnalyzer
from mme.analysis.complexity import complexity_stats_rows, complexity_stats_str
from mme.analysis.formatting import format_size
from mme.analysis.parameters import parameter_count


def as_model(obj: Any, name: str) -> nn.Module:
    """``obj`` as a module: a module as it is, a class or function called without arguments.

    Raises TypeError naming ``name`` when the result is not an ``nn.Module``.
    """
    if callable(obj) and not isinstance(obj, nn.Module):
        obj = obj()
    if not isinstance(obj, nn.Module):
        raise TypeError(f"{name}: expected a torch.nn.Module, got {type(obj).__name__}")
    return obj


def print_report(
    model: nn.Module,
    described_input: str,
    flops: FlopAnalyzer,
    acts: ActivationAnalyzer,
    max_depth: int = 3,
    show_arch: bool = False,
    console: Console | None = None,
    write: Callable[[str], Any] = print,
) -> None:
    """Print totals, the per-module table, operators without a rule and the architecture."""
    console = console or Console()
    console.print(
        f"[bold]{type(model).__name__}[/] on {described_input}: "
        f"FLOPs [bold]{format_size(flops.total())}[/], "
        f"parameters [bold]{format_size(parameter_count(model)[''])}[/], "
        f"activations [bold]{format_size(acts.total())}[/]"
    )
    headers, rows = complexity_stats_rows(flops, max_depth, acts)
    table = Table(box=box.SIMPLE_HEAD)
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    unsupported = flops.unsupported_ops()
    if unsupported:
        listing = ", ".join(f"{op} ({n}x)" for op, n in unsupported.most_common())
        console.print(f"Operators without a rule (counted as 0): {listing}", highlight=False)
    if show_arch:
        write(complexity_stats_str(flops, acts))
