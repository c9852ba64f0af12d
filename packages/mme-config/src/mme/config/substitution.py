"""Text substitutions made on a config file before it is parsed.

* predefined variables ``{{fileDirname}}``, ``{{fileBasename}}``,
  ``{{fileBasenameNoExtension}}``, ``{{fileExtname}}``;
* environment variables ``{{$NAME:default}}`` and the quoted forms
  ``{{'$NAME:default'}}`` / ``{{"$NAME:default"}}`` whose value is pasted unquoted,
  so that ``{{'$NUM_CLASSES:80'}}`` yields the int ``80`` while keeping the file
  valid Python;
* references ``{{_base_.key}}`` to values of the base configs, replaced by a
  placeholder string that `fill_placeholders` swaps for a copy of the value once the
  file is parsed.

Placeholders are made of a random token that does not occur in the file, so a
literal string of the user's can never be mistaken for one. In data-only mode,
environment variables use placeholders too: their values are inserted into the
parsed data as plain values, never as file text that the parser would read.
"""

from __future__ import annotations

import copy
import os
import os.path as osp
import re
from dataclasses import dataclass, field
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


@dataclass
class Placeholders:
    """Unique strings that stand, while a file is parsed, for values filled in after.

    Args:
        text: The file text; the token is chosen so that it does not occur in it.
    """

    text: str
    token: str = ""
    #: One entry per placeholder: ("base", dotted key) or ("env", value, quoted).
    entries: list[tuple[Any, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        token = f"mme_{os.urandom(6).hex()}"
        while token in self.text:  # practically never; cannot collide by construction
            token = f"mme_{os.urandom(6).hex()}"
        self.token = token
        self.pattern = re.compile(rf"{token}_(\d+)_")

    def add(self, *entry: Any) -> str:
        """A new placeholder for `entry`."""
        self.entries.append(entry)
        return f"{self.token}_{len(self.entries) - 1}_"

    def __bool__(self) -> bool:
        return bool(self.entries)


def _as_value(text: str, match: re.Match[str], placeholder: str) -> str:
    """`placeholder` quoted when the match is a value of its own, bare inside a string."""
    before = text[: match.start()].rstrip(" \t")
    yaml_item = before.endswith("-") and before.splitlines()[-1].strip() == "-"
    if not before or before[-1] in ":=[(,{\n" or yaml_item:
        return f'"{placeholder}"'
    return placeholder


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


def substitute_environment(
    text: str, path: str, used: dict[str, str], marks: Placeholders | None = None
) -> str:
    """Replace `{{$NAME:default}}` with the environment variable or the default.

    Args:
        text: The raw file content.
        path: The file, for error messages.
        used: Filled with the variables read and the values they took.
        marks: When given (data-only mode), each variable becomes a placeholder and its
            value is inserted after parsing, as a scalar: a value can never add keys.

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
        if marks is None:
            return value
        quoted = text[match.start() - 1 : match.start()] in ("'", '"')
        placeholder = marks.add("env", value, quoted)
        return placeholder if quoted else _as_value(text, match, placeholder)

    return _ENV.sub(replace, text)


def replace_base_references(text: str, marks: Placeholders) -> str:
    """Replace each `{{_base_.key}}` with a placeholder of `marks`.

    A reference that is a whole value becomes a quoted placeholder string (valid
    Python, JSON and YAML); one inside a string becomes the bare placeholder, later
    replaced by the value's text.
    """
    if "_base_" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        placeholder = marks.add("base", match.group("key"))
        if match.group("q"):
            return f'"{placeholder}"'
        return _as_value(text, match, placeholder)

    return _BASE_REF.sub(replace, text)


def lookup_dotted(data: Any, key: str, path: str) -> Any:
    """Return `data[k1][k2]...` for `key = "k1.k2..."` (list indices allowed)."""
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


def env_scalar(value: str) -> Any:
    """An environment value as a config value: an int, float or bool when it reads as
    one (`"80"` -> 80), else the string itself, whatever it contains."""
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def fill_placeholders(value: Any, marks: Placeholders, base: dict[str, Any], path: str) -> Any:
    """Swap the placeholders of `marks` in the parsed `value` for what they stand for."""
    if not marks:
        return value

    def resolve(number: int, whole: bool) -> Any:
        entry = marks.entries[number]
        if entry[0] == "base":
            found = lookup_dotted(base, entry[1], path)
            return copy.deepcopy(found) if whole else str(found)
        _, text, quoted = entry
        return env_scalar(text) if whole and not quoted else text

    if isinstance(value, str):
        if marks.token not in value:
            return value
        whole = marks.pattern.fullmatch(value)
        if whole:
            return resolve(int(whole.group(1)), True)
        return marks.pattern.sub(lambda m: str(resolve(int(m.group(1)), False)), value)
    if isinstance(value, dict):
        for k, v in list(dict.items(value)):
            dict.__setitem__(value, k, fill_placeholders(v, marks, base, path))
        return value
    if isinstance(value, list):
        return [fill_placeholders(v, marks, base, path) for v in value]
    if isinstance(value, tuple):
        return tuple(fill_placeholders(v, marks, base, path) for v in value)
    return value
