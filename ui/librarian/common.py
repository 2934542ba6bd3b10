"""What the librarian pages share: the page base, a titled panel, time formatting."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from ui.services import Services
from ui.widgets import TouchScrollArea, label

__all__ = ["Page", "panel", "when"]


def when(moment: dt.datetime) -> str:
    """``11月25日 14:05`` (local, naive)."""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def panel(title: str) -> tuple[QFrame, QVBoxLayout]:
    """A bordered panel with a heading; returns it and its layout."""
    frame = QFrame()
    frame.setProperty("role", "panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(28, 20, 28, 24)
    layout.setSpacing(12)
    layout.addWidget(label(title, "heading"))
    return frame, layout


class Page(QWidget):
    """One page of the librarian area: a touch-scrolling column, refreshed when shown."""

    title: ClassVar[str] = ""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.setProperty("role", "page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(8, 8, 24, 24)
        self.body.setSpacing(20)
        self.scroll_area = TouchScrollArea(content, mouse_drag=services.settings.mouse_drag_scroll)
        outer.addWidget(self.scroll_area)

    def refresh(self) -> None:
        """Read the store again (the page is being shown)."""

    def leave(self) -> None:
        """The page is being hidden."""
