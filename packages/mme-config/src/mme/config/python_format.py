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


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "1e999" if value > 0 else "-1e999"  # literals: immune to shadowed names
    return repr(value)


def _name(value: Any, imports: _Imports, where: str) -> str:
    if isinstance(value, LazyObject):
        if not value.attrs:
            return imports.module_name(value.module)
        local = imports.name_for(value.module, value.attrs[0])
        return ".".join((local, *value.attrs[1:]))
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", "")
    if not module or "<" in qualname or module == "__mme_config__":
        raise ConfigError(
            f"cannot write {where} = {value!r} to a Python config: a {type(value).__name__} is "
            "not a built-in value and cannot be imported by name"
        )
    head, _, rest = qualname.partition(".")
    local = imports.name_for(module, head)
    return f"{local}.{rest}" if rest else local


def _flat(value: Any, imports: _Imports, where: str) -> str:
    if isinstance(value, _SCALARS):
        return _scalar(value, where)
    if isinstance(value, dict):
        items = list(dict.items(value))
        if items and imports.dict_calls and all(_is_identifier(k) for k, _ in items):
            inner = ", ".join(f"{k}={_flat(v, imports, f'{where}.{k}')}" for k, v in items)
            return f"dict({inner})"
        inner = ", ".join(
            f"{_flat(k, imports, where)}: {_flat(v, imports, f'{where}.{k}')}" for k, v in items
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        parts = [_flat(v, imports, f"{where}[{i}]") for i, v in enumerate(value)]
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, tuple):
        parts = [_flat(v, imports, f"{where}[{i}]") for i, v in enumerate(value)]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()" if isinstance(value, set) else "frozenset()"
        inner = ", ".join(sorted(_flat(v, imports, where) for v in value))
        return "{" + inner + "}" if isinstance(value, set) else "frozenset({" + inner + "})"
    return _name(value, imports, where)


def _format(value: Any, indent: int, used: int, imports: _Imports, where: str) -> str:
    flat = _flat(value, imports, where)
    if indent + used + len(flat) <= LINE_WIDTH or not value:
        return flat
    pad = " " * (indent + 4)
    lines: list[str] = []
    if isinstance(value, dict):
        items = list(dict.items(value))
        as_call = imports.dict_calls and all(_is_identifier(k) for k, _ in items)
        for k, v in items:
            head = f"{k}=" if as_call else f"{_flat(k, imports, where)}: "
            body = _format(v, indent + 4, len(head) + 1, imports, f"{where}.{k}")
            lines.append(f"{pad}{head}{body},")
        open_, close = ("dict(", ")") if as_call else ("{", "}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            lines.append(f"{pad}{_format(v, indent + 4, 1, imports, f'{where}[{i}]')},")
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    else:
        return flat
    return open_ + "\n" + "\n".join(lines) + "\n" + " " * indent + close


def format_python(data: dict[str, Any]) -> str:
    """The config ``data`` as the text of a Python config file.

    Raises:
        ConfigError: A top-level key is not a valid variable name, or a value cannot
            be written (an object that is neither built-in nor importable by name).
    """
    imports = _Imports()
    body: list[str] = []
    imports.dict_calls = "dict" not in data  # a top-level key named dict shadows dict()
    for key, value in dict.items(data):
        if not _is_identifier(key) or key.startswith("__") or key == "_base_":
            raise ConfigError(
                f"cannot write top-level key {key!r} to a Python config: it is not a valid "
                "variable name, or is dropped when the file is read (write .json or .yaml)"
            )
        body.append(f"{key} = {_format(value, 0, len(key) + 3, imports, key)}")
    header = imports.lines()
    if header:
        return "\n".join(header) + "\n\n" + "\n".join(body) + "\n"
    return "\n".join(body) + "\n" if body else ""
