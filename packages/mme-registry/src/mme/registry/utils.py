"""Inventories of registry trees: what is registered where."""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any

from mme.registry.registry import Registry
from mme.registry.root import ROOT_REGISTRIES

_logger = logging.getLogger("mme.registry")


def traverse_registry_tree(registry: Registry, verbose: bool = True) -> list[dict[str, Any]]:
    """Describe every registry of ``registry``'s tree, root first (depth first).

    Returns:
        One dict per registry: ``num_modules``, ``scope``, ``name`` and, for each module
        path (dots as ``/``) that registered entries, the list of their names.
    """
    modules_info: list[dict[str, Any]] = []
    for node in registry.root.walk():
        entries = node.module_dict
        info: dict[str, Any] = {"num_modules": len(entries), "scope": node.scope, "name": node.name}
        for name, obj in entries.items():
            folder = str(getattr(obj, "__module__", "") or "").replace(".", "/")
            info.setdefault(folder, []).append(name)
        if verbose:
            _logger.info(
                "Find %d modules in %s's '%s' registry", len(entries), node.scope, node.name
            )
        modules_info.append(info)
    return modules_info


def count_registered_modules(
    save_path: str | Path | None = None, verbose: bool = True
) -> dict[str, Any]:
    """Import every root registry's locations and inventory all registry trees.

    Locations that are not installed are skipped (their registries count what others
    registered).

    Args:
        save_path: A directory; when given, the result is also written to
            ``modules_statistic_results.json`` in it.
        verbose: Log each registry's count and the result (logger ``mme.registry``).

    Returns:
        ``{'scan_date': 'YYYYmmddHHMMSS', 'registries': {'MODELS': [...], ...}}``, the
        lists as returned by `traverse_registry_tree`.
    """
    registries_info: dict[str, list[dict[str, Any]]] = {}
    for name, registry in ROOT_REGISTRIES.items():
        for node in registry.root.walk():
            node.import_from_location()
        registries_info[name] = traverse_registry_tree(registry, verbose)
    scan_data = {
        "scan_date": datetime.datetime.now().strftime("%Y%m%d%H%M%S"),
        "registries": registries_info,
    }
    if verbose:
        _logger.info("Finish registry analysis, got: %s", scan_data)
    if save_path is not None:
        json_path = Path(save_path) / "modules_statistic_results.json"
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(scan_data, indent=2))
        if verbose:
            _logger.info("Result has been saved to %s", json_path)
    return scan_data
