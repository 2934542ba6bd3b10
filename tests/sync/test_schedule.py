"""The sync schedule: interval, daily window (also across midnight), jitter inside the window."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.schedule import Schedule, Window, in_window, next_run, parse_window

T = dt.datetime


def test_parse_window() -> None:
    assert parse_window("01:00-05:00") == Window(dt.time(1), dt.time(5))
    assert parse_window("22:30 至 05:00") == Window(dt.time(22, 30), dt.time(5))
    assert parse_window("") is None and parse_window(None) is None
    for bad in ("1-5", "25:00-05:00", "03:00-03:00"):
        with pytest.raises(ValueError, match="时间窗"):
            parse_window(bad)


def test_in_window_across_midnight() -> None:
    night = Window(dt.time(22), dt.time(5))
    assert in_window(T(2024, 1, 1, 23), night) and in_window(T(2024, 1, 1, 4, 59), night)
    assert not in_window(T(2024, 1, 1, 5), night) and not in_window(T(2024, 1, 1, 12), night)
    assert in_window(T(2024, 1, 1, 12), None)


def test_no_window_interval_and_jitter() -> None:
    rng = random.Random(1)
    schedule = Schedule(interval=dt.timedelta(hours=6), jitter=dt.timedelta(0))
    assert next_run(T(2024, 1, 1, 12), None, schedule, rng) == T(2024, 1, 1, 12)
    assert next_run(T(2024, 1, 1, 12), T(2024, 1, 1, 10), schedule, rng) == T(2024, 1, 1, 16)
    overdue = next_run(T(2024, 1, 2, 12), T(2024, 1, 1, 0), schedule, rng)
    assert overdue == T(2024, 1, 2, 12)


def test_outside_the_window_waits_for_it() -> None:
    schedule = Schedule(window=Window(dt.time(1), dt.time(5)), jitter=dt.timedelta(0))
    rng = random.Random(3)
    assert T(2024, 1, 2, 1) <= next_run(T(2024, 1, 1, 12), None, schedule, rng) < T(2024, 1, 2, 5)
    assert (
        T(2024, 1, 1, 1) <= next_run(T(2024, 1, 1, 0, 30), None, schedule, rng) < T(2024, 1, 1, 5)
    )
    assert T(2024, 1, 1, 2) <= next_run(T(2024, 1, 1, 2), None, schedule, rng) < T(2024, 1, 1, 5)


def test_a_fleet_with_default_settings_spreads_over_the_whole_window() -> None:
    # the librarian sets only the window; jitter stays at its default (30 minutes)
    schedule = Schedule(window=Window(dt.time(1), dt.time(5)))
    rng = random.Random(7)
    times = [next_run(T(2024, 1, 1, 12), None, schedule, rng) for _ in range(1500)]
    per_hour = Counter(t.hour for t in times)
    assert set(per_hour) == {1, 2, 3, 4}, "1,500 kiosks do not all start in the first half hour"
    assert all(300 <= n <= 450 for n in per_hour.values()), per_hour


def test_a_frequent_schedule_keeps_its_pace_inside_a_long_window() -> None:
    schedule = Schedule(interval=dt.timedelta(hours=1), window=Window(dt.time(8), dt.time(20)))
    rng = random.Random(5)
    last = T(2024, 1, 1, 9)
    for _ in range(200):
        due = next_run(last, last, schedule, rng)
        assert last + dt.timedelta(hours=1) <= due <= last + dt.timedelta(hours=2)


@given(
    now=st.datetimes(min_value=T(2020, 1, 1), max_value=T(2030, 1, 1)),
    last_offset=st.one_of(st.none(), st.integers(min_value=-10_000, max_value=10_000)),
    interval=st.integers(min_value=1, max_value=3000),
    jitter=st.integers(min_value=0, max_value=600),
    start=st.times(), end=st.times(), seed=st.integers(0, 2**32),
)  # fmt: skip
def test_next_run_is_never_early_and_always_in_the_window(
    now: dt.datetime,
    last_offset: int | None,
    interval: int,
    jitter: int,
    start: dt.time,
    end: dt.time,
    seed: int,
) -> None:
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    window = None if start == end else Window(start, end)
    last = None if last_offset is None else now + dt.timedelta(minutes=last_offset)
    schedule = Schedule(dt.timedelta(minutes=interval), window, dt.timedelta(minutes=jitter))
    due = next_run(now, last, schedule, random.Random(seed))
    assert due >= now
    if last is not None:
        assert due >= last + schedule.interval
    assert in_window(due, window)
