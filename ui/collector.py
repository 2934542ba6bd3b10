"""Python's cyclic garbage collected on the UI thread only.

Left to itself, the collector runs in whichever thread happens to allocate: on a pool thread it
may destroy widgets of an earlier screen held in a reference cycle. Their destructor takes Qt's
connection lock and then waits for the GIL, while the UI thread, holding the GIL, waits for that
lock in ``setParent``: the screen froze for good (seen in the test suite, a pool thread in
``gc_collect_main`` → ``QObject::~QObject`` → ``PyGILState_Ensure``, the UI thread in
``QObject::disconnect``). So automatic collection is switched off while the application runs
and a timer on the UI thread collects instead: the young generation every turn, the older ones
as often as Python's thresholds would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["UiThreadCollector", "collect_on_ui_thread"]

#: How often the UI thread looks at the collector's counts.
INTERVAL_MS = 500


class UiThreadCollector(QObject):
    """Collects on the thread it lives on (the UI thread), every :data:`INTERVAL_MS`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ui_thread_collector")
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()
        gc.disable()
        self.destroyed.connect(lambda *_: gc.enable())

    @staticmethod
    def collect() -> None:
        """The young generation every turn (garbage made since the last one: cheap), the older
        ones when as many younger collections as Python's thresholds ask for have run."""
        _young, middle, old = gc.get_threshold()
        gc.collect(0)
        _count0, count1, count2 = gc.get_count()
        if count2 > old:
            gc.collect(2)
        elif count1 > middle:
            gc.collect(1)


def collect_on_ui_thread(app: QObject) -> UiThreadCollector:
    """The application's collector (made once, a child of ``app``)."""
    existing = app.findChild(UiThreadCollector, "ui_thread_collector")
    return existing if existing is not None else UiThreadCollector(app)
