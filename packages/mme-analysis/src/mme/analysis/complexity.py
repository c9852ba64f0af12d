"""`get_model_complexity_info` and the fvcore-style functions around it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from mme.analysis.analyzer import ActivationAnalyzer, FlopAnalyzer, analyze_together
from mme.analysis.formatting import (
    format_size,
    group_by_module,
    indicate_uncalled,
    model_stats_str,
    pretty_statistics,
    remove_zero_statistics,
    stats_table_rows,
    text_table,
)
from mme.analysis.handles import Handle
from mme.analysis.parameters import parameter_count


def flop_count(
    model: nn.Module, inputs: Any, supported_ops: Mapping[str, Handle | None] | None = None
) -> tuple[defaultdict[str, float], Counter[str]]:
    """GFLOPs of `model` on `inputs` per operator, and the operators without a rule.

    `supported_ops` adds or replaces rules (`None` ignores an operator).
    """
    analyzer = FlopAnalyzer(model, inputs).set_op_handle(**(supported_ops or {}))
    analyzer.unsupported_ops_warnings(False)
    giga: defaultdict[str, float] = defaultdict(float)
    for op, flops in analyzer.by_operator().items():
        giga[op] = flops / 1e9
    return giga, analyzer.unsupported_ops()


def activation_count(
    model: nn.Module, inputs: Any, supported_ops: Mapping[str, Handle | None] | None = None
) -> tuple[defaultdict[str, float], Counter[str]]:
    """Mega-activations of `model` on `inputs` per operator, and the operators without a
    rule."""
    analyzer = ActivationAnalyzer(model, inputs).set_op_handle(**(supported_ops or {}))
    analyzer.unsupported_ops_warnings(False)
    mega: defaultdict[str, float] = defaultdict(float)
    for op, acts in analyzer.by_operator().items():
        mega[op] = acts / 1e6
    return mega, analyzer.unsupported_ops()


def _quiet(*analyzers: FlopAnalyzer | ActivationAnalyzer | None) -> None:
    for analyzer in analyzers:
        if analyzer is not None:
            analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)


def complexity_stats_rows(
    flops: FlopAnalyzer,
    max_depth: int = 3,
    activations: ActivationAnalyzer | None = None,
    show_param_shapes: bool = True,
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of `complexity_stats_table` (for rendering elsewhere)."""
    params_header = "#parameters" + (" or shape" if show_param_shapes else "")
    model = flops._model
    _quiet(flops, activations)
    statistics: dict[str, Mapping[str, int]] = {
        params_header: dict(parameter_count(model)),
        "#flops": flops.by_module(),
    }
    if activations is not None:
        statistics["#activations"] = activations.by_module()
    columns = list(statistics)
    stats = group_by_module(statistics)
    stats = remove_zero_statistics(stats, require_trivial_children=True)
    stats = pretty_statistics(stats)
    indicate_uncalled(stats, "#flops", flops.uncalled_modules() & stats.keys(), "")
    if activations is not None:
        indicate_uncalled(stats, "#activations", activations.uncalled_modules() & stats.keys(), "")
    for name, param in model.named_parameters():
        if name in stats:
            if show_param_shapes:
                stats[name][params_header] = str(tuple(param.shape))
            else:
                del stats[name]
    return ["module", *columns], stats_table_rows(stats, columns, max_depth)


def complexity_stats_table(
    flops: FlopAnalyzer,
    max_depth: int = 3,
    activations: ActivationAnalyzer | None = None,
    show_param_shapes: bool = True,
) -> str:
    """The per-module parameters, FLOPs (and activations) as a text table.

    Rows are indented one space per level down to `max_depth`; a module whose statistics
    are all zero is left out; a module with a single child whose statistics agree is shown
    as that child (so a model wrapping one network starts at the network); modules without
    parameters come after their siblings that have some.
    """
    headers, rows = complexity_stats_rows(flops, max_depth, activations, show_param_shapes)
    return text_table(headers, rows)


def complexity_stats_str(flops: FlopAnalyzer, activations: ActivationAnalyzer | None = None) -> str:
    """`repr(model)` with `#params`, `#flops` (and `#acts`) added to every module.

    Modules whose statistics are all zero (ReLU, max pooling) get no line; modules never
    called show `N/A` for FLOPs and activations (their operators, if run through another
    method, count towards the caller).
    """
    model = flops._model
    _quiet(flops, activations)
    statistics: dict[str, dict[str, int]] = {
        "#params": dict(parameter_count(model)),
        "#flops": dict(flops.by_module()),
    }
    if activations is not None:
        statistics["#acts"] = dict(activations.by_module())
    for name, _ in model.named_modules():
        for values in statistics.values():
            values.setdefault(name, 0)
    uncalled = flops.uncalled_modules() | (
        activations.uncalled_modules() if activations is not None else set()
    )
    stats = group_by_module(statistics)
    stats = remove_zero_statistics(stats, force_keep=uncalled)
    stats = pretty_statistics(stats, sig_figs=2)
    indicate_uncalled(stats, "#flops", flops.uncalled_modules(), "N/A")
    if activations is not None:
        indicate_uncalled(stats, "#acts", activations.uncalled_modules(), "N/A")
    return model_stats_str(model, stats)


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(d, int) and not isinstance(d, bool) for d in value
    )


def example_inputs(model: nn.Module, input_shape: Any) -> tuple[torch.Tensor, ...]:
    """Random inputs with a batch of 1 for a shape, or a tuple of shapes, on the device and
    in the floating dtype of the model's parameters."""
    if _is_shape(input_shape) and input_shape:
        shapes = (input_shape,)
    elif (
        isinstance(input_shape, tuple)
        and input_shape
        and all(_is_shape(s) and s for s in input_shape)
    ):
        shapes = input_shape
    else:
        raise ValueError(
            "input_shape must be a tuple of ints without the batch dimension, such as "
            "(3, 224, 224), or a tuple of such tuples for a model with several inputs, "
            f"such as ((3, 224, 224), (10,)); got {input_shape!r}"
        )
    reference = next(
        (t for t in [*model.parameters(), *model.buffers()] if t.is_floating_point()), None
    )
    device = reference.device if reference is not None else torch.device("cpu")
    dtype = reference.dtype if reference is not None else torch.get_default_dtype()
    return tuple(torch.randn(1, *shape, device=device, dtype=dtype) for shape in shapes)


def get_model_complexity_info(
    model: nn.Module,
    input_shape: tuple[int, ...] | tuple[tuple[int, ...], ...] | None = None,
    inputs: torch.Tensor | tuple[Any, ...] | dict[str, Any] | None = None,
    show_table: bool = True,
    show_arch: bool = True,
) -> dict[str, Any]:
    """FLOPs, activations and parameters of `model`, in total and per module.

    Give either `input_shape`, a shape without the batch dimension (`(3, 224, 224)` runs the
    model on a random `(1, 3, 224, 224)` tensor) or a tuple of shapes for several inputs,
    or `inputs`: a tensor, a tuple of positional inputs, or a dict of keyword inputs.

    Returns a dict with `flops`, `flops_str`, `activations`, `activations_str`, `params`,
    `params_str`, `out_table` (the table, `""` unless `show_table`), `out_arch` (the model
    with statistics, `""` unless `show_arch`) and `unsupported_ops` (a `Counter` of the
    operators that ran without a rule, counted as 0).

    The model runs once, as it is (training mode counts batch norm with batch statistics);
    buffers it updates are restored.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if input_shape is None and inputs is None:
        raise ValueError(
            "get_model_complexity_info() needs the model's input: pass input_shape, a shape "
            "without the batch dimension such as (3, 224, 224), or inputs, the tensor (or "
            "tuple or dict of tensors) to call the model with"
        )
    if input_shape is not None and inputs is not None:
        raise ValueError(
            "get_model_complexity_info() got both input_shape and inputs: pass only one, "
            "input_shape to run on a random tensor of that shape, or inputs to run on "
            "your own tensors"
        )
    if inputs is None:
        inputs = example_inputs(model, input_shape)

    flop_analyzer = FlopAnalyzer(model, inputs)
    activation_analyzer = ActivationAnalyzer(model, inputs)
    _quiet(flop_analyzer, activation_analyzer)
    analyze_together([flop_analyzer, activation_analyzer])

    flops = flop_analyzer.total()
    activations = activation_analyzer.total()
    params = parameter_count(model)[""]
    table = complexity_stats_table(flop_analyzer, activations=activation_analyzer)
    arch = complexity_stats_str(flop_analyzer, activations=activation_analyzer)
    return {
        "flops": flops,
        "flops_str": format_size(flops),
        "activations": activations,
        "activations_str": format_size(activations),
        "params": params,
        "params_str": format_size(params),
        "out_table": table if show_table else "",
        "out_arch": arch if show_arch else "",
        "unsupported_ops": flop_analyzer.unsupported_ops(),
    }
