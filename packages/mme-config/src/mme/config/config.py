"""`Config`: a config tree read from a file or built from a dict."""

from __future__ import annotations

import copy
import importlib
import os
import os.path as osp
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from mme.config._suggest import did_you_mean
from mme.config.config_dict import ConfigDict
from mme.config.errors import ConfigError, ConfigKeyError, CustomImportError
from mme.config.formats import FORMATS, file_format
from mme.config.python_format import format_python

if TYPE_CHECKING:
    from mme.config.loading import LoadedConfig
    from mme.config.provenance import Explanation

# Three parts are imported where they are first needed, because their own imports
# (ast and dataclasses for reading files, argparse for overrides, PyYAML for data
# files) would more than double the time of `import mme.config` (target: < 50 ms, see
# tools/benchmarks/bench_config.py). None of them imports this module: no cycle hides.

_RESERVED = frozenset({"filename", "text", "pretty_text", "env_variables"})


class Config:
    """A config: a `ConfigDict` tree, the file it came from and how it was built.

    Read values as attributes or items (`cfg.optimizer.lr`, `cfg['optimizer']`);
    nested dicts are `ConfigDict`.

    Args:
        cfg_dict: The content; a plain dict is converted to `ConfigDict`.
        cfg_text: The source text, if the content was read from one.
        filename: The file the content was read from, shown by `repr`.
        env_variables: Environment variables that were substituted into the text.
        format_python_code: Accepted for MMEngine compatibility; the Python text is
            always formatted (no external formatter is used).

    Without `cfg_text`, `text` is the content of `filename` when that file exists.
    """

    def __init__(
        self,
        cfg_dict: dict[str, Any] | None = None,
        cfg_text: str | None = None,
        filename: str | None = None,
        env_variables: dict[str, str] | None = None,
        format_python_code: bool = True,
    ) -> None:
        if cfg_dict is None:
            cfg_dict = {}
        elif not isinstance(cfg_dict, dict):
            raise TypeError(f"Config needs a dict, got {type(cfg_dict).__name__}")
        for key in cfg_dict:
            if key in _RESERVED:
                raise ConfigKeyError(
                    f"{filename or 'config'}: {key!r} is a reserved key of Config "
                    f"(reserved: {', '.join(sorted(_RESERVED))})"
                )
        content = cfg_dict if type(cfg_dict) is ConfigDict else ConfigDict(cfg_dict)
        if cfg_text is None and filename is not None and osp.isfile(filename):
            cfg_text = _read_text(str(filename))
        object.__setattr__(self, "_cfg_dict", content)
        object.__setattr__(self, "_filename", None if filename is None else str(filename))
        object.__setattr__(self, "_text", cfg_text or "")
        object.__setattr__(self, "_env_variables", dict(env_variables or {}))
        object.__setattr__(self, "_sources", [])
        object.__setattr__(self, "_overrides", [])

    # ------------------------------------------------------------------ reading
    @staticmethod
    def fromfile(
        filename: str | os.PathLike[str],
        use_predefined_variables: bool = True,
        import_custom_modules: bool = True,
        use_environment_variables: bool = True,
        data_only: bool = False,
        format_python_code: bool = True,
        allowed_base_dirs: Iterable[str | os.PathLike[str]] = (),
    ) -> Config:
        """Read a .py, .json, .yaml or .yml config with everything it inherits.

        Args:
            filename: A path, or `pkg::path` for a config shipped in an installed
                package (its values get `_scope_='pkg'`).
            use_predefined_variables: Substitute `{{fileDirname}}` and friends.
            import_custom_modules: Import the modules in `custom_imports`.
            use_environment_variables: Substitute `{{$NAME:default}}`.
            data_only: For untrusted input: refuse Python configs (which run code)
                anywhere in the inheritance chain, refuse `custom_imports`, read bases
                only inside the folder of `filename` (and `allowed_base_dirs`), and
                insert environment variables as plain values, never as file text.
            format_python_code: Accepted for MMEngine compatibility (see `Config`).
            allowed_base_dirs: With `data_only`, more folders whose files may be bases.

        Raises:
            ConfigError: The file, a base or a value is invalid; the message names
                the file (and line where known). An unsupported extension or a folder
                is a `ConfigFileTypeError`, also an `OSError` as in MMEngine.
        """
        from mme.config.loading import ConfigLoader  # ast, dataclasses: see the top

        name = str(filename)
        loader = ConfigLoader(
            use_predefined_variables,
            use_environment_variables,
            data_only,
            allowed_base_dirs=[str(d) for d in allowed_base_dirs],
        )
        loaded = loader.load_file(name)
        text = loaded.sources[-1].text if loaded.sources else ""
        return Config._finish(loaded.data, text, name, loaded, import_custom_modules, data_only)

    @staticmethod
    def fromstring(cfg_str: str, file_format: str, data_only: bool = False) -> Config:
        """Read a config from text; `file_format` is `.py`, `.json`, `.yaml` or `.yml`.

        Relative `_base_` paths are resolved from the current directory (with
        `data_only`, bases must lie inside it).
        """
        ext = file_format if file_format.startswith(".") else f".{file_format}"
        if ext not in FORMATS:
            raise ConfigError(
                f"unsupported config format {file_format!r}; use one of {', '.join(FORMATS)}"
            )
        from mme.config.loading import ConfigLoader  # ast, dataclasses: see the top

        loader = ConfigLoader(data_only=data_only)
        loaded = loader.load_text(cfg_str, FORMATS[ext], f"<string>{ext}")
        return Config._finish(loaded.data, cfg_str, None, loaded, True, data_only)

    @staticmethod
    def _finish(
        data: dict[str, Any],
        text: str,
        filename: str | None,
        loaded: LoadedConfig,
        import_custom_modules: bool,
        data_only: bool,
    ) -> Config:
        imports = data.get("custom_imports")
        if imports:
            if data_only:
                raise ConfigError(
                    f"{filename or 'config'}: custom_imports imports code and is refused "
                    "with data_only=True"
                )
            if import_custom_modules:
                import_modules(imports, filename or "config")
        try:
            cfg = Config(data, text, filename, loaded.env_variables)
        except RecursionError:
            raise ConfigError(
                f"{filename or 'config'}: the config is nested too deeply to read"
            ) from None
        object.__setattr__(cfg, "_sources", loaded.sources)
        return cfg

    # -------------------------------------------------------------- properties
    @property
    def filename(self) -> str | None:
        """The path of the file this config was read from (as given)."""
        return self._filename

    @property
    def text(self) -> str:
        """The source text of the config file (after substitutions)."""
        return self._text

    @property
    def env_variables(self) -> dict[str, str]:
        """The environment variables substituted into the files, with their values."""
        return dict(self._env_variables)

    @property
    def pretty_text(self) -> str:
        """The merged config as the text of a standalone Python config file."""
        return format_python(self._cfg_dict)

    # ----------------------------------------------------------------- writing
    def dump(self, file: str | os.PathLike[str] | None = None) -> str | None:
        """Write the merged, standalone config; the extension picks the format.

        Args:
            file: Target path (.py, .json, .yaml, .yml). `None` returns the text in
                the format of the file the config was read from (Python by default).

        Returns:
            The text when `file` is `None`, else `None`.
        """
        if file is None:
            fmt = "python"
            if self._filename and osp.splitext(self._filename)[1].lower() in FORMATS:
                fmt = file_format(self._filename)
            return self._format(fmt)
        text = self._format(file_format(str(file)))
        with open(file, "w", encoding="utf-8") as f:
            f.write(text)
        return None

    def _format(self, fmt: str) -> str:
        if fmt == "python":
            return self.pretty_text
        # data_formats imports PyYAML, which only dumping and loading data files need.
        from mme.config.data_formats import dump_json, dump_yaml

        return dump_json(self._cfg_dict) if fmt == "json" else dump_yaml(self._cfg_dict)

    # --------------------------------------------------------------- overrides
    def merge_from_dict(
        self,
        options: dict[str, Any],
        allow_list_keys: bool = True,
        strict: bool = False,
    ) -> None:
        """Override values by dotted keys, e.g. `{"optimizer.lr": 0.1}`.

        As in MMEngine, a key that does not exist yet is added. To catch typos, a new
        key that is close to an existing sibling (`max_epoch` next to `max_epochs`)
        logs a warning naming both; `strict=True` makes that an error. A key written
        `+a.b` is meant to be new: it never warns.

        Args:
            options: Dotted key -> value. Digits index lists (`"pipeline.0.type"`).
                A dict value merges into the existing dict.
            allow_list_keys: Allow list indices in keys.
            strict: Raise instead of warning when a new key looks like a typo.

        Raises:
            ConfigKeyError: (a `KeyError`) a list index is out of range, or, with
                `strict`, a new key is close to an existing one.
            ConfigTypeError: (a `TypeError`) a list is indexed by a name, or list keys
                are not allowed.
        """
        from mme.config.overrides import apply_overrides  # argparse: see the top

        paths = apply_overrides(self._cfg_dict, options, allow_list_keys, strict)
        self._overrides.extend(paths)

    # -------------------------------------------------------------- provenance
    def explain(self, key: str) -> Explanation:
        """The value of dotted `key` and the file:line of every setting of it.

        The last origin is the one in effect; earlier ones were overridden along the
        inheritance chain (bases first).

        Examples:
            >>> print(cfg.explain("optimizer.lr"))  # doctest: +SKIP
            optimizer.lr = 0.01
              set by    configs/resnet50_lr0.01.py:3  optimizer = dict(lr=0.01)
              overrides configs/optimizer_cfg.py:1  optimizer = dict(type='SGD', lr=0.02, ...)
        """
        # provenance is needed only to explain; it stays out of `import mme.config`.
        from mme.config.provenance import Explanation, origins_of

        node: Any = self._cfg_dict
        path: list[Any] = []
        for part in key.split("."):
            if isinstance(node, dict):
                if part not in node:
                    found = ".".join(map(str, path)) or "the config"
                    raise ConfigKeyError(
                        f"explain({key!r}): {found} has no key {part!r}."
                        f"{did_you_mean(part, node.keys())}"
                    )
                path.append(part)
                node = dict.__getitem__(node, part)
            elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                path.append(int(part))
                node = node[int(part)]
            else:
                raise ConfigKeyError(f"explain({key!r}): cannot look up {part!r} in {node!r}")
        origins = origins_of(tuple(path), self._sources, self._overrides)
        return Explanation(key, node, origins)

    @staticmethod
    def diff(cfg1: Config | dict[str, Any], cfg2: Config | dict[str, Any]) -> str:
        """The keys that differ between two configs, one per line (dotted keys).

        `- key = v` only in the first, `+ key = v` only in the second,
        `~ key: v1 -> v2` changed. Empty when the configs are equal.
        """
        # provenance is needed only to compare; it stays out of `import mme.config`.
        from mme.config.provenance import diff_text

        a = cfg1._cfg_dict if isinstance(cfg1, Config) else cfg1
        b = cfg2._cfg_dict if isinstance(cfg2, Config) else cfg2
        return diff_text(a, b)

    # ------------------------------------------------------------ dict access
    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the content as plain dicts and lists.

        Lazily imported objects of a Python config become their dotted names
        (`{'type': 'torch.optim.SGD'}`), as in MMEngine.
        """
        return self._cfg_dict.to_dict()

    def copy(self) -> Config:
        """A shallow copy: a `Config` with the same file, text and a copy of the top level."""
        return self.__copy__()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            content = self.__dict__.get("_cfg_dict")
            if content is None or name.startswith("__"):
                raise AttributeError(name)
        else:
            content = self._cfg_dict
        try:
            return getattr(content, name)
        except AttributeError:
            raise AttributeError(
                f"{self._filename or 'config'} has no key {name!r}."
                f"{did_you_mean(name, content.keys())}"
            ) from None

    def __getitem__(self, name: str) -> Any:
        return self._cfg_dict[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _RESERVED:
            raise AttributeError(f"Config.{name} is read-only (and a reserved key)")
        setattr(self._cfg_dict, name, value)

    def __setitem__(self, name: str, value: Any) -> None:
        self._cfg_dict[name] = value

    def __delattr__(self, name: str) -> None:
        delattr(self._cfg_dict, name)

    def __delitem__(self, name: str) -> None:
        del self._cfg_dict[name]

    def __contains__(self, name: object) -> bool:
        return name in self._cfg_dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._cfg_dict)

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return dict.__eq__(self._cfg_dict, other._cfg_dict)
        if isinstance(other, dict):
            return dict.__eq__(self._cfg_dict, other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Config (path: {self._filename}): {self._cfg_dict!r}"

    def __copy__(self) -> Config:
        new = Config.__new__(Config)
        new.__dict__.update(self.__dict__)
        object.__setattr__(new, "_cfg_dict", self._cfg_dict.copy())
        object.__setattr__(new, "_overrides", list(self._overrides))
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Config:
        new = Config.__new__(Config)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            object.__setattr__(new, key, copy.deepcopy(value, memo))
        return new

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)


def import_modules(custom_imports: Any, filename: str) -> None:
    """Import the modules of a `custom_imports` setting.

    Args:
        custom_imports: `dict(imports=[...], allow_failed_imports=False)`.
        filename: The config, for error messages.

    Raises:
        ConfigError: The setting is malformed.
        CustomImportError: (an `ImportError`) a module cannot be imported and
            `allow_failed_imports` is false.
    """
    if not isinstance(custom_imports, dict) or "imports" not in custom_imports:
        raise ConfigError(
            f"{filename}: custom_imports must be dict(imports=[...], allow_failed_imports=False)"
        )
    modules = custom_imports["imports"]
    if isinstance(modules, str):
        modules = [modules]
    if not isinstance(modules, (list, tuple)) or not all(isinstance(m, str) for m in modules):
        raise ConfigError(f"{filename}: custom_imports.imports must be a list of module names")
    allow_failed = bool(custom_imports.get("allow_failed_imports", False))
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as err:
            if not allow_failed:
                raise CustomImportError(
                    f"{filename}: custom_imports cannot import {module!r}: {err}"
                ) from err
            import logging  # only to warn about a skipped import

            logging.getLogger("mme.config").warning(
                "%s: custom_imports: skipped %r (%s)", filename, module, err
            )


def _read_text(path: str) -> str:
    """The text of `path`, or `""` when it cannot be read as UTF-8 text."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return ""


__all__ = ["Config", "import_modules"]
