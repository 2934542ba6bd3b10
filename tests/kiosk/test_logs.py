"""One logging set-up (kiosk.logs) for the CLI and the UI: the data dir's file, the journal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk import logs
from kiosk.cli import cli


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield
    logs.reset()


def test_a_cli_error_is_logged_with_its_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "quarantine", "approve", "nope"])
    assert result.exit_code == 1, result.output
    text = logs.log_path(tmp_path).read_text("utf-8")
    assert "ERROR kiosk.cli: kiosk quarantine: 找不到文件 nope (no such document)" in text


def test_a_command_that_logs_nothing_leaves_no_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "--help"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "d").exists()


def test_under_systemd_records_reach_the_journal_with_priorities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    logs.configure(tmp_path)
    logging.getLogger("sync").error("同步失败：连接超时\nsecond line")
    logging.getLogger("ui").info("kiosk started")
    err = capsys.readouterr().err
    assert "<3>sync: 同步失败：连接超时\n<3>second line\n" in err
    assert "<6>ui: kiosk started\n" in err
    assert "同步失败" in logs.log_path(tmp_path).read_text("utf-8")


def test_outside_systemd_nothing_is_written_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    logs.configure(tmp_path)
    logging.getLogger("sync").warning("a warning")
    assert capsys.readouterr().err == ""


def test_the_file_rotates_instead_of_filling_the_disk(tmp_path: Path) -> None:
    path = logs.configure(tmp_path)
    line = "x" * 1000
    for _ in range(5000):  # ~5 MB
        logging.getLogger("test").info(line)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert all(p.stat().st_size <= 2_100_000 for p in path.parent.iterdir())


def test_an_unwritable_log_folder_costs_one_warning_not_the_kiosk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs").write_text("a file where the folder should be")
    logs.configure(tmp_path, journal=False)
    logging.getLogger("test").error("first")
    logging.getLogger("test").error("second")
    err = capsys.readouterr().err
    assert err.count("无法写入日志") == 1, err
