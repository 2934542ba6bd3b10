"""A big number pad (1–9, 0, 退格, 清空) for money amounts and the librarian PIN."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from ui.widgets import button

__all__ = ["NumberPad"]


class NumberPad(QWidget):
    """Digits typed here build ``value`` (a string of digits).

    Signals:
        value_changed(str): the digits after a tap.
    """

    value_changed = Signal(str)

    def __init__(self, max_digits: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_digits = max_digits
        self.value = ""
        grid = QGridLayout(self)
        grid.setSpacing(14)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, digit in enumerate("123456789"):
            key = button(digit, "numkey", partial(self.press, digit), name=f"num_{digit}")
            grid.addWidget(key, i // 3, i % 3)
        clear = button("清空", "numkey", self.clear, name="num_clear")
        clear.setProperty("special", True)
        grid.addWidget(clear, 3, 0)
        grid.addWidget(button("0", "numkey", lambda: self.press("0"), name="num_0"), 3, 1)
        back = button("⌫ 退格", "numkey", self.backspace, name="num_backspace")
        back.setProperty("special", True)
        grid.addWidget(back, 3, 2)

    def press(self, digit: str) -> None:
        if len(self.value) >= self.max_digits:
            return
        if self.value == "0":
            self.value = ""
        self.value += digit
        self.value_changed.emit(self.value)

    def backspace(self) -> None:
        self.value = self.value[:-1]
        self.value_changed.emit(self.value)

    def clear(self) -> None:
        self.value = ""
        self.value_changed.emit(self.value)
