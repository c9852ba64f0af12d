"""The package table of ARCHITECTURE.md as data.

One source of truth for the tools and tests that check the dependency rules:
tests/integration/test_architecture.py compares it with ARCHITECTURE.md, with each
package's pyproject.toml and with the import-linter contracts of the root pyproject.
"""

from __future__ import annotations

#: import path suffix -> the mme packages it may import (its row of the table).
DEPENDS: dict[str, tuple[str, ...]] = {
    "config": (),
    "logging": (),
    "fileio": (),
    "registry": ("config",),
    "dist": ("logging",),
    "optim": ("config", "registry", "logging", "dist"),
    "dataset": ("config", "registry", "fileio", "logging", "dist"),
    "analysis": ("logging",),
    "runner": ("config", "registry", "fileio", "logging", "dist", "optim", "dataset", "analysis"),
}

#: Packages that must never import torch.
TORCH_FREE: tuple[str, ...] = ("config", "registry", "fileio", "logging")

#: The meta-package's subpackage: it may import every other one.
META = "cli"

#: distribution name -> import path suffix.
DISTRIBUTIONS: dict[str, str] = {f"mme-{sub}": sub for sub in DEPENDS} | {"mme": META}


def importlinter_contracts() -> str:
    """The import-linter contracts, as TOML, that encode DEPENDS and TORCH_FREE."""
    out: list[str] = []
    for sub, allowed in DEPENDS.items():
        forbidden = [f"mme.{o}" for o in [*DEPENDS, META] if o != sub and o not in allowed]
        if sub in TORCH_FREE:
            forbidden.append("torch")
        out.append("[[tool.importlinter.contracts]]")
        out.append(f'name = "mme.{sub} imports only its row of the table"')
        out.append('type = "forbidden"')
        out.append(f'source_modules = ["mme.{sub}"]')
        out.append("forbidden_modules = [" + ", ".join(f'"{m}"' for m in forbidden) + "]")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(importlinter_contracts())
