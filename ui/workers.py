"""Blocking work (search, store writes) on a QThreadPool, results back on the UI thread.

``TaskRunner.submit(channel, fn, on_done, on_fail)`` runs ``fn()`` on a pool thread and calls
``on_done(result)`` or ``on_fail(error)`` on the UI thread: the exception itself crosses, and
:func:`explain` turns it into the sentence for the screen (a :class:`~kiosk.errors.KioskError`'s
own; a bug gets a calm generic one, its traceback goes to the log). Each channel remembers the token of
its latest task: a result that arrives after a newer task was submitted on the same channel is
stale and dropped (as-you-type search, pinyin candidates). Widgets are never touched off the UI
thread.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QObject,
    QProcess,
    QProcessEnvironment,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)

from kiosk.errors import KioskError

__all__ = ["GENERIC_FAILURE", "StepQueue", "TaskRunner", "explain", "python_child"]

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
FailCallback = Callable[[Exception], None]

#: What the screen says when a worker failed on something unexpected (a bug): calm, no details.
GENERIC_FAILURE = "出了点问题，这一步没有完成。请稍后再试；如果一直这样，请联系管理员。"


def explain(error: BaseException) -> str:
    """The sentence for the person at the screen: an expected problem's own, else a generic one."""
    if isinstance(error, KioskError) and str(error):
        return str(error)
    return GENERIC_FAILURE


class _Relay(QObject):
    """Carries one task's outcome across threads (lives on the UI thread).

    The result itself stays a Python attribute (``outcome``); only the token crosses the queued
    connection. (Passing arbitrary Python objects, ``None`` included, through a cross-thread
    ``Signal(object)`` has crashed PySide6 with a refcount error.)

    Signals:
        done(token): ``outcome`` holds ``(True, result)`` or ``(False, exception)``.
    """

    done = Signal(int)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.outcome: tuple[bool, Any] = (False, RuntimeError("not run"))


class _Task(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.token, self.fn, self.relay = token, fn, relay

    def run(self) -> None:
        try:
            self.relay.outcome = (True, self.fn())
        except KioskError as e:  # expected (network down, bad USB stick): its sentence says it all
            log.warning("background task %d: %s", self.token, e)
            self.relay.outcome = (False, e)
        except Exception as e:  # a bug; a worker must never take the kiosk down
            log.exception("background task %d failed", self.token)
            self.relay.outcome = (False, e)
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
            on_fail(value)


_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def python_child(parent: QObject, environment: dict[str, str] | None = None) -> QProcess:
    """A process for a helper Python of the kiosk's own (search worker, speech): this checkout
    first on ``PYTHONPATH``, so the child runs the same code without an install, plus
    ``environment``; stdout and stderr kept apart."""
    process = QProcess(parent)
    env = QProcessEnvironment.systemEnvironment()
    path = env.value("PYTHONPATH")
    env.insert("PYTHONPATH", os.pathsep.join(p for p in (str(_PROJECT_ROOT), path) if p))
    for key, value in (environment or {}).items():
        env.insert(key, value)
    process.setProcessEnvironment(env)
    process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
    return process


class StepQueue(QObject):
    """UI-thread work too big for one turn of the event loop, done a slice at a time.

    Building twenty result cards and their facet chips takes tens of milliseconds of UI-thread
    time, their layout as much again; done in one go, a tap or a key waits for all of it. Here the
    steps of a queue run for at most :data:`SLICE_S` per turn (at least one step), and the event
    loop turns between slices. The first step of a :meth:`run` is done at once (the first
    card shows with the answer); the rest wait for the next turn. Queues have names: new steps for
    a name replace the ones still waiting there (a new search's cards), or follow them
    (``replace=False``: more cards).
    """

    #: a key or a tap that comes during a slice waits for it, then for the paint: 20 ms slices
    #: left a key waiting > 30 ms as-you-type (bench/ui_startup.py at 200,000 documents); a card
    #: is ≈ 1 ms to fill now, so 10 ms slices cost two turns for a page instead of one
    SLICE_S = 0.01

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._slice)

    def run(
        self,
        name: str,
        steps: Iterable[Callable[[], None]],
        *,
        replace: bool = True,
        at_once: bool = True,
    ) -> None:
        """Queue ``steps`` under ``name``; the first waiting one runs now unless ``at_once`` is
        false (work nobody waits for: deleting what left the screen)."""
        queue = self._queues.setdefault(name, deque())
        if replace:
            queue.clear()
        queue.extend(steps)
        if queue and at_once:
            queue.popleft()()
        if self.busy() and not self._timer.isActive():
            self._timer.start(0)

    def cancel(self, name: str) -> None:
        self._queues.pop(name, None)

    def busy(self) -> bool:
        return any(self._queues.values())

    def _slice(self) -> None:
        started = time.perf_counter()
        for name in list(self._queues):
            queue = self._queues[name]
            while queue:
                queue.popleft()()
                if time.perf_counter() - started > self.SLICE_S:
                    break
            if not queue:
                self._queues.pop(name, None)
            if time.perf_counter() - started > self.SLICE_S:
                break
        if self.busy():
            self._timer.start(0)
