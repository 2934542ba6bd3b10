"""``kiosk screenshots`` and ``kiosk set-pin`` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from PySide6.QtGui import QImage

from kiosk.app import KioskContext
from ui.commands import screenshots, set_pin
from ui.pin import PinGuard


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


def test_set_pin_stores_a_hash(ui_context: KioskContext) -> None:
    result = CliRunner().invoke(set_pin, ["--pin", "97531"], obj=ui_context)
    assert result.exit_code == 0, result.output
    assert PinGuard(ui_context.store()).check("97531").ok
    result = CliRunner().invoke(set_pin, ["--pin", "12"], obj=ui_context)
    assert result.exit_code != 0 and "4 到 8 位数字" in result.output


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


def test_run_kiosk_starts_and_the_librarian_can_leave(qtbot: Any, ui_context: KioskContext) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import run_kiosk
    from ui.mainwindow import MainWindow

    seen: dict[str, Any] = {}

    def leave() -> None:
        window = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        seen["fullscreen"] = window.isFullScreen()
        seen["screen"] = window.current().name
        window.request_exit()

    QTimer.singleShot(300, leave)
    assert run_kiosk(ui_context, windowed=False) == 0
    assert seen == {"fullscreen": True, "screen": "home"}
    assert (ui_context.data_dir / "logs" / "kiosk.log").is_file()
