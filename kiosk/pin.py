"""The librarian PIN: stored hashed with scrypt, locked after repeated failures (no Qt).

The hash, the failure count and the lock's end time live in the store's settings
(``ui.pin_hash``, ``ui.pin_failures``, ``ui.pin_locked_until``), so restarting the kiosk neither
forgets the PIN nor lifts a lockout.
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

__all__ = ["PIN_HASH_KEY", "PinGuard", "PinResult", "hash_pin", "valid_pin", "verify_pin"]

PIN_HASH_KEY = "ui.pin_hash"
_FAILURES_KEY = "ui.pin_failures"
_LOCKED_UNTIL_KEY = "ui.pin_locked_until"
# scrypt cost: ~16 MiB and a few tens of milliseconds per try on a small kiosk CPU.
_N, _R, _P = 2**14, 8, 1
MIN_DIGITS, MAX_DIGITS = 4, 8


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
            self._reset()
            return PinResult(ok=True)
        failures = int(self.store.get_setting(_FAILURES_KEY, 0) or 0) + 1
        if failures >= self.max_failures:
            self.store.set_setting(_LOCKED_UNTIL_KEY, self.clock() + self.lockout_s)
            self.store.set_setting(_FAILURES_KEY, 0)
            return PinResult(ok=False, locked_for=self.lockout_s)
        self.store.set_setting(_FAILURES_KEY, failures)
        return PinResult(ok=False, tries_left=self.max_failures - failures)

    def _reset(self) -> None:
        self.store.set_setting(_FAILURES_KEY, 0)
        self.store.set_setting(_LOCKED_UNTIL_KEY, 0)
