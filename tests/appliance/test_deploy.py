"""scripts/install-kiosk and its systemd unit: systemd's own checker, idempotence and the undo.

Installed into an alternative root (KIOSK_ROOT): this container has no systemd running, so the
real restart after a crash is not exercised here (see README "Installing on a terminal").
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = "etc/systemd/system/zwgk-kiosk.service"
WANTS = "etc/systemd/system/multi-user.target.wants/zwgk-kiosk.service"

needs_systemctl = pytest.mark.skipif(
    shutil.which("systemctl") is None,
    reason="systemctl not installed (scripts/setup installs systemd)",
)


def install(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_ROOT": str(target)}
    return subprocess.run(
        [str(ROOT / "scripts" / "install-kiosk"), *args],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def tree(target: Path) -> dict[str, str]:
    """Every file (and symlink) under ``target`` with its content hash."""
    found = {}
    for path in sorted(target.rglob("*")):
        key = str(path.relative_to(target))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "dir"
    return found


@needs_systemctl
def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (scripts/setup installs systemd)")
    if shutil.which("cage") is None:
        pytest.skip("cage not installed (scripts/setup installs it): verify checks ExecStart")
    result = install(tmp_path)
    assert result.returncode == 0, result.stderr
    unit = tmp_path / UNIT
    text = unit.read_text("utf-8")
    assert "@" not in text.replace("getty@tty1", ""), "a placeholder was left unfilled"
    for line in ("Restart=always", "StandardOutput=journal", "TTYPath=/dev/tty1", "PAMName=login",
                 "User=zwgk-kiosk", "ExecStart=/usr/bin/cage -d -s -- /opt/zwgk-kiosk/.venv/bin/kiosk run",
                 "StartLimitIntervalSec=0"):  # fmt: skip
        assert line in text.splitlines(), line
    verify = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    # the checker really checks: the same unit with one typo fails it
    broken = tmp_path / "broken" / "zwgk-kiosk.service"
    broken.parent.mkdir()
    broken.write_text(text.replace("Restart=always", "Restart=alwayz"), "utf-8")
    verify = subprocess.run(
        [analyze, "verify", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert "alwayz" in verify.stderr


@needs_systemctl
def test_install_is_idempotent_and_enabled_at_boot(tmp_path: Path) -> None:
    first = install(tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / WANTS).is_symlink(), "not enabled at boot"
    assert (tmp_path / "opt/zwgk-kiosk/scripts/setup").is_file()
    assert (tmp_path / "var/lib/zwgk-kiosk").is_dir()
    before = tree(tmp_path)
    second = install(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "wrote" not in second.stderr, second.stderr
    assert tree(tmp_path) == before


@needs_systemctl
def test_uninstall_undoes_the_install_but_keeps_the_data(tmp_path: Path) -> None:
    assert install(tmp_path).returncode == 0
    (tmp_path / "var/lib/zwgk-kiosk/kiosk.sqlite3").write_bytes(b"the reading room's data")
    undo = install(tmp_path, "--uninstall")
    assert undo.returncode == 0, undo.stderr
    assert not (tmp_path / UNIT).exists() and not (tmp_path / WANTS).is_symlink()
    assert not (tmp_path / "opt/zwgk-kiosk").exists()
    assert (
        tmp_path / "var/lib/zwgk-kiosk/kiosk.sqlite3"
    ).read_bytes() == b"the reading room's data"
    again = install(tmp_path, "--uninstall")
    assert again.returncode == 0, again.stderr
    purge = install(tmp_path, "--purge")
    assert purge.returncode == 0, purge.stderr
    assert not (tmp_path / "var/lib/zwgk-kiosk").exists()
