"""tools/gpu_check.sh (issue 18's GPU checks, not run in CI): it parses, its Python part
imports, it exits cleanly without CUDA, and the checks' Runner logic runs on the CPU."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
import torch

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "tools" / "gpu_check.sh"

pytestmark = pytest.mark.spec(
    infra="tools/gpu_check.sh: the GPU checks parse and skip cleanly without CUDA"
)


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "tools" / "gpu_check.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_parses_and_lists_every_check() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash on PATH")
    subprocess.run([bash, "-n", str(SCRIPT)], check=True)
    assert list(_module().CHECKS) == [
        "amp_fp16",
        "compile",
        "nccl_ddp",
        "fsdp",
        "sync_free_iteration",
    ]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: run the checks")
def test_without_cuda_it_says_so_and_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert _module().main() == 0
    assert capsys.readouterr().out == "no CUDA: nothing to check\n"


def test_the_amp_check_runs_its_runner_on_the_cpu(tmp_path: Path) -> None:
    detail = _module().check_amp_fp16(str(tmp_path))
    assert detail.startswith("loss ")
