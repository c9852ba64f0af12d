"""YAML files: PyYAML's safe loader and dumper (the C versions when available)."""

from __future__ import annotations

from typing import IO, Any

import yaml

from mme.fileio.errors import FileParseError
from mme.fileio.handlers.base import BaseFileHandler, source_name

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class YamlHandler(BaseFileHandler):
    """YAML: ``.yaml``/``.yml`` files. Keyword arguments go to ``yaml.load`` / ``yaml.dump``.

    Loading is safe by default (no arbitrary Python objects); pass ``Loader=`` to
    choose another loader and ``Dumper=`` another dumper.
    """

    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
        """Parse the file; a syntax error names the file, line and column."""
        kwargs.setdefault("Loader", SafeLoader)
        try:
            return yaml.load(file, **kwargs)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            reason = ": ".join(p for p in (err.context, err.problem) if p) or str(err)
            raise FileParseError(
                reason,
                source=source_name(file),
                line=mark.line + 1 if mark is not None else None,
                column=mark.column + 1 if mark is not None else None,
                file_format="yaml",
            ) from err
        except yaml.YAMLError as err:
            raise FileParseError(str(err), source=source_name(file), file_format="yaml") from err

    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
        """Write ``obj`` as YAML."""
        kwargs.setdefault("Dumper", SafeDumper)
        yaml.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        """Return ``obj`` as a YAML string."""
        kwargs.setdefault("Dumper", SafeDumper)
        return str(yaml.dump(obj, **kwargs))
