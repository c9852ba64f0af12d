"""`FlopAnalyzer`, `ActivationAnalyzer` and their shared base, `ModelAnalysis`.

The upstream names of MMEngine (ported from fvcore) with the same methods, counted at the
dispatcher (see `mme.analysis.counting`) instead of from a TorchScript trace.
"""

from __future__ import annotations

import difflib
import functools
import logging
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar

import torch
from torch import nn

from mme.analysis.counting import RuleSet, Statistics, module_aliases, run_counting
from mme.analysis.handles import (
    DEFAULT_ACTIVATION_HANDLES,
    DEFAULT_FLOP_HANDLES,
    IGNORED_OPS,
    Handle,
)

_logger = logging.getLogger("mme.analysis")
T = TypeVar("T", bound="ModelAnalysis")

#: Operators a TorchScript trace records but the dispatcher never sees, and what runs instead.
DISPATCHED_AS: dict[str, str] = {
    "aten::_convolution": "aten::convolution",
    "aten::conv1d": "aten::convolution",
    "aten::conv2d": "aten::convolution",
    "aten::conv3d": "aten::convolution",
    "aten::linear": "aten::addmm (with a bias) and aten::mm (without)",
    "aten::matmul": "aten::mm, aten::bmm, aten::mv or aten::dot",
    "aten::einsum": "aten::bmm",
    "aten::batch_norm": "aten::native_batch_norm",
    "aten::instance_norm": "aten::native_batch_norm",
    "aten::layer_norm": "aten::native_layer_norm",
    "aten::group_norm": "aten::native_group_norm",
    "aten::adaptive_avg_pool2d": "aten::_adaptive_avg_pool2d, or aten::mean for a 1x1 output",
    "aten::grid_sampler": "aten::grid_sampler_2d or aten::grid_sampler_3d",
    "aten::scaled_dot_product_attention": (
        "aten::_scaled_dot_product_flash_attention_for_cpu (or the CUDA kernels)"
    ),
}


def check_op_name(name: str) -> None:
    """Raise ValueError unless `name` is an operator the dispatcher can report."""
    if not isinstance(name, str) or "::" not in name:
        raise ValueError(f"operator names look like 'aten::addmm' (namespace::name), got {name!r}")
    if name in DISPATCHED_AS:
        raise ValueError(
            f"{name!r} never reaches the dispatcher, where mme.analysis counts: it runs as "
            f"{DISPATCHED_AS[name]}. Set the rule for that operator instead."
        )
    overloads = _registered_ops().get(name)
    if overloads is None:
        if name.startswith("aten::"):
            close = difflib.get_close_matches(name, list(_registered_ops()), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{name!r} is not an ATen operator.{hint}")
        return  # a custom operator that may be registered later
    if all(
        torch._C._dispatch_has_kernel_for_dispatch_key(full, "CompositeImplicitAutograd")
        for full in overloads
    ):
        raise ValueError(
            f"{name!r} is a composite operator: it is decomposed before it reaches the "
            "dispatcher, so a rule for it would never run. Set rules for the operators "
            "it decomposes into."
        )


@functools.cache
def _registered_ops() -> dict[str, list[str]]:
    """Operator name -> its registered overloads (`"aten::add"` -> `["aten::add.Tensor", ...]`)."""
    ops: dict[str, list[str]] = {}
    for full in torch._C._dispatch_get_all_op_names():
        ops.setdefault(full.split(".")[0], []).append(full)
    return ops


class ModelAnalysis:
    """Per-module, per-operator statistics of one forward pass of `model` on `inputs`.

    `inputs` is passed as `model(*inputs)` when it is a tuple, `model(**inputs)` when it is a
    dict, else `model(inputs)`. The forward runs lazily, on the first request for a
    statistic, and again after the rules change. Module names are `""` for the model and
    `"child.grandchild"` below it; a module reachable under several names is reported under
    its first one (`canonical_module_name`).

    An operator counts towards the module whose `__call__` runs it (and, in the default
    "owner" mode, that module's parents): calls of `module.forward(...)` or of other
    methods count towards the caller.
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self._model = model
        self._inputs = inputs
        self._op_handles: dict[str, Handle] = {}
        self._ignored_ops: set[str] = set(IGNORED_OPS)
        self._aliases = module_aliases(model)
        self._stats: Statistics | None = None
        self._warn_unsupported = True
        self._warn_uncalled = True
        self._warn_trace = "no_tracer_warning"
        self._ancestor_mode = "owner"

    # ------------------------------------------------------------------ statistics
    def total(self, module_name: str = "") -> int:
        """The statistic summed over every operator of `module_name` (default: the model)."""
        return sum(self.by_operator(module_name).values())

    def by_operator(self, module_name: str = "") -> Counter[str]:
        """The statistic of `module_name`, per operator (`Counter({"conv": ..., ...})`)."""
        return self._analyze().counts[self.canonical_module_name(module_name)]

    def by_module_and_operator(self) -> dict[str, Counter[str]]:
        """Every module's statistic, per operator."""
        return self._analyze().counts

    def by_module(self) -> Counter[str]:
        """Every module's statistic, summed over operators."""
        return Counter({name: sum(c.values()) for name, c in self._analyze().counts.items()})

    def unsupported_ops(self, module_name: str = "") -> Counter[str]:
        """How many times each operator without a rule ran in `module_name` (ignored
        operators are not listed)."""
        return self._analyze().unsupported_ops[self.canonical_module_name(module_name)]

    def uncalled_modules(self) -> set[str]:
        """Submodules never called during the forward (unused, or run through `.forward()`
        or another method: their operators count towards the caller)."""
        return self._analyze().uncalled_modules

    # ------------------------------------------------------------------ settings
    def set_op_handle(self: T, *args: Any, **kwargs: Handle | None) -> T:
        """Add or replace operator rules; a rule of `None` ignores the operator.

        Pass pairs (`set_op_handle("aten::addmm", rule, "aten::bmm", None)`) or a mapping
        (`set_op_handle(**{"aten::addmm": rule})`). A rule takes `(inputs, outputs)` and
        returns a number or a `Counter`; see `mme.analysis.handles`.
        """
        if len(args) % 2:
            raise TypeError("set_op_handle takes pairs of operator names and handles")
        pairs = [*zip(args[::2], args[1::2], strict=True), *kwargs.items()]
        for name, handle in pairs:
            check_op_name(name)
            if handle is not None and not callable(handle):
                raise TypeError(f"the handle for {name!r} must be callable or None")
        self._stats = None
        for name, handle in pairs:
            if handle is None:
                self._op_handles.pop(name, None)
                self._ignored_ops.add(name)
            else:
                self._ignored_ops.discard(name)
                self._op_handles[name] = handle
        return self

    def clear_op_handles(self: T) -> T:
        """Remove every rule (and restore the default set of ignored operators)."""
        self._op_handles = {}
        self._ignored_ops = set(IGNORED_OPS)
        self._stats = None
        return self

    def canonical_module_name(self, name: str) -> str:
        """The name the statistics use for the module called `name`."""
        if not isinstance(name, str):
            raise TypeError(f"module names are strings, got {type(name).__name__}")
        if name not in self._aliases:
            names = [n for n in self._aliases if isinstance(n, str)]
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise KeyError(f"{name!r} is not a submodule of the analysed model.{hint}")
        return self._aliases[name]

    def copy(self: T, new_model: nn.Module | None = None, new_inputs: Any = None) -> T:
        """A new analysis with the same rules and settings, on a new model or new inputs."""
        other = type(self)(
            self._model if new_model is None else new_model,
            self._inputs if new_inputs is None else new_inputs,
        )
        other._op_handles = dict(self._op_handles)
        other._ignored_ops = set(self._ignored_ops)
        other._warn_unsupported = self._warn_unsupported
        other._warn_uncalled = self._warn_uncalled
        other._warn_trace = self._warn_trace
        other._ancestor_mode = self._ancestor_mode
        return other

    def tracer_warnings(self: T, mode: str) -> T:
        """Which Python warnings raised by the forward to keep: 'all', 'no_tracer_warning'
        (the default; there is no tracer here, so the same as 'all') or 'none'."""
        if mode not in ("all", "no_tracer_warning", "none"):
            raise ValueError(
                f"tracer_warnings mode must be 'all', 'no_tracer_warning' or 'none', got {mode!r}"
            )
        self._warn_trace = mode
        return self

    def ancestor_mode(self: T, mode: str) -> T:
        """How an operator is attributed: 'owner' (the module running it and that module's
        parents, the default) or 'caller' (every module whose forward is running)."""
        if mode not in ("owner", "caller"):
            raise ValueError(f"ancestor_mode must be 'owner' or 'caller', got {mode!r}")
        self._ancestor_mode = mode
        self._stats = None
        return self

    def unsupported_ops_warnings(self: T, enabled: bool) -> T:
        """Whether to log, once per analysis, the operators that have no rule."""
        self._warn_unsupported = enabled
        return self

    def uncalled_modules_warnings(self: T, enabled: bool) -> T:
        """Whether to log, once per analysis, the submodules that were never called."""
        self._warn_uncalled = enabled
        return self

    # ------------------------------------------------------------------ internals
    def _rule_set(self) -> RuleSet:
        return RuleSet(dict(self._op_handles), frozenset(self._ignored_ops))

    def _analyze(self) -> Statistics:
        if self._stats is None:
            analyze_together([self])
        assert self._stats is not None
        return self._stats

    def _has_forward(self, name: str) -> bool:
        module = self._model.get_submodule(name) if name else self._model
        plain = (nn.ModuleList, nn.ModuleDict, nn.Module, nn.Identity)
        return not any(type(module).forward is kind.forward for kind in plain)

    def _report(self) -> None:
        stats = self._stats
        assert stats is not None
        unsupported = stats.unsupported_ops[""]
        if self._warn_unsupported and unsupported:
            listing = ", ".join(f"{op} ({n}x)" for op, n in unsupported.most_common())
            _logger.warning(
                "%s counted 0 for operators without a rule: %s", type(self).__name__, listing
            )
        uncalled = sorted(n for n in stats.uncalled_modules if self._has_forward(n))
        if self._warn_uncalled and uncalled:
            _logger.warning(
                "%s: these submodules were never called during the forward (unused, or run "
                "through .forward() or another method; their operators count towards the "
                "caller): %s",
                type(self).__name__,
                ", ".join(uncalled),
            )


def analyze_together(analyses: Iterable[ModelAnalysis]) -> None:
    """Compute the statistics of analyses of the same model and inputs in one forward."""
    group = list(analyses)
    first = group[0]
    for other in group[1:]:
        if other._model is not first._model or other._inputs is not first._inputs:
            raise ValueError("analyze_together needs analyses of the same model and inputs")
        if other._ancestor_mode != first._ancestor_mode:
            raise ValueError("analyze_together needs analyses with the same ancestor_mode")
    with warnings.catch_warnings():
        if first._warn_trace == "none":
            warnings.simplefilter("ignore")
        results = run_counting(
            first._model,
            first._inputs,
            [analysis._rule_set() for analysis in group],
            first._aliases,
            first._ancestor_mode,
        )
    for analysis, stats in zip(group, results, strict=True):
        analysis._stats = stats
        analysis._report()


class FlopAnalyzer(ModelAnalysis):
    """FLOPs per module and per operator; one multiply-accumulate is one FLOP.

    Comes with rules for convolutions, matrix products, attention, normalisation, pooling
    and upsampling (`mme.analysis.handles.DEFAULT_FLOP_HANDLES`); add or replace rules with
    `set_op_handle`.

    Example:
        >>> model = nn.Sequential(nn.Conv2d(3, 10, 3))
        >>> FlopAnalyzer(model, torch.randn(1, 3, 10, 10)).total()
        17280
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        super().__init__(model, inputs)
        self._op_handles = dict(DEFAULT_FLOP_HANDLES)


class ActivationAnalyzer(ModelAnalysis):
    """Activations per module and per operator: the output elements of convolutions and
    matrix products (`mme.analysis.handles.DEFAULT_ACTIVATION_HANDLES`).

    Example:
        >>> model = nn.Sequential(nn.Conv2d(3, 10, 3))
        >>> ActivationAnalyzer(model, torch.randn(1, 3, 10, 10)).total()
        640
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        super().__init__(model, inputs)
        self._op_handles = dict(DEFAULT_ACTIVATION_HANDLES)
