"""DictAction parsing and Config.merge_from_dict."""

from __future__ import annotations

import argparse

import pytest

from mme.config import Config, ConfigError, DictAction

pytestmark = pytest.mark.spec("CFG-11")


def parse(*args: str) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return parser.parse_args(["--cfg-options", *args]).cfg_options


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("-3", -3),
        ("0.1", 0.1),
        ("1e-4", 1e-4),
        ("true", True),
        ("False", False),
        ("None", None),
        ("none", None),
        ("abc", "abc"),
        ("'quoted str'", "quoted str"),
        ('"Adam"', "Adam"),
        ("", ""),
        ("[1,2,3]", [1, 2, 3]),
        ("[1, 1, 1]", [1, 1, 1]),
        ("1,2", [1, 2]),
        ("(1,2)", (1, 2)),
        ("(1,)", (1,)),
        ("[]", []),
        ("()", ()),
        ("[(1,2),(3,4)]", [(1, 2), (3, 4)]),
        ("[(a,b),(c,d)]", [("a", "b"), ("c", "d")]),
        ("[[1,[2,3]],true,None]", [[1, [2, 3]], True, None]),
        ("['a,b',c]", ["a,b", "c"]),
    ],
)
def test_value_parsing(text, value):
    parsed = parse(f"key={text}")["key"]
    assert parsed == value
    assert type(parsed) is type(value)


def test_several_pairs_and_repeated_flags_accumulate():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    args = parser.parse_args(["--cfg-options", "a=1", "b.c=x", "--cfg-options", "d=[1,2]", "a=2"])
    assert args.cfg_options == {"a": 2, "b.c": "x", "d": [1, 2]}


def test_malformed_pair_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        parse("no_equals_sign")
    assert "'no_equals_sign' is not KEY=VALUE" in capsys.readouterr().err


def test_unbalanced_brackets_name_the_key():
    with pytest.raises(ConfigError, match=r"model\.in_channels: unclosed"):
        parse("model.in_channels=[1,2")


def test_merge_dotted_keys():
    cfg = Config(
        dict(
            model=dict(type="CustomModel", in_channels=[1, 2, 3]),
            optimizer=dict(type="SGD", lr=0.01),
        )
    )
    cfg.merge_from_dict({"optimizer.lr": 0.1})
    assert cfg.to_dict() == {
        "model": {"type": "CustomModel", "in_channels": [1, 2, 3]},
        "optimizer": {"type": "SGD", "lr": 0.1},
    }


def test_merge_dict_value_merges_and_delete_replaces():
    cfg = Config(dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)))
    cfg.merge_from_dict({"optimizer": dict(lr=0.1)})
    assert cfg.optimizer == {"type": "SGD", "lr": 0.1, "momentum": 0.9}
    cfg.merge_from_dict({"optimizer": dict(_delete_=True, type="Adam")})
    assert cfg.optimizer == {"type": "Adam"}


def test_list_index_keys():
    cfg = Config(dict(pipeline=[dict(type="Load"), dict(type="Resize", scale=(1, 2))]))
    cfg.merge_from_dict({"pipeline.1.scale": (3, 4), "pipeline.0": dict(type="LoadImage")})
    assert cfg.pipeline == [{"type": "LoadImage"}, {"type": "Resize", "scale": (3, 4)}]
    assert cfg.pipeline[0].type == "LoadImage"
    with pytest.raises(ConfigError, match=r"allow_list_keys=True"):
        cfg.merge_from_dict({"pipeline.0.type": "X"}, allow_list_keys=False)
    with pytest.raises(
        ConfigError, match=r"index '5' is not valid for the list 'pipeline' of length 2"
    ):
        cfg.merge_from_dict({"pipeline.5.type": "X"})


def test_new_keys_need_plus_or_flag():
    cfg = Config(dict(a=1))
    cfg.merge_from_dict({"+b.c": 2})
    cfg.merge_from_dict({"d": 3}, allow_new_keys=True)
    assert cfg.to_dict() == {"a": 1, "b": {"c": 2}, "d": 3}


def test_key_below_a_scalar_is_an_error():
    cfg = Config(dict(a=1))
    with pytest.raises(ConfigError, match=r"'a' is a int, not a dict"):
        cfg.merge_from_dict({"a.b": 2})


def test_merged_values_are_copies():
    value = {"x": [1]}
    cfg = Config(dict(a=dict()))
    cfg.merge_from_dict({"a": value})
    value["x"].append(2)
    assert cfg.a.x == [1]
