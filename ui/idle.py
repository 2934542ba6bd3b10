"""Idle timeout: after a while without a touch, count down visibly, then return Home.

The watcher filters every event of the application and restarts its timer on each input event
(cheap: a class test first, see :data:`_INPUT_CLASSES`). ``timeout_s - countdown_s`` after the
last touch it emits ``countdown_started``, then ``countdown_tick(seconds_left)`` each second, and
at zero ``timed_out``. Any touch during the countdown cancels it (``countdown_cancelled``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import (
    QInputMethodEvent,
    QKeyEvent,
    QMouseEvent,
    QTabletEvent,
    QTouchEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication

__all__ = ["IdleWatcher"]

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
        QEvent.Type.TabletPress,
    }
)
#: The classes of those events. The filter sees every event of the application (≈ 4,000 a
#: second while results are laid out); reading an event's type goes through PySide's enum
#: machinery (≈ 1.2 µs), testing its class does not (≈ 0.2 µs), so the type is read only for
#: events of these classes.
_INPUT_CLASSES = frozenset(
    {QMouseEvent, QTouchEvent, QKeyEvent, QWheelEvent, QInputMethodEvent, QTabletEvent}
)


class IdleWatcher(QObject):
    """Signals:
    countdown_started(seconds_left): the warning should appear.
    countdown_tick(seconds_left): one second less.
    countdown_cancelled(): someone touched the screen during the countdown.
    timed_out(): nobody did; clear everything and go Home.
    """

    countdown_started = Signal(int)
    countdown_tick = Signal(int)
    countdown_cancelled = Signal()
    timed_out = Signal()

    def __init__(self, timeout_s: float, countdown_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout_ms = max(100, int(timeout_s * 1000))
        self.countdown_ms = min(self.timeout_ms, max(0, int(countdown_s * 1000)))
        self.enabled = True
        self.counting = False
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.timeout.connect(self._start_countdown)
        self._tick = QTimer(self)
        self._tick.setInterval(min(1000, max(50, self.countdown_ms // 4 or 50)))
        self._tick.timeout.connect(self._on_tick)
        self._clock = QElapsedTimer()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.poke()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if type(event) in _INPUT_CLASSES and event.type() in _INPUT_EVENTS:
            self.poke()
        return False

    def poke(self) -> None:
        """Someone is there: restart the quiet period, cancel a running countdown."""
        if self.counting:
            self.counting = False
            self._tick.stop()
            self.countdown_cancelled.emit()
        if self.enabled:
            self._quiet.start(self.timeout_ms - self.countdown_ms)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if not enabled:
            self._quiet.stop()
            self._tick.stop()
            self.counting = False
        else:
            self.poke()

    def seconds_left(self) -> int:
        if not self.counting:
            return math.ceil(self.timeout_ms / 1000)
        left = self.countdown_ms - self._clock.elapsed()
        return max(0, math.ceil(left / 1000))

    def _start_countdown(self) -> None:
        if self.countdown_ms <= 0:
            self.timed_out.emit()
            self.poke()
            return
        self.counting = True
        self._clock.start()
        self._tick.start()
        self.countdown_started.emit(self.seconds_left())

    def _on_tick(self) -> None:
        if self._clock.elapsed() >= self.countdown_ms:
            self.counting = False
            self._tick.stop()
            self.timed_out.emit()
            self.poke()
            return
        self.countdown_tick.emit(self.seconds_left())

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.set_enabled(False)
