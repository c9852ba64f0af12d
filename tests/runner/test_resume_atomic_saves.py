"""A save that fails leaves the previous checkpoint and pointer intact (RUN-16, RUN-22)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

import mme.runner.runner as runner_module
from mme.runner import Runner
from mme.runner.checkpoint import find_latest_checkpoint

from .resume_toys import config


@pytest.mark.spec("RUN-16", "RUN-22")
def test_max_keep_ckpts_deletes_only_after_the_new_file_is_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner_module.write_checkpoint

    def failing(checkpoint: dict, path: str, **kwargs: Any) -> None:
        if path.endswith("iter_3.pth"):
            raise OSError(28, "No space left on device")  # the disk filled up mid-save
        real(checkpoint, path, **kwargs)

    monkeypatch.setattr(runner_module, "write_checkpoint", failing)
    args = config(tmp_path, by_epoch=False)
    args["default_hooks"]["checkpoint"].update(max_keep_ckpts=1)
    runner = Runner(**args)
    with pytest.raises(OSError, match="No space left"):
        runner.train()
    assert sorted(p.name for p in tmp_path.glob("*.pth")) == ["iter_2.pth"]
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / "iter_2.pth")
    assert torch.load(tmp_path / "iter_2.pth", weights_only=True)["meta"]["iter"] == 2
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind
