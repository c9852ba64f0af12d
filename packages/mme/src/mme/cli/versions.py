"""Which mme distributions are installed, and at which version."""

from __future__ import annotations

from importlib import metadata

#: The distributions of the mme family, in dependency order.
DISTRIBUTIONS: tuple[str, ...] = (
    "mme",
    "mme-config",
    "mme-logging",
    "mme-fileio",
    "mme-registry",
    "mme-dist",
    "mme-optim",
    "mme-dataset",
    "mme-analysis",
    "mme-runner",
)


def installed_versions() -> dict[str, str]:
    """Map each installed mme distribution to its version, in dependency order."""
    found: dict[str, str] = {}
    for name in DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
