"""审核: documents the content screen flagged, with the reason and the offending passage
highlighted; approve (indexed and shown to villagers) or reject (kept out) with a note. Every
decision goes to the audit log."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.app import KioskContext
from kiosk.models import StoredDocument
from kiosk.status import local_time
from ui.librarian.common import Page, panel, when
from ui.services import Services
from ui.widgets import button, clear_layout, label
from ui.workers import explain

__all__ = ["QuarantinePage", "decide", "highlight_reason"]

#: How a document came in, in the librarian's words (the store keeps the short code).
SOURCE_LABELS = {"import": "从文件导入", "sync": "从门户同步", "demo": "示例内容"}

ACTOR = "librarian"
_ACTION_LABELS = {"approve": "批准", "reject": "拒绝", "hide": "隐藏", "unhide": "取消隐藏"}
_PASSAGE = re.compile(r"「(.*?)」")


def highlight_reason(reason: str, mark: str, mark_ink: str) -> str:
    """The screen's reason as rich text, each 「passage」 highlighted."""

    def plain(text: str) -> str:  # several findings: one per line
        return html.escape(text).replace("; ", "<br>").replace("；", "<br>")

    parts: list[str] = []
    last = 0
    for match in _PASSAGE.finditer(reason):
        parts.append(plain(reason[last : match.start()]))
        parts.append(
            f'「<span style="background-color:{mark}; color:{mark_ink}; font-weight:bold">'
            f"{html.escape(match.group(1))}</span>」"
        )
        last = match.end()
    parts.append(plain(reason[last:]))
    return "".join(parts)


def decide(context: KioskContext, doc_id: str, approve: bool, note: str) -> str:
    """Approve or reject one quarantined document (worker thread); returns the new visibility."""
    return context.review(doc_id, approve=approve, note=note, actor=ACTOR)


@dataclass(frozen=True)
class AuditLine:
    at: str
    action: str
    document: str
    note: str


def recent_audit(context: KioskContext, limit: int = 30) -> list[AuditLine]:
    return [
        AuditLine(
            when(local_time(entry.at)),
            _ACTION_LABELS.get(entry.action, entry.action),
            entry.document_title or entry.document_id or "",
            entry.note or "",
        )
        for entry in context.store().audit_log(limit)
    ]


class _Item(QFrame):
    """One flagged document: title, reason with the passage highlighted, note, two buttons."""

    def __init__(self, page: QuarantinePage, doc: StoredDocument) -> None:
        super().__init__()
        self.doc_id = doc.id
        self.setProperty("role", "panel")
        self.setObjectName(f"quarantine_{doc.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(label(doc.title, "cardtitle"))
        how = SOURCE_LABELS.get(doc.source, "其他")
        meta = f"来源：{doc.agency or '未注明'}　编号：{doc.id}　怎么来的：{how}"
        layout.addWidget(label(meta, "muted"))
        colors = page.services.theme.colors
        reason = doc.screen_reason or "（未注明原因）"
        self.reason = label(
            "原因：" + highlight_reason(reason, colors["mark"], colors["mark_ink"]), rich=True
        )
        layout.addWidget(self.reason)
        self.note = QLineEdit()
        self.note.setObjectName(f"note_{doc.id}")
        self.note.setPlaceholderText("审核意见（拒绝时必填）")
        layout.addWidget(self.note)
        self.message = label("", "error")
        self.message.hide()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.setSpacing(20)
        self.approve = button(
            "✓ 批准，让村民可以查到", "primary", lambda: page.decide(self, True),
            name=f"approve_{doc.id}",
        )  # fmt: skip
        self.reject = button(
            "✕ 拒绝，不予显示", None, lambda: page.decide(self, False), name=f"reject_{doc.id}"
        )
        row.addWidget(self.approve)
        row.addWidget(self.reject)
        row.addStretch(1)
        layout.addLayout(row)

    def busy(self, on: bool) -> None:
        self.approve.setEnabled(not on)
        self.reject.setEnabled(not on)


class QuarantinePage(Page):
    """审核.

    ``items`` maps document id to its panel; ``audit_lines`` are the shown audit entries.
    """

    title = "内容审核"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.summary = label("", "heading")
        self.summary.setObjectName("QuarantineSummary")
        self.body.addWidget(self.summary)
        self.list_layout = QVBoxLayout()
        self.list_layout.setSpacing(20)
        self.body.addLayout(self.list_layout)
        audit, self.audit_layout = panel("审核记录（最近 30 条）")
        self.audit_text = label("")
        self.audit_text.setObjectName("AuditLog")
        self.audit_layout.addWidget(self.audit_text)
        self.body.addWidget(audit)
        self.body.addStretch(1)
        self.items: dict[str, _Item] = {}
        self.audit_lines: list[AuditLine] = []

    def refresh(self) -> None:
        clear_layout(self.list_layout)
        self.items = {}
        docs = self.services.store.quarantined()
        self.summary.setText(
            f"有 {len(docs)} 篇文件等待审核。批准后村民即可查到；拒绝后不会显示。"
            if docs
            else "没有等待审核的文件。"
        )
        for doc in docs:
            item = _Item(self, doc)
            self.items[doc.id] = item
            self.list_layout.addWidget(item)
        self.audit_lines = recent_audit(self.services.context)
        self.audit_text.setText(
            "\n".join(
                f"{a.at}　{a.action}　{a.document}" + (f"　意见：{a.note}" if a.note else "")
                for a in self.audit_lines
            )
            or "（暂无）"
        )

    def decide(self, item: _Item, approve: bool) -> None:
        note = item.note.text().strip()
        if not approve and not note:
            item.message.setText("拒绝时请写明原因，例如“含广告”。")
            item.message.show()
            item.note.setFocus()
            return
        item.message.hide()
        item.busy(True)
        context = self.services.context
        doc_id = item.doc_id
        self.services.runner.submit(
            f"librarian-decide-{doc_id}",
            lambda: decide(context, doc_id, approve, note),
            lambda _v: self.refresh(),
            lambda e: self._failed(item, explain(e)),
        )

    def _failed(self, item: _Item, message: str) -> None:
        item.busy(False)
        item.message.setText(f"没有保存成功：{message}")
        item.message.show()
