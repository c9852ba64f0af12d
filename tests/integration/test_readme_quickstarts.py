"""The quick starts of the README files run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", *sorted((ROOT / "packages").glob("*/README.md"))]

pytestmark = pytest.mark.spec(infra="README quick starts run")


def blocks(readme: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", readme.read_text(), flags=re.M | re.S)


def mme_commands(readme: Path) -> list[list[str]]:
    """The ``mme ...`` command lines of the bash blocks, comments dropped."""
    lines = [
        line.split("#")[0].split()
        for block in blocks(readme, "bash")
        for line in block.splitlines()
    ]
    return [words[1:] for words in lines if words[:1] == ["mme"]]


def run(args: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{what}\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_quick_start_runs(readme: Path, tmp_path: Path) -> None:
    snippets = blocks(readme, "python")
    commands = mme_commands(readme)
    assert snippets or commands, f"{readme} has no quick start"
    for snippet in snippets:
        run([sys.executable, "-c", snippet], tmp_path, f"{readme}:\n{snippet}")
    for command in commands:
        run([sys.executable, "-m", "mme.cli", *command], tmp_path, f"{readme}: mme {command}")
