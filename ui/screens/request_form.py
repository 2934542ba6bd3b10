"""依申请公开: a guided request form, printed to sign and hand in.

Nothing is kept after printing unless the librarian turned on ``ui.keep_requests``; then a JSON
copy goes to ``<data_dir>/requests/``. (Without a printer the printout itself is a PDF in
``<data_dir>/prints/`` for the librarian to print and then delete.)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.files import write_atomic
from kiosk.request_letter import APPLICANT_TYPES, DELIVERIES, MEDIA, InformationRequest
from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import FlowLayout, TouchScrollArea, button, label, set_label_text, set_props

__all__ = ["RequestFormScreen"]

log = logging.getLogger(__name__)

_GUIDE = (
    "什么时候用这张表：在查阅机上找不到想要的政府信息时，可以向政府部门申请公开。\n\n"
    "怎么填：点一下格子，用下面的屏幕键盘输入。带 * 的必须填。\n\n"
    "填好以后：点“打印申请表”，签上名字，交给查阅点工作人员，或者送到、寄到受理机关。\n\n"
    "申请不收费。行政机关一般在20个工作日内答复。"
)


class RequestFormScreen(Screen):
    name = "request"
    title = "申请政府信息公开"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.inputs: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.choices: dict[str, dict[str, QPushButton]] = {}
        self.values: dict[str, str] = {}

        self.outer = QGridLayout(self)
        self.outer.setContentsMargins(40, 20, 40, 16)
        self.outer.setSpacing(32)
        #: (caption, field, error) of each form row, placed by ``_place_rows`` for the panel
        self._rows: list[tuple[QLabel, QWidget, QLabel | None]] = []
        form_host = QWidget()
        form = QVBoxLayout(form_host)
        form.setContentsMargins(0, 0, 16, 0)
        form.setSpacing(12)
        grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(6)
        form.addLayout(grid)
        self.grid = grid

        self._choice("applicant_type", "申请人是", APPLICANT_TYPES, "citizen")
        self._line("name", "姓名或单位名称 *", "例如：张三")
        self.id_caption = self._line(
            "id_number", "身份证号码 *", "18位号码，最后一位可能是 X", mode="digits"
        )
        self._line("phone", "联系电话 *", "手机或座机", mode="digits")
        self._text("description", "想要哪方面的信息 *", "文件名称、文号，或者说说想知道什么")
        self._line("agency", "向哪个部门申请", "不清楚就空着，工作人员帮您定")
        self._choice("medium", "要纸质的还是电子的", MEDIA, "paper")
        self._choice("delivery", "怎么拿到", DELIVERIES, "pickup")
        self._line("address", "通信地址", "选“邮寄”时要填")
        self._line("email", "电子邮箱", "选“电子邮件”时要填", mode="latin")

        actions = QHBoxLayout()
        actions.setSpacing(16)
        self.print_button = button("打印申请表", "primary", self.print_request, name="PrintRequest")
        self.print_button.setMinimumHeight(96)
        actions.addWidget(self.print_button, 2)
        actions.addWidget(button("清空重填", None, self.reset, name="ClearRequest"), 1)
        form.addLayout(actions)
        form.addStretch(1)
        self.form_scroll = TouchScrollArea(
            form_host, mouse_drag=services.settings.mouse_drag_scroll
        )

        side_host = QWidget()
        side = QVBoxLayout(side_host)
        side.setContentsMargins(0, 0, 12, 0)
        side.setSpacing(14)
        guide = QFrame()
        guide.setProperty("role", "panel")
        guide_layout = QVBoxLayout(guide)
        guide_layout.setContentsMargins(22, 18, 22, 18)
        guide_layout.addWidget(label("填表说明", "heading"))
        guide_layout.addWidget(label(_GUIDE))
        side.addWidget(guide)
        self.outcome = label("", "notice")
        self.outcome.setObjectName("RequestOutcome")
        self.outcome.hide()
        side.addWidget(self.outcome)
        side.addStretch(1)
        self.side_scroll = TouchScrollArea(
            side_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        self._form = ""
        self._place_rows()
        self.reset()

    # -- layout ----------------------------------------------------------------------------
    def _place_rows(self) -> None:
        """Captions beside the fields on a big panel, above them on a small or portrait one;
        the guide beside the form, or below it in portrait."""
        form = self.services.theme.form
        if form == self._form:
            return
        self._form = form
        beside = form == "wide"
        for caption, field, error in self._rows:
            for widget in (caption, field, error):
                if widget is not None:
                    self.grid.removeWidget(widget)
        row = 0
        for caption, field, error in self._rows:
            if beside:
                self.grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
                self.grid.addWidget(field, row, 1)
                caption.setMinimumWidth(280)
                caption.setMaximumWidth(340)
            else:
                caption.setMinimumWidth(0)
                caption.setMaximumWidth(16_777_215)
                self.grid.addWidget(caption, row, 0, 1, 2)
                row += 1
                self.grid.addWidget(field, row, 0, 1, 2)
            if error is not None:
                self.grid.addWidget(error, row + 1, 0 if not beside else 1, 1, 1 if beside else 2)
            row += 2
        for pane in (self.form_scroll, self.side_scroll):
            self.outer.removeWidget(pane)
        for i in range(2):
            self.outer.setRowStretch(i, 0)
            self.outer.setColumnStretch(i, 0)
        if form == "portrait":
            self.outer.addWidget(self.form_scroll, 0, 0)
            self.outer.addWidget(self.side_scroll, 1, 0)
            self.outer.setRowStretch(0, 3)
            self.outer.setRowStretch(1, 1)
        else:
            self.outer.addWidget(self.form_scroll, 0, 0)
            self.outer.addWidget(self.side_scroll, 0, 1)
            self.outer.setColumnStretch(0, 3)
            self.outer.setColumnStretch(1, 2)
        margin = 40 if form == "wide" else 20
        self.outer.setContentsMargins(margin, 16, margin, 12)
        self.outer.setSpacing(margin)

    def theme_changed(self) -> None:
        self._place_rows()

    # -- building --------------------------------------------------------------------------
    def _caption(self, text: str) -> QLabel:
        return label(text, "heading")

    def _error(self, key: str) -> QLabel:
        error = label("", "error")
        error.setObjectName(f"error_{key}")
        error.hide()
        self.errors[key] = error
        return error

    def _line(self, key: str, caption: str, placeholder: str, mode: str = "pinyin") -> QLabel:
        widget = self._caption(caption)
        field = QLineEdit()
        field.setObjectName(f"field_{key}")
        field.setPlaceholderText(placeholder)
        field.setProperty("inputMode", mode)
        field.setMaxLength(200)
        field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        field.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.inputs[key] = field
        self._rows.append((widget, field, self._error(key)))
        return widget

    def _text(self, key: str, caption: str, placeholder: str) -> None:
        widget = self._caption(caption)
        field = QPlainTextEdit()
        field.setObjectName(f"field_{key}")
        field.setPlaceholderText(placeholder)
        field.setFixedHeight(170)
        field.setTabChangesFocus(True)
        field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        field.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.inputs[key] = field
        self._rows.append((widget, field, self._error(key)))

    def _choice(self, key: str, caption: str, options: dict[str, str], default: str) -> None:
        widget = self._caption(caption)
        host = QWidget()
        row = FlowLayout(host, spacing=12)
        group = QButtonGroup(self)
        self.choices[key] = {}
        for value, text in options.items():
            choice = button(
                text,
                "chip",
                partial(self.choose, key, value),
                checkable=True,
                name=f"choice_{key}_{value}",
            )
            group.addButton(choice)
            row.addWidget(choice)
            self.choices[key][value] = choice
        self._rows.append((widget, host, None))
        self.values[key] = default

    # -- state -----------------------------------------------------------------------------
    def choose(self, key: str, value: str) -> None:
        self.values[key] = value
        for option, choice in self.choices[key].items():
            choice.setChecked(option == value)
        if key == "applicant_type":
            self.id_caption.setText("身份证号码 *" if value == "citizen" else "统一社会信用代码 *")

    def request(self) -> InformationRequest:
        text = {
            k: (w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())
            for k, w in self.inputs.items()
        }
        return InformationRequest(
            applicant_type=self.values["applicant_type"],
            name=text["name"].strip(),
            id_number=text["id_number"].strip(),
            phone=text["phone"].strip(),
            address=text["address"].strip(),
            email=text["email"].strip(),
            agency=text["agency"].strip(),
            description=text["description"].strip(),
            medium=self.values["medium"],
            delivery=self.values["delivery"],
        )

    def reset(self) -> None:
        for field in self.inputs.values():
            field.clear()
            set_props(field, invalid=False)
        for error in self.errors.values():
            error.hide()
        for key, default in (
            ("applicant_type", "citizen"),
            ("medium", "paper"),
            ("delivery", "pickup"),
        ):
            self.choose(key, default)
        if hasattr(self, "outcome"):
            self.outcome.hide()

    def enter(self, params: dict[str, Any]) -> None:
        self.form_scroll.verticalScrollBar().setValue(0)

    def leave(self) -> None:
        focused = self.focusWidget()
        if focused is not None:
            focused.clearFocus()

    # -- printing --------------------------------------------------------------------------
    def print_request(self) -> bool:
        request = self.request()
        problems = request.problems()
        for key, error in self.errors.items():
            message = problems.get(key, "")
            set_label_text(error, message)
            error.setVisible(bool(message))
            set_props(self.inputs[key], invalid=bool(message))
        if problems:
            set_label_text(self.outcome, "还有几处没填好，请看红字提示。")
            self.outcome.show()
            first = next(k for k in self.inputs if k in problems)
            self.form_scroll.ensureWidgetVisible(self.inputs[first], 50, 80)
            return False
        page = request.to_html(office=self.services.office_lines())
        outcome = self.services.printer.print_html(page, "request", personal=True)
        if self.services.settings.keep_requests:
            self._keep(request)
        self.reset()
        set_label_text(
            self.outcome, outcome.message + ("\n请签名后交给工作人员。" if outcome.ok else "")
        )
        self.outcome.show()
        self.last_outcome = outcome
        return outcome.ok

    def _keep(self, request: InformationRequest) -> None:
        folder = self.services.context.data_dir / "requests"
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(
                folder / f"{stamp}.json",
                json.dumps(request.to_json(), ensure_ascii=False, indent=1),
            )
        except OSError as e:
            log.error("could not keep the request: %s", e)
