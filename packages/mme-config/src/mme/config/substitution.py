"""Text substitutions made on a config file before it is parsed.

* predefined variables ``{{fileDirname}}``, ``{{fileBasename}}``,
  ``{{fileBasenameNoExtension}}``, ``{{fileExtname}}``;
* environment variables ``{{$NAME:default}}`` and the quoted forms
  ``{{'$NAME:default'}}`` / ``{{"$NAME:default"}}`` whose value is pasted unquoted,
  so that ``{{'$NUM_CLASSES:80'}}`` yields the int ``80`` while keeping the file
  valid Python;
* references ``{{_base_.key}}`` to values of the base configs, replaced by a
  placeholder string that :func:`fill_base_references` swaps for a copy of the value
  once the file is parsed.
"""

from __future__ import annotations

import copy
import os
import os.path as osp
import re
from typing import Any

from mme.config._suggest import did_you_mean
from mme.config.errors import ConfigError

_PREDEFINED = re.compile(
    r"\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}"
)
_ENV = re.compile(
    r"\{\{\s*(?:(?P<q>['\"])\s*\$(?P<qname>\w+)\s*(?::(?P<qdef>.*?))?\s*(?P=q)"
    r"|\$(?P<name>\w+)\s*(?::(?P<default>.*?))?)\s*\}\}"
)
_BASE_REF = re.compile(r"(?P<q>['\"]?)\{\{\s*_base_\.(?P<key>[\w.]+)\s*\}\}(?P=q)")
_PLACEHOLDER = re.compile(r"_mme_base_ref_(\d+)_")


def substitute_predefined(text: str, path: str) -> str:
    """Replace the four predefined ``{{file...}}`` variables with parts of ``path``."""
    if "{{" not in text:
        return text
    dirname = osp.dirname(osp.abspath(path))
    basename = osp.basename(path)
    stem, ext = osp.splitext(basename)
    values = {
        "fileDirname": dirname,
        "fileBasename": basename,
        "fileBasenameNoExtension": stem,
        "fileExtname": ext,
    }
    if path.endswith(".py"):
        values = {k: v.replace("\\", "/") for k, v in values.items()}
    return _PREDEFINED.sub(lambda m: values[m.group(1)], text)


def substitute_environment(text: str, path: str, used: dict[str, str]) -> str:
    """Replace ``{{$NAME:default}}`` with the environment variable or the default.

    Args:
        text: The raw file content.
        path: The file, for error messages.
        used: Filled with the variables read and the values they took.

    Raises:
        ConfigError: A variable is unset and has no default.
    """
    if "{{" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group("qname") or match.group("name")
        default = match.group("qdef") if match.group("qname") else match.group("default")
        value = os.environ.get(name)
        if value is None:
            if default is None:
                line = text.count("\n", 0, match.start()) + 1
                raise ConfigError(
                    f"{path}:{line}: environment variable {name!r} is not set and "
                    f"{match.group(0)!r} gives no default (write {{{{${name}:default}}}})"
                )
            value = default.strip()
        used[name] = value
        return value

    return _ENV.sub(replace, text)


def replace_base_references(text: str) -> tuple[str, list[str]]:
    """Replace each ``{{_base_.key}}`` with a quoted placeholder string.

    A reference that is a whole value becomes the string ``"_mme_base_ref_<n>_"``
    (valid Python, JSON and YAML); one inside a string becomes the bare placeholder,
    later replaced by the value's text.

    Returns:
        The new text and the referenced keys, in placeholder order.
    """
    keys: list[str] = []
    if "_base_" not in text:
        return text, keys

    def replace(match: re.Match[str]) -> str:
        keys.append(match.group("key"))
        placeholder = f"_mme_base_ref_{len(keys) - 1}_"
        if match.group("q"):
            return f'"{placeholder}"'
        before = text[: match.start()].rstrip(" \t")
        yaml_item = before.endswith("-") and before.splitlines()[-1].strip() == "-"
        if not before or before[-1] in ":=[(,{\n" or yaml_item:
            return f'"{placeholder}"'  # a value of its own
        return placeholder  # inside a string: the value is pasted as text

    return _BASE_REF.sub(replace, text), keys


def lookup_dotted(data: Any, key: str, path: str) -> Any:
    """Return ``data[k1][k2]...`` for ``key = "k1.k2..."`` (list indices allowed)."""
    node = data
    done: list[str] = []
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = dict.__getitem__(node, part)
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            where = ".".join(done) or "the base configs"
            hint = did_you_mean(part, node.keys()) if isinstance(node, dict) else ""
            raise ConfigError(
                f"{path}: {{{{_base_.{key}}}}} refers to {part!r}, which {where} does not "
                f"define.{hint}"
            )
        done.append(part)
    return node


def fill_base_references(value: Any, keys: list[str], base: dict[str, Any], path: str) -> Any:
    """Swap the placeholders left by :func:`replace_base_references` for base values."""
    if not keys:
        return value
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return copy.deepcopy(lookup_dotted(base, keys[int(whole.group(1))], path))
        if "_mme_base_ref_" in value:
            return _PLACEHOLDER.sub(
                lambda m: str(lookup_dotted(base, keys[int(m.group(1))], path)), value
            )
        return value
    if isinstance(value, dict):
        for k, v in list(dict.items(value)):
            dict.__setitem__(value, k, fill_base_references(v, keys, base, path))
        return value
    if isinstance(value, list):
        return [fill_base_references(v, keys, base, path) for v in value]
    if isinstance(value, tuple):
        return tuple(fill_base_references(v, keys, base, path) for v in value)
    return value
