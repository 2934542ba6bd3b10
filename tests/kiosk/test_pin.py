"""The librarian PIN (no Qt): hashing, lockout, and ``kiosk set-pin``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.app import KioskContext
from kiosk.cli import cli
from kiosk.pin import PinGuard, hash_pin, valid_pin, verify_pin


def test_pin_hash_round_trip() -> None:
    encoded = hash_pin("1234")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_pin("1234", encoded) and not verify_pin("1235", encoded)
    assert hash_pin("1234") != encoded, "salted"
    assert not verify_pin("1234", "garbage") and not verify_pin("1234", "md5$x$y$z$a$b")
    assert (
        valid_pin("0000")
        and not valid_pin("123")
        and not valid_pin("12a4")
        and not valid_pin("１２３４")
    )


def test_pin_guard_lockout_with_a_clock(empty_context: KioskContext) -> None:
    now = [1000.0]
    guard = PinGuard(empty_context.store(), max_failures=3, lockout_s=60, clock=lambda: now[0])
    assert not guard.check("1234").configured
    guard.set_pin("1234")
    assert guard.check("0000").tries_left == 2
    assert guard.check("0000").tries_left == 1
    assert guard.check("0000").locked_for == 60
    assert not guard.check("1234").ok
    now[0] += 61
    assert guard.check("1234").ok
    assert guard.check("0000").tries_left == 2, "a success resets the count"
    with pytest.raises(ValueError):
        guard.set_pin("12")


def test_set_pin_stores_a_hash(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "set-pin", "--pin", "97531"])
    assert result.exit_code == 0, result.output
    context = KioskContext(tmp_path)
    try:
        assert PinGuard(context.store()).check("97531").ok
    finally:
        context.close()
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "set-pin", "--pin", "12"])
    assert result.exit_code != 0 and "4 到 8 位数字" in result.output


def test_set_pin_needs_no_qt(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from kiosk.cli import cli\n"
        f"cli(['--data-dir', {str(tmp_path)!r}, 'set-pin', '--pin', '2468'], standalone_mode=False)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'ui')], 'Qt loaded'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
