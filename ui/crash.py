"""The kiosk never shows a traceback and never quits on its own.

``install(recover)`` replaces ``sys.excepthook`` (PySide6 routes exceptions raised in slots and
event handlers through it) and ``threading.excepthook`` (log only): the traceback goes to the
kiosk's log (``kiosk.logs``: the data dir's ``logs/kiosk.log``, and the journal under systemd) and
``recover(message)`` is scheduled on the UI thread, which returns the screen to Home with a calm
note.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QTimer

__all__ = ["install", "uninstall"]

log = logging.getLogger("ui.crash")

_previous: tuple[object, object] | None = None


def install(recover: Callable[[str], None]) -> None:
    """Log uncaught exceptions and call ``recover`` on the UI thread."""
    global _previous

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        text = "".join(traceback.format_exception(kind, value, tb))
        log.error("uncaught exception, returning Home:\n%s", text)
        QTimer.singleShot(0, lambda: recover(f"{kind.__name__}: {value}"))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        # a plain Python thread has no event loop to schedule the recovery on: log only
        text = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        log.error("uncaught exception in thread %s:\n%s", getattr(args.thread, "name", "?"), text)

    _previous = (sys.excepthook, threading.excepthook)
    sys.excepthook = hook
    threading.excepthook = thread_hook


def uninstall() -> None:
    """Put the previous hooks back (tests)."""
    global _previous
    if _previous is not None:
        sys.excepthook, threading.excepthook = _previous  # type: ignore[assignment]
        _previous = None
