"""低保标准: standards read out of the notices that publish them, each with the sentence it was
read from, for the librarian to confirm (the self-check uses it from then on) or reject."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QFrame, QHBoxLayout

from kiosk.standards import Proposal, State, decide, proposals, scan
from ui.librarian.common import Page, panel
from ui.services import Services
from ui.widgets import button, label

__all__ = ["StandardsPage"]

_STATES = {"pending": "待确认", "confirmed": "已确认，自助查询在用", "rejected": "不采用"}


class StandardsPage(Page):
    """低保标准."""

    title = "低保标准"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.body.addWidget(
            label(
                "查阅机从通知里读出的低保标准。请对照原文核对：对的点“确认”，"
                "自助查询才会使用；读错的点“不对”。",
                "notice",
            )
        )
        row = QHBoxLayout()
        row.addWidget(button("在文件里查找标准", "primary", self.rescan, name="ScanStandards"))
        row.addStretch(1)
        self.body.addLayout(row)
        self.message = label("")
        self.message.setObjectName("StandardsMessage")
        self.message.hide()
        self.body.addWidget(self.message)
        self._first_item = self.body.count()
        self.body.addStretch(1)

    def refresh(self) -> None:
        while self.body.count() > self._first_item + 1:  # keep the trailing stretch
            item = self.body.takeAt(self._first_item)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        found = proposals(self.services.store)
        if not found:
            self.body.insertWidget(
                self._first_item, label("还没有读出的标准。点“在文件里查找标准”。", "muted")
            )
        for number, proposal in enumerate(found):
            self.body.insertWidget(self._first_item + number, self._item(number, proposal))

    def _item(self, number: int, p: Proposal) -> QFrame:
        area = "城镇" if p.area == "urban" else "农村"
        since = f"，{p.effective} 起执行" if p.effective else "（通知没写执行日期）"
        frame, layout = panel(f"{p.region}{area}：每人每月 {p.amount:g} 元{since}")
        layout.addWidget(label(f"原文：{p.quote}"))
        doc = self.services.store.get(p.doc_id)
        layout.addWidget(label(f"文件：{doc.title if doc else p.doc_id}", "muted"))
        state = label(_STATES[p.state], "heading")
        state.setObjectName(f"standard_state_{number}")
        layout.addWidget(state)
        actions = QHBoxLayout()
        actions.addWidget(
            button("确认", "primary", partial(self._decide, number, "confirmed"),
                   name=f"confirm_standard_{number}")
        )  # fmt: skip
        actions.addWidget(
            button("不对", None, partial(self._decide, number, "rejected"),
                   name=f"reject_standard_{number}")
        )  # fmt: skip
        actions.addStretch(1)
        layout.addLayout(actions)
        return frame

    def _decide(self, number: int, state: State) -> None:
        decide(self.services.store, number, state)
        self.refresh()

    def rescan(self) -> None:
        """Read every notice again (off the UI thread: a county has many documents)."""
        self.message.setText("正在查找……")
        self.message.show()
        self.services.runner.submit(
            "standards-scan", partial(scan, self.services.store), self._found
        )

    def _found(self, new: list[Proposal]) -> None:
        self.message.setText(f"新找到 {len(new)} 条，请核对。" if new else "没有找到新的标准。")
        self.refresh()
