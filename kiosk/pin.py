"""The librarian PIN: stored hashed with scrypt, locked after repeated failures (no Qt).

The hash, the failure count, the lock's end time and how many locks came in a row live in the
store's settings (``ui.pin_*``), so restarting the kiosk neither forgets the PIN nor lifts a
lockout. Each lock in a row lasts twice the one before (5, 10, 20 … minutes, at most a day): a
flat 5 tries per 5 minutes finds a 4-digit PIN in about 3.3 days, doubling makes even that take
longer than a kiosk lives. New PINs have 6 to 8 digits; an older shorter one still opens.
Wrong PINs since the last login are counted for the librarian to see.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.store import Store

__all__ = [
    "PIN_HASH_KEY",
    "FailedLogins",
    "PinGuard",
    "PinResult",
    "hash_pin",
    "valid_pin",
    "verify_pin",
]

PIN_HASH_KEY = "ui.pin_hash"
_FAILURES_KEY = "ui.pin_failures"
_LOCKED_UNTIL_KEY = "ui.pin_locked_until"
_LOCKS_IN_A_ROW_KEY = "ui.pin_locks_in_a_row"
_FAILED_SINCE_LOGIN_KEY = "ui.pin_failed_since_login"
_LAST_FAILED_AT_KEY = "ui.pin_last_failed_at"
_FAILED_BEFORE_LOGIN_KEY = "ui.pin_failed_before_login"
# scrypt cost: ~16 MiB and a few tens of milliseconds per try on a small kiosk CPU.
_N, _R, _P = 2**14, 8, 1
#: digits of a new PIN; the pad takes up to MAX_DIGITS
MIN_DIGITS, MAX_DIGITS = 6, 8
#: the longest lock, however many came in a row
MAX_LOCKOUT_S = 86400.0


def valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) for ``pin``."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 2**20, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, encoded: str) -> bool:
    """True when ``pin`` matches ``encoded`` (constant-time compare); False for any bad record."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            maxmem=64 * 2**20, dklen=len(expected),
        )  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class PinResult:
    ok: bool
    #: seconds until another try is allowed (0 when not locked)
    locked_for: float = 0.0
    #: tries left before the lock (meaningful after a failure)
    tries_left: int = 0
    #: False when no PIN was ever set: nobody can unlock
    configured: bool = True


@dataclass(frozen=True)
class FailedLogins:
    """Wrong PINs typed before the last successful login, for the librarian to see."""

    count: int = 0
    #: when the last of them was typed (Unix time), 0 when none
    last_at: float = 0.0

    def sentence(self) -> str:
        """What the librarian reads on the status page."""
        if not self.count:
            return "登录前没有输错过密码。"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.last_at))
        return f"注意：这次登录前有人输错密码 {self.count} 次（最近一次 {when}）。"


class PinGuard:
    """Checks PINs against the stored hash and enforces the lockout."""

    def __init__(
        self,
        store: Store,
        max_failures: int = 5,
        lockout_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock

    def is_configured(self) -> bool:
        return bool(self.store.get_setting(PIN_HASH_KEY))

    def set_pin(self, pin: str) -> None:
        if not valid_pin(pin):
            raise ValueError(f"PIN must be {MIN_DIGITS}–{MAX_DIGITS} digits")
        self.store.set_setting(PIN_HASH_KEY, hash_pin(pin))
        self._reset()

    def locked_for(self) -> float:
        until = self.store.get_setting(_LOCKED_UNTIL_KEY, 0) or 0
        return max(0.0, float(until) - self.clock())

    def check(self, pin: str) -> PinResult:
        encoded = self.store.get_setting(PIN_HASH_KEY)
        if not encoded:
            return PinResult(ok=False, configured=False)
        locked = self.locked_for()
        if locked > 0:
            return PinResult(ok=False, locked_for=locked)
        if verify_pin(pin, str(encoded)):
            self._log_in()
            return PinResult(ok=True)
        now = self.clock()
        failures = self._int(_FAILURES_KEY) + 1
        updates: dict[str, object] = {
            _FAILED_SINCE_LOGIN_KEY: self._int(_FAILED_SINCE_LOGIN_KEY) + 1,
            _LAST_FAILED_AT_KEY: now,
        }
        if failures >= self.max_failures:
            locks = self._int(_LOCKS_IN_A_ROW_KEY)
            lock_s = min(self.lockout_s * 2**locks, MAX_LOCKOUT_S)
            updates |= {_LOCKED_UNTIL_KEY: now + lock_s, _FAILURES_KEY: 0}
            updates[_LOCKS_IN_A_ROW_KEY] = locks + 1
            self.store.set_settings(updates)
            return PinResult(ok=False, locked_for=lock_s)
        self.store.set_settings(updates | {_FAILURES_KEY: failures})
        return PinResult(ok=False, tries_left=self.max_failures - failures)

    def failed_before_login(self) -> FailedLogins:
        """The wrong PINs typed between the previous login and the last one."""
        raw = str(self.store.get_setting(_FAILED_BEFORE_LOGIN_KEY, "") or "")
        count, _, last_at = raw.partition("@")
        try:
            return FailedLogins(int(count), float(last_at))
        except ValueError:
            return FailedLogins()

    def _log_in(self) -> None:
        failed = self._int(_FAILED_SINCE_LOGIN_KEY)
        last_at = float(self.store.get_setting(_LAST_FAILED_AT_KEY, 0) or 0)
        self.store.set_settings(
            {
                _FAILED_BEFORE_LOGIN_KEY: f"{failed}@{last_at}",
                _FAILED_SINCE_LOGIN_KEY: 0,
                _LOCKS_IN_A_ROW_KEY: 0,
            }
        )
        self._reset()

    def _int(self, key: str) -> int:
        return int(self.store.get_setting(key, 0) or 0)

    def _reset(self) -> None:
        self.store.set_settings({_FAILURES_KEY: 0, _LOCKED_UNTIL_KEY: 0})
