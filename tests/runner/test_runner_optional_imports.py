"""Optional integrations of the runner name the extra that installs them."""

from __future__ import annotations

import json
import sys

import pytest

from mme.runner.optional import import_optional

pytestmark = pytest.mark.spec(infra="optional integrations name the extra to install")


def test_an_installed_module_is_returned() -> None:
    assert import_optional("json", extra="x", purpose="y") is json


def test_missing_tensorboard_names_the_tensorboard_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError) as exc:
        import_optional("tensorboard", extra="tensorboard", purpose="TensorboardVisBackend")
    message = str(exc.value)
    assert "TensorboardVisBackend needs the 'tensorboard' package" in message
    assert 'pip install "mme[tensorboard]"' in message
    assert exc.value.name == "tensorboard"


def test_a_missing_top_level_package_is_named_for_a_submodule() -> None:
    with pytest.raises(ImportError, match=r'pip install "mme\[wandb\]"') as exc:
        import_optional("mme_absent_wandb.sdk", extra="wandb", purpose="WandbVisBackend")
    assert exc.value.name == "mme_absent_wandb"
    assert "needs the 'mme_absent_wandb' package" in str(exc.value)
