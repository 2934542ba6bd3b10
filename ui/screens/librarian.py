"""The librarian area (placeholder: the librarian issue fills it). Here: status and exit."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout

from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import button, label, set_label_text

__all__ = ["LibrarianScreen"]


class LibrarianScreen(Screen):
    name = "librarian"
    title = "管理员区域"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 40)
        layout.setSpacing(22)
        layout.addWidget(label("管理员区域", "title"))
        self.info = label("")
        self.info.setObjectName("LibrarianInfo")
        layout.addWidget(self.info)
        layout.addWidget(label("内容审核、同步、使用统计和设置将在这里提供。", "muted"))
        self.exit_button = button("退出查阅机", "accent", nav.request_exit, name="ExitKiosk")
        layout.addWidget(self.exit_button)
        layout.addWidget(button("回到查阅界面", "primary", nav.home, name="LeaveLibrarian"))
        layout.addStretch(1)

    def enter(self, params: dict[str, Any]) -> None:
        store = self.services.store
        counts = store.counts()
        visible = counts.get("visibility", {}).get("visible", 0)
        waiting = counts.get("visibility", {}).get("quarantined", 0)
        settings = self.services.settings
        set_label_text(
            self.info,
            f"可查阅文件：{visible} 篇　待审核：{waiting} 篇\n"
            f"数据目录：{self.services.context.data_dir}\n"
            f"空闲 {settings.idle_timeout_s:.0f} 秒后回到首页",
        )
