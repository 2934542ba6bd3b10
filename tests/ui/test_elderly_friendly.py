"""适老化: every screen checked against the MIIT numbers, from real widget geometry and fonts.

Touch targets ≥ 60×60 px, text ≥ 18 pt, line spacing ≥ 1.3, contrast ≥ 4.5:1 (≥ 7:1 in the
high-contrast scheme), 返回 and 首页 on every screen, kinetic scrolling, Chinese never in boxes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextBlockFormat
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QScroller,
    QTextBrowser,
    QWidget,
)

from kiosk.records import parse_record
from kiosk.settings import LocationSettings, OfficeSettings
from tests.ui.helpers import commit_text, find, settle, tap, type_on_keyboard
from ui.theme import Theme, ThemeSpec, contrast_ratio

MIN_TARGET_PX = 60
MIN_TEXT_PT = 18.0
MIN_LINE_HEIGHT = 130


def point_size(font: QFont, widget: QWidget) -> float:
    if font.pointSizeF() > 0:
        return font.pointSizeF()
    return font.pixelSize() * 72 / widget.logicalDpiY()


def visible_widgets(root: QWidget) -> list[QWidget]:
    return [
        w for w in root.findChildren(QWidget) if w.isVisible() and w.width() > 0 and w.height() > 0
    ]


def check_screen(window: Any, state: str) -> list[str]:
    problems = []
    QApplication.processEvents()
    for widget in visible_widgets(window):
        name = f"{state}: {type(widget).__name__} {widget.objectName() or ''}"
        small = widget.width() < MIN_TARGET_PX or widget.height() < MIN_TARGET_PX
        if isinstance(widget, QAbstractButton) and small:
            problems.append(f"{name} {widget.text()!r} is {widget.width()}×{widget.height()} px")
        has_text = (
            (isinstance(widget, QLabel) and widget.text().strip())
            or (isinstance(widget, QAbstractButton) and widget.text().strip())
            or isinstance(widget, QLineEdit | QPlainTextEdit | QTextBrowser)
        )
        if has_text:
            size = point_size(widget.font(), widget)
            if size < MIN_TEXT_PT:
                problems.append(f"{name} text is {size:.1f} pt")
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.text().strip():
            match = re.search(r"line-height:\s*(\d+)%", widget.text())
            if match is None or int(match.group(1)) < MIN_LINE_HEIGHT:
                problems.append(f"{name} wrapped text without line spacing ≥ 1.3")
        if isinstance(widget, QTextBrowser) and widget.document().characterCount() > 1:
            block = widget.document().begin()
            while block.isValid():
                fmt = block.blockFormat()
                if (
                    fmt.lineHeightType()
                    != QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
                    or fmt.lineHeight() < MIN_LINE_HEIGHT
                ):
                    problems.append(f"{name} paragraph line height {fmt.lineHeight()}")
                    break
                block = block.next()
        scrolls = (
            isinstance(widget, QAbstractScrollArea) and widget.verticalScrollBar().maximum() > 0
        )
        if scrolls and not QScroller.hasScroller(widget.viewport()):  # type: ignore[union-attr]
            problems.append(f"{name} scrolls without kinetic touch scrolling")
    screen = window.current().name
    if screen != "home" and not find(window, "BackButton").isVisible():
        problems.append(f"{state}: no visible 返回")
    if not find(window, "HomeButton").isVisible():
        problems.append(f"{state}: no visible 首页")
    return problems


def _home(qtbot: Any, w: Any) -> None:
    w.home()


#: The office a librarian enters (long, as real ones are).
LOCAL_OFFICE = OfficeSettings(
    "溪东区便民服务中心社会救助窗口",
    "溪东区人民路8号便民服务中心一楼",
    "周一至周五 8:30-12:00 14:00-17:30",
    "0571-88881234",
)


def _home_local(qtbot: Any, w: Any) -> None:
    """Home of a kiosk that knows where it stands, with a new 特困供养 standard; the office
    stays entered for the states after this one (self-check, documents, request form)."""
    store = w.services.store
    effective = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    record = {
        "id": "test-xd-tekun-new",
        "title": "溪东区民政局关于提高特困人员基本生活标准和临时救助标准的通知",
        "body": "特困人员基本生活标准提高到每人每月1160元。",
        "allowance": [
            {"region": "溪东区", "area": "rural", "amount": 1160, "effective": effective,
             "program": "特困供养"},
            {"region": "溪东区", "area": "rural", "amount": 2000, "effective": effective,
             "program": "临时救助"},
        ],
    }  # fmt: skip
    with store.write() as tx:
        tx.upsert(parse_record(record))
    LocationSettings("溪东区", "", "rural").save(store)
    LOCAL_OFFICE.save(store)
    w.home()
    w.screens["home"].refresh()
    settle(w)


def _librarian_local(qtbot: Any, w: Any) -> None:
    w.go("librarian", page="local")


def _home_keyboard(qtbot: Any, w: Any) -> None:
    tap(qtbot, w.screens["home"].search_box)
    type_on_keyboard(qtbot, w, "dibao")


def _home_suggestions(qtbot: Any, w: Any) -> None:
    tap(qtbot, w.screens["home"].search_box)
    commit_text(w.screens["home"].search_box, "低")
    qtbot.waitUntil(lambda: w.screens["home"].suggestion_host.isVisible(), timeout=3000)


def _results(qtbot: Any, w: Any) -> None:
    w.go("results", query="低保", filters={}, submitted=True)
    settle(w)
    tap(qtbot, w.screens["results"].chips[("category", "社会救助")])
    settle(w)


def _results_empty(qtbot: Any, w: Any) -> None:
    w.go("results", query="火星移民", filters={}, submitted=True)
    settle(w)


def _results_keyboard(qtbot: Any, w: Any) -> None:
    _results(qtbot, w)
    tap(qtbot, w.screens["results"].search_box)
    tap(qtbot, find(w.keyboard, "key_mode"))


def _document(qtbot: Any, w: Any) -> None:
    w.go("document", doc_id="tx-mz-dibao-banshi-zhinan", terms=["低保"])


def _document_repealed(qtbot: Any, w: Any) -> None:
    w.go("document", doc_id="tx-xd-dibao-biaozhun-2024")


def _selfcheck(qtbot: Any, w: Any) -> None:
    tap(qtbot, find(w, "SelfCheckEntry"))
    screen = w.screens["selfcheck"]
    tap(qtbot, find(screen, "region_溪东区"))
    tap(qtbot, find(screen, "area_urban"))
    tap(qtbot, find(screen, "PeopleMore"))
    tap(qtbot, find(screen, "num_5"))
    tap(qtbot, find(screen, "SelfCheckRun"))
    settle(w)


def _request(qtbot: Any, w: Any) -> None:
    tap(qtbot, find(w, "RequestEntry"))
    form = w.screens["request"]
    tap(qtbot, find(w, "PrintRequest"))  # shows every error message too
    tap(qtbot, form.inputs["phone"])


def _pinpad(qtbot: Any, w: Any) -> None:
    w.services.pin.set_pin("246813")
    w.open_pinpad()
    tap(qtbot, find(w.screens["pinpad"], "num_1"))
    tap(qtbot, find(w.screens["pinpad"], "PinOk"))


def _librarian(qtbot: Any, w: Any) -> None:
    w.go("librarian")


def _idle(qtbot: Any, w: Any) -> None:
    w.go("results", query="低保", filters={}, submitted=True)
    settle(w)
    w._on_countdown(15)


STATES: dict[str, Callable[[Any, Any], None]] = {
    "home": _home,
    "home+local": _home_local,
    "home+keyboard": _home_keyboard,
    "home+suggestions": _home_suggestions,
    "results": _results,
    "results-empty": _results_empty,
    "results+digit-keyboard": _results_keyboard,
    "document": _document,
    "document-repealed": _document_repealed,
    "selfcheck": _selfcheck,
    "request+errors+keyboard": _request,
    "pinpad": _pinpad,
    "librarian": _librarian,
    "librarian-local": _librarian_local,
    "idle-countdown": _idle,
}


@pytest.mark.parametrize("mode", ["default", "large-text+high-contrast"])
def test_every_screen_meets_the_numbers(qtbot: Any, window: Any, mode: str) -> None:
    if mode != "default":
        tap(qtbot, find(window, "LargeText"))
        tap(qtbot, find(window, "HighContrast"))
    problems: list[str] = []
    for state, setup in STATES.items():
        if mode != "default":
            window.history = []
            window.home()
        else:
            window.reset_all()
        settle(window)
        setup(qtbot, window)
        settle(window)
        problems += check_screen(window, f"{mode}/{state}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("palette", "minimum"), [("normal", 4.5), ("contrast", 7.0)])
def test_colour_pairs_have_enough_contrast(palette: str, minimum: float) -> None:
    spec = ThemeSpec.load()
    colors = spec.palettes[palette]
    weak = [
        f"{fg} on {bg}: {contrast_ratio(colors[fg], colors[bg]):.2f}"
        for fg, bg in spec.contrast_pairs
        if contrast_ratio(colors[fg], colors[bg]) < minimum
    ]
    assert not weak, weak


def test_both_palettes_define_the_same_colours() -> None:
    spec = ThemeSpec.load()
    assert spec.palettes["normal"].keys() == spec.palettes["contrast"].keys()


def test_text_sizes_follow_the_guidance() -> None:
    spec = ThemeSpec.load()
    assert min(v for k, v in spec.sizes.items() if k.endswith("_pt")) >= 18
    assert spec.sizes["touch_px"] >= 60
    assert spec.text_steps_pt[spec.default_step] >= 18 and spec.text_steps_pt[-1] >= 30
    assert len(spec.text_steps_pt) - spec.default_step - 1 >= 3, "at least three steps up"
    assert spec.line_height_percent >= 130


def test_chinese_renders_as_text_not_boxes(window: Any) -> None:
    theme: Theme = window.theme
    assert theme.font_family, "a CJK font was found"
    assert theme.supports_chinese()
    assert QApplication.font().family() == theme.font_family


def _darkest_and_background(image: Any) -> tuple[str, str]:
    """The text colour (the pixel farthest from the background) and the background colour."""
    from PySide6.QtGui import QColor

    background = QColor(image.pixel(image.width() // 2, 6))

    def distance(c: Any) -> int:
        return (
            abs(c.red() - background.red())
            + abs(c.green() - background.green())
            + abs(c.blue() - background.blue())
        )

    far = max(
        (
            QColor(image.pixel(x, y))
            for x in range(20, image.width() - 20, 2)
            for y in range(10, image.height() - 10, 2)
        ),
        key=distance,
    )
    return far.name(), background.name()


@pytest.mark.parametrize(("contrast", "minimum"), [(False, 4.5), (True, 7.0)])
def test_the_search_prompt_is_readable(
    qtbot: Any, window: Any, contrast: bool, minimum: float
) -> None:
    """Measured on the rendered pixels: the prompt is Home's main instruction."""
    if contrast:
        tap(qtbot, find(window, "HighContrast"))
    box = window.screens["home"].search_box
    assert not box.text() and box.placeholderText()
    ink, paper = _darkest_and_background(box.grab().toImage())
    assert contrast_ratio(ink, paper) >= minimum, (ink, paper)


def test_scroll_bars_are_wide_enough_for_a_finger(window: Any) -> None:
    window.go("document", doc_id="tx-mz-dibao-banshi-zhinan")
    settle(window)
    bars = [
        bar
        for bar in window.findChildren(QScrollBar)
        if bar.isVisible() and bar.orientation() == Qt.Orientation.Vertical
    ]
    assert bars
    assert all(bar.width() >= 60 for bar in bars), [bar.width() for bar in bars]


def test_large_text_grows_the_document_body_too(qtbot: Any, window: Any) -> None:
    window.go("document", doc_id="tx-mz-dibao-banshi-zhinan")
    settle(window)
    body = window.screens["document"].browser
    before = body.font().pointSizeF()
    tap(qtbot, find(window, "LargeText"))
    assert body.font().pointSizeF() >= before * 1.2
    step = window.screens["document"].step_label.text()
    assert "字号" in step and "磅" not in step
