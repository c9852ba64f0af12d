"""Importing a registry's ``locations``: the modules whose import registers its entries.

A location that is not installed is not an error by itself (a registry tree spans
several optional distributions); it is remembered and reported, with the distribution
that provides it, when a name is looked up and not found. No `pip install NAME`
command is suggested for mme's own distributions: they are not on a public package
index, so the message points to the installation guide instead.
"""

from __future__ import annotations

import importlib
import logging

from mme.registry.errors import add_note

_logger = logging.getLogger("mme.registry")


def distribution_for(module: str) -> str:
    """The distribution that provides ``module``, by mme's naming rule.

    ``mme.optim.optimizer`` -> ``mme-optim``; anything else -> its top-level package
    (``mmdet.models`` -> ``mmdet``).
    """
    parts = module.split(".")
    if parts[0] == "mme" and len(parts) > 1:
        return f"mme-{parts[1]}"
    return parts[0]


def install_hint(module: str) -> str:
    """Where `module` comes from, said so that it cannot suggest a command that fails."""
    distribution = distribution_for(module)
    if distribution.startswith("mme-"):
        return (
            f"it is part of the {distribution} distribution; install that from the mme "
            "repository, see docs/install.md"
        )
    return f"it is part of the {distribution!r} distribution"


def _package_root(module: str) -> str:
    """The import path of the package that ``distribution_for(module)`` installs."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "mme" and len(parts) > 1 else parts[0]


def import_location(location: str) -> str | None:
    """Import ``location``; return ``None`` on success or why it is not available.

    Only a missing ``location`` (or a missing package above it) is turned into a
    message. Any other failure, such as a missing dependency of an installed package
    or an error in its code, propagates unchanged: hiding it would only move the
    problem to a confusing "not registered" error later.
    """
    try:
        importlib.import_module(location)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if not missing or not (location == missing or location.startswith(missing + ".")):
            raise
        root = _package_root(location)
        if missing == root or root.startswith(missing + "."):
            return f"location {location!r} is not installed ({install_hint(location)})"
        return f"location {location!r} does not exist (no module named {missing!r})"
    return None


def import_locations(locations: tuple[str, ...], owner: str) -> dict[str, str]:
    """Import each location; return `{location: why it is unavailable}` for those missing.

    Args:
        locations: Module names, imported in order.
        owner: The registry, as messages name it (`'"model" registry (scope "mme")'`).

    An error other than a missing location propagates with a note naming the location
    and `owner`.
    """
    problems: dict[str, str] = {}
    for location in locations:
        try:
            problem = import_location(location)
        except Exception as error:
            add_note(
                error,
                f"mme.registry: raised while importing {location!r}, a location of the {owner}",
            )
            raise
        if problem is None:
            _logger.debug("Modules of the %s were imported from %s", owner, location)
        else:
            problems[location] = problem
            _logger.debug("The %s: %s", owner, problem)
    return problems
