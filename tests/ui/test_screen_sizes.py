"""Every screen on the panels villages have: 1920×1080, 1366×768, 1280×800 and the portrait
1080×1920 standing kiosk, with 大字 off and on.

Measured, not eyeballed: each visible text is compared with its box using the font's own metrics
(a label's text, a button's text, the search prompt), each widget with the part of it its parents
actually show (cut off at the side or the bottom of the panel), and sibling widgets with each other
(overlapping keys). Scrolling down a page is fine; being cut off sideways is not.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QStackedWidget,
    QWidget,
)

from tests.ui.helpers import find, settle, tap
from tests.ui.test_elderly_friendly import STATES
from ui.screenshots import SIZES
from ui.widgets import LabelButton

#: Rounding between font metrics and layout: a pixel or two is not a cut-off character.
_SLACK = 2


def _window_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def _shown_rect(widget: QWidget) -> tuple[QRect, QRect]:
    """The widget's rect in window coordinates and the part its ancestors let through.

    Inside a scroll area only sideways cuts count: what is below or above is scrolled to.
    """
    rect = _window_rect(widget)
    shown = QRect(rect)
    scrolls = False
    parent = widget.parentWidget()
    while parent is not None:
        area = _window_rect(parent) if parent.parentWidget() is not None else parent.rect()
        holder = parent.parentWidget()
        if isinstance(holder, QAbstractScrollArea) and holder.viewport() is parent:
            scrolls = True
        if scrolls:
            area = QRect(area.x(), shown.y(), area.width(), shown.height())
        shown = shown.intersected(area)
        parent = parent.parentWidget()
    return rect, shown


def _label_problem(widget: QLabel) -> str:
    room = widget.contentsRect()
    if widget.wordWrap():
        needed = widget.heightForWidth(widget.width())
        if needed > widget.height() + _SLACK:
            return f"needs {needed} px height, has {widget.height()}"
        return ""
    metrics = widget.fontMetrics()
    width = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
    if width > room.width() - 2 * widget.margin() - max(widget.indent(), 0) + _SLACK:
        return f"text needs {width} px, box has {room.width()}"
    return ""


def _button_problem(widget: QPushButton) -> str:
    if isinstance(widget, LabelButton) or not widget.text():
        return ""
    hint = widget.sizeHint()
    if widget.width() + _SLACK < hint.width() or widget.height() + _SLACK < hint.height():
        return (
            f"is {widget.width()}×{widget.height()}, its text needs {hint.width()}×{hint.height()}"
        )
    return ""


def _line_edit_problem(widget: QLineEdit) -> str:
    text = widget.text() or widget.placeholderText()
    if not text:
        return ""
    # padding 16 + border 4 on each side (kiosk.qss)
    room = widget.width() - 40
    needed = widget.fontMetrics().horizontalAdvance(text)
    if not widget.text() and needed > room + _SLACK:
        return f"prompt {text!r} needs {needed} px, box has {room}"
    return ""


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QLabel):
        return re.sub(r"<[^>]+>", "", widget.text())[:30]
    if isinstance(widget, QAbstractButton):
        return widget.text()[:30]
    if isinstance(widget, QLineEdit):
        return (widget.text() or widget.placeholderText())[:30]
    return ""


def fit_problems(window: QWidget, state: str) -> list[str]:
    """Texts that do not fit their boxes, widgets cut off by their parents, overlapping siblings."""
    for _ in range(5):  # nested layouts settle over several turns of the event loop
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()
    problems: list[str] = []
    visible = [
        w
        for w in window.findChildren(QWidget)
        if w.isVisible() and w.width() > 0 and w.height() > 0
    ]
    for widget in visible:
        name = f"{state}: {type(widget).__name__} {widget.objectName()} {_text_of(widget)!r}"
        problem = ""
        if isinstance(widget, QLabel) and widget.text().strip():
            problem = _label_problem(widget)
        elif isinstance(widget, QPushButton):
            problem = _button_problem(widget)
        elif isinstance(widget, QLineEdit):
            problem = _line_edit_problem(widget)
        if problem:
            problems.append(f"{name} {problem}")
        if isinstance(widget, QScrollBar) or not (
            isinstance(widget, QLabel | QAbstractButton | QLineEdit) and _text_of(widget)
        ):
            continue
        rect, shown = _shown_rect(widget)
        cut_x = rect.width() - shown.width()
        cut_y = rect.height() - shown.height()
        if shown.width() > 0 and shown.height() > 0 and (cut_x > _SLACK or cut_y > _SLACK):
            problems.append(f"{name} is cut off by {cut_x} px sideways, {cut_y} px down")
        elif not shown.isValid() and rect.left() >= window.width() - _SLACK:
            problems.append(f"{name} is right of the panel")
    for parent in {w.parentWidget() for w in visible}:
        if parent is None or isinstance(parent, QStackedWidget | QAbstractScrollArea):
            continue
        siblings = [
            w
            for w in visible
            if w.parentWidget() is parent
            and not w.objectName().startswith("qt_")
            and w.objectName() != "CornerHotspot"
        ]
        for i, first in enumerate(siblings):
            for second in siblings[i + 1 :]:
                overlap = first.geometry().intersected(second.geometry())
                if overlap.width() > _SLACK and overlap.height() > _SLACK:
                    problems.append(
                        f"{state}: {type(first).__name__} {first.objectName()} "
                        f"{_text_of(first)!r} overlaps {type(second).__name__} "
                        f"{second.objectName()} {_text_of(second)!r} by "
                        f"{overlap.width()}×{overlap.height()} px"
                    )
    return problems


@pytest.mark.parametrize("large_text", [False, True], ids=["normal", "large-text"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_the_panel(
    qtbot: Any, window: Any, size: tuple[int, int], large_text: bool
) -> None:
    window.resize(*size)
    settle(window)
    if large_text:
        tap(qtbot, find(window, "LargeText"))
    problems: list[str] = []
    for state, setup in STATES.items():
        window.history = []
        window.home()
        for screen in window.screens.values():
            screen.reset()
        settle(window)
        setup(qtbot, window)
        settle(window)
        problems += fit_problems(window, f"{size[0]}x{size[1]}/{state}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_checker_sees_a_cut_off_title(qtbot: Any, window: Any) -> None:
    """The measuring itself: a long text that cannot wrap in the top bar of a small panel, and
    keys pushed into each other, are caught."""
    window.resize(1280, 800)
    settle(window)
    window.clock.setText("十二月一日 星期二 下午九点二十三分 农历十月十二 " * 3)
    problems = fit_problems(window, "probe")
    assert any("Clock" in p for p in problems), problems
    window.clock.setText("21:23")
    window.open_pinpad()
    settle(window)
    assert not fit_problems(window, "pinpad")
    pad = window.screens["pinpad"].pad
    key = find(pad, "num_5")
    key.move(find(pad, "num_4").pos() + QPoint(20, 0))
    assert any("overlaps" in p for p in fit_problems(window, "moved"))
