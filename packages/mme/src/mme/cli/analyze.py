"""``mme analyze TARGET --shape 3 224 224``: FLOPs, activations and parameters of a model.

TARGET is one of:

- ``package.module:attr`` or ``path/to/file.py:attr``: ``attr`` is an ``nn.Module``, a
  module class (built without arguments) or a function returning a module;
- a config file (``.py``, ``.yaml``, ``.json``) with a ``model`` dict: the model is built
  through ``mme.registry.MODELS`` (types from ``custom_imports``, and mme.runner's models
  when mme-runner is installed).

torch and mme.analysis are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from mme.cli.commands import install_hint


class TargetError(Exception):
    """The model to analyse could not be found or built; the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add TARGET, ``--shape`` (repeatable) and the output switches to ``parser``."""
    parser.add_argument(
        "target",
        metavar="CONFIG_OR_PYTHON_PATH",
        help="a config file with a 'model' dict, or module:attr / file.py:attr naming a "
        "model, a model class or a function returning a model",
    )
    parser.add_argument(
        "--shape",
        type=int,
        nargs="+",
        action="append",
        metavar="DIM",
        help="input shape without the batch dimension (default: 3 224 224); repeat "
        "--shape for a model with several inputs",
    )
    parser.add_argument(
        "--max-depth", type=int, default=3, help="depth of the table below the model"
    )
    parser.add_argument(
        "--arch", action="store_true", help="also print the model with per-module statistics"
    )


def _load_file(path: Path) -> Any:
    name = f"_mme_analyze_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _from_python_path(target: str) -> Any:
    source, _, attr = target.rpartition(":")
    path = Path(source)
    if source.endswith(".py") or path.is_file():
        if not path.is_file():
            raise TargetError(f"{target}: file {source} does not exist")
        module = _load_file(path)
    else:
        try:
            module = importlib.import_module(source)
        except ModuleNotFoundError as error:
            raise TargetError(f"{target}: cannot import module {source!r} ({error})") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            import difflib

            close = difflib.get_close_matches(part, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TargetError(f"{target}: {source} has no attribute {part!r}.{hint}")
        obj = getattr(obj, part)
    return obj


def _from_config(target: str) -> Any:
    from mme.config import Config
    from mme.registry import MODELS

    path = Path(target)
    if not path.is_file():
        raise TargetError(
            f"{target}: no such config file (to name a model in Python code, use "
            "module:attr or file.py:attr)"
        )
    from mme.config import ConfigError
    from mme.registry.errors import RegistryError

    try:
        cfg = Config.fromfile(target)
    except ConfigError as error:
        raise TargetError(str(error)) from None
    if "model" not in cfg or not hasattr(cfg.model, "get"):
        raise TargetError(f"{target}: the config has no 'model' dict to build")
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module("mme.runner")  # registers the runner's models, when installed
    try:
        return MODELS.build(cfg.model)
    except RegistryError as error:
        raise TargetError(f"{target}: {error.args[0] if error.args else error}") from None


def load_model(target: str) -> Any:
    """The ``nn.Module`` that ``target`` names (see the module docstring)."""
    from mme.analysis.report import as_model

    obj = _from_python_path(target) if ":" in target else _from_config(target)
    try:
        return as_model(obj, target)  # a model class (built without arguments) or a function
    except TypeError as error:
        raise TargetError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    """Analyse the model and print the summary, the table (and the architecture)."""
    try:
        import mme.analysis as analysis
    except ImportError as error:
        if not (getattr(error, "name", None) or "").startswith("mme.analysis"):
            raise
        print(
            "mme analyze: needs the mme-analysis distribution, which is not installed. "
            "Install it with: " + install_hint('pip install "mme[analysis]"'),
            file=sys.stderr,
        )
        return 2
    from mme.analysis.report import print_report

    try:
        model = load_model(args.target)
        shapes = [tuple(s) for s in (args.shape or [[3, 224, 224]])]
        inputs = analysis.example_inputs(model, shapes[0] if len(shapes) == 1 else tuple(shapes))
    except (TargetError, ValueError) as error:
        print(f"mme analyze: {error}", file=sys.stderr)
        return 2
    flops = analysis.FlopAnalyzer(model, inputs)
    acts = analysis.ActivationAnalyzer(model, inputs)
    for analyzer in (flops, acts):
        analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    described = " + ".join(str((1, *s)) for s in shapes)
    try:
        analysis.analyze_together([flops, acts])
    except RuntimeError as error:
        print(
            f"mme analyze: {type(model).__name__} failed on input {described}: {error}",
            file=sys.stderr,
        )
        return 1

    print_report(model, described, flops, acts, args.max_depth, args.arch)
    return 0
