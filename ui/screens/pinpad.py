"""The librarian PIN pad, reached by holding the hidden corner. Locks after repeated failures."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.pin import MAX_DIGITS
from ui.numpad import NumberPad
from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import button, label

__all__ = ["PinPadScreen"]


class PinPadScreen(Screen):
    name = "pinpad"
    title = "管理员验证"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(20)
        column.addWidget(label("请输入管理员密码", "title"), 0, Qt.AlignmentFlag.AlignHCenter)
        self.dots = label("", "pin", wrap=False)
        self.dots.setObjectName("PinDots")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setMinimumHeight(80)
        column.addWidget(self.dots)
        self.pad = NumberPad(max_digits=MAX_DIGITS)
        self.pad.value_changed.connect(self._on_digits)
        column.addWidget(self.pad)
        self.ok_button = button("确定", "primary", self.submit, name="PinOk")
        self.ok_button.setMinimumHeight(96)
        column.addWidget(self.ok_button)
        self.message = label("", "error")
        self.message.setObjectName("PinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.message)
        column.addStretch(1)
        outer.addLayout(column)
        outer.addStretch(1)

    def enter(self, params: dict[str, Any]) -> None:
        self.pad.clear()
        self._update_state()

    def reset(self) -> None:
        self.pad.clear()
        self.message.setText("")

    def _on_digits(self, value: str) -> None:
        self.dots.setText("●  " * len(value) if value else "")

    def _update_state(self) -> None:
        guard = self.services.pin
        if not guard.is_configured():
            self.message.setText("还没有设置管理员密码。请在终端运行：kiosk set-pin")
            self.ok_button.setEnabled(False)
            return
        locked = guard.locked_for()
        if locked > 0:
            self.message.setText(f"错误次数太多，请 {math.ceil(locked / 60)} 分钟后再试。")
            self.ok_button.setEnabled(False)
        else:
            self.message.setText("")
            self.ok_button.setEnabled(True)

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
            self.message.setText(
                f"错误次数太多，请 {math.ceil(result.locked_for / 60)} 分钟后再试。"
            )
            self.ok_button.setEnabled(False)
        else:
            self.message.setText(f"密码不对，还可以再试 {result.tries_left} 次。")
