"""The librarian PIN (no Qt): hashing, lockout, and ``kiosk set-pin``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.app import KioskContext
from kiosk.cli import cli
from kiosk.pin import (
    MAX_LOCKOUT_S,
    PIN_HASH_KEY,
    FailedLogins,
    PinGuard,
    hash_pin,
    valid_pin,
    verify_pin,
)


def test_pin_hash_round_trip() -> None:
    encoded = hash_pin("1234")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_pin("1234", encoded) and not verify_pin("1235", encoded)
    assert hash_pin("1234") != encoded, "salted"
    assert not verify_pin("1234", "garbage") and not verify_pin("1234", "md5$x$y$z$a$b")
    assert (
        valid_pin("000000")
        and valid_pin("12345678")
        and not valid_pin("1234")
        and not valid_pin("123456789")
        and not valid_pin("123")
        and not valid_pin("12a4")
        and not valid_pin("１２３４")
    )


def test_pin_guard_lockout_with_a_clock(empty_context: KioskContext) -> None:
    now = [1000.0]
    guard = PinGuard(empty_context.store(), max_failures=3, lockout_s=60, clock=lambda: now[0])
    assert not guard.check("1234").configured
    guard.set_pin("123456")
    assert guard.check("000000").tries_left == 2
    assert guard.check("000000").tries_left == 1
    assert guard.check("000000").locked_for == 60
    assert not guard.check("123456").ok
    now[0] += 61
    assert guard.check("123456").ok
    assert guard.check("000000").tries_left == 2, "a success resets the count"
    with pytest.raises(ValueError):
        guard.set_pin("12")


def test_set_pin_stores_a_hash(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "set-pin", "--pin", "975312"])
    assert result.exit_code == 0, result.output
    context = KioskContext(tmp_path)
    try:
        assert PinGuard(context.store()).check("975312").ok
    finally:
        context.close()
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "set-pin", "--pin", "12"])
    assert result.exit_code != 0 and "6 到 8 位数字" in result.output


def test_set_pin_needs_no_qt(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from kiosk.cli import cli\n"
        f"cli(['--data-dir', {str(tmp_path)!r}, 'set-pin', '--pin', '246813'], standalone_mode=False)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'ui')], 'Qt loaded'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_each_lock_in_a_row_lasts_twice_the_one_before(empty_context: KioskContext) -> None:
    now = [1000.0]
    guard = PinGuard(empty_context.store(), max_failures=2, lockout_s=60, clock=lambda: now[0])
    guard.set_pin("123456")
    locks = []
    for _ in range(4):
        guard.check("000000")
        locks.append(guard.check("000000").locked_for)
        now[0] += locks[-1] + 1
    assert locks == [60, 120, 240, 480]
    assert guard.check("123456").ok
    guard.check("000000")
    assert guard.check("000000").locked_for == 60, "a login starts the doubling again"


def test_the_lock_never_exceeds_a_day(empty_context: KioskContext) -> None:
    now = [0.0]
    guard = PinGuard(empty_context.store(), max_failures=1, lockout_s=3600, clock=lambda: now[0])
    guard.set_pin("123456")
    for _ in range(8):
        lock = guard.check("000000").locked_for
        now[0] += lock + 1
    assert lock == MAX_LOCKOUT_S


def test_wrong_pins_before_a_login_are_counted_for_the_librarian(
    empty_context: KioskContext,
) -> None:
    now = [1_700_000_000.0]
    guard = PinGuard(empty_context.store(), clock=lambda: now[0])
    guard.set_pin("123456")
    assert guard.failed_before_login() == FailedLogins()
    for _ in range(3):
        guard.check("999999")
    now[0] += 10
    assert guard.check("123456").ok
    failed = guard.failed_before_login()
    assert failed.count == 3 and failed.last_at == 1_700_000_000.0
    assert "3 次" in failed.sentence()
    assert guard.check("123456").ok
    assert guard.failed_before_login().count == 0, "the next login had none before it"
    assert "没有" in guard.failed_before_login().sentence()


def test_a_shorter_pin_set_by_an_older_version_still_opens(empty_context: KioskContext) -> None:
    store = empty_context.store()
    store.set_setting(PIN_HASH_KEY, hash_pin("2468"))
    assert PinGuard(store).check("2468").ok
    with pytest.raises(ValueError):
        PinGuard(store).set_pin("2468")


def test_set_pin_as_the_readme_writes_it_needs_no_terminal(tmp_path: Path) -> None:
    """``kiosk set-pin 2468`` from a script or over ssh: no prompt, no abort."""
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "set-pin", "246810"], input="")
    assert result.exit_code == 0, result.output
    context = KioskContext(tmp_path)
    try:
        assert PinGuard(context.store()).check("246810").ok
    finally:
        context.close()
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "set-pin"], input="")
    assert result.exit_code != 0 and "kiosk set-pin 246810" in result.output
