"""Small building blocks shared by the screens: labels and buttons with a style role, a kinetic
touch scroll area, a flow layout for chips, the result card.

Styling lives in assets/ui/kiosk.qss; code only names the role (``role="chip"``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QMargins, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from ui.workers import StepQueue

__all__ = [
    "FlowLayout",
    "Label",
    "LabelButton",
    "OfficeCard",
    "ResultCard",
    "TouchScrollArea",
    "button",
    "clear_layout",
    "discard",
    "fit_button_text",
    "label",
    "repolish",
    "set_props",
]

#: Line height of wrapped rich-text labels (MIIT: ≥ 1.3).
LINE_HEIGHT = "145%"


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def set_props(widget: QWidget, **props: Any) -> None:
    for name, value in props.items():
        widget.setProperty(name, value)
    repolish(widget)


_RESIZING_CHANGES = frozenset(
    {QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange}
)


class Label(QLabel):
    """A label whose wrapped text always gets comfortable line spacing (MIIT: ≥ 1.3).

    Wrapped labels render rich text wrapped in a ``line-height`` block; plain strings given to
    ``setText`` are escaped first, unless the label was made ``rich``.

    A wrapped label remembers its height for each width until its text, font or style changes:
    Qt does not (``QLabel::heightForWidth`` lays the whole text out again), and a box layout
    asks every label of every result card at two widths on each pass — a new answer's layout
    laid out all the page's text again and again.
    """

    def __init__(self, text: str = "", *, wrap: bool = True, rich: bool = False) -> None:
        super().__init__()
        self.rich = rich
        self._heights: dict[int, int] = {}
        self.setWordWrap(wrap)
        self.setTextFormat(Qt.TextFormat.RichText if rich or wrap else Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setText(text)

    def setText(self, text: str) -> None:
        if self.textFormat() != Qt.TextFormat.PlainText:
            body = text if self.rich else html.escape(text).replace("\n", "<br>")
            text = f'<div style="line-height:{LINE_HEIGHT}">{body}</div>' if body else ""
        if text != self.text():
            self._heights.clear()
            super().setText(text)

    def heightForWidth(self, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = self._measure(width)
        return height

    def _measure(self, width: int) -> int:
        """Qt's own answer: the text laid out at ``width``."""
        return super().heightForWidth(width)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in _RESIZING_CHANGES:
            self._heights.clear()
        super().changeEvent(event)

    # everything else a label's height depends on
    def clear(self) -> None:
        self._heights.clear()
        super().clear()

    def setWordWrap(self, on: bool) -> None:
        self._heights.clear()
        super().setWordWrap(on)

    def setTextFormat(self, format: Qt.TextFormat) -> None:
        self._heights.clear()
        super().setTextFormat(format)

    def setMargin(self, margin: int) -> None:
        self._heights.clear()
        super().setMargin(margin)

    def setIndent(self, indent: int) -> None:
        self._heights.clear()
        super().setIndent(indent)

    def setContentsMargins(self, *margins: Any) -> None:
        self._heights.clear()
        super().setContentsMargins(*margins)


def label(
    text: str = "", role: str | None = None, *, wrap: bool = True, rich: bool = False
) -> Label:
    """A label with a style role; see :class:`Label`."""
    widget = Label(text, wrap=wrap, rich=rich)
    if role:
        widget.setProperty("role", role)
    return widget


def set_label_text(widget: QLabel, text: str, *, rich: bool = False) -> None:
    """Set a label's text (kept for call sites that pass ``rich`` per call)."""
    if isinstance(widget, Label):
        previous, widget.rich = widget.rich, rich or widget.rich
        widget.setText(text)
        widget.rich = previous
    else:
        widget.setText(text)


def button(
    text: str,
    role: str | None = None,
    on_click: Callable[[], Any] | None = None,
    *,
    checkable: bool = False,
    name: str | None = None,
) -> QPushButton:
    """A touch button. Buttons never take keyboard focus, so a text field keeps it (and the
    on-screen keyboard stays) while the person taps around it."""
    widget = QPushButton(text)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setCheckable(checkable)
    widget.setAutoDefault(False)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


class OfficeCard(QFrame):
    """本地办事窗口: where to apply, as the librarian entered it (name, address, hours, phone).

    Hidden while there is no office to show.
    """

    def __init__(self, heading: str = "到哪里申请") -> None:
        super().__init__()
        self.setProperty("role", "panel")
        self.setObjectName("OfficeCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 16)
        layout.setSpacing(8)
        self.heading = label(heading, "heading")
        layout.addWidget(self.heading)
        self.text = label("")
        self.text.setObjectName("OfficeText")
        layout.addWidget(self.text)
        self.hide()

    def show_lines(self, lines: list[str]) -> bool:
        """Show these lines (name first); hide when there are none. Returns whether shown."""
        self.text.setText("\n".join(lines))
        self.setVisible(bool(lines))
        return bool(lines)


def fit_button_text(widget: QPushButton, width: int) -> None:
    """Break a button's text into lines so the button is at most ``width`` px wide (a long
    agency name on a small panel), rather than cut off or shrunk."""
    widget.ensurePolished()
    text = widget.text().replace("\n", "")
    padding = widget.sizeHint().width() - widget.fontMetrics().horizontalAdvance(text)
    room = width - padding
    metrics = widget.fontMetrics()
    if room <= 0 or metrics.horizontalAdvance(text) <= room:
        return
    lines, line = [], ""
    for ch in text:
        if line and metrics.horizontalAdvance(line + ch) > room:
            lines.append(line.rstrip())
            line = ch.lstrip()
        else:
            line += ch
    lines.append(line)
    widget.setText("\n".join(lines))


def _delete(widget: QWidget) -> None:
    """Delete now (its cost counted in the slice that does it, unlike deleteLater's)."""
    if shiboken6.isValid(widget):
        shiboken6.delete(widget)


def discard(widget: QWidget, paced: StepQueue | None = None) -> None:
    """Hide ``widget`` now and delete it soon; with ``paced``, one widget per turn of the event
    loop (a page of result cards and chips deleted at once held the screen ≈ 0.1 s)."""
    # hidden and deleted by the event loop; not setParent(None), which made each one a
    # top-level window first (≈ 0.6 ms a widget: 30 ms for a page of results)
    widget.hide()
    widget.setObjectName("")  # until deleted, never found by name instead of its successor
    if paced is not None:
        paced.run("deletions", [partial(_delete, widget)], replace=False, at_once=False)
    else:
        widget.deleteLater()


def clear_layout(layout: QLayout, paced: StepQueue | None = None) -> None:
    """Remove and :func:`discard` every item of ``layout``."""
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            discard(widget, paced)
        else:
            inner = item.layout()
            if inner is not None:
                clear_layout(inner, paced)


class TouchScrollArea(QScrollArea):
    """A vertical scroll area that glides under a finger (QScroller kinetic scrolling)."""

    def __init__(self, content: QWidget | None = None, *, mouse_drag: bool = False) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # shrinks further than its scroll bar's handle when the on-screen keyboard is up, so
        # the widgets above it on the page are never pushed into each other
        self.setMinimumHeight(60)
        content = content or QWidget()
        content.setProperty("role", "page")
        self.setWidget(content)
        enable_kinetic_scrolling(self.viewport(), mouse_drag=mouse_drag)


def enable_kinetic_scrolling(viewport: QWidget, *, mouse_drag: bool = False) -> None:
    gesture = (
        QScroller.ScrollerGestureType.LeftMouseButtonGesture
        if mouse_drag
        else QScroller.ScrollerGestureType.TouchGesture
    )
    viewport.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
    QScroller.grabGesture(viewport, gesture)
    scroller = QScroller.scroller(viewport)
    props = scroller.scrollerProperties()
    off = QScrollerProperties.OvershootPolicy.OvershootAlwaysOff
    props.setScrollMetric(QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.VerticalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.DecelerationFactor, 0.3)
    scroller.setScrollerProperties(props)


class FlowLayout(QLayout):
    """Lays widgets out left to right, wrapping to new lines (chips, suggestions)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 14) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x, y = area.x(), y + line_height + self._spacing
                line_height = 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


class LabelButton(QPushButton):
    """A big button whose face is wrapped labels (titles too long for one line, two-line tiles).

    The labels ignore the mouse, so a tap anywhere on the face presses the button.
    """

    def __init__(
        self, role: str = "card", margins: tuple[int, int, int, int] = (24, 16, 24, 18)
    ) -> None:
        super().__init__()
        self.setProperty("role", role)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoDefault(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.face = QVBoxLayout(self)
        self.face.setContentsMargins(*margins)
        self.face.setSpacing(8)

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        self.face.addWidget(widget, stretch)
        _transparent(widget)
        return widget

    def add_row(self, *widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(16)
        for i, widget in enumerate(widgets):
            row.addWidget(
                widget, 1 if i == 0 else 0, Qt.AlignmentFlag.AlignTop if i else Qt.AlignmentFlag(0)
            )
            _transparent(widget)
        self.face.addLayout(row)
        return row

    def sizeHint(self) -> QSize:
        return self.face.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.face.minimumSize()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.face.totalHeightForWidth(width)


def _transparent(widget: QWidget) -> None:
    widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)


class ResultCard(LabelButton):
    """One search result: title, badge, agency and date, highlighted snippet — all one button.

    A card is kept for the next answer and given its hit with :meth:`show_hit` (building one is
    ≈ 2 ms of Python and its first show and layout as much again: twenty per keystroke held the
    screen as-you-type); a label whose text did not change keeps the size Qt worked out for it.

    Signals:
        opened(doc_id): the card was tapped.
    """

    opened = Signal(str)

    def __init__(
        self,
        doc_id: str = "",
        title: str = "",
        meta: str = "",
        snippet_html: str = "",
        status: str = "",
        status_label: str = "",
    ) -> None:
        super().__init__("card")
        self.doc_id = ""
        self.title_label = label("", "cardtitle")
        self.badge = label("", "badge", wrap=False)
        self.add_row(self.title_label, self.badge)
        self.meta_label = label("", "muted")
        self.snippet_label = label("", rich=True)
        self.add(self.meta_label)
        self.add(self.snippet_label)
        self.show_hit(doc_id, title, meta, snippet_html, status, status_label)
        self.clicked.connect(lambda _checked=False: self.opened.emit(self.doc_id))

    def show_hit(
        self,
        doc_id: str,
        title: str,
        meta: str,
        snippet_html: str,
        status: str,
        status_label: str,
    ) -> None:
        """Show this result (labels whose text is unchanged are left alone)."""
        self.doc_id = doc_id
        self.title_label.setText(title)
        self.badge.setText(status_label)
        if self.badge.property("status") != status:
            set_props(self.badge, status=status)  # its colour comes from the style sheet
        self.meta_label.setText(meta)
        self.snippet_label.setText(snippet_html)
        self.snippet_label.setVisible(bool(snippet_html))
