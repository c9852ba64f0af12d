"""Keys through several scope levels, as in MMEngine's registry tree (REG-09, REG-10)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mme.registry import Registry, UnknownScopeError

pytestmark = pytest.mark.spec("REG-09", "REG-10", "REG-11")


@dataclass
class Dogs:
    """DOGS (root) -> HOUNDS (hound) -> LITTLE_HOUNDS, MID_HOUNDS; DOGS -> SAMOYEDS ->
    LITTLE_SAMOYEDS: the tree of MMEngine's own registry tests."""

    dogs: Registry
    hounds: Registry
    little_hounds: Registry
    mid_hounds: Registry
    samoyeds: Registry
    little_samoyeds: Registry


class GoldenRetriever: ...


class BloodHound: ...


class Dachshund: ...


class Beagle: ...


class PetiteSamoyed: ...


@pytest.fixture
def dogs() -> Dogs:
    dogs = Registry("dogs", scope="dogs_root")
    hounds = Registry("hounds", parent=dogs, scope="hound")
    little_hounds = Registry("little hounds", parent=hounds, scope="little_hound")
    mid_hounds = Registry("mid hounds", parent=hounds, scope="mid_hound")
    samoyeds = Registry("samoyeds", parent=dogs, scope="samoyed")
    little_samoyeds = Registry("little samoyeds", parent=samoyeds, scope="little_samoyed")
    dogs.register_module(module=GoldenRetriever)
    hounds.register_module(module=BloodHound)
    little_hounds.register_module(module=Dachshund)
    mid_hounds.register_module(module=Beagle)
    little_samoyeds.register_module(module=PetiteSamoyed)
    return Dogs(dogs, hounds, little_hounds, mid_hounds, samoyeds, little_samoyeds)


def test_two_levels_down_from_the_root(dogs: Dogs) -> None:
    assert dogs.dogs.get("hound.BloodHound") is BloodHound
    assert dogs.dogs.get("hound.little_hound.Dachshund") is Dachshund
    assert dogs.dogs.get("samoyed.little_samoyed.PetiteSamoyed") is PetiteSamoyed
    assert "hound.little_hound.Dachshund" in dogs.dogs


def test_from_a_node_through_its_parent_scope(dogs: Dogs) -> None:
    assert dogs.little_hounds.get("hound.little_hound.Dachshund") is Dachshund
    assert dogs.mid_hounds.get("hound.little_hound.Dachshund") is Dachshund
    assert dogs.little_hounds.get("hound.BloodHound") is BloodHound


def test_siblings_and_cousins(dogs: Dogs) -> None:
    assert dogs.little_hounds.get("mid_hound.Beagle") is Beagle  # a sibling
    assert dogs.little_hounds.get("samoyed.little_samoyed.PetiteSamoyed") is PetiteSamoyed
    assert dogs.little_samoyeds.get("hound.mid_hound.Beagle") is Beagle  # a cousin
    assert dogs.little_hounds.get("little_samoyed.PetiteSamoyed") is PetiteSamoyed


def test_a_scoped_lookup_still_searches_the_ancestors(dogs: Dogs) -> None:
    assert dogs.dogs.get("hound.little_hound.GoldenRetriever") is GoldenRetriever
    assert dogs.dogs.build(dict(type="hound.little_hound.Dachshund")).__class__ is Dachshund


def test_an_unknown_scope_deep_in_a_key_is_named(dogs: Dogs) -> None:
    with pytest.raises(UnknownScopeError) as info:
        dogs.dogs.get("hound.litle_hound.Dachshund")
    message = str(info.value)
    assert message.startswith(
        "'hound.litle_hound.Dachshund': the scope 'litle_hound' has no registry in the "
        '"hounds" registry tree'
    )
    assert "Did you mean 'little_hound'" in message
    assert "hound.litle_hound.Dachshund" not in dogs.dogs


def test_a_missing_name_two_levels_down_names_the_registry_searched(dogs: Dogs) -> None:
    with pytest.raises(KeyError) as info:
        dogs.dogs.get("hound.little_hound.Dachshnd")
    assert str(info.value).startswith(
        "'hound.little_hound.Dachshnd' is not registered in the \"little hounds\" registry "
        '(scopes searched: "little_hound" -> "hound" -> "dogs_root"). '
        "Did you mean 'Dachshund'?"
    )
