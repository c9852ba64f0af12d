"""ConfigDict: attribute and item access, nested conversion, helpful errors."""

import copy
import pickle

import pytest

from mme.config import ConfigDict

pytestmark = pytest.mark.spec("CFG-01")


def test_attribute_and_item_access_are_the_same():
    cfg = ConfigDict(model=dict(type="ResNet", depth=50))
    assert cfg.model.depth == cfg["model"]["depth"] == 50
    assert isinstance(cfg.model, ConfigDict)
    assert isinstance(cfg, dict)


def test_nested_dicts_in_lists_become_configdict():
    cfg = ConfigDict(pipeline=[dict(type="Load"), (dict(type="Flip"),)])
    assert cfg.pipeline[0].type == "Load"
    assert cfg.pipeline[1][0].type == "Flip"


def test_setting_attribute_converts_dict():
    cfg = ConfigDict()
    cfg.optimizer = dict(type="SGD", lr=0.1)
    assert cfg.optimizer.lr == 0.1
    cfg["scheduler"] = {"gamma": 0.5}
    assert cfg.scheduler.gamma == 0.5


def test_missing_attribute_suggests_closest_key():
    cfg = ConfigDict(optimizer=dict(lr=0.1))
    with pytest.raises(AttributeError, match=r"'optimzer'.*Did you mean 'optimizer'"):
        cfg.optimzer
    with pytest.raises(KeyError, match=r"'optimzer'.*Did you mean 'optimizer'"):
        cfg["optimzer"]
    assert not hasattr(cfg, "nothing_like_it")
    assert "optimzer" not in cfg  # reading did not create the key


def test_get_pop_and_update_merge_recursively():
    cfg = ConfigDict(a=dict(b=1, c=2))
    assert cfg.get("missing", 3) == 3
    cfg.update(dict(a=dict(b=10)))
    assert cfg.to_dict() == {"a": {"b": 10, "c": 2}}
    assert cfg.pop("a") == {"b": 10, "c": 2}
    assert cfg == {}


def test_to_dict_returns_plain_types():
    cfg = ConfigDict(a=[dict(b=1)], t=(dict(c=2),))
    plain = cfg.to_dict()
    assert type(plain) is dict
    assert type(plain["a"][0]) is dict
    assert type(plain["t"][0]) is dict


def test_copy_deepcopy_pickle_keep_type_and_content():
    cfg = ConfigDict(a=dict(b=[1, 2]))
    deep = copy.deepcopy(cfg)
    deep.a.b.append(3)
    assert cfg.a.b == [1, 2]
    assert isinstance(deep.a, ConfigDict)
    loaded = pickle.loads(pickle.dumps(cfg))
    assert loaded == cfg
    assert isinstance(loaded.a, ConfigDict)
    assert copy.copy(cfg).a is cfg.a
