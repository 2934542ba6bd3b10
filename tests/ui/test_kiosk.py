"""Kiosk operation: idle reset, lockdown, the hidden corner, the PIN, errors that never show."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk import logs
from kiosk.pin import PIN_HASH_KEY, PinGuard
from tests.ui.helpers import commit_text, find, settle, tap
from ui import crash


def test_idle_timeout_counts_down_then_goes_home_and_forgets(qtbot: Any, make_window: Any) -> None:
    window = make_window(idle_timeout_s=1.2, idle_countdown_s=0.6)
    home = window.screens["home"]
    tap(qtbot, home.search_box)
    commit_text(home.search_box, "低保")
    tap(qtbot, find(window, "HomeSearchButton"))
    settle(window)
    results = window.screens["results"]
    tap(qtbot, results.cards()[0])
    tap(qtbot, find(window, "LargeText"))
    window.go("request")
    form = window.screens["request"]
    tap(qtbot, form.inputs["name"])
    commit_text(form.inputs["name"], "张三")
    assert len(window.history) == 4

    qtbot.waitUntil(lambda: window.idle_banner.isVisible(), timeout=3000)
    assert "秒后回到首页" in window.idle_label.text()
    qtbot.waitUntil(
        lambda: window.current().name == "home" and not window.idle_banner.isVisible(), timeout=3000
    )
    assert window.history == [("home", {})]
    assert home.search_box.text() == "" and results.query == "" and results.cards() == []
    assert form.inputs["name"].text() == ""
    assert not window.large_text.isChecked() and window.theme.scale == 1.0
    assert not window.keyboard.isVisible()


def test_a_touch_during_the_countdown_keeps_everything(qtbot: Any, make_window: Any) -> None:
    # a countdown long enough that a busy machine cannot let it run out between two polls
    window = make_window(idle_timeout_s=9.0, idle_countdown_s=8.0)
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    qtbot.waitUntil(lambda: window.idle_banner.isVisible(), timeout=6000)
    tap(qtbot, find(window, "StillHere"))
    assert not window.idle_banner.isVisible()
    assert window.current().name == "results" and window.screens["results"].query == "低保"


def test_kiosk_mode_is_frameless_on_top_and_ignores_shortcuts(qtbot: Any, make_window: Any) -> None:
    window = make_window(kiosk_mode=True)
    flags = window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint and flags & Qt.WindowType.WindowStaysOnTopHint
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    target = window.screens["results"].search_box
    for key, modifier in (
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
    ):
        qtbot.keyClick(window, key, modifier)
        qtbot.keyClick(target, key, modifier)
    assert window.lock is not None and window.lock.blocked >= 12
    assert window.isVisible() and window.current().name == "results"
    assert not window.close(), "closing is refused"
    assert window.isVisible()
    menu = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(10, 10), QPoint(10, 10))
    before = window.lock.blocked
    QApplication.sendEvent(target, menu)
    assert window.lock.blocked == before + 1, "right-click does nothing"
    qtbot.keyClicks(target, "abc")  # plain typing (a technician's keyboard) still works
    assert target.text().endswith("abc")


def test_windowed_mode_can_close(qtbot: Any, window: Any) -> None:
    assert window.lock is None
    assert not window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert window.close(), "a windowed kiosk (a technician's desktop) closes like any window"
    assert not window.isVisible()
    assert not window.idle.enabled, "the idle timer stops with the window"


def test_holding_the_hidden_corner_opens_the_pin_pad(qtbot: Any, window: Any) -> None:
    corner = window.hotspot
    assert corner.geometry().right() == window.width() - 1 and corner.geometry().top() == 0
    qtbot.mousePress(corner, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(corner, Qt.MouseButton.LeftButton)  # a short tap does nothing
    qtbot.wait(450)
    assert window.current().name == "home"
    qtbot.mousePress(corner, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current().name == "pinpad", timeout=2000)  # held 0.3 s (tests)
    qtbot.mouseRelease(corner, Qt.MouseButton.LeftButton)


def enter_pin(qtbot: Any, window: Any, pin: str) -> None:
    pad = window.screens["pinpad"]
    for digit in pin:
        tap(qtbot, find(pad, f"num_{digit}"))
    tap(qtbot, find(pad, "PinOk"))


def test_pin_is_hashed_and_opens_the_librarian_area(qtbot: Any, window: Any) -> None:
    window.services.pin.set_pin("246810")
    stored = window.services.store.get_setting(PIN_HASH_KEY)
    assert stored.startswith("scrypt$") and "246810" not in stored
    window.open_pinpad()
    enter_pin(qtbot, window, "246810")
    assert window.current().name == "librarian"
    assert "可查阅文件" in window.screens["librarian"].info.text()
    with qtbot.waitSignal(window.exit_requested, timeout=1000):
        tap(qtbot, find(window, "ExitKiosk"))


def test_wrong_pins_lock_the_pad(qtbot: Any, window: Any) -> None:
    guard = window.services.pin
    guard.set_pin("246813")
    window.open_pinpad()
    pad = window.screens["pinpad"]
    for tries_left in (4, 3, 2, 1):
        enter_pin(qtbot, window, "1111")
        assert f"还可以再试 {tries_left} 次" in pad.message.text()
    enter_pin(qtbot, window, "1111")
    assert "分钟后再试" in pad.message.text()
    assert not find(pad, "PinOk").isEnabled()
    assert guard.check("246813").ok is False, "even the right PIN is refused while locked"
    assert window.current().name == "pinpad"
    # a restart does not lift the lock (it lives in the store)
    assert PinGuard(window.services.store).locked_for() > 200
    later = PinGuard(window.services.store, clock=lambda: __import__("time").time() + 301)
    assert later.check("246813").ok


def test_no_pin_set_means_no_way_in(qtbot: Any, window: Any) -> None:
    window.open_pinpad()
    pad = window.screens["pinpad"]
    assert "还没有设置管理员密码" in pad.message.text()
    assert not find(pad, "PinOk").isEnabled()


def test_an_unexpected_error_is_logged_and_the_screen_returns_home(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    log_file = logs.configure(tmp_path)
    previous = sys.excepthook
    crash.install(window.recover_from_error)
    try:
        window.go("results", query="低保", filters={}, submitted=True)
        settle(window)

        def broken_slot() -> None:
            raise RuntimeError("a bug in a slot")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: window.current().name == "home", timeout=3000)
    finally:
        crash.uninstall()
        logs.reset()
        assert sys.excepthook is previous
    assert window.notice.isVisible() and "回到首页" in window.notice.text()
    assert "Traceback" not in window.notice.text()
    log = log_file.read_text("utf-8")
    assert "RuntimeError: a bug in a slot" in log and "Traceback" in log
    assert window.screens["results"].query == ""


def test_large_text_and_high_contrast(qtbot: Any, window: Any) -> None:
    title = window.title_label
    normal = title.font().pointSizeF()
    tap(qtbot, find(window, "LargeText"))
    assert title.font().pointSizeF() >= normal * 1.2
    assert window.large_text.text().startswith("✓")
    tap(qtbot, find(window, "HighContrast"))
    assert window.theme.high_contrast
    assert QApplication.palette().window().color().name() == "#000000"
    tap(qtbot, find(window, "HighContrast"))
    tap(qtbot, find(window, "LargeText"))
    assert title.font().pointSizeF() == pytest.approx(normal)


def test_the_pin_pad_opens_again_once_the_lockout_has_passed(qtbot: Any, make_window: Any) -> None:
    window = make_window(pin_max_failures=2, pin_lockout_s=1.0)
    window.services.pin.set_pin("246810")
    window.open_pinpad()
    pinpad = window.screens["pinpad"]
    for _ in range(2):
        tap(qtbot, find(pinpad, "num_1"))
        tap(qtbot, find(pinpad, "PinOk"))
    ok = find(pinpad, "PinOk")
    assert not ok.isEnabled() and "错误次数太多" in pinpad.message.text()
    qtbot.waitUntil(ok.isEnabled, timeout=4000)  # nobody had to leave the screen and come back
    assert "错误次数太多" not in pinpad.message.text()
    for digit in "246810":
        tap(qtbot, find(pinpad, f"num_{digit}"))
    tap(qtbot, ok)
    assert window.current().name == "librarian"


def test_every_kind_of_input_restarts_the_idle_timer_and_nothing_else_does(
    qtbot: Any, window: Any
) -> None:
    """The filter sees every event of the application and tests an event's class before its
    type (the cheaper test): a touch, a tap, a key, the wheel and the on-screen keyboard's
    text all still count as someone being there; painting and layout do not."""
    idle = window.idle
    pokes: list[str] = []
    poke = idle.poke
    idle.poke = lambda: (pokes.append("poke"), poke())  # type: ignore[method-assign]
    box = window.screens["home"].search_box
    QApplication.processEvents()

    def count(act: Any) -> int:
        pokes.clear()
        act()
        QApplication.processEvents()
        return len(pokes)

    assert count(lambda: (box.update(), box.updateGeometry())) == 0
    assert count(lambda: QTest.mouseClick(box, Qt.MouseButton.LeftButton)) >= 1
    assert count(lambda: QTest.keyClick(box, Qt.Key.Key_A)) >= 1
    device = QTest.createTouchDevice()
    handle = window.windowHandle()
    where = box.mapTo(window, box.rect().center())
    assert count(lambda: QTest.touchEvent(handle, device).press(0, where, handle).commit()) >= 1
    assert count(lambda: QTest.touchEvent(handle, device).release(0, where, handle).commit()) >= 1
    assert count(lambda: commit_text(box, "低保")) == 1  # the on-screen keyboard's text
    wheel = QWheelEvent(
        QPointF(5, 5),
        QPointF(box.mapToGlobal(QPoint(5, 5))),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    assert count(lambda: QApplication.sendEvent(box, wheel)) == 1
