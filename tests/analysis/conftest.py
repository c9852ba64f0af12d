"""Shared models and the (once per session) ResNet-50 analysis for the mme.analysis tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures"


def _load_models() -> Any:
    if "analysis_models" in sys.modules:
        return sys.modules["analysis_models"]
    spec = importlib.util.spec_from_file_location(
        "analysis_models", Path(__file__).with_name("analysis_models.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["analysis_models"] = module
    spec.loader.exec_module(module)
    return module


models = _load_models()


@pytest.fixture(scope="session")
def resnet_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return models.MMResNet50()


@pytest.fixture(scope="session")
def resnet_result(resnet_model: torch.nn.Module) -> dict[str, Any]:
    from mme.analysis import get_model_complexity_info

    return get_model_complexity_info(resnet_model, input_shape=(3, 224, 224))
