"""Loading a config file and, recursively, the base files it inherits from."""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mme.config._suggest import did_you_mean
from mme.config.config_dict import ConfigDict
from mme.config.errors import ConfigError, ConfigFileTypeError
from mme.config.formats import file_format
from mme.config.merge import inject_scope, merge_into, strip_delete
from mme.config.packages import module_config_file, package_config_file, split_package_path
from mme.config.python_config import execute_python_config, parse_python_config
from mme.config.substitution import (
    Placeholders,
    fill_placeholders,
    replace_base_references,
    substitute_environment,
    substitute_predefined,
)

BASE_KEY = "_base_"


@dataclass
class SourceFile:
    """One file read while loading a config: its path, format and substituted text."""

    path: str
    format: str
    text: str


@dataclass
class LoadedConfig:
    """The merged content of a config file and every file that went into it."""

    data: dict[str, Any]
    sources: list[SourceFile] = field(default_factory=list)
    env_variables: dict[str, str] = field(default_factory=dict)


class ConfigLoader:
    """Reads config files with the chosen substitutions and safety level.

    Args:
        use_predefined_variables: Substitute ``{{fileDirname}}`` and friends.
        use_environment_variables: Substitute ``{{$NAME:default}}``.
        data_only: For untrusted input: refuse Python configs anywhere in the
            inheritance chain (loading never runs code from the files), read bases
            only inside the first file's folder tree and `allowed_base_dirs`, and
            insert environment values as plain values.
        allowed_base_dirs: With `data_only`, more folders whose files may be bases.
    """

    def __init__(
        self,
        use_predefined_variables: bool = True,
        use_environment_variables: bool = True,
        data_only: bool = False,
        allowed_base_dirs: Sequence[str] = (),
    ) -> None:
        self.use_predefined = use_predefined_variables
        self.use_environment = use_environment_variables
        self.data_only = data_only
        self.allowed_dirs = [osp.realpath(d) for d in allowed_base_dirs]
        self.result = LoadedConfig(data={})

    def load_file(self, filename: str) -> LoadedConfig:
        """Load ``filename`` (a path or ``pkg::path``) with all its bases."""
        scope = None
        if split_package_path(filename):
            path, scope = package_config_file(filename, filename)
        else:
            path = filename
            if osp.isdir(path):
                raise ConfigFileTypeError(
                    f"{filename}: is a folder, not a config file; give the path of a "
                    f".py, .json, .yaml or .yml file in it"
                )
            if not osp.isfile(path):
                raise ConfigError(f"config file {filename!r} not found.{_close_files(path)}")
        self.allowed_dirs.append(osp.dirname(osp.realpath(path)))
        data = self._load(path, (), scope)
        self.result.data = data
        return self.result

    def load_text(self, text: str, fmt: str, path: str) -> LoadedConfig:
        """Load config text in format ``fmt``; ``path`` names it and anchors its bases."""
        self.allowed_dirs.append(osp.realpath(osp.dirname(path) or "."))
        self.result.data = self._load_text(text, fmt, path, ())
        return self.result

    def _read(self, path: str) -> str:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except UnicodeDecodeError as err:
            line = _line_of_byte(path, err.start)
            raise ConfigError(
                f"{path}:{line}: not UTF-8 text ({err.reason} at byte {err.start}); save the "
                "config as UTF-8"
            ) from None
        except OSError as err:
            raise ConfigError(f"cannot read config file {path!r}: {err.strerror}") from None

    def _check_inside(self, base_path: str, name: str, path: str) -> None:
        """In data-only mode, refuse a base outside the allowed folder trees."""
        if not self.data_only:
            return
        real = osp.realpath(base_path)
        if any(osp.commonpath([real, folder]) == folder for folder in self.allowed_dirs):
            return
        raise ConfigError(
            f"{path}: _base_ {name!r} ({real}) is outside the config's folder, which "
            "data_only=True does not read; pass allowed_base_dirs=[...] to allow its folder"
        )

    def _load(self, path: str, stack: tuple[str, ...], scope: str | None) -> dict[str, Any]:
        fmt = file_format(path)
        real = osp.realpath(path)
        if real in stack:
            chain = " -> ".join([*stack[stack.index(real) :], real])
            raise ConfigError(f"{path}: circular _base_ inheritance: {chain}")
        data = self._load_text(self._read(path), fmt, path, (*stack, real))
        return inject_scope(data, scope) if scope else data

    def _load_text(self, text: str, fmt: str, path: str, stack: tuple[str, ...]) -> dict[str, Any]:
        if self.data_only and fmt == "python":
            raise ConfigError(
                f"{path}: Python configs run code and are refused with data_only=True; "
                "use a .json or .yaml config"
            )
        if self.use_predefined:
            text = substitute_predefined(text, path)
        marks = Placeholders(text)
        if self.use_environment:
            env_marks = marks if self.data_only else None
            text = substitute_environment(text, path, self.result.env_variables, env_marks)
        text = replace_base_references(text, marks)
        source = SourceFile(path, fmt, text)
        try:
            if fmt == "python":
                data = self._load_python(text, path, stack, marks)
            else:
                data = self._load_data(text, fmt, path, stack, marks)
        except RecursionError:
            raise ConfigError(f"{path}: the config is nested too deeply to read") from None
        self.result.sources.append(source)
        return data

    def _load_data(
        self, text: str, fmt: str, path: str, stack: tuple[str, ...], marks: Placeholders
    ) -> dict[str, Any]:
        # data_formats imports PyYAML, which Python configs do not need.
        from mme.config.data_formats import load_json, load_yaml

        data = load_json(text, path) if fmt == "json" else load_yaml(text, path)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(
                f"{path}: a config file must hold a mapping of keys to values, "
                f"not a {type(data).__name__}"
            )
        bases = data.pop(BASE_KEY, [])
        if isinstance(bases, str):
            bases = [bases]
        if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
            raise ConfigError(f"{path}: _base_ must be a file name or a list of file names")
        base = self._load_bases(bases, path, stack)
        data = fill_placeholders(data, marks, base, path)
        return merge_into(data, base) if bases else strip_delete(data)

    def _load_python(
        self, text: str, path: str, stack: tuple[str, ...], marks: Placeholders
    ) -> dict[str, Any]:
        source = parse_python_config(text, path, has_base_refs=bool(marks))
        base = self._load_bases(source.bases, path, stack)
        names: dict[str, Any] = {}
        for imp in source.base_imports:
            base_path = module_config_file(imp.module, imp.level, path)
            content = self._load(base_path, stack, None)
            if imp.names == [("*", "*")]:
                names.update(content)
                continue
            for name, bound in imp.names:
                if name not in content:
                    raise ConfigError(
                        f"{path}:{imp.lineno}: base config {base_path} defines no {name!r}."
                        f"{did_you_mean(name, content)}"
                    )
                names[bound] = content[name]
        names = {k: ConfigDict._hook(v) for k, v in names.items()}
        data = execute_python_config(source, base, names)
        data = fill_placeholders(data, marks, base, path)
        if source.base_imports:
            return strip_delete(data)
        return merge_into(data, base) if source.bases else strip_delete(data)

    def _load_bases(self, bases: list[str], path: str, stack: tuple[str, ...]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        origin: dict[str, str] = {}
        folder = osp.dirname(path)
        for name in bases:
            scope = None
            if split_package_path(name):
                base_path, scope = package_config_file(name, path)
            else:
                base_path = osp.join(folder, osp.expanduser(name))
                if not osp.isfile(base_path):
                    raise ConfigError(
                        f"{path}: _base_ file {name!r} not found (looked for {base_path})."
                        f"{_close_files(base_path)}"
                    )
            self._check_inside(base_path, name, path)
            content = self._load(base_path, stack, scope)
            for key in content:
                if key in origin:
                    raise ConfigError(
                        f"{path}: key {key!r} is defined in two _base_ files, {origin[key]!r} "
                        f"and {name!r}; define it in one base only, or set it in "
                        f"{osp.basename(path)!r} itself"
                    )
                origin[key] = name
            merged.update(content)
        return merged


def _close_files(path: str) -> str:
    """A "did you mean" hint from the files next to the missing ``path``."""
    folder = osp.dirname(path) or "."
    siblings = os.listdir(folder) if osp.isdir(folder) else []
    return did_you_mean(osp.basename(path), siblings)


def _line_of_byte(path: str, offset: int) -> int:
    """The 1-based line of byte `offset` in the file `path`."""
    with open(path, "rb") as f:
        return f.read(offset).count(b"\n") + 1
