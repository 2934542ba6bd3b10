"""The 手写 panel of the on-screen keyboard: a large pad to write on with a finger, candidates.

After each stroke the ink goes to the recogniser (off the UI thread: ``recognise``) and the
candidates come back as big buttons, those that fit the index's vocabulary first. Tapping one
commits it (``committed``) and clears the pad; then words of the index that continue what was
written are offered (低 → 低保, 低保金), so a word may take a single character's writing.
重写 clears the pad, 撤销一笔 takes back the last stroke.

Recognition itself lives in :mod:`kiosk.handwriting` (no Qt); this module only draws and asks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QShowEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOption,
    QVBoxLayout,
    QWidget,
)

from kiosk.handwriting import Ink
from ui.widgets import button, label, repolish

__all__ = ["HandwritingPad", "HandwritingPanel"]

#: ``recognise(ink, text_before_cursor, deliver)``: look candidates up off the UI thread and call
#: ``deliver(characters)`` on it.
Recognise = Callable[[Ink, str, Callable[[list[str]], None]], None]
#: ``complete(text_before_cursor, deliver)``: words continuing the text, as
#: ``deliver([(word, what_to_type), …])`` (低 → [("低保", "保"), …]).
Complete = Callable[[str, Callable[[list[tuple[str, str]]], None]], None]

_CANDIDATES = 10
_COLUMNS = 5
# the pad's height: this share of the window's, within these bounds (768 px panels need room
# for the screen above; a portrait standing kiosk has plenty)
_PAD_SHARE = 0.3
_PAD_HEIGHT = (220, 460)
_INK_WIDTH = 12.0


class HandwritingPad(QWidget):
    """Strokes drawn by a finger (touch) or a mouse, shown as they are drawn.

    Signals:
        stroke_finished(): a stroke was completed (the finger lifted).
    """

    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HandwritingPad")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(400, 300)
        self.strokes: list[list[QPointF]] = []
        self._drawing = False

    # -- the ink -----------------------------------------------------------------------------
    def ink(self) -> Ink:
        return Ink.of(
            self.width(), self.height(), [[(p.x(), p.y()) for p in s] for s in self.strokes]
        )

    def replay(self, ink: Ink) -> None:
        """Draw ``ink``'s strokes fitted into the pad, as if written (screenshots, demos)."""
        scale = min(self.width() / ink.width, self.height() / ink.height)
        left = (self.width() - ink.width * scale) / 2
        top = (self.height() - ink.height * scale) / 2
        for stroke in ink.strokes:
            self.strokes.append([QPointF(left + x * scale, top + y * scale) for x, y in stroke])
            self.update()
            self.stroke_finished.emit()

    def clear(self) -> None:
        self.strokes.clear()
        self._drawing = False
        self.update()

    def undo_stroke(self) -> None:
        if self.strokes:
            self.strokes.pop()
            self._drawing = False
            self.update()

    # -- input -------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if isinstance(event, QTouchEvent) and kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
        ):
            points = event.points()
            if points:
                position = points[0].position()  # one finger writes; others are ignored
                if kind == QEvent.Type.TouchBegin:
                    self._begin(position)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(position)
                else:
                    self._extend(position)
                    self._end()
            event.accept()
            return True
        if kind == QEvent.Type.TouchCancel:
            if self._drawing and self.strokes:
                self.strokes.pop()
            self._drawing = False
            self.update()
            event.accept()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drawing:
            self._extend(event.position())
            self._end()

    def _begin(self, position: QPointF) -> None:
        self.strokes.append([QPointF(position)])
        self._drawing = True
        self.update()

    def _extend(self, position: QPointF) -> None:
        if not self._drawing:
            return
        stroke = self.strokes[-1]
        if (position - stroke[-1]).manhattanLength() >= 2:  # drop the finger's resting jitter
            stroke.append(QPointF(position))
            self.update()

    def _end(self) -> None:
        self._drawing = False
        self.stroke_finished.emit()

    # -- drawing -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = self.palette().color(QPalette.ColorRole.WindowText)
        # a 田字格 guide, faint, so the person writes one character in the middle
        faint = self.palette().color(QPalette.ColorRole.PlaceholderText)
        faint.setAlpha(110)
        guide = QPen(faint, 2, Qt.PenStyle.DashLine)
        painter.setPen(guide)
        side = min(self.width(), self.height()) - 24
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        painter.drawRect(box)
        painter.drawLine(
            QPointF(box.center().x(), box.top()), QPointF(box.center().x(), box.bottom())
        )
        painter.drawLine(
            QPointF(box.left(), box.center().y()), QPointF(box.right(), box.center().y())
        )
        pen = QPen(ink, _INK_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        for stroke in self.strokes:
            if len(stroke) == 1:
                painter.drawPoint(stroke[0])
                continue
            path = QPainterPath(stroke[0])
            for point in stroke[1:]:
                path.lineTo(point)
            painter.drawPath(path)
        painter.end()


class HandwritingPanel(QWidget):
    """The pad, its candidates and the 重写 / 撤销一笔 keys.

    Args:
        recognise: see :data:`Recognise`.
        complete: see :data:`Complete`.

    Signals:
        committed(str): text to insert at the cursor (a character or the rest of a word).
    """

    committed = Signal(str)

    def __init__(self, recognise: Recognise, complete: Complete, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("HandwritingPanel")
        self.recognise, self.complete = recognise, complete
        #: the text before the cursor of the field written into (set by the keyboard)
        self.before_cursor: Callable[[], str] = lambda: ""
        #: ``(label, text to commit)`` per candidate shown
        self.choices: list[tuple[str, str]] = []
        self._generation = 0  # answers for an older ink are dropped

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.hint = label("请在框内用手指写一个字", "hint", wrap=False)
        left.addWidget(self.hint)
        self.pad = HandwritingPad()
        self.pad.setFixedHeight(_PAD_HEIGHT[0])
        self.pad.stroke_finished.connect(self._ask)
        left.addWidget(self.pad)
        row.addLayout(left, 5)

        right = QVBoxLayout()
        right.setSpacing(10)
        grid = QGridLayout()
        grid.setSpacing(10)
        self.candidate_buttons: list[QPushButton] = []
        for i in range(_CANDIDATES):
            key = button(
                "", "handwriting-candidate", partial(self._pick, i), name=f"hw_candidate{i}"
            )
            policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            policy.setRetainSizeWhenHidden(True)  # an empty slot keeps the grid still
            key.setSizePolicy(policy)
            key.hide()
            self.candidate_buttons.append(key)
            grid.addWidget(key, i // _COLUMNS, i % _COLUMNS)
        right.addLayout(grid, 2)
        tools = QHBoxLayout()
        tools.setSpacing(10)
        self.rewrite_key = button("重写", "key", self.rewrite, name="hw_rewrite")
        self.undo_key = button("撤销一笔", "key", self.undo_stroke, name="hw_undo")
        for key in (self.rewrite_key, self.undo_key):
            key.setProperty("special", True)
            policy = key.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # shown only while there is ink to take back
            key.setSizePolicy(policy)
            tools.addWidget(key)
        right.addLayout(tools)
        row.addLayout(right, 6)
        self._show([])

    def showEvent(self, event: QShowEvent) -> None:
        # before the keyboard fixes its own height (children are shown first)
        low, high = _PAD_HEIGHT
        self.pad.setFixedHeight(max(low, min(high, round(self.window().height() * _PAD_SHARE))))
        super().showEvent(event)

    # -- actions -----------------------------------------------------------------------------
    def rewrite(self) -> None:
        """Clear the pad and its candidates (重写)."""
        self._generation += 1
        self.pad.clear()
        self._show([])

    def undo_stroke(self) -> None:
        """Take back the last stroke (撤销一笔) and ask again for what is left."""
        self.pad.undo_stroke()
        if self.pad.strokes:
            self._ask()
        else:
            self.rewrite()

    def reset(self) -> None:
        """A new field or a new person: nothing written, nothing offered."""
        self.rewrite()

    def _ask(self) -> None:
        self._show_tools()
        self._generation += 1
        generation = self._generation
        self.recognise(
            self.pad.ink(), self.before_cursor(), partial(self._deliver_characters, generation)
        )

    def _deliver_characters(self, generation: int, characters: list[str]) -> None:
        if generation == self._generation:
            self._show([(c, c) for c in characters])

    def _deliver_words(self, generation: int, words: list[tuple[str, str]]) -> None:
        if generation == self._generation and not self.pad.strokes:
            self._show(words)

    def _pick(self, index: int) -> None:
        if index >= len(self.choices):
            return
        _label, text = self.choices[index]
        self._generation += 1
        self.pad.clear()
        self._show([])
        self.committed.emit(text)
        generation = self._generation
        self.complete(self.before_cursor(), partial(self._deliver_words, generation))

    def choose(self, label: str) -> bool:
        """Pick the candidate shown as ``label``, as a tap would; False when none is."""
        for i, (shown, _text) in enumerate(self.choices):
            if shown == label:
                self._pick(i)
                return True
        return False

    def _show_tools(self) -> None:
        for key in (self.rewrite_key, self.undo_key):
            key.setVisible(bool(self.pad.strokes))

    def _show(self, choices: list[tuple[str, str]]) -> None:
        self._show_tools()
        self.choices = choices[:_CANDIDATES]
        for i, key in enumerate(self.candidate_buttons):
            if i < len(self.choices):
                key.setText(self.choices[i][0])
                key.setProperty("word", len(self.choices[i][0]) > 1)  # words in a smaller size
                repolish(key)
                key.show()
            else:
                key.hide()
        if self.pad.strokes:
            self.hint.setText("写完了，点选右边的字")
        elif self.choices:
            self.hint.setText("可点选右边的词，或接着写下一个字")
        else:
            self.hint.setText("请在框内用手指写一个字")

    def visible_candidates(self) -> list[str]:
        return [label for label, _ in self.choices]
