"""Fixtures of the dataset tests: the spec's ``data/`` folder (BaseDataset tutorial).

::

    data
    ├── annotations
    │   ├── train.json
    │   ├── val.json
    ├── train
    │   ├── xxx/xxx_0.jpg
    │   ├── xxx/xxx_1.jpg
    ├── val
    │   ├── xxx/xxx_0.jpg

The "images" are small NumPy arrays saved with ``np.save`` under the spec's file names
(``np.load`` reads them by content), so no image library is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

TRAIN = {
    "metainfo": {"classes": ["cat", "dog"]},
    "data_list": [
        {"img_path": "xxx/xxx_0.jpg", "img_label": 0},
        {"img_path": "xxx/xxx_1.jpg", "img_label": 1},
    ],
}
VAL = {
    "metainfo": {"classes": ["cat", "dog"]},
    "data_list": [{"img_path": "xxx/xxx_0.jpg", "img_label": 1}],
}


def write_image(path: Path, height: int, width: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.save(f, np.full((height, width, 3), 7, dtype=np.uint8))


@pytest.fixture
def spec_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The spec's data folder under a temporary working directory; returns ``data/``."""
    data = tmp_path / "data"
    (data / "annotations").mkdir(parents=True)
    (data / "annotations" / "train.json").write_text(json.dumps(TRAIN, indent=4))
    (data / "annotations" / "val.json").write_text(json.dumps(VAL, indent=4))
    write_image(data / "train" / "xxx" / "xxx_0.jpg", 4, 5)
    write_image(data / "train" / "xxx" / "xxx_1.jpg", 6, 2)
    write_image(data / "val" / "xxx" / "xxx_0.jpg", 3, 3)
    monkeypatch.chdir(tmp_path)
    return data
