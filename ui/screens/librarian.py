"""The librarian area (behind the hidden corner and the PIN): a column of page buttons on the left
(状态, 内容审核, 同步, 低保标准, 本地信息, 使用统计, 设置), the page on the right, and 回到查阅界面 / 重启 / 退出查阅机."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QProcess, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.librarian import (
    LocalPage,
    Page,
    QuarantinePage,
    SettingsPage,
    StandardsPage,
    StatsPage,
    StatusPage,
    SyncPage,
)
from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import Label, TouchScrollArea, button

__all__ = ["LibrarianScreen"]

log = logging.getLogger(__name__)


def _restart_process() -> None:
    """Start a fresh copy of this program (the caller then closes this one)."""
    log.info("restarting: %s %s", sys.executable, sys.argv)
    QProcess.startDetached(sys.executable, sys.argv)


class LibrarianScreen(Screen):
    """The librarian area.

    Attributes:
        pages: the pages by key ("status", "quarantine", "sync", "standards", "local", "stats",
            "settings").
        restarter: starts the new process on 重启 (tests replace it).
    """

    name = "librarian"
    title = "管理员区域"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.restarter: Callable[[], None] = _restart_process
        outer = QHBoxLayout(self)
        outer.setContentsMargins(32, 24, 24, 16)
        outer.setSpacing(28)
        menu_host = QWidget()
        menu = QVBoxLayout(menu_host)
        menu.setContentsMargins(0, 0, 12, 0)
        menu.setSpacing(14)
        self.pages: dict[str, Page] = {
            "status": StatusPage(services),
            "quarantine": QuarantinePage(services),
            "sync": SyncPage(services),
            "standards": StandardsPage(services),
            "local": LocalPage(services),
            "stats": StatsPage(services),
            "settings": SettingsPage(services),
        }
        self.stack = QStackedWidget()
        self.tabs: dict[str, QPushButton] = {}
        for key, page in self.pages.items():
            self.stack.addWidget(page)
            tab = button(page.title, "toggle", partial(self.show_page, key),
                         checkable=True, name=f"tab_{key}")  # fmt: skip
            self.tabs[key] = tab
            menu.addWidget(tab)
        menu.addStretch(1)
        menu.addWidget(button("回到查阅界面", "primary", nav.home, name="LeaveLibrarian"))
        menu.addWidget(button("重启查阅机", None, self.restart, name="RestartKiosk"))
        self.exit_button = button("退出查阅机", "accent", nav.request_exit, name="ExitKiosk")
        menu.addWidget(self.exit_button)
        # a short panel scrolls the menu rather than squeezing its buttons into each other
        self.menu_scroll = TouchScrollArea(
            menu_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        self.menu_scroll.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.menu_host = menu_host
        outer.addWidget(self.menu_scroll)
        outer.addWidget(self.stack, 1)
        self.outer = outer
        self.current_page = "status"

    @property
    def info(self) -> Label:
        """The one-line summary at the top of the status page."""
        page = self.pages["status"]
        assert isinstance(page, StatusPage)
        return page.info

    def theme_changed(self) -> None:
        wide = self.services.theme.form == "wide"
        self.outer.setContentsMargins(*((32, 24, 24, 16) if wide else (12, 12, 12, 8)))
        self.outer.setSpacing(28 if wide else 12)
        self._fit_menu()
        QTimer.singleShot(0, self._fit_menu)  # again once the new style has reached the buttons

    def _fit_menu(self) -> None:
        """The menu as wide as its widest button needs (大字 makes them wider)."""
        wide = self.services.theme.form == "wide"
        buttons = self.menu_host.findChildren(QPushButton)
        for b in buttons:
            b.ensurePolished()
        needed = max((b.sizeHint().width() for b in buttons), default=0) + 12
        width = max(needed, 220 if not wide else 300)
        scrollbar = self.menu_scroll.verticalScrollBar().sizeHint().width()
        self.menu_scroll.setFixedWidth(width + scrollbar)

    def show_page(self, key: str) -> None:
        previous = self.pages.get(self.current_page)
        if previous is not None and key != self.current_page:
            previous.leave()
        self.current_page = key
        for name, tab in self.tabs.items():
            tab.setChecked(name == key)
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        page.refresh()

    def enter(self, params: dict[str, Any]) -> None:
        self._fit_menu()
        self.show_page(str(params.get("page", "status")))

    def params(self) -> dict[str, Any]:
        return {"page": self.current_page}

    def leave(self) -> None:
        self.pages[self.current_page].leave()

    def reset(self) -> None:
        self.current_page = "status"

    def restart(self) -> None:
        """重启: start a fresh kiosk, then leave this one."""
        self.restarter()
        self.nav.request_exit()
