"""The librarian PIN pad, reached by holding the hidden corner. Locks after repeated failures."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.pin import MAX_DIGITS
from ui.numpad import NumberPad
from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import TouchScrollArea, button, label

__all__ = ["PinPadScreen"]


class PinPadScreen(Screen):
    name = "pinpad"
    title = "管理员验证"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        host = QWidget()
        outer = QHBoxLayout(host)
        outer.setContentsMargins(40, 24, 40, 24)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(16)
        column.addWidget(label("请输入管理员密码", "title"), 0, Qt.AlignmentFlag.AlignHCenter)
        self.dots = label("", "pin", wrap=False)
        self.dots.setObjectName("PinDots")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setMinimumHeight(72)
        column.addWidget(self.dots)
        self.pad = NumberPad(max_digits=MAX_DIGITS)
        self.pad.value_changed.connect(self._on_digits)
        column.addWidget(self.pad)
        self.ok_button = button("确定", "primary", self.submit, name="PinOk")
        column.addWidget(self.ok_button)
        self.message = label("", "error")
        self.message.setObjectName("PinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.message)
        column.addStretch(1)
        outer.addLayout(column)
        outer.addStretch(1)
        # while locked out, look again every second: the pad opens by itself once the lock has
        # passed or was cleared
        self._lock_timer = QTimer(self)
        self._lock_timer.setInterval(1000)
        self._lock_timer.timeout.connect(self._update_state)
        # a short panel scrolls rather than squeezing the keys into each other
        page.addWidget(TouchScrollArea(host, mouse_drag=services.settings.mouse_drag_scroll))

    def enter(self, params: dict[str, Any]) -> None:
        self.pad.clear()
        self._update_state()

    def reset(self) -> None:
        self.pad.clear()
        self.message.setText("")
        self._lock_timer.stop()

    def leave(self) -> None:
        self._lock_timer.stop()

    def _on_digits(self, value: str) -> None:
        self.dots.setText("●  " * len(value) if value else "")

    def _update_state(self) -> None:
        guard = self.services.pin
        if not guard.is_configured():
            self.message.setText("还没有设置管理员密码。请在终端运行：kiosk set-pin 新密码")
            self.ok_button.setEnabled(False)
            return
        locked = guard.locked_for()
        if locked > 0:
            self._show_locked(locked)
        else:
            self._lock_timer.stop()
            if not self.ok_button.isEnabled():
                self.message.setText("")
            self.ok_button.setEnabled(True)

    def _show_locked(self, seconds: float) -> None:
        self.message.setText(f"错误次数太多，请 {math.ceil(seconds / 60)} 分钟后再试。")
        self.ok_button.setEnabled(False)
        self._lock_timer.start()

    def submit(self) -> None:
        pin = self.pad.value
        self.pad.clear()
        result = self.services.pin.check(pin)
        if result.ok:
            self.nav.replace("librarian")
            return
        if not result.configured:
            self._update_state()
        elif result.locked_for > 0:
            self._show_locked(result.locked_for)
        else:
            self.message.setText(f"密码不对，还可以再试 {result.tries_left} 次。")
