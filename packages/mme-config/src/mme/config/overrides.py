"""Command-line overrides: ``--cfg-options key=value`` and ``merge_from_dict``."""

from __future__ import annotations

import argparse
import copy
import logging
from collections.abc import Sequence
from typing import Any

from mme.config._suggest import close_matches
from mme.config.config_dict import ConfigDict
from mme.config.errors import ConfigError, ConfigKeyError, ConfigTypeError
from mme.config.merge import merge_into

_logger = logging.getLogger("mme.config")

_CLOSING = {"[": "]", "(": ")"}


def parse_scalar(text: str) -> Any:
    """``"1"`` -> 1, ``"0.1"`` -> 0.1, ``"true"`` -> True, ``"None"`` -> None, else str.

    Surrounding quotes are removed from strings: ``"'a b'"`` -> ``"a b"``.
    """
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _split_top_level(text: str, where: str) -> list[str]:
    """Split at commas that are not inside brackets or quotes."""
    parts: list[str] = []
    depth: list[str] = []
    quote = ""
    start = 0
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in _CLOSING:
            depth.append(_CLOSING[char])
        elif char in ")]":
            if not depth or depth.pop() != char:
                raise ConfigError(f"{where}: unbalanced {char!r} in {text!r}")
        elif char == "," and not depth:
            parts.append(text[start:i])
            start = i + 1
    if depth or quote:
        raise ConfigError(f"{where}: unclosed {(depth or [quote])[-1]!r} in {text!r}")
    parts.append(text[start:])
    return parts


def parse_value(text: str, where: str = "value") -> Any:
    """Parse an override value: a scalar, ``a,b``, ``[a,b]``, ``(a,b)`` or nested lists.

    Args:
        text: The text after ``=``.
        where: The key being set, for error messages.
    """
    text = text.strip()
    if text[:1] in _CLOSING and text[-1:] == _CLOSING[text[0]]:
        inner = text[1:-1].strip()
        items = [] if not inner else _split_top_level(inner, where)
        if items and not items[-1].strip():
            items.pop()  # a trailing comma: "(1,)"
        values = [parse_value(item, where) for item in items]
        return values if text[0] == "[" else tuple(values)
    if "," in text and text[:1] not in "'\"":
        return [parse_value(item, where) for item in _split_top_level(text, where)]
    return parse_scalar(text)


class DictAction(argparse.Action):
    """argparse action: ``KEY=VALUE`` pairs into a dict, e.g. ``--cfg-options lr=0.1``.

    Values are parsed by `parse_value` (int, float, bool, None, str, lists and
    tuples, nested). Giving the option several times accumulates the pairs, like
    `action="extend"`.

    Scripts that use it should offer a flag for `Config.merge_from_dict(...,
    strict=True)`, which refuses new keys that look like typos; `add_strict_flag`
    adds the conventional `--strict-cfg-options`.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        items = [values] if isinstance(values, str) else list(values or [])
        for item in items:
            key, sep, value = str(item).partition("=")
            if not sep or not key:
                parser.error(
                    f"argument {option_string or self.dest}: {item!r} is not KEY=VALUE "
                    "(example: optimizer.lr=0.01)"
                )
            options[key.strip()] = parse_value(value, key.strip())
        setattr(namespace, self.dest, options)


def apply_overrides(
    data: dict[str, Any],
    options: dict[str, Any],
    allow_list_keys: bool = True,
    strict: bool = False,
) -> list[tuple[str, ...]]:
    """Set dotted keys of `options` in `data` (in place); returns the paths set.

    A dict value merges into an existing dict (`_delete_` works as in files). Keys
    that do not exist are added, as in MMEngine; a new key close to an existing
    sibling is reported (see `check_new_key`) unless written `+key`.

    Raises:
        ConfigKeyError: A list index is out of range, or, with `strict`, a new key is
            close to an existing one.
        ConfigTypeError: A list is indexed by a name, list keys are not allowed, or a
            key goes through a value that is neither a dict nor a list.
    """
    done: list[tuple[str, ...]] = []
    for full_key, value in options.items():
        on_purpose = full_key.startswith("+")
        parts = full_key.lstrip("+").split(".")
        node: Any = data
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                index = _list_index(node, parts, depth, allow_list_keys)
                if last:
                    node[index] = ConfigDict._hook(copy.deepcopy(value))
                else:
                    node = node[index]
                continue
            if not isinstance(node, dict):
                raise ConfigTypeError(
                    f"override {'.'.join(parts)!r}: {'.'.join(parts[:depth])!r} is a "
                    f"{type(node).__name__}, not a dict, so it has no keys"
                )
            if part not in node:
                if not on_purpose:
                    check_new_key(node, parts, depth, strict)
                    on_purpose = True  # below a new key, every key is new: no siblings
                if not last:
                    dict.__setitem__(node, part, ConfigDict())
            if last:
                merge_into({part: ConfigDict._hook(copy.deepcopy(value))}, node)
            else:
                node = dict.__getitem__(node, part)
        done.append(tuple(parts))
    return done


def _list_index(node: list[Any], parts: list[str], depth: int, allow_list_keys: bool) -> int:
    """The index `parts[depth]` into the list `node`, checked as MMEngine checks it."""
    key, where, part = ".".join(parts), ".".join(parts[:depth]), parts[depth]
    if not allow_list_keys:
        raise ConfigTypeError(
            f"override {key!r}: {where!r} is a list; pass allow_list_keys=True to index it"
        )
    if not part.isdigit():
        raise ConfigTypeError(
            f"override {key!r}: {where!r} is a list, indexed by numbers, not by {part!r}"
        )
    if int(part) >= len(node):
        raise ConfigKeyError(
            f"override {key!r}: index {part} is out of range for the list {where!r} of "
            f"length {len(node)}"
        )
    return int(part)


def check_new_key(node: dict[str, Any], parts: list[str], depth: int, strict: bool) -> None:
    """Warn (or, with `strict`, raise) when the new key `parts[depth]` looks like a typo
    of an existing sibling: `max_epoch` next to `max_epochs`."""
    part = parts[depth]
    close = close_matches(part, [k for k in node if isinstance(k, str)], n=1, cutoff=0.8)
    if not close:
        return
    prefix = ".".join(parts[:depth])
    existing = f"{prefix}.{close[0]}" if prefix else close[0]
    new = ".".join(parts[: depth + 1])
    message = (
        f"override {'.'.join(parts)!r} adds the new key {new!r}, next to the existing "
        f"{existing!r}. If that is a typo, override {existing!r}; to add {new!r} on "
        f"purpose, write '+{'.'.join(parts)}'"
    )
    if strict:
        raise ConfigKeyError(f"{message} (strict=True refuses it).")
    _logger.warning("%s.", message)


def add_strict_flag(parser: argparse.ArgumentParser) -> None:
    """Add `--strict-cfg-options` to a parser that takes `--cfg-options` (`DictAction`).

    Pass `args.strict_cfg_options` as `strict=` to `Config.merge_from_dict`.
    """
    parser.add_argument(
        "--strict-cfg-options",
        action="store_true",
        help="refuse a --cfg-options key that is new and close to an existing one "
        "(by default a warning is logged and the key is added)",
    )
