"""Finding config files shipped inside installed packages (``pkg::path``).

Location rule: a package ``pkg`` ships its configs under ``<pkg>/.mim/configs/``
(the layout OpenMMLab packages install), so ``pkg::a/b.py`` is the file
``<pkg>/.mim/configs/a/b.py``. The package is found with ``importlib`` without
being imported (importing it could pull in torch).
"""

from __future__ import annotations

import importlib.util
import os
import os.path as osp

from mme.config._suggest import did_you_mean
from mme.config.errors import ConfigError

PACKAGE_SEPARATOR = "::"
CONFIG_DIR = osp.join(".mim", "configs")


def split_package_path(name: str) -> tuple[str, str] | None:
    """``"mmdet::a/b.py"`` -> ``("mmdet", "a/b.py")``; ``None`` for a plain path."""
    if PACKAGE_SEPARATOR not in name:
        return None
    package, _, rel = name.partition(PACKAGE_SEPARATOR)
    return package, rel


def _installed_top_level_names() -> list[str]:
    import importlib.metadata  # slow to import; only for a "did you mean" hint

    try:
        return list(importlib.metadata.packages_distributions())
    except Exception:  # a broken dist-info must not hide the real error
        return []


def package_root(package: str, referrer: str) -> str:
    """The directory of the installed top-level package ``package``.

    Raises:
        ConfigError: The package is not installed.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        hint = did_you_mean(package, _installed_top_level_names())
        raise ConfigError(
            f"{referrer}: cannot find configs of package {package!r}: it is not installed "
            f"(or is not a package).{hint}"
        )
    return next(iter(spec.submodule_search_locations))


def package_config_file(name: str, referrer: str) -> tuple[str, str]:
    """Resolve ``pkg::rel/path.py`` to a file path; returns ``(path, package)``.

    Raises:
        ConfigError: The package is missing or does not ship that config.
    """
    split = split_package_path(name)
    assert split is not None
    package, rel = split
    config_dir = osp.join(package_root(package, referrer), CONFIG_DIR)
    path = osp.join(config_dir, rel)
    if not osp.isfile(path):
        folder = osp.dirname(path)
        siblings = os.listdir(folder) if osp.isdir(folder) else []
        hint = did_you_mean(osp.basename(rel), siblings)
        raise ConfigError(
            f"{referrer}: package {package!r} has no config {rel!r} (looked for {path}).{hint}"
        )
    return path, package


def module_config_file(module: str, level: int, referrer: str) -> str:
    """The file a ``with read_base():`` import names.

    ``from .base import *`` in ``dir/cfg.py`` is ``dir/base.py``; ``from ..a.b import *``
    is ``dir/../a/b.py``; an absolute ``from pkg.configs.x import *`` is the file of that
    module inside the installed package ``pkg``.
    """
    parts = module.split(".") if module else []
    if level:
        folder = osp.dirname(osp.abspath(referrer))
        for _ in range(level - 1):
            folder = osp.dirname(folder)
    else:
        folder = osp.dirname(package_root(parts[0], referrer))
    stem = osp.join(folder, *parts)
    for ext in (".py", ".json", ".yaml", ".yml"):
        if osp.isfile(stem + ext):
            return stem + ext
    siblings = os.listdir(osp.dirname(stem)) if osp.isdir(osp.dirname(stem)) else []
    names = [osp.splitext(s)[0] for s in siblings]
    hint = did_you_mean(parts[-1] if parts else "", names)
    raise ConfigError(
        f"{referrer}: base config {'.' * level}{module} not found (looked for {stem}.py).{hint}"
    )
