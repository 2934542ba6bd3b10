"""The search worker process (:mod:`index.worker`) seen from the UI thread.

Searching is pure Python that holds the GIL while it scores; on a thread of the kiosk's own
process it would still freeze the screen for the length of a broad query. So the engine lives in
a child process (``python -m index.worker --data-dir D``) started with the kiosk, and this class
talks to it through :class:`QProcess`, whose output arrives on the UI thread as events: the UI
thread only writes a request line and reads an answer line.

- One request at a time is with the worker; the others wait here, at most one per channel. A new
  request on a channel replaces the one waiting there (as-you-type: the keys typed while a search
  ran become one search, not a queue of them); urgent ones (keyboard candidates) go first.
- Every request carries a tag; an answer for a channel that has moved on (a newer request, or
  :meth:`cancel`) is dropped.
- If the worker dies it is started again (after a pause that grows while it keeps dying). The
  request it was answering is sent once more to the new worker (it fails if that one dies on it
  too: it may be what kills them); the waiting ones follow. A worker that takes longer than
  :data:`ANSWER_TIMEOUT_MS` over one request is treated as hung: killed, started again, and that
  request fails.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QObject,
    QProcess,
    QTimer,
    Signal,
)

from kiosk.errors import KioskError
from ui.workers import python_child

__all__ = ["SearchUnavailable", "SearchWorker"]

log = logging.getLogger(__name__)

#: Longest a request may take before the worker is deemed hung (the warm-up: its own limit).
ANSWER_TIMEOUT_MS = 30_000
WARM_TIMEOUT_MS = 180_000
_FIRST_RESTART_MS = 250
_MAX_RESTART_MS = 30_000

_WARM = "\0warm"  # the channel of the warm-up request each start sends

Callback = Callable[[Any], None]
FailCallback = Callable[[Exception], None]


class SearchUnavailable(KioskError):
    """The search worker stopped or hung while it had the request (the screen: try again)."""

    def __init__(self) -> None:
        super().__init__("查找暂时不可用，请稍后再试。")


@dataclass
class _Request:
    token: int
    channel: str
    payload: dict[str, Any]
    on_done: Callback | None
    on_fail: FailCallback | None
    urgent: bool
    retried: bool = False


class SearchWorker(QObject):
    """See the module docstring. ``arguments`` replaces the worker's command line (tests).

    Signals:
        ready(): the worker has opened the engine and its vocabulary (after every start).
        restarted(): a worker that had died was started again.
        preparing(int, int): documents done and in all while the worker brings the index level
            with the store before its first answer (a rebuild after an upgrade takes minutes).
    """

    ready = Signal()
    restarted = Signal()
    preparing = Signal(int, int)

    def __init__(
        self,
        data_dir: Path,
        *,
        arguments: list[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.arguments = arguments or ["-m", "index.worker", "--data-dir", str(data_dir)]
        self.process: QProcess | None = None
        #: how many times the worker process was started
        self.starts = 0
        #: requests "sent" to the worker, answers "delivered", answers "dropped" as stale,
        #: requests "superseded" before they were sent, "retried" after the worker died
        self.stats: Counter[str] = Counter()
        self.is_ready = False
        self._buffer = b""
        self._next = 0
        self._latest: dict[str, int] = {}
        self._waiting: dict[str, _Request] = {}
        self._sent: _Request | None = None
        self._stopping = False
        self._pause_ms = _FIRST_RESTART_MS
        self._restart = QTimer(self)
        self._restart.setSingleShot(True)
        self._restart.timeout.connect(self.start)
        #: see :data:`ANSWER_TIMEOUT_MS`
        self.answer_timeout_ms = ANSWER_TIMEOUT_MS
        #: searches the worker warms up while idle (Home's tiles; see index/warmup.py)
        self.warm_queries: list[str] = []
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_hung)

    # -- requests --------------------------------------------------------------------------
    def submit(
        self,
        channel: str,
        payload: dict[str, Any],
        on_done: Callback | None = None,
        on_fail: FailCallback | None = None,
        *,
        urgent: bool = False,
    ) -> int:
        """Queue ``payload`` (a request of :mod:`index.worker`); return its token.

        ``on_done(result)`` or ``on_fail(error)`` is called on the UI thread, unless the
        request was superseded or cancelled first: :class:`SearchUnavailable` when the worker
        died or hung over it, a ``RuntimeError`` when the worker reported a failure (a bug; its
        traceback is in the worker's log).
        """
        self._next += 1
        request = _Request(self._next, channel, payload, on_done, on_fail, urgent)
        self._latest[channel] = request.token
        if self._waiting.pop(channel, None) is not None:
            self.stats["superseded"] += 1  # it never runs
        self._waiting[channel] = request
        self._send_next()
        return request.token

    def cancel(self, channel: str) -> None:
        """Forget the channel's requests: a waiting one never runs, a running one is dropped."""
        self._next += 1
        self._latest[channel] = self._next
        self._waiting.pop(channel, None)

    def busy(self) -> bool:
        return self._sent is not None or bool(self._waiting)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Process events until nothing is waiting or running (tests, screenshots)."""
        deadline = QDeadlineTimer(timeout_ms)
        while self.busy() and not deadline.hasExpired():
            QCoreApplication.processEvents()
            if self.process is not None and self.busy():
                self.process.waitForReadyRead(10)
        return not self.busy()

    # -- the process -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker (done by the kiosk once the first screen is up)."""
        if self._stopping or self.process is not None:
            return
        process = python_child(self, {"PYTHONUNBUFFERED": "1"})
        process.readyReadStandardOutput.connect(self._on_output)
        process.readyReadStandardError.connect(self._on_log)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self.process = process
        self._buffer = b""
        self.is_ready = False
        self.starts += 1
        process.start(sys.executable, self.arguments)
        # the first request warms the engine up; its answer says the worker is ready
        self._next += 1
        payload = {"op": "warm", "queries": list(self.warm_queries)}
        warm = _Request(self._next, _WARM, payload, self._on_warm, None, True, True)
        self._latest[warm.channel] = warm.token
        self._transmit(warm)
        if self.starts > 1:
            self.restarted.emit()

    def pid(self) -> int:
        """The worker's process id (0 when none runs)."""
        if self.process is None:
            return 0
        return int(self.process.processId())

    def shutdown(self) -> None:
        """Stop the worker and forget every request (at exit)."""
        self._stopping = True
        self._restart.stop()
        self._watchdog.stop()
        self._waiting.clear()
        self._sent = None
        process, self.process = self.process, None
        if process is None:
            return
        process.finished.disconnect(self._on_finished)
        process.errorOccurred.disconnect(self._on_error)
        process.closeWriteChannel()  # the worker ends at the end of its input
        if not process.waitForFinished(2000):
            process.kill()
            process.waitForFinished(1000)
        process.deleteLater()

    # -- internals -------------------------------------------------------------------------
    def _send_next(self) -> None:
        if self._sent is not None or self.process is None or not self._waiting:
            return
        urgent = [r for r in self._waiting.values() if r.urgent]
        request = urgent[0] if urgent else next(iter(self._waiting.values()))
        del self._waiting[request.channel]
        self._transmit(request)

    def _transmit(self, request: _Request) -> None:
        assert self.process is not None
        self._sent = request
        self.stats["sent"] += 1
        warm = request.channel == _WARM
        self._watchdog.start(WARM_TIMEOUT_MS if warm else self.answer_timeout_ms)
        line = json.dumps({**request.payload, "tag": request.token}, ensure_ascii=False)
        self.process.write(line.encode("utf-8") + b"\n")

    def _on_output(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._on_answer(line)

    def _on_answer(self, line: bytes) -> None:
        try:
            reply = json.loads(line)
        except ValueError:
            log.warning("search worker wrote a line that is not JSON: %.200r", line)
            return
        request = self._sent
        if isinstance(reply, dict) and "tag" not in reply and "progress" in reply:
            # the start-up index check is moving: not hung, however long a rebuild takes
            if request is not None:
                self._watchdog.start(WARM_TIMEOUT_MS)
            done, total = (int(x) for x in reply["progress"])
            self.preparing.emit(done, total)
            return
        if not isinstance(reply, dict) or request is None or reply.get("tag") != request.token:
            log.warning("search worker answered out of turn: %.200r", line)
            return
        self._sent = None
        self._watchdog.stop()
        self._pause_ms = _FIRST_RESTART_MS  # it works: the next crash restarts quickly again
        current = self._latest.get(request.channel) == request.token
        self.stats["delivered" if current else "dropped"] += 1
        if current and reply.get("ok"):
            if request.on_done is not None:
                request.on_done(reply.get("result"))
        elif current and request.on_fail is not None:
            request.on_fail(RuntimeError(f"search worker: {reply.get('error', '?')}"))
        self._send_next()

    def _on_warm(self, result: Any) -> None:
        self.is_ready = True
        log.info("search worker %d ready: %s", self.pid(), result)
        self.ready.emit()

    def _on_log(self) -> None:
        if self.process is None:
            return
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                log.info("search worker: %s", line)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._died(f"search worker failed to start: {self.arguments}")

    def _on_hung(self) -> None:
        if self.process is None or self._sent is None:
            return
        log.warning("search worker took too long over %.200r; stopping it", self._sent.payload)
        self._sent.retried = True  # it may be what hangs them: fail it rather than retry
        self.process.kill()  # finished() follows: started again from there

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._died(f"search worker exited (code {code}, {status.name})")

    def _died(self, why: str) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        log.warning("%s; starting it again in %d ms", why, self._pause_ms)
        process.deleteLater()
        self._watchdog.stop()
        self.is_ready = False
        lost, self._sent = self._sent, None
        if lost is not None and self._latest.get(lost.channel) == lost.token:
            if not lost.retried and lost.channel not in self._waiting:
                lost.retried = True
                self.stats["retried"] += 1
                self._waiting = {lost.channel: lost, **self._waiting}
            elif lost.on_fail is not None:
                lost.on_fail(SearchUnavailable())
        if not self._stopping:
            self._restart.start(self._pause_ms)
            self._pause_ms = min(self._pause_ms * 2, _MAX_RESTART_MS)
