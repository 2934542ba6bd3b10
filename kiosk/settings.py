"""The kiosk's options, declared once: one frozen dataclass per concern (no Qt).

Each option lives in the store's settings table under ``<prefix><field name>`` (``sync.interval_minutes``,
``ui.idle_timeout_s``); the librarian area changes them, the UI, the CLI and the scheduler read them
through :meth:`SyncSettings.load` / :meth:`UiSettings.load`. Anything missing or malformed falls back
to the default declared here, so a bad value never stops the kiosk. README.md "Settings" documents
every option (a test keeps it so).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from typing import Any, Self

from kiosk.store import Store

__all__ = ["LocationSettings", "OfficeSettings", "SearchSettings", "SyncSettings", "UiSettings"]

log = logging.getLogger(__name__)


class _Declared:
    """Load/save for a frozen dataclass of options stored under ``PREFIX + field name``."""

    PREFIX = ""

    @classmethod
    def keys(cls) -> list[str]:
        """Every store key of this concern, e.g. ``["sync.feed_url", …]``."""
        return [cls.PREFIX + f.name for f in fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def load(cls, store: Store) -> Self:
        """Read every option from ``store``; defaults for the missing or malformed."""
        default = cls()
        stored = store.get_settings(cls.keys())
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            raw = stored.get(cls.PREFIX + f.name)
            if raw is None:
                continue
            value = _coerce(raw, type(getattr(default, f.name)))
            if value is None:
                log.warning("ignoring setting %s%s=%r (wrong type)", cls.PREFIX, f.name, raw)
                continue
            values[f.name] = value
        return replace(default, **values).clamped()  # type: ignore[type-var]

    def save(self, store: Store) -> None:
        """Write every option to ``store`` in one transaction."""
        store.set_settings({self.PREFIX + f.name: getattr(self, f.name) for f in fields(self)})  # type: ignore[arg-type]

    def clamped(self) -> Self:
        return self


@dataclass(frozen=True)
class SyncSettings(_Declared):
    """How this kiosk gets its content (stored under ``sync.``).

    Attributes:
        feed_url: the portal's feed, ``https://host/path/``; empty means USB sticks only.
        ca_bundle: absolute path of a CA bundle (PEM) for a portal behind a government intranet's
            own CA; empty means the system's CAs.
        proxy: HTTP(S) proxy for the feed, ``http://host:port``; empty means none configured here
            (the environment's ``HTTPS_PROXY`` still applies).
        interval_minutes: minutes between two scheduled syncs (360; at least 1).
        window: the daily time window scheduled syncs start in, ``HH:MM-HH:MM`` local time, may
            cross midnight (``22:00-05:00``); empty means any time.
        jitter_minutes: up to this many minutes of random delay, so a fleet does not sync all at
            once (30; kept inside the window).
        stale_after_days: days after the last successful sync before the librarian status (and the
            screen) warn that the content may be out of date (3).
        stale_content_days: days after the newest batch was published before the status warns
            that the content is stale, however recent the last "successful" sync (30): a frozen
            or replayed feed still syncs, but its content stops getting younger.
    """

    PREFIX = "sync."

    feed_url: str = ""
    ca_bundle: str = ""
    proxy: str = ""
    interval_minutes: int = 360
    window: str = ""
    jitter_minutes: int = 30
    stale_after_days: int = 3
    stale_content_days: int = 30

    def clamped(self) -> SyncSettings:
        return replace(
            self,
            interval_minutes=max(self.interval_minutes, 1),
            jitter_minutes=max(self.jitter_minutes, 0),
            stale_after_days=max(self.stale_after_days, 1),
            stale_content_days=max(self.stale_content_days, 1),
        )


@dataclass(frozen=True)
class SearchSettings(_Declared):
    """This kiosk's own additions to search (stored under ``search.``).

    Attributes:
        local_synonyms: synonym lines in ``assets/synonyms.txt`` format (``低保 保命钱``, or
            ``a b => c`` one way) that the librarian added for the village's own words.
    """

    PREFIX = "search."

    local_synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class UiSettings(_Declared):
    """Options of the villager-facing UI (stored under ``ui.``).

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

    PREFIX = "ui."

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


@dataclass(frozen=True)
class LocationSettings(_Declared):
    """Where this kiosk stands (stored under ``location.``), picked by the librarian from the
    regions of the standards the kiosk holds; Home shows the standards that apply there.

    Attributes:
        county: the county or district (县/区) of the standards, e.g. ``溪东区``; empty: not set,
            Home shows no local standards.
        township: the township or street (乡/镇/街道) when standards are published for it;
            empty: the county's standards apply.
        area: ``urban`` (城镇) or ``rural`` (农村).
    """

    PREFIX = "location."

    county: str = ""
    township: str = ""
    area: str = ""

    def clamped(self) -> LocationSettings:
        return self if self.area in ("urban", "rural", "") else replace(self, area="")

    @property
    def is_set(self) -> bool:
        return bool(self.county and self.area)


@dataclass(frozen=True)
class OfficeSettings(_Declared):
    """The local office where villagers apply (本地办事指南, stored under ``office.``), shown on
    Home, after every self-check answer, on 低保 documents and on the printed request form.

    Attributes:
        name: the office, e.g. ``梨花镇便民服务中心社会救助窗口``; empty: none entered, the
            generic "where to apply" text is shown instead.
        address: where it is.
        hours: opening hours, e.g. ``周一至周五 8:30-12:00 14:00-17:30``.
        phone: its telephone number.
        source: id of the portal document whose published office the librarian accepted; empty
            when the librarian typed the details in.
    """

    PREFIX = "office."

    name: str = ""
    address: str = ""
    hours: str = ""
    phone: str = ""
    source: str = ""

    @property
    def is_set(self) -> bool:
        return bool(self.name)


def _coerce(raw: Any, kind: type) -> Any:
    """``raw`` as ``kind``, or None when it is not one (JSON gives 120 for 120.0 and back)."""
    if isinstance(raw, bool) or kind is bool:
        return raw if isinstance(raw, bool) and kind is bool else None
    if kind is float:
        return float(raw) if isinstance(raw, int | float) else None
    if kind is int:
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        return raw if isinstance(raw, int) else None
    if kind is str:
        return raw if isinstance(raw, str) else None
    if kind is tuple:  # a list of lines
        ok = isinstance(raw, list) and all(isinstance(x, str) for x in raw)
        return tuple(raw) if ok else None
    return None
