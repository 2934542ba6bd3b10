"""The search worker process seen from the screen: a real ``python -m index.worker`` on a real
copy of the demo index, driven through the kiosk's own services and screens."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from ui import search_worker
from ui.search_worker import SearchUnavailable, SearchWorker
from ui.services import Services
from ui.workers import explain

from .helpers import settle, tap


@pytest.fixture
def services(window: Any) -> Services:
    services: Services = window.services
    assert services.worker.is_ready, "make_window waits for the worker's warm-up"
    return services


def _search(services: Services, text: str, got: list[Any], channel: str = "search") -> int:
    return services.search(text, {}, lambda r: got.append((text, r)), channel=channel)


def test_searches_run_in_another_process(services: Services) -> None:
    got: list[Any] = []
    _search(services, "低保", got)
    assert services.wait()
    ((text, results),) = got
    assert text == "低保" and results.total > 0 and results.hits[0].title
    assert services.worker.pid() not in (0, os.getpid())


def test_a_killed_worker_is_started_again_and_the_search_it_held_is_answered(
    qtbot: Any, services: Services
) -> None:
    worker = services.worker
    first = worker.pid()
    got: list[Any] = []
    _search(services, "医疗救助", got)  # with the worker now
    os.kill(first, signal.SIGKILL)
    with qtbot.waitSignal(worker.restarted, timeout=10_000):
        pass
    assert services.wait(30_000)
    assert worker.pid() not in (0, first) and worker.starts == 2 and worker.is_ready
    assert [text for text, _ in got] == ["医疗救助"] and got[0][1].total > 0
    assert worker.stats["retried"] == 1
    # and it keeps serving
    _search(services, "低保", got)
    assert services.wait()
    assert got[-1][0] == "低保" and got[-1][1].total > 0


def test_a_worker_that_keeps_dying_fails_the_search_instead_of_retrying_forever(
    qtbot: Any, services: Services
) -> None:
    worker = services.worker
    failures: list[Exception] = []
    services.search("低保", {}, lambda _r: None, failures.append)
    os.kill(worker.pid(), signal.SIGKILL)
    with qtbot.waitSignal(worker.ready, timeout=15_000):
        pass  # restarted, warmed up, the search sent again …
    os.kill(worker.pid(), signal.SIGKILL)  # … and that worker dies on it too
    qtbot.waitUntil(lambda: bool(failures), timeout=15_000)
    (failure,) = failures
    assert (
        isinstance(failure, SearchUnavailable)
        and explain(failure) == "查找暂时不可用，请稍后再试。"
    )
    with qtbot.waitSignal(worker.ready, timeout=15_000):
        pass  # still restarted for the next search


def test_an_answer_for_an_older_search_is_dropped(services: Services) -> None:
    worker = services.worker
    got: list[Any] = []
    _search(services, "低保", got)  # goes to the worker at once
    assert worker.stats["sent"] and worker.busy()
    services.cancel("search")  # the person went back to Home
    _search(services, "医保", got, channel="other")
    assert services.wait()
    assert [text for text, _ in got] == ["医保"]
    assert worker.stats["dropped"] == 1, "the 低保 answer came back and was thrown away"


def test_a_new_keystroke_supersedes_searches_still_waiting(services: Services) -> None:
    worker = services.worker
    before = worker.stats.copy()
    got: list[Any] = []
    typed = ["低", "低保", "低保申", "低保申请", "低保申请条", "低保申请条件"]
    for text in typed:  # all within one turn of the event loop: faster than any worker
        _search(services, text, got)
    assert services.wait()
    stats = worker.stats - before
    assert stats["sent"] == 2, "the first search ran; of those typed meanwhile only the last"
    assert stats["superseded"] == len(typed) - 2
    assert stats["dropped"] == 1, "the first one's answer was stale by then"
    assert [text for text, _ in got] == ["低保申请条件"]


def test_keyboard_candidates_go_before_waiting_searches(services: Services) -> None:
    order: list[str] = []

    def note(name: str) -> Callable[[Any], None]:
        return lambda _results: order.append(name)

    for i in range(3):
        services.search(f"救助 {i}", {}, note(f"s{i}"), channel=f"s{i}")
    services.pinyin_candidates("dibao", lambda letters, _c: order.append(letters))
    assert services.wait()
    assert order == ["s0", "dibao", "s1", "s2"], "s0 was already with the worker"


@pytest.fixture
def stopped_worker(services: Services) -> Iterator[SearchWorker]:
    """The worker frozen (SIGSTOP) as if it were scoring a query that never ends."""
    worker = services.worker
    pid = worker.pid()
    os.kill(pid, signal.SIGSTOP)
    try:
        yield worker
    finally:
        with contextlib.suppress(ProcessLookupError):  # gone if the test had it killed
            os.kill(pid, signal.SIGCONT)


def test_the_screen_keeps_answering_taps_while_a_search_runs(
    qtbot: Any, window: Any, stopped_worker: SearchWorker
) -> None:
    home = window.screens["home"]
    home.search_box.setText("低保")
    home.submit()
    results = window.screens["results"]
    assert window.history[-1][0] == "results" and results.searching
    # the search cannot finish (its process is stopped), yet events keep flowing: a timer keeps
    # firing, the keyboard types, the top bar's buttons work
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=5000)
    timer.stop()
    assert results.searching and stopped_worker.busy(), "still waiting for the worker"
    results.search_box.setFocus()
    window.keyboard.type_char("a")
    assert window.keyboard.composition == "a"
    tap(qtbot, window.home_button)
    assert window.history == [("home", {})]
    os.kill(stopped_worker.pid(), signal.SIGCONT)
    settle(window)


def test_a_hung_worker_is_replaced_and_its_search_fails(
    qtbot: Any, services: Services, stopped_worker: SearchWorker
) -> None:
    hung = stopped_worker.pid()
    stopped_worker.answer_timeout_ms = 1000
    failures: list[Exception] = []
    services.search("低保", {}, lambda _r: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert stopped_worker.stats["retried"] == 0, "not retried: it may be what hangs them"
    assert [type(f) for f in failures] == [SearchUnavailable]
    with qtbot.waitSignal(stopped_worker.ready, timeout=15_000):
        pass
    assert stopped_worker.pid() not in (0, hung)
    got: list[Any] = []
    _search(services, "医保", got)
    assert services.wait()
    assert got and got[0][1].total > 0


_SLOW_START = """
import json, sys, time
for done in range(8):  # a long start-up index check, reporting as it goes
    print(json.dumps({"progress": [done, 8]}), flush=True)
    time.sleep(0.2)
for line in sys.stdin:
    print(json.dumps({"tag": json.loads(line)["tag"], "ok": True, "result": {}}), flush=True)
"""


def test_a_worker_still_checking_the_index_is_not_taken_for_hung(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(search_worker, "WARM_TIMEOUT_MS", 500)  # less than the 1.6 s check
    script = tmp_path / "slow_start.py"
    script.write_text(_SLOW_START, encoding="utf-8")
    worker = SearchWorker(tmp_path, arguments=[str(script)])
    seen: list[tuple[int, int]] = []
    worker.preparing.connect(lambda done, total: seen.append((done, total)))
    try:
        with qtbot.waitSignal(worker.ready, timeout=10_000):
            worker.start()
        assert worker.starts == 1, "never killed for taking long"
        assert seen == [(done, 8) for done in range(8)]
    finally:
        worker.shutdown()
