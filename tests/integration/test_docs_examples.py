"""The documentation's examples run, and the outputs it shows are what they print.

In the guides, a ```python block is run (the blocks of one page in order, sharing
their names, in a fresh folder); a ```py block is a fragment and is not. A ```text
block right after a ```python block (nothing between them but blank lines or a line
"prints") is that block's output: it must equal what the block prints. In
docs/examples.md and docs/install.md, a ```console block's ``$ command`` lines are
run, and the lines shown under each must be what the command prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
GUIDES = [g for g in sorted((ROOT / "docs" / "guide").glob("*.md")) if "```python" in g.read_text()]

# Runs the blocks in order; what each prints (through one stdout that loggers may keep
# a reference to) is collected per block and written as JSON at the end.
RUN_BLOCKS = """
import io, json, sys
guide, blocks = json.loads(sys.stdin.read())
real_stdout = sys.stdout

class BlockStdout(io.TextIOBase):
    current = io.StringIO()
    encoding = "utf-8"
    def write(self, text):
        return self.current.write(text)
    def isatty(self):
        return False

sys.stdout = BlockStdout()
namespace = {"__name__": "__main__"}
printed = []
for number, block in enumerate(blocks):
    BlockStdout.current = io.StringIO()
    exec(compile(block, f"{guide} (python block {number + 1})", "exec"), namespace)
    printed.append(BlockStdout.current.getvalue())
real_stdout.write(json.dumps(printed))
"""
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", flags=re.M | re.S)
TIMESTAMP = re.compile(r"\b\d\d/\d\d \d\d:\d\d:\d\d\b")


def python_blocks_and_shown_outputs(text: str) -> tuple[list[str], dict[int, str]]:
    """The ```python blocks of a page, and the ```text output shown right after some."""
    blocks: list[str] = []
    shown: dict[int, str] = {}
    previous_end, previous_lang = 0, ""
    for match in FENCE.finditer(text):
        lang, body = match[1], match[2]
        between = text[previous_end : match.start()].strip()
        if lang == "text" and previous_lang == "python" and between in ("", "prints"):
            shown[len(blocks) - 1] = body
        if lang == "python":
            blocks.append(body)
        previous_end, previous_lang = match.end(), lang
    return blocks, shown


def same_lines(text: str) -> list[str]:
    """The lines of ``text``, log timestamps replaced (they differ from run to run)."""
    lines = text.strip("\n").splitlines()
    return [TIMESTAMP.sub("MM/DD hh:mm:ss", line.rstrip()) for line in lines]


def run(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.mark.spec(infra="the guides' python blocks run")
@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.name)
def test_guide_python_blocks_run(guide: Path, tmp_path: Path) -> None:
    blocks, shown = python_blocks_and_shown_outputs(guide.read_text())
    payload = json.dumps([str(guide.relative_to(ROOT)), blocks])
    result = subprocess.run(
        [sys.executable, "-c", RUN_BLOCKS],
        cwd=tmp_path,
        input=payload,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    printed = json.loads(result.stdout)
    for number, expected in shown.items():
        assert same_lines(printed[number]) == same_lines(expected), (
            f"{guide.name}: python block {number + 1} prints something else than the "
            f"output shown after it:\n{printed[number]}"
        )


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


def console_sessions(page: Path) -> list[tuple[str, list[str]]]:
    """The ``$ command`` lines of a page's ```console blocks, each with the lines shown."""
    sessions: list[tuple[str, list[str]]] = []
    for block in re.findall(r"^```console\n(.*?)^```", page.read_text(), flags=re.M | re.S):
        command: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                command = [line[2:]]
                sessions.append(("", []))
            elif command and command[-1].endswith("\\"):
                command.append(line)
            elif sessions and line.strip():
                sessions[-1][1].append(line.rstrip())
            if command:
                text = " ".join(part.rstrip("\\").strip() for part in command)
                sessions[-1] = (text, sessions[-1][1])
                if not line.rstrip().endswith("\\"):
                    command = []
    return sessions


def run_console(command: str, cwd: Path) -> list[str]:
    words = command.split()
    program = {
        "python": [sys.executable],
        "mme": [sys.executable, "-m", "mme.cli"],
        "torchrun": [sys.executable, "-m", "torch.distributed.run"],
    }[words[0]]
    # torchrun prints a banner about OMP_NUM_THREADS when it is unset: not the program's output
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [*program, *words[1:]],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return [TIMESTAMP.sub("MM/DD hh:mm:ss", line.rstrip()) for line in result.stdout.splitlines()]


@pytest.mark.spec(infra="the outputs docs/examples.md shows are what the scripts print")
@pytest.mark.parametrize(
    "number", range(len(console_sessions(ROOT / "docs" / "examples.md"))), ids=str
)
def test_examples_page_shows_what_the_commands_print(number: int, tmp_path: Path) -> None:
    command, shown = console_sessions(ROOT / "docs" / "examples.md")[number]
    if command.startswith("torchrun"):
        pytest.importorskip("torch")
    shutil.copytree(EXAMPLES, tmp_path / "docs" / "examples")
    printed = run_console(command, tmp_path)
    assert [TIMESTAMP.sub("MM/DD hh:mm:ss", line) for line in shown] == printed, command


@pytest.mark.spec(infra="the mme --version output docs/install.md shows is what it prints")
def test_install_page_shows_what_mme_version_prints(tmp_path: Path) -> None:
    sessions = console_sessions(ROOT / "docs" / "install.md")
    assert [command for command, _ in sessions] == ["mme --version"]
    shown = sessions[0][1]
    printed = run_console("mme --version", tmp_path)
    # the page shows the torch-free core; more mme distributions may be installed here
    assert [line for line in printed if line in shown] == shown


MME_REQUIREMENT = re.compile(r"""(?:^|[\s"'])mme(?:-[a-z]+)?(?:\[[\w,]+\])?(?=$|[\s"'`)])""")


@pytest.mark.spec(infra="no document suggests an install command that cannot work")
def test_every_pip_install_of_an_mme_package_says_where_the_wheels_are() -> None:
    # the mme distributions are not on a public index: `pip install mme` finds nothing
    pages = [ROOT / "README.md", *ROOT.glob("packages/*/README.md"), *ROOT.glob("docs/**/*.md")]
    wrong = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for page in sorted(pages)
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        for command in re.findall(r"pip install ([^`#]*)", line)
        if MME_REQUIREMENT.search(command) and "--find-links" not in command
    ]
    assert not wrong, "\n".join(wrong)
