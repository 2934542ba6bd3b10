"""An attachment PDF, viewed in the kiosk with QtPdf (only blobs present in the data dir)."""

from __future__ import annotations

from typing import Any

from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import button, enable_kinetic_scrolling, label, set_label_text

__all__ = ["PdfScreen"]

_ZOOM_STEPS = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5)


class PdfScreen(Screen):
    name = "pdf"
    title = "附件"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.pdf = QPdfDocument(self)
        self.current: dict[str, Any] = {}
        self.zoom_index = 1
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 20, 40, 16)
        outer.setSpacing(14)
        row = QHBoxLayout()
        self.name_label = label("", "heading")
        row.addWidget(self.name_label, 1)
        self.fit_button = button("适合宽度", None, self.fit_width, name="PdfFit")
        self.out_button = button("缩小", None, lambda: self.zoom(-1), name="PdfZoomOut")
        self.in_button = button("放大", None, lambda: self.zoom(1), name="PdfZoomIn")
        for widget in (self.fit_button, self.out_button, self.in_button):
            row.addWidget(widget)
        outer.addLayout(row)
        self.message = label("", "notice")
        self.message.hide()
        outer.addWidget(self.message)
        self.view = QPdfView()
        self.view.setObjectName("PdfView")
        self.view.setDocument(self.pdf)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setPageSpacing(16)
        enable_kinetic_scrolling(
            self.view.viewport(), mouse_drag=services.settings.mouse_drag_scroll
        )
        outer.addWidget(self.view, 1)

    def enter(self, params: dict[str, Any]) -> None:
        self.current = dict(params)
        sha = str(params.get("sha256", ""))
        set_label_text(self.name_label, str(params.get("name", "")))
        path = self.services.context.data_dir / "blobs" / sha
        self.pdf.close()
        error = self.pdf.load(str(path)) if sha and path.is_file() else None
        if error != QPdfDocument.Error.None_:
            self.message.setText("这个附件打不开，请找工作人员帮忙。")
            self.message.show()
            self.view.hide()
            return
        self.message.hide()
        self.view.show()
        self.fit_width()

    def params(self) -> dict[str, Any]:
        return dict(self.current)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def zoom(self, delta: int) -> None:
        self.zoom_index = max(0, min(len(_ZOOM_STEPS) - 1, self.zoom_index + delta))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(_ZOOM_STEPS[self.zoom_index])

    def page_count(self) -> int:
        return int(self.pdf.pageCount())

    def reset(self) -> None:
        self.pdf.close()
        self.current = {}
