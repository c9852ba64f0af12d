"""The ``Examples:`` of the docstrings of mme.runner.model, .structures and .evaluator run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "mme.runner.model.base_module",
    "mme.runner.model.data_preprocessor",
    "mme.runner.model.utils",
    "mme.runner.model.weight_init",
    "mme.runner.model.wrappers",
    "mme.runner.structures.base_data_element",
    "mme.runner.structures.instance_data",
    "mme.runner.structures.label_data",
    "mme.runner.structures.pixel_data",
    "mme.runner.evaluator.evaluator",
    "mme.runner.evaluator.utils",
]


@pytest.mark.spec(infra="docstring examples of mme.runner.model/structures/evaluator run")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"torch": importlib.import_module("torch")})
    assert result.attempted > 0
    assert result.failed == 0
