"""Writing a config as Python source: deterministic, readable, no formatter needed.

Each top-level key becomes ``key = value``. A value that fits on its line is
written on one line; a longer dict, list or tuple is split one item per line, each
item indented by four spaces and followed by a comma. Dicts whose keys are all
identifiers are written ``dict(a=1)``, others ``{'a-b': 1}``. Classes, functions
and lazy imports are written as names, with the import statements they need at
the top of the file.
"""

from __future__ import annotations

import keyword
import math
from typing import Any

from mme.config.errors import ConfigError
from mme.config.lazy import LazyObject

LINE_WIDTH = 79
_SCALARS = (str, int, float, bool, type(None), bytes, complex)


class _Imports:
    """The import statements needed by the names written so far, and writing options."""

    def __init__(self) -> None:
        self.dict_calls = True
        self.bound: dict[str, tuple[str, str]] = {}  # local name -> (module, attribute)

    def name_for(self, module: str, attr: str) -> str:
        local = attr
        n = 1
        while local in self.bound and self.bound[local] != (module, attr):
            local = f"{attr}_{n}"
            n += 1
        self.bound[local] = (module, attr)
        return local

    def module_name(self, module: str) -> str:
        local = module.replace(".", "_")
        self.bound[local] = (module, "")
        return local

    def lines(self) -> list[str]:
        out = []
        for local, (module, attr) in sorted(self.bound.items(), key=lambda i: (i[1], i[0])):
            if not attr:
                out.append(f"import {module}" if module == local else f"import {module} as {local}")
            elif local == attr:
                out.append(f"from {module} import {attr}")
            else:
                out.append(f"from {module} import {attr} as {local}")
        return out


class _Unwritable(Exception):
    """A value that is neither built-in nor importable by name."""

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


def _is_identifier(key: Any) -> bool:
    # ASCII only: Python NFKC-normalises other identifiers ("Ĳ" reads back as "IJ").
    return (
        isinstance(key, str) and key.isascii() and key.isidentifier() and not keyword.iskeyword(key)
    )


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "1e999" if value > 0 else "-1e999"  # literals: immune to shadowed names
    return repr(value)


def _name(value: Any, imports: _Imports) -> str:
    if isinstance(value, LazyObject):
        if not value.attrs:
            return imports.module_name(value.module)
        local = imports.name_for(value.module, value.attrs[0])
        return ".".join((local, *value.attrs[1:]))
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", "")
    if not module or "<" in qualname or module == "__mme_config__":
        raise _Unwritable(value)
    head, _, rest = qualname.partition(".")
    local = imports.name_for(module, head)
    return f"{local}.{rest}" if rest else local


class _Writer:
    """Formats one config; each container's one-line form is computed once."""

    def __init__(self, imports: _Imports) -> None:
        self.imports = imports
        self.flat_of: dict[int, str] = {}
        self.as_call: dict[int, bool] = {}

    def call_style(self, value: dict[Any, Any]) -> bool:
        style = self.as_call.get(id(value))
        if style is None:
            style = self.imports.dict_calls and bool(value) and all(map(_is_identifier, value))
            self.as_call[id(value)] = style
        return style

    def flat(self, value: Any) -> str:
        if isinstance(value, _SCALARS):
            return _scalar(value)
        cached = self.flat_of.get(id(value))
        if cached is not None:
            return cached
        flat = self.flat
        if isinstance(value, dict):
            if self.call_style(value):
                text = "dict(" + ", ".join(f"{k}={flat(v)}" for k, v in dict.items(value)) + ")"
            else:
                inner = ", ".join(f"{flat(k)}: {flat(v)}" for k, v in dict.items(value))
                text = "{" + inner + "}"
        elif isinstance(value, list):
            text = "[" + ", ".join(map(flat, value)) + "]"
        elif isinstance(value, tuple):
            text = "(" + ", ".join(map(flat, value)) + ("," if len(value) == 1 else "") + ")"
        elif isinstance(value, (set, frozenset)):
            inner = ", ".join(sorted(map(flat, value)))
            if isinstance(value, set):
                text = "{" + inner + "}" if value else "set()"
            else:
                text = "frozenset({" + inner + "})" if value else "frozenset()"
        else:
            text = _name(value, self.imports)
        self.flat_of[id(value)] = text
        return text

    def block(self, value: Any, indent: int, used: int) -> str:
        flat = self.flat(value)
        if indent + used + len(flat) <= LINE_WIDTH or not value:
            return flat
        pad = " " * (indent + 4)
        if isinstance(value, dict):
            as_call = self.call_style(value)
            lines = []
            for k, v in dict.items(value):
                head = f"{k}=" if as_call else f"{self.flat(k)}: "
                lines.append(f"{pad}{head}{self.block(v, indent + 4, len(head) + 1)},")
            open_, close = ("dict(", ")") if as_call else ("{", "}")
        elif isinstance(value, (list, tuple)):
            lines = [f"{pad}{self.block(v, indent + 4, 1)}," for v in value]
            open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        else:
            return flat
        return open_ + "\n" + "\n".join(lines) + "\n" + " " * indent + close


def _find(data: Any, target: Any, path: str) -> str | None:
    """The dotted path of ``target`` (by identity) inside ``data``, for error messages."""
    if data is target:
        return path
    if isinstance(data, dict):
        items = [(f"{path}.{k}", v) for k, v in dict.items(data)]
    elif isinstance(data, (list, tuple)):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(data)]
    else:
        return None
    for sub_path, value in items:
        found = _find(value, target, sub_path)
        if found:
            return found
    return None


def format_python(data: dict[str, Any]) -> str:
    """The config ``data`` as the text of a Python config file.

    Raises:
        ConfigError: A top-level key is not a valid variable name, or a value cannot
            be written (an object that is neither built-in nor importable by name).
    """
    imports = _Imports()
    imports.dict_calls = "dict" not in data  # a top-level key named dict shadows dict()
    writer = _Writer(imports)
    body: list[str] = []
    for key, value in dict.items(data):
        if not _is_identifier(key) or key.startswith("__") or key == "_base_":
            raise ConfigError(
                f"cannot write top-level key {key!r} to a Python config: it is not a valid "
                "variable name, or is dropped when the file is read (write .json or .yaml)"
            )
        try:
            body.append(f"{key} = {writer.block(value, 0, len(key) + 3)}")
        except _Unwritable as err:
            where = _find(value, err.value, key) or key
            raise ConfigError(
                f"cannot write {where} = {err.value!r} to a Python config: a "
                f"{type(err.value).__name__} is not a built-in value and cannot be imported "
                "by name"
            ) from None
    header = imports.lines()
    if header:
        return "\n".join(header) + "\n\n" + "\n".join(body) + "\n"
    return "\n".join(body) + "\n" if body else ""
