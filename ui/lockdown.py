"""Kiosk lockdown: shortcuts and context menus do nothing.

An application-wide event filter swallows Escape, function keys and every key pressed with Alt,
Ctrl or Meta (Alt+F4, Alt+Tab, Ctrl+W, Ctrl+Q …) and all context-menu requests (right-click,
long-press menus). Plain typing (letters, digits, Backspace, Return) passes, so the on-screen
keyboard and a service technician's USB keyboard still type.

Alt+Tab and Alt+F4 are also window-manager shortcuts: run the kiosk without a window manager (a
bare X session) or in a kiosk compositor (cage) so nothing outside the application sees them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

__all__ = ["KioskLock", "is_blocked_key"]

_MODIFIERS = (
    Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.MetaModifier
)
_BLOCKED_KEYS = frozenset(
    {
        Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Super_L,
        Qt.Key.Key_Super_R, Qt.Key.Key_Meta, Qt.Key.Key_Menu, Qt.Key.Key_Alt, Qt.Key.Key_Control,
        Qt.Key.Key_Print, Qt.Key.Key_SysReq, Qt.Key.Key_Close, Qt.Key.Key_Back,
        Qt.Key.Key_Forward, Qt.Key.Key_Refresh, Qt.Key.Key_HomePage,
    }
)  # fmt: skip
_KEY_EVENTS = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}
)


def is_blocked_key(event: QKeyEvent) -> bool:
    key = event.key()
    if event.modifiers() & _MODIFIERS:
        return True
    return key in _BLOCKED_KEYS or Qt.Key.Key_F1 <= key <= Qt.Key.Key_F35


class KioskLock(QObject):
    """Install with ``KioskLock(app)``; ``release()`` lifts it (librarian's exit)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.blocked = 0
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ContextMenu:
            self.blocked += 1
            return True
        if kind in _KEY_EVENTS and isinstance(event, QKeyEvent) and is_blocked_key(event):
            self.blocked += 1
            return True
        return False

    def release(self) -> None:
        self.app.removeEventFilter(self)
