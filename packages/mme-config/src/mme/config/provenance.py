"""Where a config value comes from (``Config.explain``) and how two configs differ.

Positions are found only when asked for, by walking each source file again, so
that loading a config does not pay for them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

Path = tuple[Any, ...]
#: path -> (line, True when the statement set the whole subtree at that path)
Positions = dict[Path, tuple[int, bool]]


@dataclass(frozen=True)
class Origin:
    """One place that set a value: a file and line, or a runtime override."""

    file: str
    line: int | None
    text: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}  {self.text}".rstrip()


@dataclass
class Explanation:
    """The value of a key and every place that set it, the effective one last."""

    key: str
    value: Any
    origins: list[Origin] = field(default_factory=list)

    @property
    def origin(self) -> Origin | None:
        """The place whose setting is in effect (``None``: set by code at run time)."""
        return self.origins[-1] if self.origins else None

    def __str__(self) -> str:
        lines = [f"{self.key} = {self.value!r}"]
        if not self.origins:
            lines.append("  set at run time (no config file sets it)")
        for i, origin in enumerate(reversed(self.origins)):
            lines.append(f"  {'set by   ' if i == 0 else 'overrides'} {origin}")
        return "\n".join(lines)


def _literal_key(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    return None


def _target_path(node: ast.expr) -> Path | None:
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        head = _target_path(node.value)
        return None if head is None else (*head, node.attr)
    if isinstance(node, ast.Subscript):
        head = _target_path(node.value)
        key = _literal_key(node.slice)
        return None if head is None or key is None else (*head, key)
    return None


def _dict_items(node: ast.expr) -> list[tuple[Any, ast.expr, int]] | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "dict"
        and not node.args
    ):
        return [(kw.arg, kw.value, kw.lineno) for kw in node.keywords if kw.arg]
    if isinstance(node, ast.Dict):
        return [
            (_literal_key(k), v, k.lineno)
            for k, v in zip(node.keys, node.values, strict=True)
            if k is not None and _literal_key(k) is not None
        ]
    return None


def _record_value(path: Path, value: ast.expr, line: int, out: Positions) -> None:
    items = _dict_items(value)
    deletes = items is not None and any(k == "_delete_" for k, _, _ in items)
    out[path] = (line, items is None or deletes)
    for key, sub, sub_line in items or []:
        if key != "_delete_":
            _record_value((*path, key), sub, sub_line, out)


def python_positions(text: str) -> Positions:
    """Positions of the keys a Python config sets (assignments, ``x.update(...)``)."""
    out: Positions = {}
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return out
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                path = _target_path(target)
                if path is not None and path[0] != "_base_" and node.value is not None:
                    _record_value(path, node.value, node.lineno, out)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "update"
        ):
            path = _target_path(node.value.func.value)
            if path is not None:
                for kw in node.value.keywords:
                    if kw.arg:
                        _record_value((*path, kw.arg), kw.value, kw.lineno, out)
    return out


def data_positions(text: str) -> Positions:
    """Positions of the keys a YAML or JSON config sets (JSON read as YAML)."""
    import yaml  # PyYAML: imported only to explain YAML files

    out: Positions = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def walk(node: Any, path: Path) -> None:
        if not isinstance(node, yaml.MappingNode):
            return
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "_base_":
                continue
            key: Any = key_node.value
            if key.isdigit() and key_node.style is None:
                key = int(key)
            sub = (*path, key)
            whole = not isinstance(value_node, yaml.MappingNode) or any(
                k.value == "_delete_" for k, _ in value_node.value
            )
            out[sub] = (key_node.start_mark.line + 1, whole)
            walk(value_node, sub)

    walk(root, ())
    return out


def origins_of(path: Path, sources: list[Any], overrides: list[Path]) -> list[Origin]:
    """Every place in ``sources`` (merge order) and ``overrides`` that set ``path``."""
    found: list[Origin] = []
    for source in sources:
        positions = (
            python_positions(source.text)
            if source.format == "python"
            else (data_positions(source.text))
        )
        lines = source.text.splitlines()
        for i in range(len(path), 0, -1):
            hit = positions.get(path[:i])
            if hit is not None and (i == len(path) or hit[1]):
                line = hit[0]
                text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
                found.append(Origin(source.path, line, text))
                break
    for override in overrides:
        if override[: len(path)] == path or path[: len(override)] == override:
            found.append(Origin("merge_from_dict", None, ".".join(map(str, override))))
    return found


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists and empty dicts are leaves."""
    out: dict[str, Any] = {}
    if isinstance(value, dict) and value:
        for key, sub in dict.items(value):
            out.update(flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
    else:
        out[prefix] = value
    return out


def diff_text(a: dict[str, Any], b: dict[str, Any]) -> str:
    """One line per changed key: ``- key = old``, ``+ key = new``, ``~ key: old -> new``."""
    left, right = flatten(a), flatten(b)
    lines = []
    for key in [*left, *(k for k in right if k not in left)]:
        if key not in right:
            lines.append(f"- {key} = {left[key]!r}")
        elif key not in left:
            lines.append(f"+ {key} = {right[key]!r}")
        elif type(left[key]) is not type(right[key]) or left[key] != right[key]:
            lines.append(f"~ {key}: {left[key]!r} -> {right[key]!r}")
    return "\n".join(lines)
