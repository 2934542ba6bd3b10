"""Blocking work (search, store writes) on a QThreadPool, results back on the UI thread.

``TaskRunner.submit(channel, fn, on_done, on_fail)`` runs ``fn()`` on a pool thread and calls
``on_done(result)`` or ``on_fail(message)`` on the UI thread. Each channel remembers the token of
its latest task: a result that arrives after a newer task was submitted on the same channel is
stale and dropped (as-you-type search, pinyin candidates). Widgets are never touched off the UI
thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QObject,
    QRunnable,
    QThreadPool,
    Signal,
    Slot,
)

__all__ = ["TaskRunner"]

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
FailCallback = Callable[[str], None]


class _Relay(QObject):
    """Carries one task's outcome across threads (lives on the UI thread).

    The result itself stays a Python attribute (``outcome``); only the token crosses the queued
    connection. (Passing arbitrary Python objects, ``None`` included, through a cross-thread
    ``Signal(object)`` has crashed PySide6 with a refcount error.)

    Signals:
        done(token): ``outcome`` holds ``(True, result)`` or ``(False, message)``.
    """

    done = Signal(int)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.outcome: tuple[bool, Any] = (False, "not run")


class _Task(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.token, self.fn, self.relay = token, fn, relay

    def run(self) -> None:
        try:
            self.relay.outcome = (True, self.fn())
        except Exception as e:  # a worker must never take the kiosk down
            log.exception("background task %d failed", self.token)
            self.relay.outcome = (False, f"{type(e).__name__}: {e}")
        self.relay.done.emit(self.token)


class TaskRunner(QObject):
    """Runs callables on its own thread pool; see the module docstring."""

    def __init__(self, max_threads: int = 3, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._next = 0
        self._latest: dict[str, int] = {}
        self._pending: dict[int, tuple[str, _Relay, Callback | None, FailCallback | None]] = {}

    def submit(
        self,
        channel: str,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        on_fail: FailCallback | None = None,
    ) -> int:
        """Run ``fn`` in the pool; return its token. Must be called on the UI thread."""
        self._next += 1
        token = self._next
        self._latest[channel] = token
        relay = _Relay(self)
        relay.done.connect(self._on_done)
        self._pending[token] = (channel, relay, on_done, on_fail)
        self.pool.start(_Task(token, fn, relay))
        return token

    def cancel(self, channel: str) -> None:
        """Forget the channel's latest task: its result will be dropped when it arrives."""
        self._next += 1
        self._latest[channel] = self._next

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until every task ran and its result was delivered (tests, screenshots)."""
        deadline = QDeadlineTimer(timeout_ms)
        while self._pending and not deadline.hasExpired():
            self.pool.waitForDone(20)
            QCoreApplication.processEvents()
        return not self._pending

    def shutdown(self) -> None:
        self._latest.clear()
        self.pool.clear()
        self.pool.waitForDone(5000)
        for _, relay, _, _ in self._pending.values():
            relay.deleteLater()
        self._pending.clear()

    @Slot(int)
    def _on_done(self, token: int) -> None:
        entry = self._pending.pop(token, None)
        if entry is None:
            return
        channel, relay, on_done, on_fail = entry
        ok, value = relay.outcome
        relay.deleteLater()
        if self._latest.get(channel) != token:
            return  # stale: a newer task on this channel was submitted meanwhile
        if ok and on_done is not None:
            on_done(value)
        elif not ok and on_fail is not None:
            on_fail(str(value))
