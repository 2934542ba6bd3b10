"""What the kiosk does before its first screen: as little as possible (issue 14).

Start-up time itself is measured by bench/ui_startup.py, never here; these tests pin down the
causes that were found by profiling it, so they cannot come back unnoticed.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import KioskContext
from ui.app import build_window

from .conftest import TEST_SETTINGS

#: Loaded only by the search worker process (index) or by a sync (sync): never by the screen.
NOT_IN_THE_SCREEN = ("whoosh", "numpy", "rjieba", "pypinyin", "tuf", "requests")


def test_the_screen_process_loads_no_search_engine_and_no_sync_code() -> None:
    """The screen reads search answers from the worker (index.results) and the sync schedule
    (sync.schedule); Whoosh, numpy, TUF and requests cost it ≈ 1 s of start-up or of first search."""
    code = (
        "import sys, ui.app, ui.services, ui.autosync, sync.schedule\n"
        "from index.results import results_from_json\n"
        f"print(' '.join(m for m in {NOT_IN_THE_SCREEN!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == []


def test_the_style_is_applied_once_when_the_kiosk_opens(
    qtbot: Any, ui_context: KioskContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each stylesheet re-polishes every widget (≈ 0.5 s for the kiosk): it used to be set once
    for the default form and again when the full-screen resize changed the form."""
    sheets: list[str] = []
    original = QApplication.setStyleSheet

    def counting(app: QApplication, sheet: str) -> None:
        sheets.append(sheet)
        original(app, sheet)

    monkeypatch.setattr(QApplication, "setStyleSheet", counting)
    QApplication.instance().setStyleSheet("")  # type: ignore[union-attr]
    sheets.clear()
    window = build_window(ui_context, windowed=False, settings=TEST_SETTINGS, warm_up=False)
    qtbot.addWidget(window)
    try:
        window.show_full_screen()
        qtbot.waitExposed(window)
        assert len(sheets) == 1
    finally:
        window.shutdown()
        window.services.close()
        window._exit_allowed = True
