"""Readable tables of registries: drawn with rich when it is installed, plain text otherwise.

rich is optional (mme-registry has no third-party dependency) and imported only when
a table is drawn.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mme.registry._suggest import qualified_name

if TYPE_CHECKING:
    from mme.registry.registry import Registry


def render_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    caption: str | None = None,
    *,
    use_rich: bool | None = None,
) -> str:
    """Draw a table as text.

    Args:
        title: The line above the table.
        headers: Column names.
        rows: Cells, as strings.
        caption: An optional line below the table.
        use_rich: ``None`` uses rich when it can be imported; ``False`` forces plain text.
    """
    if use_rich is not False:
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            if use_rich:
                raise
        else:
            table = Table()
            for header in headers:
                table.add_column(header, overflow="fold")
            for row in rows:
                table.add_row(*row)
            buffer = io.StringIO()
            width = shutil.get_terminal_size((120, 24)).columns
            console = Console(file=buffer, width=width, color_system=None, highlight=False)
            console.print(table)
            drawn = [line.rstrip() for line in buffer.getvalue().splitlines()]
            return "\n".join([title, *drawn, *([caption] if caption else [])])
    return _plain_table(title, headers, rows, caption)


def _plain_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], caption: str | None
) -> str:
    """A left-aligned text table with a dashed rule under the headers."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    out = [title, line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    if caption:
        out.append(caption)
    return "\n".join(out)


def location_status(registry: Registry) -> str:
    """The locations of ``registry``, each followed by why it is unavailable, if it is."""
    parts = []
    for location in registry.locations:
        problem = registry.location_errors.get(location)
        parts.append(f"{location} ({problem})" if problem else location)
    return ", ".join(parts) or "-"


def registry_table(registry: Registry, *, use_rich: bool | None = None) -> str:
    """The table of one registry: every registered name and what it refers to."""
    rows = [(name, qualified_name(obj)) for name, obj in sorted(registry.module_dict.items())]
    parent = registry.parent
    details = [
        f"scope: {registry.scope}",
        f"{len(rows)} {'entry' if len(rows) == 1 else 'entries'}",
    ]
    if parent is not None:
        details.append(f"parent: {parent.name} in {parent.scope}")
    if registry.locations:
        details.append(f"locations: {location_status(registry)}")
    return render_table(
        f"Registry of {registry.name}",
        ("Names", "Objects"),
        rows,
        caption=" | ".join(details),
        use_rich=use_rich,
    )
