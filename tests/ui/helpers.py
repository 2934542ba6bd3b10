"""Driving the kiosk like a person: taps, the on-screen keyboard, waiting for searches."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QWidget

from ui.mainwindow import MainWindow


def tap(qtbot: Any, widget: QWidget) -> None:
    """A tap: press and release in the middle of ``widget``."""
    QCoreApplication.processEvents()  # no finger is faster than one turn of the event loop
    assert widget.isVisible(), f"{widget.objectName() or widget} is not visible"
    if isinstance(widget, QAbstractButton):
        assert widget.isEnabled(), f"{widget.objectName() or widget.text()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def touch_tap(widget: QWidget) -> None:
    """A real touch tap (Qt synthesizes the mouse click from it)."""
    device = QTest.createTouchDevice()
    point = widget.rect().center()
    window = widget.window().windowHandle()
    where = widget.mapTo(widget.window(), point)
    QTest.touchEvent(window, device).press(0, where, window).commit()
    QTest.touchEvent(window, device).release(0, where, window).commit()
    QCoreApplication.processEvents()


def settle(window: MainWindow) -> None:
    assert window.services.wait(15_000), "background work did not finish"
    QCoreApplication.processEvents()


def commit_text(widget: QWidget, text: str) -> None:
    """Type Chinese into ``widget`` the way an input method does (keyClicks would abort on it)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def type_on_keyboard(qtbot: Any, window: MainWindow, letters: str) -> None:
    """Tap the on-screen keyboard's keys for ``letters``."""
    for char in letters:
        key = window.keyboard.findChild(QAbstractButton, f"key_{char}")
        assert key is not None, f"no key {char!r}"
        tap(qtbot, key)
    settle(window)


def find(window: QWidget, name: str) -> QAbstractButton:
    widget = window.findChild(QAbstractButton, name)
    assert widget is not None, f"no button named {name}"
    return widget


def center(widget: QWidget) -> QPoint:
    return widget.rect().center()
