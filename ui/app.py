"""Start the kiosk UI: ``run_kiosk(context, windowed)`` (called by ``kiosk run``).

``build_window`` assembles theme, services and the main window without showing it, for tests and
for ``kiosk screenshots``.
"""

from __future__ import annotations

import gc
import logging
import sys
from dataclasses import dataclass

from PySide6.QtCore import QLocale, QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk import logs
from kiosk.app import KioskContext
from kiosk.settings import UiSettings
from ui import crash
from ui.autosync import AutoSync
from ui.collector import collect_on_ui_thread
from ui.mainwindow import MainWindow
from ui.printing import Printer
from ui.services import Services
from ui.speech import Speaker
from ui.theme import Theme, form_for_size

__all__ = ["build_window", "create_application", "run_kiosk", "start_kiosk", "stop_kiosk"]

log = logging.getLogger(__name__)

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists), its garbage collected on the UI thread."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        collect_on_ui_thread(existing)
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("zwgk-kiosk")
    app.setApplicationDisplayName("政务公开查阅机")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    collect_on_ui_thread(app)
    return app


def build_window(
    context: KioskContext,
    *,
    windowed: bool = True,
    settings: UiSettings | None = None,
    speaker: Speaker | None = None,
    printer: Printer | None = None,
    warm_up: bool = True,
) -> MainWindow:
    """Theme, services and the main window, ready to show."""
    app = create_application()
    store = context.store()
    settings = settings or UiSettings.load(store)
    theme = Theme()
    theme.load_fonts()
    # the form the window will take on this screen, so the style is applied once, not again
    # when the first resize changes the form (each stylesheet re-polishes every widget)
    screen = app.primaryScreen().geometry()
    theme.form = form_for_size(screen.width(), screen.height())
    theme.apply(app, scale=settings.text_scale, high_contrast=settings.high_contrast)
    services = Services(context, settings, speaker=speaker, printer=printer, theme=theme)
    services.printer.forget_personal()  # a request PDF a crash left behind
    if warm_up:
        services.warm_up()  # the search worker starts up on the other core while we build
    return MainWindow(services, kiosk_mode=not windowed)


def _route_qt_messages() -> None:
    """Qt's own warnings go to the same log as ours (kiosk.logs)."""

    def qt_messages(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        logging.getLogger(f"qt.{context.category or 'default'}").log(
            _QT_LEVELS.get(kind, logging.INFO), message
        )

    qInstallMessageHandler(qt_messages)


@dataclass
class _Started:
    cursor_hidden: bool


_started: dict[int, _Started] = {}


def start_kiosk(context: KioskContext, windowed: bool = False) -> MainWindow:
    """Log to the data dir, build and show the kiosk, catch every uncaught exception."""
    app = create_application()
    logs.configure(context.data_dir)
    _route_qt_messages()
    window = build_window(context, windowed=windowed)
    crash.install(window.recover_from_error)
    window.exit_requested.connect(app.quit)
    hide_cursor = not windowed and window.services.settings.hide_cursor
    if windowed:
        available = app.primaryScreen().availableGeometry()
        window.resize(min(1920, available.width()), min(1080, available.height()))
        window.show()
    else:
        window.show_full_screen()
    if hide_cursor:
        app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    _started[id(window)] = _Started(hide_cursor)
    window.services.engine_ready.connect(_freeze_heap)
    # the appliance keeps itself current (tests and screenshots build windows without it)
    window.services.autosync = AutoSync(context, parent=window)
    window.services.autosync.start()
    log.info(
        "kiosk started (%s) on %s", "windowed" if windowed else "full screen", context.data_dir
    )
    return window


def _freeze_heap() -> None:
    """Once everything is loaded, move it out of the garbage collector's sight.

    The kiosk keeps what it loaded at start-up for its whole life; without this, full collections
    walk all of it and stall the UI thread for 50–200 ms while searches run (bench/ui_startup.py).
    """
    gc.collect()
    gc.freeze()


def stop_kiosk(window: MainWindow) -> None:
    """Undo :func:`start_kiosk`: stop background work, put hooks and logging back."""
    if window.services.autosync is not None:
        window.services.autosync.stop()
        window.services.autosync = None
    window.shutdown()
    window.services.close()
    crash.uninstall()
    started = _started.pop(id(window), _Started(False))
    if started.cursor_hidden:
        QApplication.restoreOverrideCursor()
    qInstallMessageHandler(None)
    logs.reset()


def run_kiosk(context: KioskContext, windowed: bool = False) -> int:
    """Run the kiosk until the librarian exits it; return the exit code."""
    app = create_application()
    window = start_kiosk(context, windowed)
    try:
        return int(app.exec())
    finally:
        stop_kiosk(window)
