"""One atomic write: the old file or the whole new one, flushed to disk, never a stray temp file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.files import write_atomic


def test_replaces_the_file_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "root.json"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "新的内容")
    assert target.read_text(encoding="utf-8") == "新的内容"
    assert [p.name for p in tmp_path.iterdir()] == ["root.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644, "readable by the web server"


def test_private_files_are_private_from_the_first_byte(tmp_path: Path) -> None:
    key = write_atomic(tmp_path / "root.key", b"secret", mode=0o600)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_data_reaches_the_disk_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1]
    )
    write_atomic(tmp_path / "batch.json", b"{}")
    assert events[:2] == ["fsync", "replace"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "stats.csv"
    target.write_bytes(b"old")

    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["stats.csv"]
