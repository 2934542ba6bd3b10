"""Cyclic garbage is collected on the UI thread, never on a pool thread (ui/collector.py)."""

from __future__ import annotations

import gc
import threading
from typing import Any


class _Cycle:
    """A reference cycle that notes the thread that finally collects it."""

    def __init__(self, seen: list[str]) -> None:
        self.me = self
        self.seen = seen

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def test_garbage_made_on_the_ui_thread_is_collected_there(qtbot: Any, window: Any) -> None:
    seen: list[str] = []
    _Cycle(seen)  # garbage at once, freed only by a collection

    def allocate() -> None:  # what a pool thread does: enough to trigger a collection
        for _ in range(20):
            junk = [[i] for i in range(10_000)]
            del junk

    worker = threading.Thread(target=allocate, name="pool-like")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [threading.main_thread().name]
    assert not gc.isenabled(), "automatic collection stays off while the kiosk runs"
