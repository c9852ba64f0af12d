"""The documentation's examples run: guide code blocks and docs/examples/ scripts.

In the guides, a ```python block is run (the blocks of one page in order, sharing
their names, in a fresh folder); a ```py block is a fragment and is not.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
GUIDES = [g for g in sorted((ROOT / "docs" / "guide").glob("*.md")) if "```python" in g.read_text()]

RUN_BLOCKS = """
import json, sys
guide, blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for number, block in enumerate(blocks):
    exec(compile(block, f"{guide} (python block {number + 1})", "exec"), namespace)
"""


def run(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.mark.spec(infra="the guides' python blocks run")
@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.name)
def test_guide_python_blocks_run(guide: Path, tmp_path: Path) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", guide.read_text(), flags=re.M | re.S)
    payload = json.dumps([str(guide.relative_to(ROOT)), blocks])
    run([sys.executable, "-c", RUN_BLOCKS], tmp_path, stdin=payload)


@pytest.mark.spec("CFG-04", "CFG-10", "CFG-11", "REG-04", "LOG-12", "FIO-02")
def test_config_cli_example(tmp_path: Path) -> None:
    script = str(EXAMPLES / "config_cli.py")
    config = str(EXAMPLES / "configs" / "toy.py")
    out = run(
        [sys.executable, script, config, "--cfg-options", "optimizer.lr=0.01", "model.depth=101"],
        tmp_path,
    )
    assert "ToyNet depth=101, SGD lr=0.01" in out
    # the spec's HistoryBuffer example: loss = 1/iter, window of 5 (LOG-12)
    assert "Iter [5/10]  lr: 1.0000e-02  loss: 0.4567" in out
    assert "Iter [10/10]  lr: 1.0000e-02  loss: 0.1291" in out
    assert "set by    merge_from_dict  optimizer.lr" in out
    work_dir = tmp_path / "work_dirs" / "toy"  # {{fileBasenameNoExtension}}
    assert json.loads((work_dir / "metrics.json").read_text()) == {"loss": 0.1, "lr": 0.01}
    dumped = (work_dir / "config.py").read_text()
    assert "model = dict(type='ToyNet', depth=101, num_classes=10)" in dumped
    assert "_base_" not in dumped


@pytest.mark.spec("DIST-02", "DIST-03")
def test_distributed_example_in_one_process(tmp_path: Path) -> None:
    out = run([sys.executable, str(EXAMPLES / "distributed_eval.py")], tmp_path)
    assert "world size 1: 11 results in order True" in out
    assert "accuracy 8/11 = 0.7273" in out


@pytest.mark.spec("DIST-01", "DIST-03", "DIST-04")
def test_distributed_example_under_torchrun(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    out = run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            str(EXAMPLES / "distributed_eval.py"),
            "--launcher",
            "pytorch",
        ],
        tmp_path,
    )
    assert "world size 2: 11 results in order True" in out
    assert "accuracy 8/11 = 0.7273" in out
    assert out.count("accuracy 8/11") == 1  # printed by rank 0 only
