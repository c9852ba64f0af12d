"""MMLogger and print_log: format, errors, files, ranks, hierarchy (LOG-01..LOG-06)."""

from __future__ import annotations

import io
import logging
import re
import socket
import sys
import time
from pathlib import Path

import pytest

from mme.logging import ConsoleHandler, MMFormatter, MMLogger, print_log
from mme.logging.logger import log_file_path, parse_level
from mme.logging.rank_info import RankInfo

pytestmark = pytest.mark.usefixtures("restore_mme_logger")

STAMP = r"\d{2}/\d{2} \d{2}:\d{2}:\d{2}"
FILE_STAMP = r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}"


def lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.fixture
def single_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No launcher variables: this process is rank 0 of 1."""
    for name in (
        "RANK",
        "WORLD_SIZE",
        "LOCAL_RANK",
        "SLURM_PROCID",
        "SLURM_NTASKS",
        "SLURM_LOCALID",
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "OMPI_COMM_WORLD_LOCAL_RANK",
    ):
        monkeypatch.delenv(name, raising=False)


def as_rank(monkeypatch: pytest.MonkeyPatch, rank: int, world_size: int, local_rank: int) -> None:
    monkeypatch.setenv("RANK", str(rank))
    monkeypatch.setenv("WORLD_SIZE", str(world_size))
    monkeypatch.setenv("LOCAL_RANK", str(local_rank))


@pytest.mark.spec("LOG-01")
def test_formatter_golden_line() -> None:
    record = logging.LogRecord("x", logging.INFO, "a.py", 4, "this is a test", None, None)
    record.created = time.mktime((2022, 4, 15, 14, 1, 11, 0, 0, -1))
    assert MMFormatter("mmengine").format(record) == (
        "04/15 14:01:11 - mmengine - INFO - this is a test"
    )


@pytest.mark.spec("LOG-02")
def test_formatter_error_line_has_the_location() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, "/mnt/d/a.py", 4, "division by zero", None, None, func="<module>"
    )
    record.created = time.mktime((2022, 4, 15, 14, 1, 56, 0, 0, -1))
    assert MMFormatter("mmengine").format(record) == (
        "04/15 14:01:56 - mmengine - ERROR - /mnt/d/a.py - <module> - 4 - division by zero"
    )


@pytest.mark.spec("LOG-01")
def test_get_instance_logs_in_the_specified_format(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = MMLogger.get_instance(unique_name, logger_name="mmengine", log_level="INFO")
    assert isinstance(logger, logging.Logger)
    assert logger.instance_name == unique_name
    assert logger.name == "mmengine"
    logger.info("this is a test")
    logger.debug("not shown at INFO")
    out = capsys.readouterr().out
    assert re.fullmatch(rf"{STAMP} - mmengine - INFO - this is a test\n", out)


@pytest.mark.spec("LOG-01")
def test_shown_name_defaults_to_the_instance_name(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    MMLogger.get_instance(unique_name).warning("careful")
    assert re.fullmatch(
        rf"{STAMP} - {re.escape(unique_name)} - WARNING - careful\n", capsys.readouterr().out
    )


@pytest.mark.spec("LOG-01", "MGR-01")
def test_get_instance_twice_with_arguments_is_an_error(
    single_process: None, unique_name: str
) -> None:
    logger = MMLogger.get_instance(unique_name, log_level="INFO")
    assert MMLogger.get_instance(unique_name) is logger
    assert MMLogger.get_current_instance() is logger
    with pytest.raises(ValueError, match=r"already exists.*\(got: log_level\)"):
        MMLogger.get_instance(unique_name, log_level="DEBUG")


@pytest.mark.spec("LOG-02")
def test_error_lines_carry_file_function_and_line(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = MMLogger.get_instance(unique_name, logger_name="mmengine")
    logger.error("division by zero")
    line = sys._getframe().f_lineno - 1  # the line above
    out = capsys.readouterr().out
    assert re.fullmatch(
        rf"{STAMP} - mmengine - ERROR - {re.escape(__file__)} - "
        rf"test_error_lines_carry_file_function_and_line - {line} - division by zero\n",
        out,
    )


@pytest.mark.spec("LOG-02")
def test_exception_tracebacks_follow_the_line(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = MMLogger.get_instance(unique_name)
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("division by zero")
    out = capsys.readouterr().out
    assert "ERROR" in out
    assert "Traceback (most recent call last)" in out
    assert out.rstrip().endswith("ZeroDivisionError: division by zero")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.spec("LOG-02")
def test_terminal_output_is_coloured_and_errors_are_red(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    stream = FakeTerminal()
    handler = ConsoleHandler(stream)
    handler.setFormatter(MMFormatter("mmengine"))
    logger = logging.Logger("terminal-test")
    logger.addHandler(handler)
    logger.info("hello")
    logger.error("division by zero")
    info_line, error_line = lines(stream.getvalue())
    assert "\x1b[" in info_line
    assert re.sub(r"\x1b\[[0-9;]*m", "", info_line).endswith(" - mmengine - INFO - hello")
    assert error_line.startswith("\x1b[1;31m")
    assert re.sub(r"\x1b\[[0-9;]*m", "", error_line).endswith(" - division by zero")


@pytest.mark.spec("LOG-02")
def test_non_terminal_output_is_plain_text() -> None:
    stream = io.StringIO()
    handler = ConsoleHandler(stream)
    handler.setFormatter(MMFormatter("mmengine"))
    logger = logging.Logger("plain-test")
    logger.addHandler(handler)
    logger.error("division by zero")
    assert "\x1b" not in stream.getvalue()
    assert stream.getvalue().endswith(" - division by zero\n")


@pytest.mark.spec("LOG-03")
def test_log_file_goes_to_a_folder_of_the_same_stem(
    single_process: None,
    unique_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    logger = MMLogger.get_instance(
        unique_name, logger_name="mmengine", log_file="tmp.log", log_level="INFO"
    )
    logger.info("this is a test")
    logger.close()
    assert logger.log_file == Path("tmp/tmp.log")
    written = (tmp_path / "tmp" / "tmp.log").read_text(encoding="utf-8")
    assert re.fullmatch(rf"{FILE_STAMP} - mmengine - INFO - this is a test\n", written)
    assert re.sub(r"^\d{4}/", "", written) == capsys.readouterr().out  # the year added


@pytest.mark.spec("LOG-03")
def test_log_file_already_in_its_folder_is_not_nested_again(tmp_path: Path) -> None:
    run = tmp_path / "20230228_141908" / "20230228_141908.log"
    assert log_file_path(run, RankInfo(), per_rank=False) == run
    assert log_file_path(tmp_path / "a" / "run.log", RankInfo(), False) == (
        tmp_path / "a" / "run" / "run.log"
    )
    with pytest.raises(ValueError, match=r"log_file='' does not name a file"):
        log_file_path("", RankInfo(), False)


@pytest.mark.spec("LOG-03")
def test_file_mode_append_and_bad_mode(
    single_process: None, unique_name: str, tmp_path: Path
) -> None:
    target = tmp_path / "run.log"
    first = MMLogger.get_instance(unique_name + "-1", log_file=target)
    first.info("one")
    first.close()
    second = MMLogger.get_instance(unique_name + "-2", log_file=target, file_mode="a")
    second.info("two")
    second.close()
    text = (tmp_path / "run" / "run.log").read_text(encoding="utf-8")
    assert [line.rsplit(" - ", 1)[1] for line in lines(text)] == ["one", "two"]
    with pytest.raises(ValueError, match=r"file_mode='x' is not supported; use 'w'"):
        MMLogger.get_instance(unique_name + "-3", log_file=target, file_mode="x")


@pytest.mark.spec("LOG-04")
def test_only_rank_zero_writes_the_file_without_distributed(
    unique_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_rank(monkeypatch, rank=1, world_size=2, local_rank=1)
    logger = MMLogger.get_instance(unique_name, log_file=tmp_path / "tmp.log")
    logger.info("rank 1 talks")
    assert logger.log_file is None
    assert not (tmp_path / "tmp").exists()


@pytest.mark.spec("LOG-04")
@pytest.mark.parametrize("options", [{"distributed": True}, {"log_level": "DEBUG"}])
def test_every_rank_writes_its_own_file_when_distributed_or_debug(
    unique_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict
) -> None:
    as_rank(monkeypatch, rank=57, world_size=64, local_rank=1)
    logger = MMLogger.get_instance(
        unique_name, log_file=tmp_path / "20230306_183634.log", **options
    )
    logger.error("rank 57 fails")
    logger.close()
    host = socket.gethostname()
    expected = tmp_path / "20230306_183634" / f"20230306_183634_{host}_device1_rank57.log"
    assert logger.log_file == expected
    assert expected.read_text(encoding="utf-8").endswith(" - rank 57 fails\n")


@pytest.mark.spec("LOG-04")
def test_other_ranks_show_only_errors_on_the_console(
    unique_name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_rank(monkeypatch, rank=3, world_size=4, local_rank=3)
    logger = MMLogger.get_instance(unique_name)
    logger.info("quiet")
    logger.error("loud")
    assert [line.rsplit(" - ", 1)[1] for line in lines(capsys.readouterr().out)] == ["loud"]
    chatty = MMLogger.get_instance(unique_name + "-all", console_all_ranks=True)
    chatty.info("heard")
    assert capsys.readouterr().out.endswith(" - heard\n")


@pytest.mark.spec("LOG-05")
def test_print_log_targets(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    print_log("plain print")
    assert capsys.readouterr().out == "plain print\n"
    logger = MMLogger.get_instance(unique_name, logger_name="mmengine")
    print_log("through current", logger="current")
    print_log("through name", logger=unique_name, level=logging.WARNING)
    print_log("through object", logger=logger, level="ERROR")
    line = sys._getframe().f_lineno - 1  # the line above
    print_log("dropped", logger="silent")
    out = lines(capsys.readouterr().out)
    assert len(out) == 3
    assert re.fullmatch(rf"{STAMP} - mmengine - INFO - through current", out[0])
    assert re.fullmatch(rf"{STAMP} - mmengine - WARNING - through name", out[1])
    # The location is the caller of print_log, not print_log itself.
    assert f" - test_print_log_targets - {line} - through object" in out[2]


@pytest.mark.spec("LOG-05")
def test_print_log_errors(single_process: None, unique_name: str) -> None:
    MMLogger.get_instance(unique_name)
    with pytest.raises(ValueError, match=rf"no MMLogger named '{unique_name}x'.*Did you mean"):
        print_log("msg", logger=unique_name + "x")
    with pytest.raises(TypeError, match=r"logger must be None, 'current', 'silent'.*got int"):
        print_log("msg", logger=3)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"level='INF' is not a logging level.*Did you mean 'INFO'"
    ):
        print_log("msg", logger="current", level="INF")


@pytest.mark.spec("LOG-01")
def test_bad_log_level_suggests_a_name(unique_name: str) -> None:
    with pytest.raises(ValueError, match=r"log_level='DEBUGG' is not a logging level.*'DEBUG'"):
        MMLogger.get_instance(unique_name, log_level="DEBUGG")
    assert parse_level("debug") == logging.DEBUG
    assert parse_level(15) == 15


@pytest.mark.spec("LOG-01", "LOG-06")
def test_lower_packages_reach_the_current_loggers_handlers(
    single_process: None,
    unique_name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = MMLogger.get_instance(
        unique_name, logger_name="mmengine", log_file=tmp_path / "run.log", log_level="DEBUG"
    )
    registry_log = logging.getLogger("mme.registry")
    registry_log.debug('Get class `LocalVisBackend` from "vis_backend" registry in "mme"')
    registry_log.info("built")
    logger.close()
    expected = [
        'DEBUG - Get class `LocalVisBackend` from "vis_backend" registry in "mme"',
        "INFO - built",
    ]
    console = lines(capsys.readouterr().out)
    written = lines((tmp_path / "run" / "run.log").read_text(encoding="utf-8"))
    for got in (console, written):
        assert [line.split(" - mmengine - ", 1)[1] for line in got] == expected


@pytest.mark.spec("LOG-06")
def test_debug_records_from_lower_packages_are_dropped_at_info(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    MMLogger.get_instance(unique_name, log_level="INFO")
    logging.getLogger("mme.registry").debug("hidden")
    logging.getLogger("mme.dist").warning("shown")
    out = lines(capsys.readouterr().out)
    assert len(out) == 1
    assert out[0].endswith("WARNING - shown")


@pytest.mark.spec("LOG-06")
def test_set_level_of_the_current_logger_moves_the_hierarchy(
    single_process: None, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = MMLogger.get_instance(unique_name, log_level="INFO")
    logger.setLevel("DEBUG")
    logging.getLogger("mme.optim").debug("now visible")
    assert capsys.readouterr().out.endswith("DEBUG - now visible\n")


@pytest.mark.spec("LOG-01")
def test_caplog_still_sees_mme_records(
    single_process: None, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    logger = MMLogger.get_instance(unique_name)
    with caplog.at_level(logging.INFO):
        logging.getLogger("mme.registry").info("from the registry")
        logger.info("from the logger")
    assert [r.getMessage() for r in caplog.records] == ["from the registry", "from the logger"]
    assert caplog.records[0].name == "mme.registry"


@pytest.mark.spec("LOG-01")
def test_get_current_instance_builds_a_default_logger() -> None:
    class FreshLogger(MMLogger):
        pass

    logger = FreshLogger.get_current_instance()
    assert logger.instance_name == "mme"
    assert logger.name == "mme"


@pytest.mark.spec("LOG-01")
def test_the_latest_logger_built_receives_lower_package_records(
    single_process: None, unique_name: str, tmp_path: Path
) -> None:
    first = MMLogger.get_instance(unique_name + "-a", log_file=tmp_path / "a.log")
    second = MMLogger.get_instance(unique_name + "-b", log_file=tmp_path / "b.log")
    logging.getLogger("mme.dataset").warning("for the newest")
    first.close()
    second.close()
    assert (tmp_path / "a" / "a.log").read_text(encoding="utf-8") == ""
    assert (tmp_path / "b" / "b.log").read_text(encoding="utf-8").endswith(" - for the newest\n")


@pytest.mark.spec("LOG-01")
def test_stdlib_logging_is_not_shadowed() -> None:
    import mme.logging.logger as module

    assert module.logging is logging
    assert logging.__name__ == "logging"
    assert hasattr(logging, "getLogger")
