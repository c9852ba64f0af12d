"""``Config.fromfile(dump(cfg)) == cfg`` in all three formats, for fixtures and random configs."""

from __future__ import annotations

import keyword
import shutil
import string
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mme.config import Config

pytestmark = pytest.mark.spec("CFG-09")

FIXTURES = Path(__file__).parent / "fixtures"
TUTORIAL = sorted(
    p.name
    for p in (FIXTURES / "tutorial").glob("*.py")
    if p.name not in ("demo_train.py", "my_module.py", "cross_repo.py")
)
RESERVED = {"filename", "text", "pretty_text", "env_variables", "custom_imports", "_base_"}


@pytest.mark.parametrize("name", TUTORIAL)
@pytest.mark.parametrize("ext", [".py", ".json", ".yaml"])
def test_every_tutorial_fixture_round_trips(tutorial, clean_import_state, name, ext):
    sys.path.insert(0, str(tutorial))
    cfg = Config.fromfile(name)
    cfg.dump(f"out{ext}")
    again = Config.fromfile(f"out{ext}")
    assert again == cfg
    assert same(again.to_dict(), cfg.to_dict())


@pytest.mark.parametrize("name", ["config.json", "config.yml", "child.yaml", "mixed.py"])
@pytest.mark.parametrize("ext", [".py", ".json", ".yaml"])
def test_every_format_fixture_round_trips(formats, name, ext):
    cfg = Config.fromfile(name)
    cfg.dump(f"out{ext}")
    assert same(Config.fromfile(f"out{ext}").to_dict(), cfg.to_dict())


def test_dump_is_deterministic_and_wraps_long_values():
    data = {
        "train_pipeline": [
            dict(type="LoadImageFromFile"),
            dict(type="RandomResizedCrop", scale=224, crop_ratio_range=(0.08, 1.0)),
            dict(type="RandomFlip", prob=0.5, direction="horizontal"),
            dict(type="PackInputs"),
        ],
        "weird": {"not-an-identifier": 1, 2: "int key", "class": None},
    }
    text = Config(data).pretty_text
    assert text == Config(data).pretty_text
    assert text == (
        "train_pipeline = [\n"
        "    dict(type='LoadImageFromFile'),\n"
        "    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0)),\n"
        "    dict(type='RandomFlip', prob=0.5, direction='horizontal'),\n"
        "    dict(type='PackInputs'),\n"
        "]\n"
        "weird = {'not-an-identifier': 1, 2: 'int key', 'class': None}\n"
    )
    assert all(len(line) <= 79 for line in text.splitlines())


def test_special_floats_and_shadowing_key_names(tmp_path):
    cfg = Config({"dict": {"a": float("inf")}, "b": {"c": -float("inf")}, "float": 1.5})
    cfg.dump(tmp_path / "c.py")
    assert Config.fromfile(tmp_path / "c.py") == cfg


def same(a, b) -> bool:
    """Equal with the same types all the way down (1 is not True, 1.0 is not 1)."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _identifiers() -> st.SearchStrategy[str]:
    return st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
        lambda s: not keyword.iskeyword(s) and s not in RESERVED
    )


_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="{}"
    )
    | st.sampled_from(string.whitespace[:3]),
    max_size=12,
)


def _configs(fmt: str) -> st.SearchStrategy[dict]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63)
        | st.floats(allow_nan=False)
        | _TEXT
    )
    keys: st.SearchStrategy = _TEXT.filter(lambda s: s not in ("_delete_", "_base_"))
    if fmt != "json":
        keys = keys | st.integers(-5, 5)

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        containers = st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        if fmt != "json":
            containers = containers | st.lists(children, max_size=3).map(tuple)
        return containers

    values = st.recursive(scalars, extend, max_leaves=12)
    return st.dictionaries(_identifiers(), values, max_size=5)


@pytest.mark.parametrize("ext", [".py", ".json", ".yaml"])
def test_random_configs_round_trip(tmp_path_factory, ext):
    folder = tmp_path_factory.mktemp("roundtrip")
    fmt = {".py": "python", ".json": "json", ".yaml": "yaml"}[ext]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_configs(fmt))
    def check(data):
        cfg = Config(data)
        path = folder / f"cfg{ext}"
        cfg.dump(path)
        again = Config.fromfile(path)
        assert again == cfg, path.read_text()
        assert same(again.to_dict(), cfg.to_dict()), path.read_text()

    check()
    shutil.rmtree(folder)


TRICKY_STRINGS = [
    "1e5",
    "1E-5",
    "0x1F",
    "0o17",
    "1_000",
    "+1",
    "-.5",
    ".inf",
    "nan",
    "1:20",
    "2001-12-14",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "~",
    "True",
    "false",
    "",
    " lead",
    "trail ",
    "a: b",
    "#c",
    "- x",
    "multi\nline",
    "tab\tx",
    "quote'\"",
    "back\\slash",
    "{{not a var",
    "ünïcødé",
]


@pytest.mark.parametrize("ext", [".py", ".json", ".yaml"])
def test_strings_that_look_like_other_types_stay_strings(tmp_path, ext):
    cfg = Config({"values": TRICKY_STRINGS, "keyed": {s: s for s in TRICKY_STRINGS if s}})
    cfg.dump(tmp_path / f"c{ext}")
    again = Config.fromfile(tmp_path / f"c{ext}")
    assert same(again.to_dict(), cfg.to_dict())
