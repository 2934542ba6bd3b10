"""The kiosk UI's options, declared in one place (no Qt).

They live in the store's settings table under keys prefixed ``ui.`` (the librarian area changes
them); anything missing or malformed falls back to the default here, so a bad value never stops
the kiosk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from typing import Any

from kiosk.store import Store

__all__ = ["SETTING_PREFIX", "UiSettings"]

log = logging.getLogger(__name__)

SETTING_PREFIX = "ui."


@dataclass(frozen=True)
class UiSettings:
    """Options of the villager-facing UI.

    Attributes:
        idle_timeout_s: seconds without a touch before the kiosk returns Home and forgets
            everything (default 120).
        idle_countdown_s: seconds of visible countdown at the end of that time (20).
        unlock_hold_s: seconds to hold the hidden top-right corner to reach the PIN pad (5).
        pin_max_failures: wrong PINs in a row before the PIN pad locks (5).
        pin_lockout_s: how long it stays locked, seconds (300).
        text_scale: default size of all text, 1.0 (already ≥ 18 pt) to 1.5.
        high_contrast: start in the high-contrast colour scheme.
        tts_engine: QtTextToSpeech engine for read-aloud ("speechd"); "" switches it off.
        tts_timeout_s: give up on a read-aloud that has not started after this many seconds (5).
        keep_requests: keep a JSON copy of each printed 依申请公开 request in
            ``<data_dir>/requests`` (off: nothing is kept after printing).
        hide_cursor: hide the mouse pointer in full-screen kiosk mode (touch screens).
        mouse_drag_scroll: let a mouse drag scroll lists too (for touch screens that report as mice).
        site_name: the name shown in the top bar.
    """

    idle_timeout_s: float = 120.0
    idle_countdown_s: float = 20.0
    unlock_hold_s: float = 5.0
    pin_max_failures: int = 5
    pin_lockout_s: float = 300.0
    text_scale: float = 1.0
    high_contrast: bool = False
    tts_engine: str = "speechd"
    tts_timeout_s: float = 5.0
    keep_requests: bool = False
    hide_cursor: bool = True
    mouse_drag_scroll: bool = False
    site_name: str = "政务公开查阅机"

    @classmethod
    def load(cls, store: Store) -> UiSettings:
        """Read every ``ui.*`` option from ``store``; defaults for the missing or malformed."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = store.get_setting(SETTING_PREFIX + f.name)
            if raw is None:
                continue
            value = _coerce(raw, type(getattr(cls(), f.name)))
            if value is None:
                log.warning("ignoring setting %s%s=%r (wrong type)", SETTING_PREFIX, f.name, raw)
                continue
            values[f.name] = value
        settings = replace(cls(), **values)
        return settings.clamped()

    def clamped(self) -> UiSettings:
        """The same options with numbers brought into sensible ranges."""
        return replace(
            self,
            idle_timeout_s=min(max(self.idle_timeout_s, 0.2), 3600.0),
            idle_countdown_s=min(max(self.idle_countdown_s, 0.0), self.idle_timeout_s),
            unlock_hold_s=min(max(self.unlock_hold_s, 0.1), 30.0),
            pin_max_failures=min(max(self.pin_max_failures, 1), 20),
            pin_lockout_s=min(max(self.pin_lockout_s, 1.0), 86400.0),
            text_scale=min(max(self.text_scale, 1.0), 1.5),
            tts_timeout_s=min(max(self.tts_timeout_s, 0.5), 60.0),
        )


def _coerce(raw: Any, kind: type) -> Any:
    if kind is bool:
        return raw if isinstance(raw, bool) else None
    if kind is float:
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if kind is int:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if kind is str:
        return raw if isinstance(raw, str) else None
    return None
