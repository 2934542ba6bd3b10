"""When to sync next: an interval, inside a daily window, with random jitter. Pure functions.

A fleet of 1,500 kiosks that all sync at 01:00 sharp would stampede the portal; each kiosk picks a
random moment inside its window instead. The running kiosk's scheduler (``ui.autosync``) and
``kiosk sync --service`` both plan with :func:`next_run`. Times are naive local wall-clock datetimes.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
from dataclasses import dataclass

from kiosk.settings import SyncSettings

__all__ = ["Schedule", "Window", "earliest_run", "in_window", "next_run", "parse_window"]

log = logging.getLogger(__name__)

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Window:
    """A daily time window; ``end`` before ``start`` means it crosses midnight (22:00–05:00)."""

    start: dt.time
    end: dt.time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Schedule:
    """How often to sync.

    Attributes:
        interval: time between two syncs.
        window: the daily window syncs must start in; ``None`` means any time.
        jitter: up to this much random delay is added when there is no window (with one, the
            start is spread over the window, see :func:`next_run`).
    """

    interval: dt.timedelta = dt.timedelta(minutes=SyncSettings.interval_minutes)
    window: Window | None = None
    jitter: dt.timedelta = dt.timedelta(minutes=SyncSettings.jitter_minutes)

    @classmethod
    def from_settings(cls, settings: SyncSettings) -> Schedule:
        """The schedule the librarian set; a malformed window (edited by hand) means any time."""
        try:
            window = parse_window(settings.window)
        except ValueError as e:
            log.warning("ignoring sync.window: %s", e)
            window = None
        return cls(
            interval=dt.timedelta(minutes=settings.interval_minutes),
            window=window,
            jitter=dt.timedelta(minutes=settings.jitter_minutes),
        )


def parse_window(text: str | None) -> Window | None:
    """``"01:00-05:00"`` → :class:`Window`; empty/None → no window.

    Raises:
        ValueError: not ``HH:MM-HH:MM`` or an impossible time; start equal to end.
    """
    if text is None or not text.strip():
        return None
    match = _WINDOW.match(text)
    if match is None:
        raise ValueError(f"时间窗格式应为 HH:MM-HH:MM，例如 01:00-05:00：{text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise ValueError(f"时间窗中的时间无效：{text!r}") from None
    if start == end:
        raise ValueError(f"时间窗的开始和结束不能相同：{text!r}")
    return Window(start, end)


def in_window(moment: dt.datetime, window: Window | None) -> bool:
    """True if ``moment``'s time of day lies in ``window`` (start inclusive, end exclusive)."""
    if window is None:
        return True
    t = moment.time()
    if window.start < window.end:
        return window.start <= t < window.end
    return t >= window.start or t < window.end


def _window_bounds(moment: dt.datetime, window: Window) -> tuple[dt.datetime, dt.datetime]:
    """The window occurrence that contains ``moment`` or, if none does, the next one."""
    day = moment.date()
    for offset in (-1, 0, 1):
        start = dt.datetime.combine(day + dt.timedelta(days=offset), window.start)
        end = dt.datetime.combine(start.date(), window.end)
        if end <= start:
            end += dt.timedelta(days=1)
        if moment < end and (moment >= start or offset >= 0):
            return max(start, moment), end
    raise AssertionError("unreachable: one of three occurrences always follows moment")


def earliest_run(now: dt.datetime, last_run: dt.datetime | None, schedule: Schedule) -> dt.datetime:
    """The earliest moment the next sync may start (:func:`next_run` before its random delay):
    ``last_run + interval`` (``now`` if never run or overdue), moved into the next window."""
    due = now if last_run is None else max(now, last_run + schedule.interval)
    if schedule.window is None:
        return due
    return _window_bounds(due, schedule.window)[0]


def next_run(
    now: dt.datetime,
    last_run: dt.datetime | None,
    schedule: Schedule,
    rng: random.Random | None = None,
) -> dt.datetime:
    """The moment the next sync should start: :func:`earliest_run` plus a random delay.

    Without a window the delay is up to the jitter. With one it is spread over the whole rest of
    the window (a fleet shares the window, and 1,500 kiosks all starting in its first half hour
    would stampede the portal), but over no more than one interval, so a frequent schedule keeps
    its pace.
    """
    rng = rng or random.Random()
    start = earliest_run(now, last_run, schedule)
    jitter = schedule.jitter.total_seconds()
    if schedule.window is None:
        return start + dt.timedelta(seconds=rng.uniform(0, jitter))
    end = _window_bounds(start, schedule.window)[1]
    room = max(0.0, (end - start).total_seconds() - 1)
    spread = min(room, max(jitter, schedule.interval.total_seconds()))
    return start + dt.timedelta(seconds=rng.uniform(0, spread))
