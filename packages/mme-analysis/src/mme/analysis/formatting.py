"""Numbers with K/M/G suffixes, plain-text tables, and the statistics table and
architecture views of `get_model_complexity_info` (fvcore's layout, which MMEngine prints)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn


def format_size(x: float, sig_figs: int = 3, hide_zero: bool = False) -> str:
    """`x` with a K/M/G/T/P suffix above 1e2/1e5/1e8/1e11/1e14, `sig_figs` decimals and
    trailing zeros dropped: `format_size(440)` is `'0.44K'`, `format_size(100)` is `'100'`."""
    if hide_zero and x == 0:
        return ""
    for threshold, scale, suffix in (
        (1e14, 1e15, "P"),
        (1e11, 1e12, "T"),
        (1e8, 1e9, "G"),
        (1e5, 1e6, "M"),
        (1e2, 1e3, "K"),
    ):
        if abs(x) > threshold:
            return f"{x / scale:.{sig_figs}f}".rstrip("0").rstrip(".") + suffix
    return str(x)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An ASCII table with `+---+` rules, cells left-aligned and padded by one space."""
    columns = zip(headers, *rows, strict=False)
    widths = [max(len(str(cell)) for cell in column) for column in columns]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([rule, line(headers), rule, *(line(r) for r in rows), rule])


Stats = dict[str, dict[str, Any]]


def _children(name: str, stats: Mapping[str, Any]) -> list[str]:
    """The direct children of `name` among the keys of `stats`, in their order."""
    prefix = f"{name}." if name else ""
    depth = prefix.count(".")
    return [m for m in stats if m and m.startswith(prefix) and m.count(".") == depth]


def group_by_module(statistics: Mapping[str, Mapping[str, Any]]) -> Stats:
    """`{stat: {module: value}}` -> `{module: {stat: value}}`, in first-seen order."""
    out: Stats = {}
    for stat, values in statistics.items():
        for module, value in values.items():
            out.setdefault(module, {})[stat] = value
    return out


def remove_zero_statistics(
    stats: Stats, force_keep: set[str] | None = None, require_trivial_children: bool = False
) -> Stats:
    """Drop modules whose statistics are all zero (except `force_keep` and the model;
    with `require_trivial_children`, also keep those with a kept child)."""
    keep = (force_keep or set()) | {""}
    kept: set[str] = set()

    def visit(name: str) -> None:
        has_kept_child = False
        for child in _children(name, stats):
            visit(child)
            has_kept_child |= child in kept
        if (
            any(value != 0 for value in stats[name].values())
            or name in keep
            or (require_trivial_children and has_kept_child)
        ):
            kept.add(name)

    visit("")
    return {name: dict(values) for name, values in stats.items() if name in kept}


def pretty_statistics(stats: Stats, sig_figs: int = 3, hide_zero: bool = False) -> Stats:
    """Every number as `format_size` text."""
    return {
        name: {k: format_size(v, sig_figs, hide_zero) for k, v in values.items()}
        for name, values in stats.items()
    }


def indicate_uncalled(stats: Stats, stat: str, uncalled: set[str], indicator: str) -> Stats:
    """Replace `stat` of every uncalled module by `indicator` (`'N/A'`, or `''`)."""
    for name in uncalled:
        stats.setdefault(name, {})[stat] = indicator
    return stats


def _single_child(name: str, stats: Stats) -> str | None:
    children = _children(name, stats)
    return children[0] if len(children) == 1 else None


def _combine(first: dict[str, str], second: dict[str, str]) -> dict[str, str] | None:
    """One row for a module and its only child, if their statistics agree."""
    if first.keys() != second.keys():
        return None
    combined = {}
    for key, a in first.items():
        b = second[key]
        if a and b and a != b:
            return None
        combined[key] = a or b
    return combined


def _fast_forward(name: str, stats: Stats) -> tuple[str, dict[str, str]]:
    """Follow single children whose statistics agree with their parent's: one row for all."""
    while (child := _single_child(name, stats)) is not None:
        combined = _combine(stats[name], stats[child])
        if combined is None:
            break
        stats[child] = combined
        name = child
    return name, stats[name]


def stats_table_rows(stats: Stats, columns: Sequence[str], max_depth: int = 3) -> list[list[str]]:
    """The rows of the statistics table: the model (or the chain of single children it
    fast-forwards to), then submodules down to `max_depth`, one space of indent per level."""
    rows: list[list[str]] = []

    def row(name: str, values: Mapping[str, str], indent: int) -> list[str]:
        pad = " " * indent
        return [pad + name, *((pad + values[c]) if c in values else "" for c in columns)]

    root, values = _fast_forward("", stats)
    rows.append(row(root or "model", values, 0))
    root_prefix = f"{root}." if root else ""

    def fill(name: str, indent: int) -> None:
        if indent > max_depth:
            return
        for child in _children(name, stats):
            child, values = _fast_forward(child, stats)
            shown = child[len(root_prefix) :] if child.startswith(root_prefix) else child
            rows.append(row(shown, values, indent))
            fill(child, indent + 1)

    fill(root, 1)
    return rows


def model_stats_str(model: nn.Module, stats: Mapping[str, Mapping[str, str]]) -> str:
    """`repr(model)` with a line of statistics (`#params: ..., #flops: ...`) per module."""

    def indent(text: str) -> str:
        first, *rest = text.split("\n")
        return "\n".join([first, *("  " + line for line in rest)])

    def render(module: nn.Module, name: str) -> str:
        extra = module.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        if stats.get(name):
            extra_lines.append(", ".join(f"{k}: {v}" for k, v in stats[name].items()))
        child_lines = []
        for key, child in module._modules.items():
            path = f"{name}.{key}" if name else key
            text = repr(None) if child is None else indent(render(child, path))
            child_lines.append(f"({key}): {text}")
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{module._get_name()}({body})"

    return render(model, "")
