"""The running kiosk syncs itself on the librarian's schedule, in the background.

:class:`AutoSync` reads :class:`~kiosk.settings.SyncSettings` (feed URL, interval, window, jitter;
the child reads the CA bundle and proxy from the same settings), plans the next run with
:func:`sync.schedule.next_run` and, when it is due, runs ``kiosk sync`` once in a child process.
A child rather than a thread: verifying and applying batches would hold the GIL (and a hung
download would hold a pool thread) while a villager is typing; a child can also be killed. The
child updates the store and the index; the next search reopens the changed index, so new documents
are findable without anyone's screen changing. Its messages go to the same log (kiosk.logs) and,
under systemd, to the journal.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import sys

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from kiosk.app import KioskContext
from kiosk.settings import SyncSettings
from kiosk.status import local_time
from sync.schedule import Schedule, next_run

__all__ = ["AutoSync"]

log = logging.getLogger(__name__)


class AutoSync(QObject):
    """Scheduled sync for ``kiosk run``.

    Attributes:
        due: local time of the next planned sync; ``None`` while no feed URL is set.
        running: a scheduled sync is in progress.

    Signals:
        planned(): a new ``due`` was chosen (settings changed, or a sync ran).
        finished(bool): a scheduled sync ended, ok or not.
    """

    planned = Signal()
    finished = Signal(bool)

    def __init__(
        self,
        context: KioskContext,
        *,
        check_every_s: float = 60.0,
        max_run_s: float = 3600.0,
        rng: random.Random | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.due: dt.datetime | None = None
        self._check_ms = int(check_every_s * 1000)
        self._max_run_ms = int(max_run_s * 1000)
        self._rng = rng or random.Random()
        self._planned_from: tuple[SyncSettings, dt.datetime | None] | None = None
        #: when this kiosk last started one (a run that failed before recording itself counts)
        self._attempted: dt.datetime | None = None
        self._process: QProcess | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._overran)

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        self._check()

    def stop(self) -> None:
        """Stop planning; a sync in progress is ended (the next start resumes where it stopped:
        batches apply whole or not at all)."""
        self._timer.stop()
        self._watchdog.stop()
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect()
            process.errorOccurred.disconnect()
            process.terminate()
            if not process.waitForFinished(5000):
                process.kill()
                process.waitForFinished(2000)
            process.deleteLater()

    # -- planning --------------------------------------------------------------------------
    def _last_run(self) -> dt.datetime | None:
        last = self.context.store().last_sync()  # by anyone: the librarian's 立即同步 counts
        recorded = local_time(last.started_at) if last is not None else None
        return max((t for t in (recorded, self._attempted) if t is not None), default=None)

    def _check(self) -> None:
        # two small reads from the store (WAL: never waits for a writer), once a minute at most
        settings = SyncSettings.load(self.context.store())
        if self.running:
            return
        if not settings.feed_url:
            self.due, self._planned_from = None, None
            self._timer.start(self._check_ms)
            return
        last = self._last_run()
        if self._planned_from != (settings, last):
            # a new plan only when something changed: drawing the jitter again at every check
            # would bunch a fleet at the start of its window
            now = dt.datetime.now()
            self.due = next_run(now, last, Schedule.from_settings(settings), self._rng)
            self._planned_from = (settings, last)
            log.info("next scheduled sync: %s", f"{self.due:%Y-%m-%d %H:%M:%S}")
            self.planned.emit()
        assert self.due is not None
        wait_s = (self.due - dt.datetime.now()).total_seconds()
        if wait_s <= 0:
            self._run()
        else:
            self._timer.start(min(int(wait_s * 1000) + 1, self._check_ms))

    # -- running ---------------------------------------------------------------------------
    def _run(self) -> None:
        process = QProcess(self)
        # the child's messages go where ours go (the terminal, or the journal under systemd)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedChannels)
        process.setStandardInputFile(QProcess.nullDevice())
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        self._attempted = dt.datetime.now()
        log.info("scheduled sync starting")
        process.start(
            sys.executable, ["-m", "kiosk", "--data-dir", str(self.context.data_dir), "sync"]
        )
        self._watchdog.start(self._max_run_ms)

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        ok = status == QProcess.ExitStatus.NormalExit and code == 0
        if ok:
            log.info("scheduled sync finished")
        elif status == QProcess.ExitStatus.NormalExit:
            log.error("scheduled sync failed (exit %d): the reason is in the log above", code)
        else:
            log.error("scheduled sync crashed (signal or kill); the next run starts over")
        self._done(ok)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            log.error("scheduled sync could not start %s: %s", sys.executable, error.name)
            self._done(False)

    def _overran(self) -> None:
        if self._process is not None:
            log.error("scheduled sync still running after %d s: stopped", self._max_run_ms // 1000)
            self._process.kill()

    def _done(self, ok: bool) -> None:
        self._watchdog.stop()
        if self._process is not None:
            self._process.deleteLater()
            self._process = None
        self.finished.emit(ok)
        self._check()
