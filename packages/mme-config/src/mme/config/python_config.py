"""Reading Python config files: find the bases, make imports lazy, run the code.

A Python config is executed. Before it runs, its syntax tree is rewritten:

* ``_base_ = [...]`` is read (it must be a literal) and removed;
* ``with read_base(): from .base import *`` blocks are read as base imports and
  removed (their names are bound before the code runs);
* top-level ``import`` statements of non-standard-library modules become
  `LazyObject` bindings, so that parsing imports nothing.
"""

from __future__ import annotations

import ast
import builtins
import copy
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from mme.config.config_dict import ConfigDict
from mme.config.errors import ConfigError
from mme.config.lazy import LazyObject

_STDLIB = frozenset(sys.stdlib_module_names)


def _imported_for_real(module: str) -> bool:
    """Standard-library modules and mme.config itself are imported while parsing."""
    return (
        module.split(".")[0] in _STDLIB
        or module == "__future__"
        or module == "mme.config"
        or module.startswith("mme.config.")
    )


_EMPTY = compile("", "<empty>", "exec")


@dataclass
class BaseImport:
    """One ``from <module> import <names>`` inside ``with read_base():``."""

    module: str
    level: int
    names: list[tuple[str, str]]  # (name, bound as); [("*", "*")] for a star import
    lineno: int


@dataclass
class PythonConfigSource:
    """A parsed, rewritten Python config, ready to execute."""

    path: str
    code: types.CodeType
    bases: list[str] = field(default_factory=list)
    base_imports: list[BaseImport] = field(default_factory=list)
    lazy_names: dict[str, LazyObject] = field(default_factory=dict)
    #: Names bound by real (standard-library) imports: name -> (module, attribute).
    imported_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    uses_base_object: bool = False
    has_base_refs: bool = False


def _syntax_error(path: str, err: SyntaxError) -> ConfigError:
    line = (err.text or "").rstrip()
    caret = f"\n    {line}" if line else ""
    return ConfigError(f"{path}:{err.lineno}: invalid Python syntax: {err.msg}{caret}")


def _is_read_base(node: ast.stmt) -> bool:
    if not isinstance(node, ast.With) or len(node.items) != 1:
        return False
    expr = node.items[0].context_expr
    func = expr.func if isinstance(expr, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == "read_base") or (
        isinstance(func, ast.Attribute) and func.attr == "read_base"
    )


def _is_base_assignment(node: ast.stmt) -> bool:
    """Whether `node` is `_base_ = ...`."""
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "_base_"
    )


def _literal_bases(node: ast.Assign, path: str) -> list[str]:
    """The file names of `_base_ = 'a.py'` or `_base_ = ['a.py', ...]` (literals only)."""
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError):
        raise ConfigError(
            f"{path}:{node.lineno}: _base_ must be a file name or a list of file names "
            "written as literals"
        ) from None
    bases = [value] if isinstance(value, str) else value
    if not isinstance(bases, (list, tuple)) or not all(isinstance(b, str) for b in bases):
        raise ConfigError(f"{path}:{node.lineno}: _base_ must be a str or a list of str")
    return list(bases)


def _base_imports(node: ast.With, path: str) -> list[BaseImport]:
    """The `from <config module> import ...` statements of a `with read_base():` block."""
    imports = []
    for stmt in node.body:
        if not isinstance(stmt, ast.ImportFrom):
            raise ConfigError(
                f"{path}:{stmt.lineno}: only 'from <config module> import ...' "
                "statements are allowed inside 'with read_base():'"
            )
        names = [(a.name, a.asname or a.name) for a in stmt.names]
        imports.append(BaseImport(stmt.module or "", stmt.level, names, stmt.lineno))
    return imports


def _lazy_assign(name: str, module: str, attrs: tuple[str, ...], node: ast.stmt) -> ast.Assign:
    call = ast.Call(
        func=ast.Name(id="__mme_lazy__", ctx=ast.Load()),
        args=[ast.Constant(module), ast.Tuple([ast.Constant(a) for a in attrs], ast.Load())],
        keywords=[],
    )
    assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=call)
    return ast.fix_missing_locations(ast.copy_location(assign, node))


def parse_python_config(text: str, path: str, has_base_refs: bool = False) -> PythonConfigSource:
    """Parse and rewrite a Python config (see the module docstring).

    Args:
        text: The config's source, after substitutions.
        path: The file, for messages.
        has_base_refs: Whether `{{_base_.key}}` placeholders were put in the text.

    Raises:
        ConfigError: Invalid syntax, a non-literal `_base_`, or an import that
            cannot be made lazy; the message gives the file and line.
    """
    has_refs = has_base_refs
    try:
        if "_base_" not in text and "import" not in text and "read_base" not in text:
            # Nothing to rewrite: compile the text directly (one pass instead of two).
            code = compile(text, path, "exec")
            return PythonConfigSource(path=path, code=code, has_base_refs=has_refs)
        tree = ast.parse(text, filename=path)
    except SyntaxError as err:
        raise _syntax_error(path, err) from None
    source = PythonConfigSource(path=path, code=_EMPTY, has_base_refs=has_refs)
    body: list[ast.stmt] = []
    for node in tree.body:
        if _is_base_assignment(node):
            assert isinstance(node, ast.Assign)
            source.bases.extend(_literal_bases(node, path))
        elif _is_read_base(node):
            assert isinstance(node, ast.With)
            source.base_imports.extend(_base_imports(node, path))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            body.extend(_rewrite_import(node, path, source))
        else:
            body.append(node)
    if source.bases and source.base_imports:
        raise ConfigError(
            f"{path}: use either '_base_ = [...]' or 'with read_base():', not both in one file"
        )
    tree.body = body
    if source.bases and text.count("_base_") > 1:  # used beyond "_base_ = [...]"
        source.uses_base_object = any(
            isinstance(n, ast.Name) and n.id == "_base_" for n in ast.walk(tree)
        )
    source.code = compile(tree, path, "exec")
    return source


def _rewrite_import(
    node: ast.Import | ast.ImportFrom, path: str, source: PythonConfigSource
) -> list[ast.stmt]:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            raise ConfigError(
                f"{path}:{node.lineno}: relative import 'from {'.' * node.level}"
                f"{node.module or ''} import ...' outside 'with read_base():'; import base "
                "configs inside a 'with read_base():' block"
            )
        module = node.module or ""
        if _imported_for_real(module):
            for alias in node.names:
                source.imported_names[alias.asname or alias.name] = (module, alias.name)
            return [node]
        out: list[ast.stmt] = []
        for alias in node.names:
            if alias.name == "*":
                raise ConfigError(
                    f"{path}:{node.lineno}: 'from {module} import *' cannot be imported lazily; "
                    "import the names you use explicitly"
                )
            bound = alias.asname or alias.name
            source.lazy_names[bound] = LazyObject(module, (alias.name,))
            out.append(_lazy_assign(bound, module, (alias.name,), node))
        return out
    out = []
    for alias in node.names:
        if _imported_for_real(alias.name):
            out.append(ast.copy_location(ast.Import(names=[alias]), node))
        elif alias.asname:
            source.lazy_names[alias.asname] = LazyObject(alias.name)
            out.append(_lazy_assign(alias.asname, alias.name, (), node))
        else:
            root = alias.name.split(".")[0]
            source.lazy_names[root] = LazyObject(root)
            out.append(_lazy_assign(root, root, (), node))
    return out


def _error_line(err: BaseException, path: str) -> int | None:
    line = None
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def execute_python_config(
    source: PythonConfigSource, base: dict[str, Any], names: dict[str, Any]
) -> dict[str, Any]:
    """Run the config and return its top-level variables.

    Args:
        source: The parsed config.
        base: The merged ``_base_`` content, visible to the code as ``_base_``.
        names: Variables bound by ``with read_base():`` imports.

    Raises:
        ConfigError: The code raised; the message gives the file and line.
    """
    namespace: dict[str, Any] = {
        "__builtins__": builtins,
        "__file__": source.path,
        "__name__": "__mme_config__",
        "__mme_lazy__": LazyObject,
    }
    if source.uses_base_object:
        namespace["_base_"] = ConfigDict(copy.deepcopy(base))
    namespace.update(names)
    try:
        exec(source.code, namespace)
    except Exception as err:
        line = _error_line(err, source.path)
        where = f"{source.path}:{line}" if line else source.path
        hint = ""
        if source.has_base_refs and isinstance(err, TypeError) and "'str'" in str(err):
            hint = (
                " (a {{_base_.key}} reference is a placeholder string while the file runs; "
                "to change a base value in a Python config write 'x = _base_.key' instead)"
            )
        raise ConfigError(
            f"{where}: error while running the config: {type(err).__name__}: {err}{hint}"
        ) from err
    result: dict[str, Any] = {}
    lazy = source.lazy_names
    for key, value in namespace.items():
        if key.startswith("__") or key == "_base_":
            continue
        if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
            continue
        if key in lazy and isinstance(value, LazyObject) and value == lazy[key]:
            continue
        if key in source.imported_names and value is _imported(*source.imported_names[key]):
            continue  # `from collections import OrderedDict`: an import, not a config key
        result[key] = value
    return result


def _imported(module: str, name: str) -> Any:
    """What `from module import name` bound, or a fresh object when it is gone."""
    return getattr(sys.modules.get(module), name, object())
