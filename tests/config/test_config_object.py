"""The Config object itself: copying, pickling, equality, dict-like helpers."""

from __future__ import annotations

import copy
import pickle

import pytest

from mme.config import Config, ConfigDict, LazyObject

pytestmark = pytest.mark.spec("CFG-02", "CFG-17")


def test_copy_deepcopy_and_pickle_keep_content_and_filename(tutorial):
    cfg = Config.fromfile("resnet50.py")
    deep = copy.deepcopy(cfg)
    deep.model.depth = 101
    assert cfg.model.depth == 50
    assert deep.filename == "resnet50.py"
    shallow = copy.copy(cfg)
    assert shallow.model is cfg.model
    loaded = pickle.loads(pickle.dumps(cfg))
    assert loaded == cfg
    assert repr(loaded) == repr(cfg)
    assert loaded.explain("optimizer.lr").origin.line == 1


def test_dict_like_helpers():
    cfg = Config(dict(a=1, b=dict(c=2)))
    assert list(cfg) == ["a", "b"]
    assert len(cfg) == 2
    assert "a" in cfg
    assert cfg.get("missing", 3) == 3
    assert dict(cfg.items()) == {"a": 1, "b": {"c": 2}}
    del cfg.a
    del cfg["b"]
    assert len(cfg) == 0
    assert Config(dict(a=1)) == {"a": 1}
    assert repr(Config(dict(a=1))) == "Config (path: None): {'a': 1}"


def test_config_dict_resolves_lazy_values_on_read_only():
    lazy = LazyObject("collections", ("OrderedDict",))
    from collections import OrderedDict

    d = ConfigDict(type=lazy, nested=dict(t=lazy))
    assert d.type is OrderedDict
    assert d["type"] is OrderedDict
    assert d.get("type") is OrderedDict
    assert dict(d.items())["type"] is OrderedDict
    assert OrderedDict in d.values()
    assert d.nested.t is OrderedDict
    assert dict.__getitem__(d, "type") is lazy  # stored unresolved
    assert d.to_dict()["type"] == "collections.OrderedDict"  # a dotted name, as MMEngine
    assert dict.__getitem__(copy.deepcopy(d), "type") is lazy
    assert dict.__getitem__(ConfigDict(d), "type") is lazy  # copying never imports
    assert pickle.loads(pickle.dumps(lazy)) == lazy


def test_fromstring_resolves_bases_from_the_working_directory(tutorial):
    cfg = Config.fromstring("_base_ = ['optimizer_cfg.py']\nx = 1\n", ".py")
    assert cfg.optimizer.lr == 0.02
    assert cfg.filename is None
    assert cfg.text.startswith("_base_")


def test_non_dict_argument_is_rejected():
    with pytest.raises(TypeError, match="Config needs a dict, got list"):
        Config([1, 2])


def test_reserved_names_are_read_only():
    cfg = Config(dict(a=1))
    with pytest.raises(AttributeError, match=r"Config\.filename is read-only"):
        cfg.filename = "x.py"
    assert "filename" not in cfg
