"""One logging set-up for the ``kiosk`` command and the touch UI alike.

Everything goes to ``<data dir>/logs/kiosk.log`` (rotated: 4 files of at most 2 MB, so a terminal
that runs for years never fills its disk). Under systemd (which sets ``JOURNAL_STREAM`` when
stderr is the journal) the same records also go to stderr with a syslog priority prefix, so
``journalctl -u zwgk-kiosk -p err`` shows the errors. Uncaught errors are logged with their
traceback by the UI's excepthook (``ui.crash``); expected ones with their sentence.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

__all__ = ["LOG_FILE", "configure", "log_path", "reset"]

#: The log file inside ``<data dir>/logs``.
LOG_FILE = "kiosk.log"
_MAX_BYTES = 2_000_000
_BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# sd-daemon(3) priorities, which the journal reads from the start of each stderr line
_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3}


def log_path(data_dir: Path) -> Path:
    return Path(data_dir) / "logs" / LOG_FILE


class _DataDirHandler(RotatingFileHandler):
    """A rotating file that is created (with its folder) only when the first record arrives, so
    a command that logs nothing leaves no trace, and an unwritable data dir costs one warning."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8", delay=True
        )

    def _open(self):  # type: ignore[no-untyped-def]  # typeshed leaves it untyped
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        # the disk is full or the folder unwritable: say so once, keep running, keep the journal
        error = sys.exc_info()[1]
        self.close()
        logging.getLogger().removeHandler(self)
        print(
            f"kiosk: 无法写入日志 {self.baseFilename}：{error} (log file disabled)", file=sys.stderr
        )


class _JournalFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")  # the journal adds the time and the unit

    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITIES.get(record.levelno, 2 if record.levelno > logging.ERROR else 6)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


_installed: list[logging.Handler] = []


def configure(data_dir: Path, *, journal: bool | None = None) -> Path:
    """Send the root logger (INFO and up) to the data dir's log file and, under systemd, to the
    journal. Replaces an earlier :func:`configure`. Returns the log file's path.

    Args:
        data_dir: the kiosk's data folder.
        journal: log to stderr for the journal; default: when systemd says stderr is the journal.
    """
    reset()
    path = log_path(data_dir)
    file_handler = _DataDirHandler(path)
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    handlers: list[logging.Handler] = [file_handler]
    if journal if journal is not None else bool(os.environ.get("JOURNAL_STREAM")):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(_JournalFormatter())
        handlers.append(stream)
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
        _installed.append(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return path


def reset() -> None:
    """Remove what :func:`configure` installed (tests, and before configuring again)."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
