"""The on-screen keyboard: pinyin letters with a candidate bar, digits and 发文字号 brackets.

It is the only input a villager needs. Letters build a pinyin *composition* (shown in the field as
pre-edit text and beside the candidates); candidates come from the index's own vocabulary
(dibao → 低保) and, for names and addresses, single characters of the first syllable. Tapping a
candidate commits it into the focused field through a QInputMethodEvent, so QLineEdit and
QPlainTextEdit behave exactly as with a real input method. Keys never take focus.

Qt Virtual Keyboard was not used: its candidates come from Qt's generic dictionary, not from the
index, and it never shows under the offscreen platform the tests run on (NOTES-qt.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.handwriting_pad import HandwritingPanel
from ui.widgets import button, clear_layout, label

__all__ = ["Candidate", "OnScreenKeyboard", "is_text_input"]

_PINYIN_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_DIGIT_ROWS = ("1234567890", "〔〕()【】[]号年", "-/.@#X第")
_PAGE = 8


@dataclass(frozen=True)
class Candidate:
    """A word or character offered for the composition, and how many letters it uses up."""

    text: str
    consumes: int


#: ``provider(letters, deliver)``: look candidates up (off the UI thread) and call
#: ``deliver(letters, candidates)`` on the UI thread.
CandidateProvider = Callable[[str, Callable[[str, list[Candidate]], None]], None]


def is_text_input(widget: QWidget | None) -> bool:
    return isinstance(widget, QLineEdit | QPlainTextEdit) and not widget.isReadOnly()


class OnScreenKeyboard(QFrame):
    """Large-key keyboard docked at the bottom of the kiosk window.

    Signals:
        submitted(): 确定/搜索 was tapped (after the field received Return).
        dismissed(): 收起键盘 was tapped.
    """

    submitted = Signal()
    dismissed = Signal()

    def __init__(
        self,
        provider: CandidateProvider | None = None,
        parent: QWidget | None = None,
        *,
        handwriting: HandwritingPanel | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Keyboard")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.provider = provider
        self.target: QWidget | None = None
        self.composition = ""
        self.candidates: list[Candidate] = []
        #: where the shown page of candidates starts, and where the pages before it started
        self._page = 0
        self._earlier_pages: list[int] = []
        #: candidates on the shown page: as many as fit the bar, at most ``_PAGE``
        self.page_size = _PAGE
        #: a panel under 1200 px wide (portrait): the digits key says just 123
        self.narrow = False
        #: "pinyin" (letters compose Chinese), "latin" (letters as typed), "digits" or
        #: "handwriting" (the 手写 pad; only with a ``handwriting`` panel)
        self.mode = "pinyin"
        self._text_mode = "pinyin"

        outer = QVBoxLayout(self)
        self.outer_layout = outer
        outer.setContentsMargins(24, 12, 24, 16)
        outer.setSpacing(10)
        bar_host = QWidget()
        self.bar_host = bar_host
        bar = QHBoxLayout(bar_host)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(10)
        self.composition_label = label("", "composition", wrap=False)
        bar.addWidget(self.composition_label)
        self.candidate_buttons: list[QPushButton] = []
        for i in range(_PAGE):
            key = button("", "candidate", partial(self._pick, i), name=f"candidate{i}")
            key.hide()
            self.candidate_buttons.append(key)
            bar.addWidget(key)
        bar.addStretch(1)
        self.prev_page = button("◀ 上页", "key", self._previous_page)
        self.next_page = button("下页 ▶", "key", self._next_page)
        for key in (self.prev_page, self.next_page):
            key.setProperty("special", True)
            key.hide()
            bar.addWidget(key)
        outer.addWidget(bar_host)
        self.bar_host = bar_host

        # 手写: the panel takes the place of the letter keys (ui/handwriting_pad.py)
        self.handwriting = handwriting
        if handwriting is not None:
            handwriting.hide()
            handwriting.before_cursor = self.text_before_cursor
            handwriting.committed.connect(self.commit_text)
            outer.addWidget(handwriting)

        self.keys_host = QWidget()
        self.grid = QGridLayout(self.keys_host)
        self.grid.setSpacing(10)
        self.grid.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.keys_host, 0, Qt.AlignmentFlag.AlignHCenter)
        self.enter_key: QPushButton | None = None
        self._build_keys()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.restyle()

    def restyle(self) -> None:
        """Fit the keyboard to the key size the stylesheet now gives (panel size, 大字).

        Keys are sized by the stylesheet: the height is fixed once they are polished, so the
        screen above gives way and the bottom row is never squeezed off the panel.
        """
        probe = self.candidate_buttons[0]
        probe.ensurePolished()
        # the candidate bar keeps its height with or without candidates
        self.bar_host.setFixedHeight(probe.minimumSizeHint().height() + 12)
        width = self.window().width() if self.window() is not self else 1920
        narrow = width < 1400
        if (width < 1200) != self.narrow:
            self.narrow = width < 1200
            self._build_keys()
        self._page, self._earlier_pages = 0, []
        self._show_candidates()
        self.grid.setSpacing(6 if narrow else 10)
        self.outer_layout.setContentsMargins(*((8, 6, 8, 8) if narrow else (24, 12, 24, 16)))
        self.outer_layout.setSpacing(6 if narrow else 10)
        self.outer_layout.activate()
        self.setFixedHeight(self.sizeHint().height())

    # -- layout ----------------------------------------------------------------------------
    def _build_keys(self) -> None:
        clear_layout(self.grid)
        writing = self.mode == "handwriting"
        self.bar_host.setVisible(not writing)
        if self.handwriting is not None:
            self.handwriting.setVisible(writing)
        if writing:
            self._build_handwriting_keys()
            return
        rows = _DIGIT_ROWS if self.mode == "digits" else _PINYIN_ROWS
        unit = 2  # grid columns per key, so wide keys and half-key offsets are possible
        for r, row in enumerate(rows):
            offset = 1 if (self.mode != "digits" and r == 1) else 0
            for c, char in enumerate(row):
                key = button(char, "key", partial(self.type_char, char), name=f"key_{char}")
                self.grid.addWidget(key, r, offset + c * unit, 1, unit)
        width = 10 * unit
        specials = [
            (0, "退格", self.backspace, "key_backspace"),
            (1, "清空", self.clear_field, "key_clear"),
            (2, "空格", self.space, "key_space"),
        ]
        for r, text, action, name in specials:
            key = button(text, "key", action, name=name)
            key.setProperty("special", True)
            self.grid.addWidget(key, r, width + 1, 1, 4)
        switch = "拼音" if self.mode == "digits" else ("123" if self.narrow else "123 数字")
        language = "英文" if self.mode == "pinyin" else "中文"
        bottom = [
            (0, 3, switch, self.toggle_mode, "key_mode"),
            (3, 3, language, self.toggle_language, "key_language"),
            (6, 2, "，", lambda: self.commit_text("，"), "key_comma"),
            (8, 2, "。", lambda: self.commit_text("。"), "key_period"),
            (10, 6, "收起键盘", self.dismiss, "key_hide"),
            (16, 9, "确定", self.enter, "key_enter"),
        ]
        if self.handwriting is not None and self.mode != "digits":
            bottom[-1:] = [
                (16, 4, "手写", self.toggle_handwriting, "key_handwriting"),
                (20, 5, "确定", self.enter, "key_enter"),
            ]
        self._add_bottom_row(bottom)

    def _build_handwriting_keys(self) -> None:
        self._add_bottom_row(
            [
                (0, 4, "⌫ 退格", self.backspace, "key_backspace"),
                (4, 4, "拼音键盘", self.toggle_handwriting, "key_handwriting"),
                (8, 2, "，", lambda: self.commit_text("，"), "key_comma"),
                (10, 2, "。", lambda: self.commit_text("。"), "key_period"),
                (12, 2, "空格", self.space, "key_space"),
                (14, 5, "收起键盘", self.dismiss, "key_hide"),
                (19, 6, "确定", self.enter, "key_enter"),
            ],
            row=0,
        )

    def _add_bottom_row(
        self, bottom: list[tuple[int, int, str, Callable[[], None], str]], row: int = 3
    ) -> None:
        for col, span, text, action, name in bottom:
            key = button(text, "primary" if name == "key_enter" else "key", action, name=name)
            key.setProperty("special", True)
            self.grid.addWidget(key, row, col, 1, span)
            if name == "key_enter":
                self.enter_key = key
        for i in range(self.grid.count()):
            item = self.grid.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.show()  # at once, not when the layout gets round to it
        self._update_enter_label()

    def toggle_mode(self) -> None:
        """Letters ⇄ digits and 发文字号 brackets."""
        self._commit_composition()
        if self.mode == "digits":
            self.mode = self._text_mode
        else:
            self._text_mode = self.mode
            self.mode = "digits"
        self._build_keys()

    def reset(self) -> None:
        """Back to the pinyin keys (the next person starts where everyone does)."""
        self.detach()
        if self.mode != "pinyin":
            self.mode = self._text_mode = "pinyin"
            self._build_keys()

    def toggle_handwriting(self) -> None:
        """Pinyin keys ⇄ the 手写 pad."""
        self._commit_composition()
        if self.mode == "handwriting":
            self.mode = self._text_mode
        else:
            self.mode = "handwriting"
        if self.handwriting is not None:
            self.handwriting.reset()
        self._build_keys()
        if self.isVisible():  # the pad is taller than the keys: make room again
            self.setFixedHeight(self.sizeHint().height())

    def toggle_language(self) -> None:
        """Pinyin (Chinese) ⇄ plain Latin letters (e-mail addresses, codes)."""
        self._commit_composition()
        self.mode = "latin" if self.mode == "pinyin" else "pinyin"
        self._text_mode = self.mode
        self._build_keys()

    # -- targets ---------------------------------------------------------------------------
    def attach(self, widget: QWidget) -> None:
        """Type into ``widget`` from now on (called when a text field gets focus)."""
        if widget is self.target:
            return
        self.detach()
        self.target = widget
        wanted = str(widget.property("inputMode") or "pinyin")
        if wanted not in ("pinyin", "latin", "digits"):
            wanted = "pinyin"
        self._text_mode = "latin" if wanted == "latin" else "pinyin"
        if self.handwriting is not None:
            self.handwriting.reset()
        if wanted == "pinyin" and self.mode == "handwriting":
            pass  # who writes by hand keeps writing by hand in the next field
        elif wanted != self.mode:
            self.mode = wanted
            self._build_keys()
        self._update_enter_label()

    def detach(self) -> None:
        """Forget the target, dropping any half-typed pinyin or half-written character."""
        if self.target is not None and self.composition:
            self._send_preedit("")
        if self.handwriting is not None:
            self.handwriting.reset()
        self.target = None
        self._set_composition("")

    def _update_enter_label(self) -> None:
        if self.enter_key is not None:
            text = self.target.property("enterLabel") if self.target is not None else None
            self.enter_key.setText(str(text) if text else "确定")

    # -- actions ---------------------------------------------------------------------------
    def type_char(self, char: str) -> None:
        if self.mode == "pinyin" and char.isascii() and char.isalpha():
            self._set_composition(self.composition + char)
        else:
            self.commit_text(char)

    def backspace(self) -> None:
        if self.composition:
            self._set_composition(self.composition[:-1])
        else:
            self._send_key(Qt.Key.Key_Backspace)

    def space(self) -> None:
        if self.composition:
            self._commit_composition()
        else:
            self.commit_text(" ")

    def clear_field(self) -> None:
        self._set_composition("")
        if isinstance(self.target, QLineEdit | QPlainTextEdit):
            self.target.clear()

    def enter(self) -> None:
        self._commit_composition()
        target = self.target
        if isinstance(target, QLineEdit):
            self._send_key(Qt.Key.Key_Return)
        elif target is not None:
            target.clearFocus()
        self.submitted.emit()

    def dismiss(self) -> None:
        self._set_composition("")
        if self.target is not None:
            self.target.clearFocus()
        self.dismissed.emit()

    def text_before_cursor(self) -> str:
        """What the target field holds before its cursor (on the cursor's line)."""
        target = self.target
        if isinstance(target, QLineEdit):
            return target.text()[: target.cursorPosition()]
        if isinstance(target, QPlainTextEdit):
            cursor = target.textCursor()
            return cursor.block().text()[: cursor.positionInBlock()]
        return ""

    def commit_text(self, text: str) -> None:
        """Insert ``text`` at the cursor of the target field."""
        target = self.target
        if target is None or not text:
            return
        event = QInputMethodEvent()
        event.setCommitString(text)
        QCoreApplication.sendEvent(target, event)

    # -- composition and candidates --------------------------------------------------------
    def _commit_composition(self) -> None:
        if not self.composition:
            return
        best = (
            self.candidates[0].text
            if self.candidates and self.candidates[0].consumes == len(self.composition)
            else ""
        )
        text = best or self.composition
        self._set_composition("")
        self.commit_text(text)

    def _pick(self, index: int) -> None:
        position = self._page + index
        if position >= len(self.candidates):
            return
        candidate = self.candidates[position]
        rest = self.composition[candidate.consumes :]
        self._send_preedit("")
        self.composition = ""
        self.commit_text(candidate.text)
        self._set_composition(rest)

    def _set_composition(self, letters: str) -> None:
        self.composition = letters
        self.composition_label.setText(letters)
        self._send_preedit(letters)
        self.candidates, self._page, self._earlier_pages = [], 0, []
        self._show_candidates()
        if letters and self.provider is not None:
            self.provider(letters, self._deliver)

    def _deliver(self, letters: str, candidates: list[Candidate]) -> None:
        if letters != self.composition:
            return  # the person typed on; a newer lookup is under way
        self.candidates, self._page, self._earlier_pages = candidates, 0, []
        self._show_candidates()

    def _fitting(self, start: int) -> int:
        """How many candidates from ``start`` fit the bar at their full width (long words like
        低保边缘家庭 take more room; a small panel shows fewer, never squeezed ones)."""
        bar = self.bar_host.layout()
        spacing = bar.spacing() if bar is not None else 10
        room = self.bar_host.width() or 10_000
        room -= self.composition_label.sizeHint().width() + spacing
        room -= self.prev_page.sizeHint().width() + self.next_page.sizeHint().width() + 2 * spacing
        fits, used = 0, 0
        for i, candidate in enumerate(self.candidates[start : start + _PAGE]):
            key = self.candidate_buttons[i]
            key.setText(candidate.text)
            width = key.sizeHint().width() + spacing
            if fits and used + width > room:
                break
            used += width
            fits += 1
        return fits

    def _show_candidates(self) -> None:
        self.page_size = self._fitting(self._page)
        page = self.candidates[self._page : self._page + self.page_size]
        for i, key in enumerate(self.candidate_buttons):
            if i < len(page):
                key.setText(page[i].text)
                key.show()
            else:
                key.hide()
        self.prev_page.setVisible(self._page > 0)
        self.next_page.setVisible(self._page + self.page_size < len(self.candidates))

    def _next_page(self) -> None:
        if self._page + self.page_size < len(self.candidates):
            self._earlier_pages.append(self._page)
            self._page += self.page_size
            self._show_candidates()

    def _previous_page(self) -> None:
        if self._earlier_pages:
            self._page = self._earlier_pages.pop()
            self._show_candidates()

    def visible_candidates(self) -> list[str]:
        return [key.text() for key in self.candidate_buttons if not key.isHidden()]

    # -- events to the target --------------------------------------------------------------
    def _send_preedit(self, text: str) -> None:
        target = self.target
        if target is None:
            return
        QCoreApplication.sendEvent(target, QInputMethodEvent(text, []))

    def _send_key(self, key: Qt.Key) -> None:
        target = self.target  # the press may move focus (Return submits) and detach us
        if target is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier))
