"""Declared settings: one dataclass per concern, loaded and saved through the store."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path

import pytest

from kiosk.settings import (
    LocationSettings,
    OfficeSettings,
    SearchSettings,
    SyncSettings,
    UiSettings,
)
from kiosk.store import Store
from sync.schedule import Schedule, Window

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.in_dir(tmp_path)
    yield store
    store.close()


@pytest.mark.parametrize(
    "declared", [LocationSettings, OfficeSettings, SearchSettings, SyncSettings, UiSettings]
)
def test_every_setting_is_documented_in_the_readme_and_the_docstring(declared: type) -> None:
    readme = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", readme, flags=re.M))
    keys = set(declared.keys())
    assert keys <= documented, f"README.md 'Settings' lacks {sorted(keys - documented)}"
    doc = declared.__doc__ or ""
    assert all(f"{f.name}:" in doc for f in fields(declared))


def test_defaults_when_nothing_is_stored(store: Store) -> None:
    assert SyncSettings.load(store) == SyncSettings()
    assert UiSettings.load(store) == UiSettings()
    assert SearchSettings.load(store) == SearchSettings()


def test_saved_settings_load_back(store: Store) -> None:
    sync = replace(
        SyncSettings(), feed_url="https://portal.example.gov.cn/feed/", window="01:00-05:00"
    )
    sync.save(store)
    replace(UiSettings(), idle_timeout_s=45.0, high_contrast=True).save(store)
    assert SyncSettings.load(store) == sync
    assert store.get_setting("sync.window") == "01:00-05:00", "stored under its documented key"
    loaded = UiSettings.load(store)
    assert loaded.idle_timeout_s == 45.0 and loaded.high_contrast is True
    SearchSettings(local_synonyms=("低保 保命钱",)).save(store)
    assert store.get_setting("search.local_synonyms") == ["低保 保命钱"]
    assert SearchSettings.load(store).local_synonyms == ("低保 保命钱",)


def test_bad_values_fall_back_or_are_clamped(store: Store) -> None:
    store.set_setting("ui.idle_timeout_s", 45)
    store.set_setting("ui.high_contrast", "yes")  # wrong type: ignored
    store.set_setting("ui.text_scale", 9)  # clamped
    settings = UiSettings.load(store)
    assert settings.idle_timeout_s == 45.0 and settings.high_contrast is False
    assert settings.text_scale == 1.5
    store.set_setting("sync.interval_minutes", "often")
    store.set_setting("sync.jitter_minutes", -5)
    store.set_setting("sync.ca_bundle", None)  # how an older kiosk stored "cleared"
    store.set_setting("search.local_synonyms", ["低保 保命钱", 3])  # not all lines
    assert SearchSettings.load(store).local_synonyms == ()
    sync = SyncSettings.load(store)
    assert sync.interval_minutes == 360 and sync.jitter_minutes == 0 and sync.ca_bundle == ""


def test_one_schedule_from_the_settings() -> None:
    schedule = Schedule.from_settings(
        replace(SyncSettings(), interval_minutes=120, window="22:00-05:00", jitter_minutes=10)
    )
    assert schedule == Schedule(
        dt.timedelta(minutes=120), Window(dt.time(22), dt.time(5)), dt.timedelta(minutes=10)
    )
    assert Schedule.from_settings(SyncSettings()) == Schedule(), "one default for both"
    hand_edited = Schedule.from_settings(replace(SyncSettings(), window="25:00-99:00"))
    assert hand_edited.window is None, "a malformed window means any time, not a crash"
