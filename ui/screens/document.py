"""Document: the sanitized text, safely rendered, with everything around it a villager needs.

- QTextBrowser that loads nothing: no links followed, no images or other resources fetched (the
  body is sanitized on import and once more here), no scripts (Qt rich text has none).
- Text size − / + over five steps (18 … 36 pt), line spacing 1.5.
- Query terms highlighted, with previous / next hit.
- A banner on repealed, expired or amended documents, linking to the successor.
- Metadata (发文字号, 索引号, agency, dates), attachments (PDF in-app), read-aloud, QR code, print.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import (
    QColor,
    QPixmap,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.models import StoredDocument
from kiosk.records import STATUS_LABELS, sanitize_html
from ui.printing import QR_CAPTION
from ui.qr import qr_image
from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import (
    FlowLayout,
    OfficeCard,
    TouchScrollArea,
    button,
    clear_layout,
    enable_kinetic_scrolling,
    label,
    set_label_text,
    set_props,
)

__all__ = ["DocumentScreen", "SafeTextBrowser", "is_dibao"]

#: The text size steps in everyday words (not printers' 磅).
STEP_NAMES = ("小", "中", "大", "很大", "特大")
_BANNERS = {
    "repealed": "本文件已废止，不再执行。",
    "expired": "本文件已失效，内容仅供参考。",
    "amended": "本文件已被修订，部分内容已经改变。",
}
_DOC_CSS = (
    "table { border-collapse: collapse; margin: 8px 0; }"
    " td, th { border: 1px solid #6B6B6B; padding: 6px 10px; }"
    " th { font-weight: bold; }"
)


def is_dibao(doc: StoredDocument) -> bool:
    """A 低保 document: it publishes a standard, or its title or category says 低保."""
    words = ("低保", "最低生活保障")
    return bool(doc.allowances) or any(w in doc.title or w in (doc.category or "") for w in words)


class SafeTextBrowser(QTextBrowser):
    """A QTextBrowser that never loads anything and never follows a link."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.document().setDefaultStyleSheet(_DOC_CSS)
        self.blocked_loads: list[str] = []

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        self.blocked_loads.append(name.toString() if isinstance(name, QUrl) else name)
        return None

    def setSource(
        self,
        name: QUrl | str,
        type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource,
    ) -> None:
        self.blocked_loads.append(name.toString() if isinstance(name, QUrl) else name)


class DocumentScreen(Screen):
    name = "document"
    title = "文件内容"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.steps = services.theme.spec.text_steps_pt
        self.default_step = services.theme.spec.default_step
        self.step = self.default_step
        self.doc: StoredDocument | None = None
        self.terms: list[str] = []
        self.hits: list[QTextCursor] = []
        self.hit_index = -1

        outer = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.outer = outer
        outer.setContentsMargins(40, 20, 40, 16)
        outer.setSpacing(28)

        main = QVBoxLayout()
        main.setSpacing(14)
        self.banner = QFrame()
        self.banner.setProperty("role", "banner")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(20, 12, 20, 12)
        self.banner_text = label("")
        banner_layout.addWidget(self.banner_text, 1)
        self.successor_button = button(
            "查看现行文件", "primary", self._open_successor, name="SuccessorButton"
        )
        banner_layout.addWidget(self.successor_button)
        self.banner.hide()
        # banner and title scroll on their own when they would leave the text too little room
        # (a repealed document's long banner, 大字, a small panel)
        head_host = QWidget()
        head = QVBoxLayout(head_host)
        head.setContentsMargins(0, 0, 12, 0)
        head.setSpacing(14)
        head.addWidget(self.banner)
        title_row = QHBoxLayout()
        self.title_label = label("", "title")
        self.title_label.setObjectName("DocumentTitle")
        title_row.addWidget(self.title_label, 1)
        self.badge = label("", "badge", wrap=False)
        title_row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        head.addLayout(title_row)
        self.head_host, self.head_layout = head_host, head
        self.head_scroll = TouchScrollArea(
            head_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        main.addWidget(self.head_scroll)
        self.browser = SafeTextBrowser()
        self.browser.setObjectName("DocumentBody")
        self.browser.setProperty("textStep", str(self.step))
        enable_kinetic_scrolling(
            self.browser.viewport(), mouse_drag=services.settings.mouse_drag_scroll
        )
        main.addWidget(self.browser, 1)
        outer.addLayout(main, 1)

        side_host = QWidget()
        side = QVBoxLayout(side_host)
        side.setContentsMargins(0, 0, 12, 0)
        side.setSpacing(14)
        size_host = QWidget()
        size_row = FlowLayout(size_host, spacing=12)
        self.smaller = button(
            "字小一点", None, lambda: self.set_step(self.step - 1), name="TextSmaller"
        )
        self.larger = button(
            "字大一点", None, lambda: self.set_step(self.step + 1), name="TextLarger"
        )
        size_row.addWidget(self.smaller)
        size_row.addWidget(self.larger)
        side.addWidget(size_host)
        self.step_label = label("", "muted")
        self.step_label.setObjectName("TextStep")
        side.addWidget(self.step_label)

        self.find_box = QFrame()
        find_layout = QVBoxLayout(self.find_box)
        find_layout.setContentsMargins(0, 0, 0, 0)
        find_layout.setSpacing(8)
        self.find_label = label("", None)
        find_layout.addWidget(self.find_label)
        find_host = QWidget()
        find_row = FlowLayout(find_host, spacing=12)
        self.prev_hit = button(
            "上一处", None, lambda: self.goto_hit(self.hit_index - 1), name="PrevHit"
        )
        self.next_hit = button(
            "下一处", None, lambda: self.goto_hit(self.hit_index + 1), name="NextHit"
        )
        find_row.addWidget(self.prev_hit)
        find_row.addWidget(self.next_hit)
        find_layout.addWidget(find_host)
        side.addWidget(self.find_box)

        self.read_button = button("朗读全文", None, self.toggle_reading, name="ReadAloud")
        side.addWidget(self.read_button)
        self.print_button = button("打印全文", None, self.print_document, name="PrintDocument")
        side.addWidget(self.print_button)
        self.status_note = label("", "notice")
        self.status_note.setObjectName("DocumentNote")
        self.status_note.hide()
        side.addWidget(self.status_note)
        self.office = OfficeCard()  # beside 低保 documents: where to apply
        side.addWidget(self.office)

        self.qr_label = label("", None, wrap=False)
        self.qr_label.setObjectName("QrCode")
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(self.qr_label)
        self.qr_caption = label(QR_CAPTION, "muted")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(self.qr_caption)

        side.addWidget(label("文件信息", "heading"))
        self.meta_label = label("", None, rich=True)
        self.meta_label.setObjectName("DocumentMeta")
        side.addWidget(self.meta_label)
        self.attachments_heading = label("附件", "heading")
        side.addWidget(self.attachments_heading)
        self.attachments = QVBoxLayout()
        self.attachments.setSpacing(10)
        side.addLayout(self.attachments)
        side.addStretch(1)
        self.side_scroll = TouchScrollArea(
            side_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        outer.addWidget(self.side_scroll)
        self._place_side()

        speaker = services.speaker
        speaker.state_changed.connect(self._on_reading)
        speaker.failed.connect(self._show_note)
        speaker.availability_changed.connect(self._on_speech_availability)

    # -- screen ----------------------------------------------------------------------------
    def enter(self, params: dict[str, Any]) -> None:
        doc_id = str(params.get("doc_id", ""))
        self.terms = [t for t in params.get("terms") or [] if isinstance(t, str) and t.strip()]
        if "step" in params:
            self.step = int(params["step"])
        self.services.speaker.stop()
        self.status_note.hide()
        doc = self.services.store.get(doc_id)
        if doc is None or not doc.is_visible:
            self.show_missing()
            return
        self.doc = doc
        self.services.count("open", doc.id)
        self._show(doc)

    def params(self) -> dict[str, Any]:
        return {"doc_id": self.doc.id if self.doc else "", "terms": list(self.terms)}

    def leave(self) -> None:
        self.services.speaker.stop()

    def reset(self) -> None:
        self.leave()
        self.doc, self.terms, self.hits, self.hit_index = None, [], [], -1
        self.step = self.default_step
        self.browser.clear()
        self.title_label.clear()
        self.status_note.hide()

    def theme_changed(self) -> None:
        self._place_side()
        QTimer.singleShot(0, self._fit_head)
        if self.hits:
            self._paint_hits()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_head()

    def _fit_head(self) -> None:
        """The head takes the height it needs, but at most 40 % of the page."""
        width = self.head_scroll.viewport().width() or self.head_scroll.width()
        self.head_layout.activate()
        needed = self.head_host.heightForWidth(width)
        if needed < 0:
            needed = self.head_host.sizeHint().height()
        self.head_scroll.setFixedHeight(max(60, min(needed + 4, int(self.height() * 0.4))))

    def _place_side(self) -> None:
        """Tools beside the text on a landscape panel (narrower on a small one), below it in
        portrait, where the text keeps the full width."""
        form = self.services.theme.form
        portrait = form == "portrait"
        self.outer.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self.outer.setStretch(0, 3 if portrait else 1)
        self.outer.setStretch(1, 1 if portrait else 0)
        if portrait:
            self.side_scroll.setMinimumWidth(0)
            self.side_scroll.setMaximumWidth(16_777_215)
        else:
            self.side_scroll.setFixedWidth(520 if form == "wide" else 440)
        margin = 40 if form == "wide" else 20
        self.outer.setContentsMargins(margin, 16, margin, 12)
        self.outer.setSpacing(28 if form == "wide" else 16)

    def show_missing(self) -> None:
        self.doc = None
        self.office.hide()
        set_label_text(self.title_label, "这份文件已经撤下或不存在")
        self.badge.hide()
        self.banner.hide()
        self.browser.setPlainText("请点“返回”回到上一页，或者点“首页”重新查找。")
        self.meta_label.clear()
        self.qr_label.clear()
        self.qr_label.hide()
        self.qr_caption.hide()
        self.find_box.hide()
        self.read_button.hide()
        self.print_button.hide()
        self.attachments_heading.hide()

    # -- showing ---------------------------------------------------------------------------
    def _show(self, doc: StoredDocument) -> None:
        set_label_text(self.title_label, doc.title)
        self.badge.setText(STATUS_LABELS.get(doc.status, doc.status))
        set_props(self.badge, status=doc.status)
        self.badge.show()
        self._show_banner(doc)
        QTimer.singleShot(0, self._fit_head)
        self.browser.blocked_loads.clear()
        self.browser.setHtml(sanitize_html(doc.body_html))
        self._space_lines()
        self.set_step(self.step)
        self.browser.verticalScrollBar().setValue(0)
        self._find_hits()
        self._show_meta(doc)
        self._show_qr(doc.url)
        self._show_attachments(doc)
        self.read_button.setVisible(self.services.speaker.available)
        self.read_button.setText("朗读全文")
        self.print_button.show()
        self.office.show_lines(self.services.office_lines() if is_dibao(doc) else [])

    def _show_banner(self, doc: StoredDocument) -> None:
        text = _BANNERS.get(doc.status)
        if not text:
            self.banner.hide()
            return
        successor = self.services.store.get(doc.superseded_by) if doc.superseded_by else None
        if successor is not None and successor.is_visible:
            kind = "修订文件" if doc.status == "amended" else "现行文件"
            self.successor_button.setText(f"查看{kind}")
            self.successor_button.setProperty("target", successor.id)
            self.successor_button.show()
            text += f"\n{'修订' if doc.status == 'amended' else '现行'}文件：{successor.title}"
        else:
            self.successor_button.hide()
            text += "\n请以最新公布的文件为准。"
        set_label_text(self.banner_text, text)
        self.banner.show()

    def _show_meta(self, doc: StoredDocument) -> None:
        rows = [
            ("发文字号", doc.doc_number),
            ("索引号", doc.index_no),
            ("发布机构", doc.agency),
            ("成文日期", doc.written.isoformat() if doc.written else ""),
            ("发布日期", doc.published.isoformat() if doc.published else ""),
            ("主题分类", doc.category),
            ("有效性", STATUS_LABELS.get(doc.status, doc.status)),
        ]
        text = "<br>".join(f"<b>{name}：</b>{html.escape(value)}" for name, value in rows if value)
        set_label_text(self.meta_label, text, rich=True)

    def _show_qr(self, url: str | None) -> None:
        image = qr_image(url, scale=7) if url else None
        if image is None or image.isNull():
            self.qr_label.clear()
            self.qr_label.hide()
            self.qr_caption.hide()
            return
        self.qr_label.setPixmap(QPixmap.fromImage(image))
        self.qr_label.show()
        self.qr_caption.show()

    def _show_attachments(self, doc: StoredDocument) -> None:
        clear_layout(self.attachments)
        blobs = self.services.context.data_dir / "blobs"
        for attachment in doc.attachments:
            path = blobs / attachment.sha256
            is_pdf = attachment.media_type == "application/pdf" or attachment.name.lower().endswith(
                ".pdf"
            )
            if attachment.present and path.is_file() and is_pdf:
                item = button(
                    f"查看附件：{attachment.name}",
                    "row",
                    name=f"attachment_{attachment.sha256[:12]}",
                )
                item.clicked.connect(
                    lambda _c=False, a=attachment: self.nav.go(
                        "pdf", doc_id=doc.id, sha256=a.sha256, name=a.name
                    )
                )
            else:
                reason = (
                    "本机暂未下载"
                    if not (attachment.present and path.is_file())
                    else "本机不能打开这种文件"
                )
                item = button(f"附件：{attachment.name}（{reason}）", "row")
                item.setEnabled(False)
            self.attachments.addWidget(item)
        self.attachments_heading.setVisible(bool(doc.attachments))

    def _space_lines(self) -> None:
        cursor = QTextCursor(self.browser.document())
        cursor.select(QTextCursor.SelectionType.Document)
        fmt = QTextBlockFormat()
        fmt.setLineHeight(150, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        fmt.setBottomMargin(10)
        cursor.mergeBlockFormat(fmt)

    # -- text size -------------------------------------------------------------------------
    def set_step(self, step: int) -> None:
        self.step = max(0, min(step, len(self.steps) - 1))
        set_props(self.browser, textStep=str(self.step))
        self.smaller.setEnabled(self.step > 0)
        self.larger.setEnabled(self.step < len(self.steps) - 1)
        self.step_label.setText(
            f"字号：{STEP_NAMES[min(self.step, len(STEP_NAMES) - 1)]}"
            f"（第 {self.step + 1} 级，共 {len(self.steps)} 级）"
        )
        if 0 <= self.hit_index < len(self.hits):
            self._scroll_to(self.hits[self.hit_index])

    # -- highlighted terms -----------------------------------------------------------------
    def _find_hits(self) -> None:
        document = self.browser.document()
        found: dict[int, QTextCursor] = {}
        for term in sorted(set(self.terms), key=len, reverse=True):
            cursor = document.find(term)
            while not cursor.isNull():
                start = cursor.selectionStart()
                overlaps = any(
                    c.selectionStart() <= start < c.selectionEnd() for c in found.values()
                )
                if not overlaps:
                    found[start] = QTextCursor(cursor)
                cursor = document.find(term, cursor)
        self.hits = [found[k] for k in sorted(found)]
        self.hit_index = 0 if self.hits else -1
        self._paint_hits()
        self.find_box.setVisible(bool(self.hits))
        if self.hits:
            self._scroll_to(self.hits[0])

    def goto_hit(self, index: int) -> None:
        if not self.hits:
            return
        self.hit_index = index % len(self.hits)
        self._paint_hits()
        self._scroll_to(self.hits[self.hit_index])

    def _paint_hits(self) -> None:
        selections = []
        mark, current = self._mark_colors()
        for i, cursor in enumerate(self.hits):
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(current if i == self.hit_index else mark)
            fmt.setForeground(QColor(self._mark_ink()))
            selection.format = fmt
            selections.append(selection)
        self.browser.setExtraSelections(selections)
        if self.hits:
            words = "、".join(dict.fromkeys(self.terms[:3]))
            self.find_label.setText(
                f"“{words}”：第 {self.hit_index + 1} 处，共 {len(self.hits)} 处"
            )
        self.prev_hit.setEnabled(len(self.hits) > 1)
        self.next_hit.setEnabled(len(self.hits) > 1)

    def _mark_colors(self) -> tuple[QColor, QColor]:
        theme = self.services.theme
        return theme.color("mark"), theme.color("current_mark")

    def _mark_ink(self) -> str:
        return self.services.theme.colors["mark_ink"]

    def _scroll_to(self, cursor: QTextCursor) -> None:
        position = QTextCursor(self.browser.document())
        position.setPosition(cursor.selectionStart())
        self.browser.setTextCursor(position)
        rect = self.browser.cursorRect(position)
        bar = self.browser.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - self.browser.viewport().height() // 3)

    # -- actions ---------------------------------------------------------------------------
    def _open_successor(self) -> None:
        target = self.successor_button.property("target")
        if target:
            self.nav.go("document", doc_id=str(target), terms=list(self.terms))

    def toggle_reading(self) -> None:
        speaker = self.services.speaker
        if speaker.speaking:
            speaker.stop()
        elif self.doc is not None:
            speaker.say(f"{self.doc.title}。\n{self.doc.body_text}")

    def _on_speech_availability(self, available: bool) -> None:
        self.read_button.setVisible(available and self.doc is not None)

    def _on_reading(self, reading: bool) -> None:
        self.read_button.setText("停止朗读" if reading else "朗读全文")

    def print_document(self) -> None:
        if self.doc is None:
            return
        doc = self.doc
        meta = "　".join(
            x
            for x in (
                doc.doc_number or "",
                doc.agency or "",
                doc.published.isoformat() if doc.published else "",
            )
            if x
        )
        page = (
            f"<h1>{html.escape(doc.title)}</h1><p>{html.escape(meta)}</p><hr>"
            f"{sanitize_html(doc.body_html)}<hr>"
            f"<p>有效性：{html.escape(STATUS_LABELS.get(doc.status, doc.status))}"
            + (f"　原文网址：{html.escape(doc.url)}" if doc.url else "")
            + "</p><p>本页由政务公开查阅机打印，仅供参考。</p>"
        )
        outcome = self.services.printer.print_html(page, doc.id)
        self.last_print = outcome
        self._show_note(outcome.message)

    def _show_note(self, message: str) -> None:
        set_label_text(self.status_note, message)
        self.status_note.show()
