"""``mme registry``: look at the root registries from the command line.

`mme registry list` shows the root registries that hold entries in a table, the
empty ones in one line, and the distributions that are missing once;
`mme registry list NAME` shows what one registry holds. The `mme` command imports
this module only when `mme registry` is called.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from mme.registry._suggest import did_you_mean
from mme.registry.display import registry_table, render_table
from mme.registry.locations import distribution_for
from mme.registry.registry import Registry
from mme.registry.root import ROOT_REGISTRIES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``list`` action and its optional ``NAME`` to ``parser``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="list the root registries, or what one of them holds",
        description="List the root registries, or (with NAME) the entries of one of them. "
        "Each registry's locations are imported first.",
    )
    listing.add_argument(
        "name",
        nargs="?",
        metavar="NAME",
        help="a root registry, by its Python name (OPTIMIZERS) or its name (optimizer)",
    )


def find_root_registry(name: str) -> tuple[str, Registry] | None:
    """The root registry called ``name``: its Python name or its registry name, any case."""
    wanted = name.strip().lower()
    for python_name, registry in ROOT_REGISTRIES.items():
        if wanted in (python_name.lower(), registry.name.lower()):
            return python_name, registry
    return None


def run(args: argparse.Namespace) -> int:
    """Run ``mme registry ACTION``; return the exit status."""
    if args.action != "list":  # argparse only accepts 'list'; kept for direct callers
        print(f"mme registry: unknown action {args.action!r}", file=sys.stderr)
        return 2
    if args.name is None:
        print(root_registries_listing())
        return 0
    found = find_root_registry(args.name)
    if found is None:
        candidates = [*ROOT_REGISTRIES, *(r.name for r in ROOT_REGISTRIES.values())]
        print(
            f"mme registry list: no root registry is called {args.name!r}."
            f"{did_you_mean(args.name, candidates)} Registries: {', '.join(ROOT_REGISTRIES)}",
            file=sys.stderr,
        )
        return 2
    _, registry = found
    registry.import_from_location()
    print(registry_table(registry))
    return 0


def root_registries_listing() -> str:
    """The text of `mme registry list`: a table of the root registries with entries,
    then one line for the empty ones and one for the distributions not installed."""
    rows = []
    empty = []
    missing: dict[str, list[str]] = {}  # distribution -> its missing locations
    for python_name, registry in ROOT_REGISTRIES.items():
        registry.import_from_location()
        for location in registry.location_errors:
            where = missing.setdefault(distribution_for(location), [])
            if location not in where:
                where.append(location)
        if len(registry) == 0:
            empty.append(python_name)
            continue
        rows.append(
            (
                python_name,
                registry.name,
                registry.scope,
                str(len(registry)),
                ", ".join(registry.locations) or "-",
            )
        )
    lines = []
    if rows:
        lines.append(
            render_table(
                "Root registries",
                ("Registry", "Name", "Scope", "Entries", "Locations"),
                rows,
                caption="Run 'mme registry list NAME' to see the entries of one registry.",
            )
        )
    else:
        lines.append("Root registries: none has entries yet.")
    if empty:
        lines.append(_wrap(f"Empty ({len(empty)}): {', '.join(empty)}"))
    if missing:
        named = ", ".join(f"{dist} ({', '.join(locs)})" for dist, locs in sorted(missing.items()))
        lines.append(
            _wrap(
                f"Not installed: {named}. The mme distributions are not on a public package "
                "index yet: install them from the mme repository (see docs/install.md)."
            )
        )
    return "\n".join(lines)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88, subsequent_indent="  ", break_on_hyphens=False)
