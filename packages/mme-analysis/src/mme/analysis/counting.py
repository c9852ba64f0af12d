"""One forward pass of a model under a `TorchDispatchMode` that applies operator rules.

Every ATen operator the forward runs reaches `__torch_dispatch__` after autograd and the
composite decompositions (`linear` arrives as `addmm`, `matmul` and `einsum` as `bmm`).
Forward pre-hooks and hooks on every submodule keep a stack of the modules being called;
an operator belongs to the innermost one and that module's parents ("owner" mode) or to
every module on the stack ("caller" mode). The forward runs for real, so data-dependent
control flow and any output type work; buffers it updates (batch norm running statistics)
are restored afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from mme.analysis.handles import Handle


@dataclass
class Statistics:
    """The counts of one rule set: per module, per operator."""

    counts: dict[str, Counter[str]]
    unsupported_ops: dict[str, Counter[str]]
    uncalled_modules: set[str]


@dataclass
class RuleSet:
    """Operator rules and the operators they deliberately leave out."""

    handles: Mapping[str, Handle]
    ignored: frozenset[str] | set[str]
    _decisions: dict[Any, Handle | bool] = field(default_factory=dict, repr=False)

    def decide(self, func: Any) -> Handle | bool:
        """The handle for `func`, True when it is ignored, False when it is unsupported."""
        decision = self._decisions.get(func)
        if decision is None:
            name = func._schema.name
            decision = self.handles.get(name) or (name in self.ignored)
            self._decisions[func] = decision
        return decision


def named_modules_with_dup(model: nn.Module, prefix: str = "") -> Iterator[tuple[str, nn.Module]]:
    """Like `model.named_modules()`, but a module reachable by several names is listed
    under each of them."""
    yield prefix, model
    for name, module in model._modules.items():
        if module is not None:
            yield from named_modules_with_dup(module, f"{prefix}.{name}" if prefix else name)


def module_aliases(model: nn.Module) -> dict[nn.Module | str, str]:
    """Map each module, and each of its names, to its canonical (first) name."""
    aliases: dict[nn.Module | str, str] = {}
    for name, module in named_modules_with_dup(model):
        aliases.setdefault(module, name)
        aliases[name] = aliases[module]
    return aliases


@functools.cache
def _lineage(name: str) -> tuple[str, ...]:
    """`name` and its parents: `'a.b'` -> `('', 'a', 'a.b')`."""
    parts = name.split(".") if name else []
    return ("", *(".".join(parts[: k + 1]) for k in range(len(parts))))


def _full_inputs(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """Every argument of the call in schema order, with defaults filled in."""
    schema = func._schema.arguments
    if len(args) >= len(schema):
        return list(args)
    inputs = list(args)
    for argument in schema[len(args) :]:
        if argument.name in kwargs:
            inputs.append(kwargs[argument.name])
        elif argument.has_default_value():
            inputs.append(argument.default_value)
        else:
            inputs.append(None)
    return inputs


class _Counting(TorchDispatchMode):
    def __init__(self, rule_sets: Sequence[RuleSet], stack: list[str], caller: bool) -> None:
        super().__init__()
        self.rule_sets = rule_sets
        self.stack = stack
        self.caller = caller
        self.counts: list[dict[str, Counter[str]]] = [{} for _ in rule_sets]
        self.unsupported: list[dict[str, Counter[str]]] = [{} for _ in rule_sets]

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.caller:
            owners: Sequence[str] = tuple(dict.fromkeys(("", *self.stack)))
        else:
            owners = _lineage(self.stack[-1] if self.stack else "")
        inputs: list[Any] | None = None
        for index, rules in enumerate(self.rule_sets):
            decision = rules.decide(func)
            if decision is True:
                continue
            if decision is False:
                name = func._schema.name
                table = self.unsupported[index]
                for owner in owners:
                    table.setdefault(owner, Counter())[name] += 1
                continue
            if inputs is None:
                inputs = _full_inputs(func, args, kwargs)
                outputs = list(out) if isinstance(out, (tuple, list)) else [out]
            value = decision(inputs, outputs)
            if isinstance(value, Number):
                value = Counter({func._schema.name.split("::")[-1]: value})
            elif not isinstance(value, Mapping):
                raise TypeError(
                    f"the rule for {func._schema.name} returned {type(value).__name__}; "
                    "a rule returns a number or a Counter of numbers"
                )
            counts = self.counts[index]
            for owner in owners:
                counts.setdefault(owner, Counter()).update(value)
        return out


@contextlib.contextmanager
def _module_stack(
    model: nn.Module, aliases: Mapping[nn.Module | str, str], stack: list[str], called: set[str]
) -> Iterator[None]:
    """Push a module's canonical name while its forward (and its hooks) run."""
    handles = []

    def enter(name: str) -> Any:
        def pre_hook(module: nn.Module, args: Any) -> None:
            stack.append(name)
            called.add(name)

        return pre_hook

    def leave(module: nn.Module, args: Any, output: Any) -> None:
        stack.pop()

    try:
        for module, name in aliases.items():
            if isinstance(module, nn.Module):
                handles.append(module.register_forward_pre_hook(enter(name), prepend=True))
                handles.append(module.register_forward_hook(leave, always_call=True))
        yield
    finally:
        for handle in handles:
            handle.remove()


def call_model(model: nn.Module, inputs: Any) -> Any:
    """`model(*inputs)` for a tuple, `model(**inputs)` for a dict, else `model(inputs)`."""
    if isinstance(inputs, tuple):
        return model(*inputs)
    if isinstance(inputs, dict):
        return model(**inputs)
    return model(inputs)


@contextlib.contextmanager
def _restored_buffers(model: nn.Module) -> Iterator[None]:
    saved = [(buffer, buffer.detach().clone()) for buffer in model.buffers()]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)


@contextlib.contextmanager
def _no_fast_paths() -> Iterator[None]:
    """Keep `nn.MultiheadAttention` and `nn.TransformerEncoderLayer` off their fused
    inference kernels, so that they run (and are counted as) linears and attention."""
    mha = getattr(torch.backends, "mha", None)
    if mha is None:  # pragma: no cover - torch < 2.2
        yield
        return
    before = mha.get_fastpath_enabled()
    mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        mha.set_fastpath_enabled(before)


def run_counting(
    model: nn.Module,
    inputs: Any,
    rule_sets: Sequence[RuleSet],
    aliases: Mapping[nn.Module | str, str],
    ancestor_mode: str = "owner",
) -> list[Statistics]:
    """Run `model` once on `inputs` and return one `Statistics` per rule set."""
    stack: list[str] = []
    called: set[str] = set()
    mode = _Counting(rule_sets, stack, caller=ancestor_mode == "caller")
    with (
        _restored_buffers(model),
        _no_fast_paths(),
        torch.no_grad(),
        _module_stack(model, aliases, stack, called),
        mode,
    ):
        call_model(model, inputs)
    names = list(dict.fromkeys(aliases.values()))
    seen = set(called)
    if ancestor_mode == "owner":
        for name in called:
            seen.update(_lineage(name))
    results = []
    for counts, unsupported in zip(mode.counts, mode.unsupported, strict=True):
        results.append(
            Statistics(
                counts={name: counts.get(name, Counter()) for name in names},
                unsupported_ops={name: unsupported.get(name, Counter()) for name in names},
                uncalled_modules={name for name in names if name not in seen},
            )
        )
    return results
