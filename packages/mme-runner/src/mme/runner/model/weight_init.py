"""Weight initialisation: the ``*_init`` functions and the initializers of ``init_cfg``.

An ``init_cfg`` is a dict (or a list of dicts) naming an initializer of ``WEIGHT_INITIALIZERS``
by its short or class name (``'Kaiming'`` or ``'KaimingInit'``) with its arguments, plus:

- ``layer``: the class names (or base class names) of the submodules to initialise, e.g.
  ``'Conv2d'`` or ``['Conv2d', 'Linear']``;
- ``override``: a dict (or list) with ``name`` (an attribute of the module) and, optionally,
  another initializer for that submodule as a whole;
- ``bias`` (a constant for the biases) or ``bias_prob`` (the prior probability that sets the
  bias, for a classification layer).
"""

from __future__ import annotations

import copy
import io
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor, nn

from mme.registry import WEIGHT_INITIALIZERS
from mme.runner.model._suggest import did_you_mean

_logger = logging.getLogger("mme.runner.model")

# ----------------------------------------------------------------------- functions


def _has(module: nn.Module, name: str) -> bool:
    return isinstance(getattr(module, name, None), Tensor)


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    """Set ``module.weight`` to ``val`` and ``module.bias`` to ``bias`` (those it has)."""
    if _has(module, "weight"):
        nn.init.constant_(module.weight, val)  # type: ignore[arg-type]
    if _has(module, "bias"):
        nn.init.constant_(module.bias, bias)  # type: ignore[arg-type]


def xavier_init(
    module: nn.Module, gain: float = 1, bias: float = 0, distribution: str = "normal"
) -> None:
    """Xavier (Glorot) ``normal`` or ``uniform`` weights, constant bias."""
    _check_distribution(distribution)
    if _has(module, "weight"):
        init = nn.init.xavier_uniform_ if distribution == "uniform" else nn.init.xavier_normal_
        init(module.weight, gain=gain)  # type: ignore[arg-type]
    if _has(module, "bias"):
        nn.init.constant_(module.bias, bias)  # type: ignore[arg-type]


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    """Normal ``N(mean, std²)`` weights, constant bias."""
    if _has(module, "weight"):
        nn.init.normal_(module.weight, mean, std)  # type: ignore[arg-type]
    if _has(module, "bias"):
        nn.init.constant_(module.bias, bias)  # type: ignore[arg-type]


def trunc_normal_init(
    module: nn.Module, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, bias: float = 0
) -> None:
    """Normal ``N(mean, std²)`` weights truncated to ``[a, b]``, constant bias."""
    if _has(module, "weight"):
        nn.init.trunc_normal_(module.weight, mean, std, a, b)  # type: ignore[arg-type]
    if _has(module, "bias"):
        nn.init.constant_(module.bias, bias)  # type: ignore[arg-type]


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    """Uniform ``U(a, b)`` weights, constant bias."""
    if _has(module, "weight"):
        nn.init.uniform_(module.weight, a, b)  # type: ignore[arg-type]
    if _has(module, "bias"):
        nn.init.constant_(module.bias, bias)  # type: ignore[arg-type]


def kaiming_init(
    module: nn.Module,
    a: float = 0,
    mode: str = "fan_out",
    nonlinearity: str = "relu",
    bias: float = 0,
    distribution: str = "normal",
) -> None:
    """Kaiming (He) ``normal`` or ``uniform`` weights, constant bias."""
    _check_distribution(distribution)
    if _has(module, "weight"):
        init = nn.init.kaiming_uniform_ if distribution == "uniform" else nn.init.kaiming_normal_
        init(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)  # type: ignore[arg-type]
    if _has(module, "bias"):
        nn.init.constant_(module.bias, bias)  # type: ignore[arg-type]


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Caffe2's "Xavier": PyTorch's Kaiming uniform with ``a=1``, ``fan_in``, leaky_relu."""
    kaiming_init(
        module, a=1, mode="fan_in", nonlinearity="leaky_relu", bias=bias, distribution="uniform"
    )


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias whose sigmoid is ``prior_prob``: ``-log((1 - p) / p)``."""
    if not 0 < prior_prob < 1:
        raise ValueError(f"bias_init_with_prob: prior_prob must be in (0, 1), got {prior_prob!r}")
    return float(-math.log((1 - prior_prob) / prior_prob))


def _check_distribution(distribution: str) -> None:
    if distribution not in ("uniform", "normal"):
        raise ValueError(
            f"distribution must be 'uniform' or 'normal', got {distribution!r}."
            f"{did_you_mean(str(distribution), ['uniform', 'normal'])}"
        )


# ----------------------------------------------------------------------- init summary


def update_init_info(module: nn.Module, init_info: str) -> None:
    """Record ``init_info`` for every parameter of ``module`` changed since the last record.

    Only has an effect during ``init_weights()`` of a top-level module, which attaches the
    record to every submodule. A parameter counts as changed when it was written in place
    (its version counter moved), so an initializer that draws the same values still counts.
    """
    record = getattr(module, "_params_init_info", None)
    if record is None:
        return
    record.update(module, init_info)


class InitRecord:
    """What initialised each parameter of a module during its ``init_weights()``."""

    def __init__(self, module: nn.Module) -> None:
        self.names: dict[Tensor, str] = {}
        self.info: dict[str, str] = {}
        self._versions: dict[Tensor, int] = {}
        for name, param in module.named_parameters():
            self.names[param] = name
            self.info[name] = (
                f"not changed by init_weights of {type(module).__name__} (PyTorch's default "
                "initialisation)"
            )
            self._versions[param] = param._version

    def update(self, module: nn.Module, init_info: str) -> None:
        for param in module.parameters():
            version = param._version
            if param in self._versions and version != self._versions[param]:
                self._versions[param] = version
                self.info[self.names[param]] = init_info


# ----------------------------------------------------------------------- initializers


def _class_names(module: nn.Module) -> set[str]:
    return {cls.__name__ for cls in type(module).__mro__}


class BaseInit(ABC):
    """Base of the initializers: which layers they touch and the bias they set.

    Args:
        bias: the constant for the biases.
        bias_prob: if given, the bias is ``bias_init_with_prob(bias_prob)`` instead.
        layer: the class names (own or of a base class) of the submodules to initialise.
    """

    def __init__(
        self,
        *,
        bias: float = 0,
        bias_prob: float | None = None,
        layer: str | list[str] | None = None,
    ) -> None:
        self.wholemodule = False
        if isinstance(bias, bool) or not isinstance(bias, (int, float)):
            raise TypeError(f"{type(self).__name__}: bias must be an int or float, got {bias!r}")
        if bias_prob is not None and not isinstance(bias_prob, float):
            raise TypeError(f"{type(self).__name__}: bias_prob must be a float, got {bias_prob!r}")
        if layer is not None and not (
            isinstance(layer, str)
            or (isinstance(layer, list) and all(isinstance(n, str) for n in layer))
        ):
            raise TypeError(
                f"{type(self).__name__}: layer must be a str or a list of str, got {layer!r}"
            )
        self.bias = bias_init_with_prob(bias_prob) if bias_prob is not None else bias
        self.layer: list[str] = [layer] if isinstance(layer, str) else list(layer or [])
        #: set by ``initialize`` when the cfg has an ``override``: no ``layer`` is then fine.
        self.has_override = False

    @abstractmethod
    def init_module(self, module: nn.Module) -> None:
        """Initialise one (sub)module; implemented by each initializer."""

    def __call__(self, module: nn.Module) -> None:
        if self.wholemodule:
            for submodule in module.modules():
                self.init_module(submodule)
        else:
            if not self.layer:
                if self.has_override:
                    return
                raise ValueError(
                    f"init_cfg {self._describe()} of {type(module).__name__} has neither 'layer' "
                    "nor 'override', so it initialises nothing. Add layer='Conv2d' (class names "
                    "of submodules) or override=dict(name='head') (an attribute)."
                )
            wanted = set(self.layer)
            matched = 0
            for submodule in module.modules():
                if wanted & _class_names(submodule):
                    self.init_module(submodule)
                    matched += 1
            if matched == 0:
                present = sorted({type(m).__name__ for m in module.modules()})
                hint = "".join(did_you_mean(name, present) for name in self.layer)
                raise ValueError(
                    f"init_cfg {self._describe()}: layer {self.layer} names no submodule of "
                    f"{type(module).__name__} (its layers: {', '.join(present)}).{hint}"
                )
        update_init_info(module, self._get_init_info())

    def _describe(self) -> str:
        return f"type={type(self).__name__!r}"

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name=["Constant", "ConstantInit"])
class ConstantInit(BaseInit):
    """Weights set to ``val``, biases to ``bias``."""

    def __init__(self, val: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.val = val

    def init_module(self, module: nn.Module) -> None:
        constant_init(module, self.val, self.bias)

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: val={self.val}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name=["Xavier", "XavierInit"])
class XavierInit(BaseInit):
    """Xavier weights (``distribution`` ``'normal'`` or ``'uniform'``), constant biases."""

    def __init__(self, gain: float = 1, distribution: str = "normal", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_distribution(distribution)
        self.gain = gain
        self.distribution = distribution

    def init_module(self, module: nn.Module) -> None:
        xavier_init(module, self.gain, self.bias, self.distribution)

    def _get_init_info(self) -> str:
        return (
            f"{type(self).__name__}: gain={self.gain}, distribution={self.distribution}, "
            f"bias={self.bias}"
        )


@WEIGHT_INITIALIZERS.register_module(name=["Normal", "NormalInit"])
class NormalInit(BaseInit):
    """Normal ``N(mean, std²)`` weights, constant biases."""

    def __init__(self, mean: float = 0, std: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std

    def init_module(self, module: nn.Module) -> None:
        normal_init(module, self.mean, self.std, self.bias)

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: mean={self.mean}, std={self.std}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name=["TruncNormal", "TruncNormalInit"])
class TruncNormalInit(BaseInit):
    """Normal weights truncated to ``[a, b]``, constant biases."""

    def __init__(
        self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.mean, self.std, self.a, self.b = mean, std, a, b

    def init_module(self, module: nn.Module) -> None:
        trunc_normal_init(module, self.mean, self.std, self.a, self.b, self.bias)

    def _get_init_info(self) -> str:
        return (
            f"{type(self).__name__}: a={self.a}, b={self.b}, mean={self.mean}, "
            f"std={self.std}, bias={self.bias}"
        )


@WEIGHT_INITIALIZERS.register_module(name=["Uniform", "UniformInit"])
class UniformInit(BaseInit):
    """Uniform ``U(a, b)`` weights, constant biases."""

    def __init__(self, a: float = 0, b: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a, self.b = a, b

    def init_module(self, module: nn.Module) -> None:
        uniform_init(module, self.a, self.b, self.bias)

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: a={self.a}, b={self.b}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name=["Kaiming", "KaimingInit"])
class KaimingInit(BaseInit):
    """Kaiming weights (``distribution`` ``'normal'`` or ``'uniform'``), constant biases."""

    def __init__(
        self,
        a: float = 0,
        mode: str = "fan_out",
        nonlinearity: str = "relu",
        distribution: str = "normal",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check_distribution(distribution)
        if mode not in ("fan_in", "fan_out"):
            raise ValueError(
                f"{type(self).__name__}: mode must be 'fan_in' or 'fan_out', got {mode!r}"
            )
        self.a, self.mode, self.nonlinearity, self.distribution = (
            a,
            mode,
            nonlinearity,
            distribution,
        )

    def init_module(self, module: nn.Module) -> None:
        kaiming_init(module, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)

    def _get_init_info(self) -> str:
        return (
            f"{type(self).__name__}: a={self.a}, mode={self.mode}, nonlinearity="
            f"{self.nonlinearity}, distribution={self.distribution}, bias={self.bias}"
        )


@WEIGHT_INITIALIZERS.register_module(name=["Caffe2Xavier", "Caffe2XavierInit"])
class Caffe2XavierInit(KaimingInit):
    """Caffe2's Xavier: Kaiming uniform with ``a=1``, ``fan_in``, ``leaky_relu``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            a=1, mode="fan_in", nonlinearity="leaky_relu", distribution="uniform", **kwargs
        )


@WEIGHT_INITIALIZERS.register_module(name=["Pretrained", "PretrainedInit"])
class PretrainedInit:
    """Load weights from a checkpoint (any path or URL that ``mme.fileio`` reads).

    The file is loaded with ``torch.load(weights_only=True)``: tensors and plain containers
    only, no code runs. A ``state_dict`` key is unwrapped, and a ``module.`` prefix (saved from
    a DDP model) is stripped.

    Args:
        checkpoint: the checkpoint's path or URL.
        prefix: load only the keys under this prefix (e.g. ``'backbone.'``), without it.
        map_location: where the tensors are loaded.
    """

    def __init__(
        self, checkpoint: str, prefix: str | None = None, map_location: str | None = "cpu"
    ) -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location
        self.wholemodule = False

    def __call__(self, module: nn.Module) -> None:
        state_dict = load_weights(self.checkpoint, self.map_location)
        if self.prefix is not None:
            prefix = self.prefix if self.prefix.endswith(".") else self.prefix + "."
            picked = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
            if not picked:
                tops = sorted({k.split(".")[0] + "." for k in state_dict})
                raise ValueError(
                    f"Pretrained: no key of {self.checkpoint} starts with prefix {prefix!r} "
                    f"(its prefixes: {', '.join(tops[:10])}).{did_you_mean(prefix, tops)}"
                )
            state_dict = picked
        result = module.load_state_dict(state_dict, strict=False)
        if result.missing_keys:
            _logger.warning(
                "Pretrained %s: missing keys in the checkpoint: %s",
                self.checkpoint,
                ", ".join(result.missing_keys),
            )
        if result.unexpected_keys:
            _logger.warning(
                "Pretrained %s: unexpected keys in the checkpoint: %s",
                self.checkpoint,
                ", ".join(result.unexpected_keys),
            )
        update_init_info(module, self._get_init_info())

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: load from {self.checkpoint}"


def load_weights(checkpoint: str, map_location: str | None = "cpu") -> dict[str, Tensor]:
    """The state dict of a checkpoint, read through ``mme.fileio``, loaded ``weights_only``."""
    from mme.fileio import get

    raw = get(checkpoint)
    loaded = torch.load(io.BytesIO(raw), map_location=map_location, weights_only=True)
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping):
        raise TypeError(
            f"Pretrained: {checkpoint} holds a {type(loaded).__name__}, not a state dict."
        )
    return {(k[len("module.") :] if k.startswith("module.") else k): v for k, v in loaded.items()}


# ----------------------------------------------------------------------- initialize


def _build_initializer(cfg: Mapping[str, Any]) -> Callable[[nn.Module], None]:
    if not isinstance(cfg, Mapping):
        raise TypeError(f"init_cfg entries must be dicts, got {type(cfg).__name__}: {cfg!r}")
    if "type" not in cfg:
        raise KeyError(
            f"init_cfg {dict(cfg)} has no 'type': name an initializer such as 'Kaiming', "
            "'Constant' or 'Pretrained'."
        )
    return WEIGHT_INITIALIZERS.build(dict(cfg))


def _initialize(
    module: nn.Module, cfg: Mapping[str, Any], wholemodule: bool = False, has_override: bool = False
) -> None:
    func = _build_initializer(cfg)
    func.wholemodule = wholemodule  # type: ignore[attr-defined]
    if isinstance(func, BaseInit):
        func.has_override = has_override
    func(module)


def _initialize_override(module: nn.Module, override: Any, cfg: Mapping[str, Any]) -> None:
    if not isinstance(override, (dict, list)):
        raise TypeError(
            "override must be a dict or a list of dicts, "
            f"got {type(override).__name__}: {override!r}"
        )
    for entry in [override] if isinstance(override, dict) else override:
        entry = copy.deepcopy(entry)
        name = entry.pop("name", None)
        if name is None:
            raise ValueError(
                f"override must contain the key 'name' (an attribute of the module), got {entry}"
            )
        if not entry:  # only a name: the initializer of the enclosing cfg
            entry.update(cfg)
        elif "type" not in entry:
            raise ValueError(f"override {dict(entry, name=name)} needs a 'type' key besides 'name'")
        target = getattr(module, name, None)
        if not isinstance(target, nn.Module):
            children = [child for child, _ in module.named_children()]
            raise ValueError(
                f"init_cfg override name={name!r} names no submodule of {type(module).__name__} "
                f"(its submodules: {', '.join(children) or 'none'}).{did_you_mean(name, children)}"
            )
        _initialize(target, entry, wholemodule=True)


def initialize(module: nn.Module, init_cfg: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Initialise ``module`` as ``init_cfg`` (a dict or a list of dicts) says.

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Linear(1, 2))
        >>> initialize(net, dict(type='Constant', layer='Linear', val=1, bias=2))
        >>> net[1].bias.tolist()
        [2.0, 2.0]

    Raises:
        ValueError: a ``layer`` or ``override`` names nothing in ``module`` (the message
            lists what it holds, with a "did you mean").
    """
    if not isinstance(init_cfg, (dict, list)):
        raise TypeError(
            "init_cfg must be a dict or a list of dicts, "
            f"got {type(init_cfg).__name__}: {init_cfg!r}"
        )
    for cfg in [init_cfg] if isinstance(init_cfg, dict) else init_cfg:
        if not isinstance(cfg, dict):
            raise TypeError(f"init_cfg entries must be dicts, got {type(cfg).__name__}: {cfg!r}")
        cp_cfg = copy.deepcopy(cfg)
        override = cp_cfg.pop("override", None)
        _initialize(module, cp_cfg, has_override=override is not None)
        if override is not None:
            cp_cfg.pop("layer", None)
            _initialize_override(module, override, cp_cfg)
