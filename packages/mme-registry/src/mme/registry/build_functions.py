"""``build_from_cfg``: the default way a registry turns a config into an object.

The config is copied, never modified; nested configs are passed to the constructor
unchanged (it builds them itself, under the scope this build switched to). Errors
raised by the constructor keep their type and traceback; the registry only adds
PEP 678 notes that say what was being built, and, for arguments that do not fit the
signature, which key is wrong and what would be accepted.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mme.registry._suggest import did_you_mean, qualified_name
from mme.registry.default_scope import DefaultScope
from mme.registry.errors import RegistryError, add_note

if TYPE_CHECKING:
    from mme.registry.registry import Registry

_logger = logging.getLogger("mme.registry")
_DEBUG = logging.DEBUG
_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class MissingTypeError(RegistryError):
    """A config to build has no ``type`` key (and ``default_args`` gives none)."""


def build_from_cfg(
    cfg: Any, registry: Registry, default_args: Mapping[str, Any] | None = None
) -> Any:
    """Build an object from ``cfg`` with ``registry``.

    Args:
        cfg: A mapping (dict, ``ConfigDict``, or a ``Config``) with a ``type`` key: a
            registered name, a ``scope.Name``, or a class/function. The other keys are
            keyword arguments; ``_scope_`` switches the default scope for this build and
            the builds nested in it.
        registry: The registry to build from.
        default_args: Keyword arguments used where ``cfg`` has no such key.

    Returns:
        The instance, or the function's return value.

    Raises:
        MissingTypeError: (a ``KeyError``) no ``type`` in ``cfg`` or ``default_args``.
        NotRegisteredError: (a ``KeyError``) ``type`` names nothing registered.
        TypeError: ``cfg`` is not a mapping, or ``type`` is neither a str nor callable.
    """
    if isinstance(registry, str) or not hasattr(registry, "switch_scope_and_registry"):
        raise TypeError(
            f"build_from_cfg: registry must be a Registry, got {type(registry).__name__}: "
            f"{registry!r}; pass the registry object (for example MODELS), not its name"
        )
    args: dict[str, Any] | None = cfg.copy() if type(cfg) is dict else _as_dict(cfg)
    if args is None:
        raise TypeError(
            f'Cannot build from the "{registry.name}" registry: the config must be a dict, '
            f"ConfigDict or Config, got {type(cfg).__name__}: {cfg!r}"
        )
    if default_args is not None:
        defaults = _as_dict(default_args)
        if defaults is None:
            raise TypeError(
                f'default_args for the "{registry.name}" registry must be a mapping (a dict, '
                f"ConfigDict or Config) or None, got {type(default_args).__name__}: "
                f"{default_args!r}"
            )
        for key, value in defaults.items():
            args.setdefault(key, value)
    scope = args.pop("_scope_", None)
    try:
        obj_type = args.pop("type")
    except KeyError:
        raise MissingTypeError(
            f'Cannot build from the "{registry.name}" registry: the config has no "type" key '
            f"(nor has default_args). Its keys: {', '.join(map(repr, args)) or 'none'}"
        ) from None
    if scope is None:
        return _build(registry, registry._registry_for_current_scope(), obj_type, args)
    if not isinstance(scope, str):
        raise TypeError(
            f'_scope_ must be a str (a scope name like "mmdet"), got {type(scope).__name__}: '
            f"{scope!r}"
        )
    with DefaultScope.overwrite_default_scope(scope):
        return _build(registry, registry._registry_for_current_scope(), obj_type, args)


def _as_dict(cfg: Any) -> dict[str, Any] | None:
    """A shallow plain-dict copy of a mapping or of a `Config`, else `None`.

    A `Config` is not a `Mapping`; it is recognised by what it offers (`to_dict`,
    iteration and item access), so that this package does not import mme.config.
    """
    if isinstance(cfg, Mapping) or (
        callable(getattr(cfg, "to_dict", None))
        and hasattr(cfg, "__iter__")
        and hasattr(cfg, "__getitem__")
    ):
        return {key: cfg[key] for key in cfg}
    return None


def _build(origin: Registry, registry: Registry, obj_type: Any, args: dict[str, Any]) -> Any:
    """Resolve ``obj_type`` in ``registry`` and call it with ``args``."""
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
    elif callable(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(
            f'"type" in a config for the "{origin.name}" registry must be a registered name '
            f"or a class/function, got {type(obj_type).__name__}: {obj_type!r}"
        )
    try:
        if isinstance(obj_cls, type) and getattr(obj_cls, "__mme_named_instances__", False):
            obj = obj_cls.get_instance(**args)  # type: ignore[attr-defined]
        else:
            obj = obj_cls(**args)
    except TypeError as error:
        explanation = _explain_arguments(obj_cls, obj_type, args)
        add_note(error, explanation or _context(origin, registry, obj_cls, obj_type))
        raise
    except Exception as error:
        add_note(error, _context(origin, registry, obj_cls, obj_type))
        raise
    if _logger.isEnabledFor(_DEBUG):
        if inspect.isclass(obj_cls) or inspect.isfunction(obj_cls) or inspect.ismethod(obj_cls):
            _logger.debug(
                "An `%s` instance is built from registry, its implementation can be found in %s",
                obj_cls.__name__,
                obj_cls.__module__,
            )
        else:
            _logger.debug(
                "An instance is built from registry, and its constructor is a callable object"
            )
    return obj


def _label(obj_cls: Any, obj_type: Any) -> str:
    """How a message names what was built: ``'SGD' (torch.optim.sgd.SGD)``."""
    where = qualified_name(obj_cls)
    if isinstance(obj_type, str):
        return f"{obj_type!r} ({where})"
    return where


def _context(origin: Registry, registry: Registry, obj_cls: Any, obj_type: Any) -> str:
    """The note added to any error raised while constructing an object."""
    via = ""
    if registry is not origin:
        via = f', looked up in "{registry.scope}"'
    return (
        f"mme.registry: raised while building {_label(obj_cls, obj_type)} from the "
        f'"{origin.name}" registry in "{origin.scope}"{via}'
    )


def _explain_arguments(obj_cls: Any, obj_type: Any, args: dict[str, Any]) -> str | None:
    """If ``args`` do not fit ``obj_cls``'s signature, say which keys are wrong.

    Returns ``None`` when the signature cannot be read or the arguments fit it (then
    the ``TypeError`` came from inside the constructor and is not about the config).
    """
    try:
        signature = inspect.signature(obj_cls)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(**args)
    except TypeError:
        pass
    else:
        return None
    params = signature.parameters
    accepted = [n for n, p in params.items() if p.kind in _KEYWORD_KINDS]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    label = _label(obj_cls, obj_type)
    lines = []
    if not takes_any:
        for key in args:
            if key not in accepted:
                lines.append(
                    f"mme.registry: {label} got the unknown argument {key!r} from the config."
                    f"{did_you_mean(key, [a for a in accepted if a not in args])}"
                )
    missing = [
        n
        for n, p in params.items()
        if p.default is inspect.Parameter.empty
        and p.kind in (*_KEYWORD_KINDS, inspect.Parameter.POSITIONAL_ONLY)
        and n not in args
    ]
    if missing:
        lines.append(
            f"mme.registry: {label} needs the argument(s) {', '.join(map(repr, missing))}, "
            "which the config does not give."
        )
    if not lines:
        return None
    shown = ", ".join(accepted) + (", **kwargs" if takes_any else "")
    lines.append(f"{label} accepts: {shown or '(no arguments)'}")
    return "\n".join(lines)
