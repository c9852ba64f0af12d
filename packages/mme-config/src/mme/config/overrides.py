"""Command-line overrides: ``--cfg-options key=value`` and ``merge_from_dict``."""

from __future__ import annotations

import argparse
import copy
from collections.abc import Sequence
from typing import Any

from mme.config._suggest import did_you_mean
from mme.config.errors import ConfigError, ConfigKeyError
from mme.config.merge import merge_into

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

    Values are parsed by :func:`parse_value` (int, float, bool, None, str, lists and
    tuples, nested). Giving the option several times accumulates the pairs, like
    ``action="extend"``.
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
    allow_new_keys: bool = False,
) -> list[tuple[str, ...]]:
    """Set dotted keys of ``options`` in ``data`` (in place); returns the paths set.

    A dict value merges into an existing dict (``_delete_`` works as in files). A key
    that starts with ``+`` may create a key that does not exist yet.

    Raises:
        ConfigKeyError: A key does not exist (and new keys are not allowed), with the
            closest existing keys suggested.
        ConfigError: A list index is out of range or list keys are not allowed.
    """
    from mme.config.config_dict import ConfigDict

    done: list[tuple[str, ...]] = []
    for full_key, value in options.items():
        create = allow_new_keys or full_key.startswith("+")
        key = full_key.lstrip("+")
        parts = key.split(".")
        node: Any = data
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            here = ".".join(parts[: i + 1])
            if isinstance(node, list):
                if not allow_list_keys:
                    raise ConfigError(
                        f"override {key!r}: {'.'.join(parts[:i])!r} is a list; pass "
                        "allow_list_keys=True to index it"
                    )
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(
                        f"override {key!r}: index {part!r} is not valid for the list "
                        f"{'.'.join(parts[:i])!r} of length {len(node)}"
                    )
                index = int(part)
                if last:
                    node[index] = ConfigDict._hook(value)
                else:
                    node = node[index]
                continue
            if not isinstance(node, dict):
                raise ConfigError(
                    f"override {key!r}: {'.'.join(parts[:i])!r} is a {type(node).__name__}, "
                    "not a dict, so it has no keys"
                )
            if part not in node:
                if not create:
                    raise ConfigKeyError(
                        f"override {key!r}: the config has no key {here!r}."
                        f"{did_you_mean(part, node.keys())} (to add a new key write "
                        f"'+{key}=...' or pass allow_new_keys=True)"
                    )
                if not last:
                    dict.__setitem__(node, part, ConfigDict())
            if last:
                merge_into({part: ConfigDict._hook(copy.deepcopy(value))}, node)
            else:
                node = dict.__getitem__(node, part)
        done.append(tuple(parts))
    return done
