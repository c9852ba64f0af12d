"""MMLogger behaves as MMEngine's where user code relies on it (LOG-01, LOG-03).

setLevel after logging, duplicate warnings, file_handler_cfg, the year in file lines, and
two loggers on one file.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest

from mme.logging import MMFormatter, MMLogger
from mme.logging.console import FILE_DATE_FORMAT

pytestmark = [pytest.mark.usefixtures("restore_mme_logger", "single_process")]


@pytest.fixture
def single_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK"):
        monkeypatch.delenv(name, raising=False)


def messages(text: str) -> list[str]:
    """``LEVEL - message`` of each line."""
    return [line.split(" - ", 2)[2] for line in text.splitlines()]


@pytest.mark.spec("LOG-01")
def test_set_level_takes_effect_after_the_logger_has_logged(
    unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = MMLogger.get_instance(unique_name, log_level="INFO")
    logger.debug("hidden")  # Python caches "DEBUG is disabled" for this logger
    logger.setLevel("DEBUG")
    logger.debug("shown")
    logger.setLevel(logging.WARNING)
    logger.info("hidden again")
    assert messages(capsys.readouterr().out) == ["DEBUG - shown"]


@pytest.mark.spec("LOG-01")
def test_identical_warnings_are_shown_once(
    unique_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = MMLogger.get_instance(unique_name, log_file=tmp_path / "run.log")
    for _ in range(3):
        logger.warning("`lr` is deprecated")
        logger.info("step")
    logger.warning("another warning")
    logger.warning("value %d", 1)
    logger.warning("value %d", 2)
    logging.getLogger("mme.registry").warning("`lr` is deprecated")  # a lower package
    logger.close()
    expected = [
        "WARNING - `lr` is deprecated",
        "INFO - step",
        "INFO - step",
        "INFO - step",
        "WARNING - another warning",
        "WARNING - value 1",
        "WARNING - value 2",
    ]
    assert messages(capsys.readouterr().out) == expected
    assert messages((tmp_path / "run" / "run.log").read_text(encoding="utf-8")) == expected


@pytest.mark.spec("LOG-03")
def test_file_lines_carry_the_year_as_mmengine_writes_them() -> None:
    record = logging.LogRecord("x", logging.INFO, "a.py", 4, "Epoch(train) [1][10/20]", None, None)
    record.created = time.mktime((2022, 8, 22, 15, 51, 53, 0, 0, -1))
    assert MMFormatter("mmengine", FILE_DATE_FORMAT).format(record) == (
        "2022/08/22 15:51:53 - mmengine - INFO - Epoch(train) [1][10/20]"
    )


@pytest.mark.spec("LOG-03")
def test_file_handler_cfg_builds_a_rotating_file_handler(unique_name: str, tmp_path: Path) -> None:
    cfg = {"type": "RotatingFileHandler", "maxBytes": 200, "backupCount": 2}
    logger = MMLogger.get_instance(unique_name, log_file=tmp_path / "run.log", file_handler_cfg=cfg)
    assert cfg == {"type": "RotatingFileHandler", "maxBytes": 200, "backupCount": 2}  # not consumed
    (handler,) = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    assert type(handler) is logging.handlers.RotatingFileHandler
    for index in range(20):
        logger.info("line %02d of the rotating log", index)
    logger.close()
    folder = tmp_path / "run"
    assert sorted(p.name for p in folder.iterdir()) == ["run.log", "run.log.1", "run.log.2"]
    last = (folder / "run.log").read_text(encoding="utf-8").splitlines()[-1]
    assert re.search(r"^\d{4}/\d{2}/\d{2} .* - INFO - line 19 of the rotating log$", last)


def test_file_handler_cfg_errors_name_the_choices(unique_name: str, tmp_path: Path) -> None:
    with pytest.raises(
        ValueError,
        match=r"type='RotatingFileHandlr' is not a file handler.*"
        r"Did you mean 'RotatingFileHandler'",
    ):
        MMLogger.get_instance(
            unique_name + "-1",
            log_file=tmp_path / "a.log",
            file_handler_cfg={"type": "RotatingFileHandlr"},
        )
    with pytest.raises(
        ValueError, match=r"file_handler_cfg has no 'type'; use one of .*FileHandler"
    ):
        MMLogger.get_instance(
            unique_name + "-2", log_file=tmp_path / "b.log", file_handler_cfg={"maxBytes": 1}
        )
    with pytest.raises(TypeError, match=r"file_handler_cfg \{'type': 'FileHandler', 'max': 1\}"):
        MMLogger.get_instance(
            unique_name + "-3",
            log_file=tmp_path / "c.log",
            file_handler_cfg={"type": "FileHandler", "max": 1},
        )


@pytest.mark.spec("LOG-03")
def test_a_second_logger_may_not_truncate_the_first_ones_file(
    unique_name: str, tmp_path: Path
) -> None:
    first = MMLogger.get_instance(unique_name + "-1", log_file=tmp_path / "run.log")
    first.info("kept")
    file = tmp_path / "run" / "run.log"
    with pytest.raises(ValueError) as info:
        MMLogger.get_instance(unique_name + "-2", log_file=tmp_path / "run.log")
    assert str(info.value) == (
        f"MMLogger '{unique_name}-2': the log file '{file}' is already written by MMLogger "
        f"'{unique_name}-1'; opening it with file_mode='w' would erase that logger's lines. "
        "Use file_mode='a', another log_file, or close the other logger first."
    )
    with pytest.raises(ValueError, match=r"written by MMLogger .*-1' with file_mode='w', which"):
        MMLogger.get_instance(unique_name + "-3", log_file=tmp_path / "run.log", file_mode="a")
    first.info("still here")
    first.close()
    assert messages(file.read_text(encoding="utf-8")) == ["INFO - kept", "INFO - still here"]
    # both appending: one file, the lines of both in order
    one = MMLogger.get_instance(unique_name + "-4", log_file=tmp_path / "run.log", file_mode="a")
    two = MMLogger.get_instance(unique_name + "-5", log_file=tmp_path / "run.log", file_mode="a")
    one.info("from one")
    two.info("from two")
    one.info("one again")
    one.close()
    two.close()
    assert messages(file.read_text(encoding="utf-8"))[2:] == [
        "INFO - from one",
        "INFO - from two",
        "INFO - one again",
    ]
    fresh = MMLogger.get_instance(unique_name + "-6", log_file=tmp_path / "run.log")
    fresh.info("new run")  # once the others closed it, 'w' starts the file afresh
    fresh.close()
    assert messages(file.read_text(encoding="utf-8")) == ["INFO - new run"]
