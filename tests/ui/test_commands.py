"""``kiosk screenshots`` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from PySide6.QtGui import QImage

from kiosk.app import KioskContext
from ui.commands import screenshots


def test_screenshots_render_1920_by_1080(
    qtbot: Any, ui_context: KioskContext, tmp_path: Path
) -> None:
    out = tmp_path / "shots"
    result = CliRunner().invoke(
        screenshots, [str(out), "--only", "01-home", "--only", "06-document"], obj=ui_context
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.png"))
    assert [f.name for f in files] == ["01-home.png", "06-document.png"]
    for file in files:
        image = QImage(str(file))
        assert (image.width(), image.height()) == (1920, 1080)


def test_kiosk_cli_runs_screenshots_lazily(
    qtbot: Any, ui_context: KioskContext, tmp_path: Path
) -> None:
    from kiosk.cli import cli

    out = tmp_path / "cli-shots"
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(ui_context.data_dir), "screenshots", str(out), "--only", "11-pinpad"],
    )
    assert result.exit_code == 0, result.output
    assert (out / "11-pinpad.png").is_file()


def test_start_kiosk_full_screen_and_the_librarian_can_leave(
    qtbot: Any, ui_context: KioskContext
) -> None:
    # run_kiosk = start_kiosk + app.exec() + stop_kiosk; the event loop itself is not run here
    # (after QApplication.exec() returns, pytest-qt's waits stop working for later tests)
    from PySide6.QtWidgets import QApplication

    from ui.app import start_kiosk, stop_kiosk

    window = start_kiosk(ui_context, windowed=False)
    qtbot.addWidget(window)
    try:
        assert window.isFullScreen() and window.kiosk_mode
        assert window.current().name == "home"
        assert QApplication.overrideCursor() is not None, "no pointer on a touch kiosk"
        with qtbot.waitSignal(window.exit_requested, timeout=1000):
            window.request_exit()
        assert not window.isVisible()
    finally:
        stop_kiosk(window)
    assert QApplication.overrideCursor() is None
    assert (ui_context.data_dir / "logs" / "kiosk.log").is_file()
