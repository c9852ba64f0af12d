"""``cfg.compile``: the model's forward through ``torch.compile`` (RUN-27).

``compile=True`` or ``compile=dict(backend='inductor', mode='max-autotune', ...)`` (any
``torch.compile`` argument) replaces the model's ``forward`` by a compiled one; ``train_step``,
``val_step`` and ``test_step`` stay Python, so the data preprocessor, the loss parsing and
the optimizer wrapper run as written. Two more keys are mme's:

- ``strict`` (default False): a model that fails to compile raises. By default the failure
  is a warning naming the error, and the model runs eagerly from then on.
- ``warn_recompiles`` (default True): the first recompilation (new input shapes or types)
  is reported once; the number of compilations is logged at the end of training.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

import torch
from torch import nn

from mme.runner._suggest import did_you_mean

_logger = logging.getLogger("mme.runner")

_OWN_KEYS = ("strict", "warn_recompiles")


def compile_options(options: bool | dict) -> tuple[dict[str, Any], bool, bool]:
    """``torch.compile`` keyword arguments, ``strict`` and ``warn_recompiles`` of a
    ``compile`` config (True or a dict); unknown keys are errors naming the key."""
    if options is True:
        return {}, False, True
    if not isinstance(options, dict):
        raise TypeError(
            f"cfg.compile must be True or a dict of torch.compile options, got {options!r}"
        )
    known = [name for name in inspect.signature(torch.compile).parameters if name != "model"]
    kwargs = dict(options)
    for key in kwargs:
        if key not in known and key not in _OWN_KEYS:
            choices = [*known, *_OWN_KEYS]
            raise TypeError(
                f"cfg.compile: unknown option {key!r}.{did_you_mean(key, choices)} (torch.compile "
                f"takes {', '.join(known)}; mme adds {', '.join(_OWN_KEYS)})"
            )
    strict = bool(kwargs.pop("strict", False))
    warn = bool(kwargs.pop("warn_recompiles", True))
    return kwargs, strict, warn


class CompiledForward:
    """A module's forward through ``torch.compile``, with the eager one as fallback.

    Attributes:
        compilations: How many times the forward was compiled (1 + recompilations).
        failed: The compile error, once the forward fell back to eager.
    """

    def __init__(
        self,
        module: nn.Module,
        options: dict[str, Any],
        strict: bool = False,
        warn_recompiles: bool = True,
        logger: logging.Logger | None = None,
    ) -> None:
        self.module_name = type(module).__name__
        self.eager = module.forward
        self.compiled = torch.compile(self.eager, **options)
        self.strict = strict
        self.warn_recompiles = warn_recompiles
        self.logger = logger or _logger
        self.compilations = 0
        self.failed: BaseException | None = None
        self._calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.failed is not None:
            return self.eager(*args, **kwargs)
        from torch._dynamo.exc import TorchDynamoException
        from torch._dynamo.utils import counters

        stats = counters["stats"]
        before = stats["unique_graphs"]
        try:
            out = self.compiled(*args, **kwargs)
        except TorchDynamoException as error:
            if self.strict:
                raise
            self.failed = error
            self.logger.warning(
                f"torch.compile could not compile {self.module_name}.forward "
                f"({_describe(error)}); the model runs without compiling. "
                "compile=dict(strict=True) makes this an error."
            )
            return self.eager(*args, **kwargs)
        if stats["unique_graphs"] != before:
            self.compilations += 1
            if self.compilations == 2 and self.warn_recompiles:
                self.logger.warning(
                    f"torch.compile recompiled {self.module_name}.forward (its input shapes, "
                    "dtypes or Python values changed since the first call); each recompilation "
                    "costs time. Keep input shapes fixed (drop_last=True) or set "
                    "compile=dict(dynamic=True); TORCH_LOGS=recompiles shows the reason. "
                    "Reported once; the count is logged at the end of training."
                )
        self._calls += 1
        return out

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # A copy of the model (EMAHook's average, for one) gets its class's eager forward.
        owner = getattr(self.eager, "__self__", None)
        twin = memo.get(id(owner))
        if twin is None:
            return self
        return type(twin).forward.__get__(twin)

    def report(self) -> str:
        """One line: compilations and recompilations, or the fallback."""
        if self.failed is not None:
            return (
                f"torch.compile: {self.module_name}.forward ran without compiling "
                f"({type(self.failed).__name__})"
            )
        return (
            f"torch.compile: {self.module_name}.forward compiled {self.compilations} time(s) "
            f"({max(self.compilations - 1, 0)} recompilation(s)) over {self._calls} call(s)"
        )


def _describe(error: BaseException) -> str:
    """``Type: first line`` of a compile error, with the backend's own error when wrapped."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    text = f"{type(error).__name__}: {lines[0].strip() if lines else ''}"
    inner = getattr(error, "inner_exception", None) or error.__cause__
    if inner is not None:
        inner_lines = [line for line in str(inner).splitlines() if line.strip()]
        text += f" {type(inner).__name__}: {inner_lines[0].strip() if inner_lines else ''}"
    return text


def compile_model(
    model: nn.Module, options: bool | dict, logger: logging.Logger | None = None
) -> CompiledForward | None:
    """Compile ``model``'s forward (its wrapper's inner model's) as ``options`` say.

    Returns the ``CompiledForward`` now in ``model.forward`` (or the one already there), or
    None when ``options`` is falsy.
    """
    if not options:
        return None
    kwargs, strict, warn = compile_options(options)
    current = getattr(model, "forward", None)
    if isinstance(current, CompiledForward):
        return current
    compiled = CompiledForward(model, kwargs, strict, warn, logger)
    model.forward = compiled
    return compiled
