"""DictAction parsing and Config.merge_from_dict."""

from __future__ import annotations

import argparse

import pytest

from mme.config import Config, ConfigError, DictAction
from mme.config.overrides import add_strict_flag

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
    with pytest.raises(TypeError, match=r"allow_list_keys=True"):  # TypeError as MMEngine
        cfg.merge_from_dict({"pipeline.0.type": "X"}, allow_list_keys=False)
    with pytest.raises(KeyError) as err:  # KeyError as MMEngine
        cfg.merge_from_dict({"pipeline.5.type": "X"})
    assert str(err.value) == (
        "override 'pipeline.5.type': index 5 is out of range for the list 'pipeline' of length 2"
    )
    with pytest.raises(TypeError, match=r"'pipeline' is a list, indexed by numbers, not by 'x'"):
        cfg.merge_from_dict({"pipeline.x.type": "X"})
    with pytest.raises(ConfigError):  # every one is also our own error class
        cfg.merge_from_dict({"pipeline.5.type": "X"})


def test_new_keys_are_added_as_in_mmengine(caplog):
    cfg = Config(dict(a=1, train_cfg=dict(max_epochs=12)))
    with caplog.at_level("WARNING", logger="mme.config"):
        cfg.merge_from_dict({"+b.c": 2, "d": 3, "e.f.g": 4})
    assert caplog.records == []  # nothing close to an existing key: no warning
    assert cfg.to_dict() == {
        "a": 1,
        "train_cfg": {"max_epochs": 12},
        "b": {"c": 2},
        "d": 3,
        "e": {"f": {"g": 4}},
    }


def test_a_new_key_close_to_a_sibling_warns_naming_both(caplog):
    cfg = Config(dict(train_cfg=dict(max_epochs=12)))
    with caplog.at_level("WARNING", logger="mme.config"):
        cfg.merge_from_dict({"train_cfg.max_epoch": 24})
    assert [r.getMessage() for r in caplog.records] == [
        "override 'train_cfg.max_epoch' adds the new key 'train_cfg.max_epoch', next to the "
        "existing 'train_cfg.max_epochs'. If that is a typo, override 'train_cfg.max_epochs'; "
        "to add 'train_cfg.max_epoch' on purpose, write '+train_cfg.max_epoch'."
    ]
    assert cfg.train_cfg == {"max_epochs": 12, "max_epoch": 24}


def test_strict_flag_of_the_command_line(caplog):
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    add_strict_flag(parser)
    args = parser.parse_args(["--cfg-options", "train_cfg.max_epoch=24", "--strict-cfg-options"])
    cfg = Config(dict(train_cfg=dict(max_epochs=12)))
    with pytest.raises(KeyError, match="strict=True refuses it"):
        cfg.merge_from_dict(args.cfg_options, strict=args.strict_cfg_options)
    assert parser.parse_args([]).strict_cfg_options is False


def test_key_below_a_scalar_is_an_error():
    cfg = Config(dict(a=1))
    with pytest.raises(TypeError, match=r"'a' is a int, not a dict"):
        cfg.merge_from_dict({"a.b": 2})


def test_merged_values_are_copies():
    value = {"x": [1]}
    cfg = Config(dict(a=dict()))
    cfg.merge_from_dict({"a": value})
    value["x"].append(2)
    assert cfg.a.x == [1]
