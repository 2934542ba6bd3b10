"""The kiosk window: top bar (返回, 首页, title, 大字, 高对比, clock), the screens, the idle
countdown banner and the on-screen keyboard; navigation history; idle reset; the hidden corner.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QMouseEvent, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLayout,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.handwriting_pad import HandwritingPanel
from ui.idle import IdleWatcher
from ui.keyboard import OnScreenKeyboard, is_text_input
from ui.lockdown import KioskLock
from ui.screens.base import Screen
from ui.screens.document import DocumentScreen
from ui.screens.home import HomeScreen
from ui.screens.pdfview import PdfScreen
from ui.screens.pinpad import PinPadScreen
from ui.screens.request_form import RequestFormScreen
from ui.screens.results import ResultsScreen
from ui.screens.selfcheck import SelfCheckScreen
from ui.services import Services
from ui.theme import form_for_size
from ui.widgets import button, label

__all__ = ["CornerHotspot", "MainWindow"]

log = logging.getLogger(__name__)

_LARGE_TEXT_SCALE = 1.25
#: Screens built the first time they are shown: the librarian area pulls in sync (requests,
#: TUF, the scheduler), about a fifth of the kiosk's start-up imports, for a screen behind a PIN.
_LATER = {"librarian": "ui.screens.librarian:LibrarianScreen"}
_WEEKDAYS = "一二三四五六日"


class CornerHotspot(QWidget):
    """An invisible patch in the top-right corner: holding it for ``hold_ms`` opens the PIN pad.

    Signals:
        activated(): held long enough.
    """

    activated = Signal()

    def __init__(self, hold_ms: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("CornerHotspot")
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.activated.emit)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._timer.start()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._timer.stop()
        event.accept()

    def holding(self) -> bool:
        return self._timer.isActive()


class _ScreenStack(QStackedWidget):
    """The screens. They scroll, so the stack never asks for a height for its width (a page
    with wrapped labels would otherwise push the on-screen keyboard off the bottom)."""

    def hasHeightForWidth(self) -> bool:
        return False


class _Screens(dict[str, Screen]):
    """The screens by name; one of :data:`_LATER` is built when first looked up."""

    def __init__(self, build: Callable[[str], Screen]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, name: str) -> Screen:
        if name not in _LATER:
            raise KeyError(name)
        module, _, cls = _LATER[name].partition(":")
        screen = self._build(getattr(importlib.import_module(module), cls))
        self[name] = screen
        return screen


class MainWindow(QWidget):
    """The whole kiosk.

    Signals:
        screen_changed(str): a screen was shown (its name).
        exit_requested(): the librarian chose to leave the kiosk.
    """

    screen_changed = Signal(str)
    exit_requested = Signal()

    def __init__(self, services: Services, *, kiosk_mode: bool = True) -> None:
        super().__init__()
        self.services = services
        self.theme = services.theme
        self.kiosk_mode = kiosk_mode
        self._exit_allowed = not kiosk_mode
        self.setObjectName("KioskWindow")
        self.setWindowTitle(services.settings.site_name)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.app = app
        self.lock = KioskLock(app) if kiosk_mode else None
        self._followed_screen: QScreen | None = None
        if kiosk_mode:
            self.setWindowFlags(
                Qt.WindowType.Window
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

        root = QVBoxLayout(self)
        # the window's size is the screen's; never let the layout resize or constrain it
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self._build_top_bar())
        root.addWidget(self._build_idle_banner())
        self.notice = label("", "notice")
        self.notice.setObjectName("WindowNotice")
        self.notice.hide()
        root.addWidget(self.notice)
        self.stack = _ScreenStack()
        # screens scroll; when the keyboard is up the stack gives way, not the keyboard
        self.stack.setMinimumHeight(200)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        root.addWidget(self.stack, 1)
        handwriting = (
            HandwritingPanel(services.recognise, services.complete_words)
            if services.handwriting_available
            else None
        )
        self.keyboard = OnScreenKeyboard(services.pinyin_candidates, handwriting=handwriting)
        self.keyboard.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.keyboard.hide()
        root.addWidget(self.keyboard)

        self.screens = _Screens(self._add_screen)
        for cls in (
            HomeScreen, ResultsScreen, DocumentScreen, PdfScreen, SelfCheckScreen,
            RequestFormScreen, PinPadScreen,
        ):  # fmt: skip
            screen = self._add_screen(cls)
            self.screens[screen.name] = screen
        self.history: list[tuple[str, dict[str, Any]]] = []

        self.hotspot = CornerHotspot(int(services.settings.unlock_hold_s * 1000), self)
        self.hotspot.activated.connect(self.open_pinpad)
        self.idle = IdleWatcher(
            services.settings.idle_timeout_s, services.settings.idle_countdown_s, self
        )
        self.idle.countdown_started.connect(self._on_countdown)
        self.idle.countdown_tick.connect(self._on_countdown)
        self.idle.countdown_cancelled.connect(self.idle_banner.hide)
        self.idle.timed_out.connect(self._on_idle)
        self.app.focusChanged.connect(self._on_focus)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice.hide)
        services.index_preparing.connect(self._on_index_preparing)
        services.engine_ready.connect(self._on_engine_ready)
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick_clock)
        self._clock_timer.start(15_000)
        self._tick_clock()
        self.home()

    # -- building --------------------------------------------------------------------------
    def _add_screen(self, cls: Any) -> Screen:
        screen: Screen = cls(self.services, self)
        self.stack.addWidget(screen)
        return screen

    def _build_top_bar(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("TopBar")
        layout = QHBoxLayout(bar)
        self.top_bar_layout = layout
        layout.setContentsMargins(24, 12, 24, 12)
        layout.setSpacing(16)
        self.back_button = button("‹ 返回", "nav", self.back, name="BackButton")
        self.home_button = button("首页", "nav", self.home, name="HomeButton")
        layout.addWidget(self.back_button)
        layout.addWidget(self.home_button)
        # wraps onto a second line rather than being cut on a narrow bar (portrait, 大字)
        self.title_label = label("")
        self.title_label.setObjectName("ScreenTitle")
        layout.addWidget(self.title_label, 1)
        self.large_text = button(
            "大字", "toggle", self.toggle_large_text, checkable=True, name="LargeText"
        )
        self.contrast = button(
            "高对比", "toggle", self.toggle_contrast, checkable=True, name="HighContrast"
        )
        layout.addWidget(self.large_text)
        layout.addWidget(self.contrast)
        self.clock = label("", wrap=False)
        self.clock.setObjectName("Clock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.clock)
        return bar

    def _build_idle_banner(self) -> QFrame:
        self.idle_banner = QFrame()
        self.idle_banner.setObjectName("IdleBanner")
        layout = QHBoxLayout(self.idle_banner)
        layout.setContentsMargins(32, 12, 32, 12)
        self.idle_label = label("", wrap=True)
        self.idle_label.setObjectName("IdleText")
        layout.addWidget(self.idle_label, 1)
        layout.addWidget(button("我还在用", "primary", self._poke, name="StillHere"))
        self.idle_banner.hide()
        return self.idle_banner

    def _poke(self) -> None:
        self.idle.poke()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        form = form_for_size(self.width(), self.height())
        if form != self.theme.form:
            self.theme.form = form
            self._apply_theme()
        size = 120
        self.hotspot.setGeometry(QRect(self.width() - size, 0, size, size))
        self.hotspot.raise_()

    # -- navigation (the Navigator protocol) -----------------------------------------------
    def current(self) -> Screen:
        widget = self.stack.currentWidget()
        assert isinstance(widget, Screen)
        return widget

    def go(self, screen: str, **params: Any) -> None:
        current = self.current() if self.history else None
        if current is not None:
            self.history[-1] = (current.name, current.params())
            current.leave()
        self.history.append((screen, params))
        self._show(screen, params)

    def replace(self, screen: str, **params: Any) -> None:
        if self.history:
            self.current().leave()
            self.history.pop()
        self.history.append((screen, params))
        self._show(screen, params)

    def back(self) -> None:
        if len(self.history) <= 1:
            self.home()
            return
        self.current().leave()
        self.history.pop()
        name, params = self.history[-1]
        self._show(name, params)

    def home(self) -> None:
        """Back to Home, its search box empty: the next person does not see the last query."""
        if self.history:
            self.current().leave()
        self.screens["home"].reset()
        self.history = [("home", {})]
        self._show("home", {})

    def _show(self, name: str, params: dict[str, Any]) -> None:
        self._drop_focus()
        screen = self.screens[name]
        self.stack.setCurrentWidget(screen)
        screen.enter(params)
        self.title_label.setText(screen.screen_title())
        self.back_button.setVisible(name != "home")
        self.screen_changed.emit(name)

    def request_exit(self) -> None:
        """The librarian's "exit kiosk": lift the lock and close."""
        self._exit_allowed = True
        if self.lock is not None:
            self.lock.release()
        self.exit_requested.emit()
        self.close()

    def open_pinpad(self) -> None:
        if self.history and self.history[-1][0] in ("pinpad", "librarian"):
            return
        self.go("pinpad")

    # -- keyboard --------------------------------------------------------------------------
    def _on_focus(self, old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and is_text_input(new) and self.isAncestorOf(new):
            self.keyboard.attach(new)
            self.keyboard.show()
            QTimer.singleShot(0, lambda w=new: self._keep_visible(w))
        elif new is None or self.isAncestorOf(new) or new is self:
            self.keyboard.detach()
            self.keyboard.hide()

    def _keep_visible(self, widget: QWidget) -> None:
        parent: QObject | None = widget.parent()
        while parent is not None:
            if isinstance(parent, QScrollArea):
                parent.ensureWidgetVisible(widget, 40, 40)
                return
            parent = parent.parent()

    def _drop_focus(self) -> None:
        focused = self.app.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()
        self.keyboard.detach()
        self.keyboard.hide()

    # -- idle ------------------------------------------------------------------------------
    def is_pristine(self) -> bool:
        """Nothing to forget: Home, empty box, default look."""
        home = self.screens["home"]
        assert isinstance(home, HomeScreen)
        return (
            len(self.history) == 1
            and self.history[0][0] == "home"
            and not home.search_box.text()
            and not self.large_text.isChecked()
            and not self.contrast.isChecked()
        )

    def _on_countdown(self, seconds: int) -> None:
        if self.is_pristine():
            return
        self.idle_label.setText(f"您好像离开了。{seconds} 秒后回到首页，刚才看的内容会清除。")
        self.idle_banner.show()

    def _on_idle(self) -> None:
        self.idle_banner.hide()
        if not self.is_pristine():
            self.reset_all()

    def reset_all(self) -> None:
        """Forget everything: queries, history, forms, reading, text size; back to Home."""
        self.services.stop_speaking()
        self._drop_focus()
        self.keyboard.reset()
        self.services.printer.forget_personal()  # the request form's PDF: name, 身份证号, phone
        for screen in self.screens.values():
            screen.reset()
        if self.large_text.isChecked() or self.contrast.isChecked():
            self.large_text.setChecked(False)
            self.contrast.setChecked(False)
            self._apply_theme()
        self.history = []
        self.home()

    def recover_from_error(self, message: str = "") -> None:
        """After an unexpected error (logged by the excepthook): Home, with a calm note."""
        try:
            self.reset_all()
        except Exception:  # the screen is in a bad state; log and at least show Home
            log.exception("reset after an error failed")
            self.history = [("home", {})]
            self.stack.setCurrentWidget(self.screens["home"])
        self.show_notice("刚才出了点小问题，已经回到首页，请重新操作。")

    def _on_index_preparing(self, done: int, total: int) -> None:
        percent = done * 100 // total if total else 0
        self.show_notice(
            f"正在整理资料目录（{percent}%），整理好后即可查找。其他功能可以正常使用。", 60_000
        )

    def _on_engine_ready(self) -> None:
        if self.notice.text().startswith("正在整理资料目录"):
            self.notice.hide()

    def show_notice(self, text: str, ms: int = 10_000) -> None:
        self.notice.setText(text)
        self.notice.show()
        self._notice_timer.start(ms)

    # -- look ------------------------------------------------------------------------------
    def toggle_large_text(self) -> None:
        self._apply_theme()

    def toggle_contrast(self) -> None:
        self._apply_theme()

    def _label_toggles(self) -> None:
        self.large_text.setText("✓ 大字" if self.large_text.isChecked() else "大字")
        self.contrast.setText("✓ 高对比" if self.contrast.isChecked() else "高对比")

    def _apply_theme(self) -> None:
        base = self.services.settings.text_scale
        scale = max(base, _LARGE_TEXT_SCALE) if self.large_text.isChecked() else base
        high_contrast = self.contrast.isChecked() or self.services.settings.high_contrast
        self._label_toggles()
        self.theme.apply(self.app, scale=scale, high_contrast=high_contrast)
        wide = self.theme.form == "wide"
        margin = 24 if wide else 12
        self.top_bar_layout.setContentsMargins(margin, 10, margin, 10)
        self.top_bar_layout.setSpacing(self.theme.px("bar_gap_px"))
        self._tick_clock()
        self.keyboard.restyle()
        for screen in self.screens.values():
            screen.theme_changed()

    def _tick_clock(self) -> None:
        now = dt.datetime.now()
        if self.theme.form == "wide" and not self.large_text.isChecked():
            self.clock.setText(
                f"{now.month}月{now.day}日 周{_WEEKDAYS[now.weekday()]}  {now:%H:%M}"
            )
        else:  # a narrower bar keeps the time and gives the title the room
            self.clock.setText(f"{now:%H:%M}")

    # -- lockdown --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._exit_allowed:
            event.ignore()
            return
        self.idle.stop()
        self._clock_timer.stop()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        # a kiosk window that somehow got minimised or un-fullscreened goes back
        locked = self.kiosk_mode and not self._exit_allowed
        if (
            locked
            and event.type() == QEvent.Type.WindowStateChange
            and not self.isFullScreen()
            and self.isVisible()
        ):
            QTimer.singleShot(0, self.show_full_screen)
        super().changeEvent(event)

    def show_full_screen(self) -> None:
        """Cover the whole screen, with or without a window manager.

        ``showFullScreen`` only asks the window manager (``_NET_WM_STATE_FULLSCREEN``); on a bare X
        server nobody answers and the window keeps its size hint, a strip in the top-left corner.
        Setting the screen's geometry first covers it there; cage and window managers fullscreen
        it anyway. A screen that changes size (another monitor plugged in) is followed.
        """
        screen = self.screen() or self.app.primaryScreen()
        if screen is not self._followed_screen:
            if self._followed_screen is not None:
                self._followed_screen.geometryChanged.disconnect(self._follow_screen)
            screen.geometryChanged.connect(self._follow_screen)
            self._followed_screen = screen
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def _follow_screen(self, geometry: QRect) -> None:
        if self.isFullScreen():
            self.setGeometry(geometry)

    def shutdown(self) -> None:
        """Stop timers and background work (tests, exit)."""
        self.idle.stop()
        self._clock_timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.app.focusChanged.disconnect(self._on_focus)
        if self.lock is not None:
            self.lock.release()
            self.lock = None
