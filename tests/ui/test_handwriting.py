"""手写 on the on-screen keyboard: a finger writes on the pad, candidates come, words follow.

Strokes are replayed with real touch events from tests/data/handwriting (Make Me a Hanzi medians);
recognition is real zinnia with the Tegaki model, the vocabulary the demo index's own.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.helpers import find, settle, tap
from ui.handwriting_pad import HandwritingPad, HandwritingPanel

DATA = Path(__file__).resolve().parent.parent / "data" / "handwriting"


def strokes_of(char: str) -> list[list[tuple[float, float]]]:
    data = json.loads((DATA / f"{char}.json").read_text(encoding="utf-8"))
    return [[(float(x), float(y)) for x, y in s] for s in data["strokes"]]


def write_with_finger(pad: HandwritingPad, char: str, *, strokes: int | None = None) -> None:
    """Touch-draw ``char`` on ``pad``: its 1024 box fitted into the pad, a point every ~8 px."""
    device = QTest.createTouchDevice()
    window = pad.window().windowHandle()
    scale = min(pad.width(), pad.height()) / 1024
    left = (pad.width() - 1024 * scale) / 2
    top = (pad.height() - 1024 * scale) / 2

    def where(x: float, y: float) -> QPoint:
        return pad.mapTo(pad.window(), QPoint(round(left + x * scale), round(top + y * scale)))

    for stroke in strokes_of(char)[:strokes]:
        points = [stroke[0]]
        for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
            n = max(1, round(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 * scale / 8))
            points += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
        QTest.touchEvent(window, device).press(0, where(*points[0]), window).commit()
        for point in points[1:]:
            QTest.touchEvent(window, device).move(0, where(*point), window).commit()
        QTest.touchEvent(window, device).release(0, where(*points[-1]), window).commit()
        QCoreApplication.processEvents()


def panel_of(window: Any) -> HandwritingPanel:
    panel = window.keyboard.handwriting
    assert isinstance(panel, HandwritingPanel)
    return panel


def open_handwriting(qtbot: Any, window: Any) -> HandwritingPanel:
    home = window.screens["home"]
    tap(qtbot, home.search_box)
    tap(qtbot, find(window.keyboard, "key_handwriting"))
    panel = panel_of(window)
    assert panel.isVisible() and panel.pad.isVisible()
    assert not window.keyboard.keys_host.findChild(type(find(window, "key_enter")), "key_q")
    return panel


def pick(qtbot: Any, panel: HandwritingPanel, label: str) -> None:
    key = next(b for b in panel.candidate_buttons if b.isVisible() and b.text() == label)
    tap(qtbot, key)


def test_writing_di_and_bao_with_a_finger_finds_the_dibao_documents(
    qtbot: Any, window: Any
) -> None:
    home = window.screens["home"]
    panel = open_handwriting(qtbot, window)

    write_with_finger(panel.pad, "低")
    settle(window)
    assert len(panel.pad.strokes) == len(strokes_of("低"))
    assert "低" in panel.visible_candidates()[:5]
    pick(qtbot, panel, "低")
    assert home.search_box.text() == "低"
    assert panel.pad.strokes == [], "a pick clears the pad"
    settle(window)
    assert "低保" in panel.visible_candidates(), "words of the index that start with 低"

    write_with_finger(panel.pad, "保")
    settle(window)
    recognizer = window.services.recognizer()
    assert recognizer is not None
    alone = recognizer.candidates(panel.pad.ink(), 10)
    assert "保" in alone and alone[0] != "保", alone
    # 低保 is a word of the index, so 保 comes first after 低
    assert panel.visible_candidates()[0] == "保"
    pick(qtbot, panel, "保")
    assert home.search_box.text() == "低保"

    tap(qtbot, find(window.keyboard, "key_enter"))
    settle(window)
    assert window.current().name == "results"
    results = window.screens["results"]
    assert results.query == "低保"
    assert results.results is not None and results.results.total > 20
    assert all("低保" in hit.title or "低保" in hit.snippet for hit in results.results.hits[:5])


def test_a_word_completion_types_the_rest_of_the_word(qtbot: Any, window: Any) -> None:
    home = window.screens["home"]
    panel = open_handwriting(qtbot, window)
    write_with_finger(panel.pad, "低")
    settle(window)
    pick(qtbot, panel, "低")
    settle(window)
    pick(qtbot, panel, "低保")
    assert home.search_box.text() == "低保"  # 保 appended, 低 not doubled


def test_undo_takes_back_one_stroke_and_rewrite_clears(qtbot: Any, window: Any) -> None:
    panel = open_handwriting(qtbot, window)
    write_with_finger(panel.pad, "保", strokes=3)
    settle(window)
    assert len(panel.pad.strokes) == 3
    assert panel.visible_candidates(), "candidates after each stroke"

    tap(qtbot, find(panel, "hw_undo"))
    settle(window)
    assert len(panel.pad.strokes) == 2
    assert panel.visible_candidates(), "asked again for what is left"

    tap(qtbot, find(panel, "hw_rewrite"))
    settle(window)
    assert panel.pad.strokes == []
    assert panel.visible_candidates() == []
    assert not any(b.isVisible() for b in panel.candidate_buttons)
    assert not panel.undo_key.isVisible(), "nothing to take back: no dead button"


def test_half_written_ink_is_gone_when_the_keyboard_goes(qtbot: Any, window: Any) -> None:
    panel = open_handwriting(qtbot, window)
    write_with_finger(panel.pad, "保", strokes=2)
    settle(window)
    tap(qtbot, find(window.keyboard, "key_hide"))  # 收起键盘: the next person sees a clean pad
    assert panel.pad.strokes == [] and panel.visible_candidates() == []


def test_back_to_pinyin_and_handwriting_stays_for_the_next_field(qtbot: Any, window: Any) -> None:
    panel = open_handwriting(qtbot, window)
    tap(qtbot, find(window.keyboard, "key_handwriting"))  # 拼音键盘
    assert not panel.isVisible()
    assert find(window.keyboard, "key_q").isVisible()
    tap(qtbot, find(window.keyboard, "key_handwriting"))  # 手写 again
    assert panel.isVisible()
    assert window.keyboard.mode == "handwriting"


def test_without_a_model_there_is_no_handwriting_key(qtbot: Any, ui_context: Any) -> None:
    from tests.ui.conftest import TEST_SETTINGS
    from ui.mainwindow import MainWindow
    from ui.services import Services

    services = Services(ui_context, TEST_SETTINGS, recognizer=None)
    window = MainWindow(services, kiosk_mode=False)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    try:
        assert window.keyboard.handwriting is None
        assert window.keyboard.findChild(type(find(window, "key_enter")), "key_handwriting") is None
    finally:
        window.shutdown()
        services.close()
        window._exit_allowed = True
        window.close()


def test_the_idle_reset_brings_back_the_pinyin_keys(qtbot: Any, window: Any) -> None:
    panel = open_handwriting(qtbot, window)
    write_with_finger(panel.pad, "保", strokes=2)
    settle(window)
    window.reset_all()  # what the idle timeout does
    assert panel.pad.strokes == []
    tap(qtbot, window.screens["home"].search_box)
    assert window.keyboard.mode == "pinyin"
    assert find(window.keyboard, "key_q").isVisible() and not panel.isVisible()


def test_a_mouse_writes_too(qtbot: Any, window: Any) -> None:
    panel = open_handwriting(qtbot, window)
    pad = panel.pad
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    for x in range(100, 300, 10):
        qtbot.mouseMove(pad, QPoint(x, 100))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(300, 100))
    settle(window)
    assert len(pad.strokes) == 1 and len(pad.strokes[0]) > 10
    assert panel.visible_candidates(), "一 or the like"


def test_on_a_small_panel_the_pad_leaves_the_keys_on_screen(qtbot: Any, window: Any) -> None:
    window.resize(1366, 768)
    settle(window)
    panel = open_handwriting(qtbot, window)
    settle(window)
    enter = find(window.keyboard, "key_enter")
    bottom = enter.mapTo(window, enter.rect().bottomLeft()).y()
    assert bottom <= window.height(), "搜索 is cut off below the screen"
    assert panel.pad.height() >= 220
    candidates = [b.geometry() for b in panel.candidate_buttons]
    assert all(not a.intersects(b) for i, a in enumerate(candidates) for b in candidates[i + 1 :])
