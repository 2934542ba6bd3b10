"""Fixtures for the UI tests: real widgets on a real copy of the demo data dir.

The demo content is imported and indexed once per session (``demo_dir`` in tests/conftest.py);
here it is copied once more with the pinyin vocabulary cache built, and every test gets its own
copy of that, so tests may write (usage counts, settings, PINs) without seeing each other.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

import ui  # noqa: F401  (applies the PySide6 6.12 / Python 3.11 None-refcount workaround)
from kiosk.app import KioskContext
from kiosk.settings import UiSettings

#: Defaults for tests: no read-aloud engine (no audio here), long idle timeout.
TEST_SETTINGS = UiSettings(
    tts_engine="", idle_timeout_s=600, idle_countdown_s=20, unlock_hold_s=0.3
)


@pytest.fixture(scope="session")
def ui_demo_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data dir with the search engine's pinyin vocabulary cached."""
    target = tmp_path_factory.mktemp("ui-demo") / "data"
    shutil.copytree(demo_dir, target)
    context = KioskContext(target)
    engine = context.engine()
    _ = engine.vocabulary
    engine.close()
    context.close()
    return target


@pytest.fixture
def ui_context(ui_demo_dir: Path, tmp_path: Path) -> Iterator[KioskContext]:
    target = tmp_path / "data"
    shutil.copytree(ui_demo_dir, target)
    context = KioskContext(target)
    yield context
    context.close()


WindowFactory = Callable[..., Any]


@pytest.fixture
def make_window(qtbot: Any, ui_context: KioskContext) -> Iterator[WindowFactory]:
    """Build a shown 1920×1080 kiosk window; keyword arguments override settings."""
    from ui.app import build_window

    made: list[Any] = []

    def make(*, kiosk_mode: bool = False, speaker: Any = None, **overrides: Any) -> Any:
        settings = replace(TEST_SETTINGS, **overrides)
        window = build_window(
            ui_context, windowed=not kiosk_mode, settings=settings, speaker=speaker
        )
        made.append(window)
        qtbot.addWidget(window)
        window.resize(1920, 1080)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        window.services.wait()
        return window

    yield make
    for window in made:
        window.services.wait()
        window.shutdown()
        window.services.close()
        window._exit_allowed = True
        window.close()
        window.deleteLater()
    # delete now: a stale window would be re-styled by every later window's stylesheet
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def window(make_window: WindowFactory) -> Any:
    return make_window()
