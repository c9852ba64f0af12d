"""Properties of lookups and suggestions over many generated names (REG-04, REG-10)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mme.registry import NotRegisteredError, Registry, split_scope_key

identifiers = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=30)
long_identifiers = st.text(string.ascii_letters, min_size=5, max_size=30)


@pytest.mark.spec("REG-10")
@given(scope=identifiers, name=st.text(min_size=0, max_size=30))
def test_split_scope_key_splits_at_the_first_dot(scope: str, name: str) -> None:
    assert split_scope_key(f"{scope}.{name}") == (scope, name)
    if "." not in name:
        assert split_scope_key(name) == (None, name)


@pytest.mark.spec("REG-04")
@given(names=st.lists(identifiers, min_size=1, max_size=20, unique=True))
def test_every_registered_name_builds_its_own_object(names: list[str]) -> None:
    reg = Registry("r", scope="prop")
    made = {name: type(f"C_{name}", (), {}) for name in names}
    for name, cls in made.items():
        reg.register_module(name=name, module=cls)
    for name, cls in made.items():
        assert isinstance(reg.build({"type": name}), cls)
        assert reg.get(f"prop.{name}") is cls


@pytest.mark.spec("REG-04")
@given(name=long_identifiers, data=st.data())
def test_a_one_letter_typo_is_suggested(name: str, data: st.DataObject) -> None:
    reg = Registry("r", scope="prop")
    reg.register_module(name=name, module=int)
    drop = data.draw(st.integers(0, len(name) - 1))
    typo = name[:drop] + name[drop + 1 :]
    with pytest.raises(NotRegisteredError) as info:
        reg.get(typo)
    assert f"Did you mean {name!r}?" in str(info.value)
