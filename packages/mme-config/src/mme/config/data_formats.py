"""Reading and writing the data formats, JSON and YAML (YAML with a safe loader)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from mme.config.config_dict import to_plain
from mme.config.errors import ConfigError
from mme.config.lazy import LazyObject

_TUPLE_TAG = "tag:yaml.org,2002:python/tuple"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class ConfigYamlLoader(_BaseLoader):
    """PyYAML's safe loader, plus tuples and floats written like `1e-5`.

    It constructs only plain data (no Python objects): safe for untrusted files.
    """


def _construct_tuple(loader: Any, node: Any) -> tuple[Any, ...]:
    return tuple(loader.construct_sequence(node, deep=True))


ConfigYamlLoader.add_constructor(_TUPLE_TAG, _construct_tuple)
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
ConfigYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789")
)


class ConfigYamlDumper(_BaseDumper):
    """PyYAML's safe dumper that also writes ConfigDict, tuples and imported names."""


def _represent_dict(dumper: Any, data: dict[Any, Any]) -> Any:
    return dumper.represent_dict(dict(dict.items(data)))


def _represent_tuple(dumper: Any, data: tuple[Any, ...]) -> Any:
    return dumper.represent_sequence(_TUPLE_TAG, list(data))


def _represent_name(dumper: Any, data: Any) -> Any:
    return dumper.represent_str(object_name(data))


# The dumper must quote the strings that the loader would read as floats.
ConfigYamlDumper.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789")
)
ConfigYamlDumper.add_multi_representer(dict, _represent_dict)
ConfigYamlDumper.add_representer(tuple, _represent_tuple)
ConfigYamlDumper.add_representer(
    set, lambda dumper, data: dumper.represent_list(sorted(data, key=repr))
)
ConfigYamlDumper.add_representer(
    frozenset, lambda dumper, data: dumper.represent_list(sorted(data, key=repr))
)
ConfigYamlDumper.add_representer(LazyObject, _represent_name)
ConfigYamlDumper.add_multi_representer(type, _represent_name)


def object_name(obj: Any) -> str:
    """`module.qualname` of a class, function or lazy import."""
    if isinstance(obj, LazyObject):
        return obj.dotted_name
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module is None or qualname is None:
        raise TypeError(f"cannot write {obj!r} ({type(obj).__name__}) to a config file")
    return f"{module}.{qualname}"


_PLAIN = (str, int, float, bool, type(None), LazyObject, type)


def check_writable(value: Any, where: str, fmt: str) -> None:
    """Raise `ConfigError` naming the first key whose value JSON/YAML cannot hold."""
    if isinstance(value, dict):
        for k, v in dict.items(value):
            check_writable(v, f"{where}.{k}" if where else str(k), fmt)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, v in enumerate(value):
            check_writable(v, f"{where}[{i}]", fmt)
    elif not isinstance(value, _PLAIN):
        raise ConfigError(
            f"cannot write {where} = {value!r} to {fmt}: a {type(value).__name__} is not a "
            "built-in value"
        )


#: Aliases may expand a YAML document to at most this many nodes (and 10 times the
#: nodes written): an "alias bomb" of 300 bytes would otherwise expand to 9**8.
MAX_EXPANDED_NODES = 1_000_000


def _expanded_size(node: Any, sizes: dict[int, int], path: str, written: int) -> int:
    """How many nodes `node` stands for once every alias is expanded; raises as soon as
    the document grows past the limit. Each distinct node is measured once."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a recursive alias counts once
    size = 1
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [item for pair in node.value for item in pair]
    else:
        children = []
    limit = max(MAX_EXPANDED_NODES, 10 * written)
    for child in children:
        size += _expanded_size(child, sizes, path, written)
        if size > limit:
            raise ConfigError(
                f"{path}: YAML aliases expand the document beyond {limit} values "
                "(an alias bomb?); refusing to load it"
            )
    sizes[id(node)] = size
    return size


def load_yaml(text: str, path: str) -> Any:
    """Parse YAML text safely; errors give `path:line`.

    Aliases are measured before any object is built, so a document whose aliases
    expand it beyond `MAX_EXPANDED_NODES` fails fast with an error naming `path`.
    """
    loader = ConfigYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        sizes: dict[int, int] = {}
        _expanded_size(node, sizes, path, text.count("\n") + 1)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {err.problem or err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: invalid YAML: {err}") from None
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply to read") from None
    finally:
        loader.dispose()


def load_json(text: str, path: str) -> Any:
    """Parse JSON text; errors give `path:line:column`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    except RecursionError:
        raise ConfigError(f"{path}: JSON nested too deeply to read") from None


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    return object_name(obj)


def dump_json(data: dict[str, Any]) -> str:
    """One-line JSON in insertion order (tuples become lists: JSON has no tuple)."""
    check_writable(data, "", "JSON")
    return json.dumps(to_plain(data), default=_json_default, ensure_ascii=False)


def dump_yaml(data: dict[str, Any]) -> str:
    """Block-style YAML with sorted keys (where keys can be sorted)."""
    check_writable(data, "", "YAML")
    text: str = yaml.dump(
        data, Dumper=ConfigYamlDumper, sort_keys=True, allow_unicode=True, default_flow_style=False
    )
    return text
