"""The villager's main paths through real widgets on the demo content."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QScroller

from tests.ui.helpers import commit_text, find, settle, tap, touch_tap, type_on_keyboard
from ui.screens.results import ResultsScreen
from ui.widgets import Label, LabelButton
from ui.workers import StepQueue


def results_of(window: Any) -> ResultsScreen:
    screen = window.screens["results"]
    assert isinstance(screen, ResultsScreen)
    return screen


def test_category_tile_to_results_to_document_and_back(qtbot: Any, window: Any) -> None:
    home = window.screens["home"]
    tile = home.tiles.buttons["低保救助"]
    touch_tap(tile)  # a finger, not a mouse
    settle(window)
    assert window.current().name == "results"
    results = results_of(window)
    cards = results.cards()
    assert len(cards) >= 10
    assert results.results is not None and results.results.total >= 30
    # the tile is a search for 低保: the same count, led by a guide rather than fund notices
    searched = window.services.context.engine().search("低保", limit=1)
    assert f"（{searched.total} 篇）" in " ".join(w.text() for w in tile.findChildren(QLabel))
    assert results.results.total == searched.total
    assert results.results.hits[0].kind == "guide"
    first_title = cards[0].title_label.text()

    tap(qtbot, cards[0])
    settle(window)
    assert window.current().name == "document"
    document = window.screens["document"]
    assert document.doc is not None and document.doc.id == cards[0].doc_id
    assert document.browser.toPlainText().strip()

    tap(qtbot, find(window, "BackButton"))
    settle(window)
    assert window.current().name == "results"
    assert results.cards()[0].title_label.text() == first_title  # the list is kept

    tap(qtbot, find(window, "HomeButton"))
    assert window.current().name == "home"
    assert not find(window, "BackButton").isVisible()
    usage = window.services.store.usage("category", *_today())
    assert any(key == "低保救助" for _, key, _ in usage)


def test_dibao_on_the_onscreen_keyboard_becomes_dibao_and_finds(qtbot: Any, window: Any) -> None:
    home = window.screens["home"]
    tap(qtbot, home.search_box)
    assert home.search_box.hasFocus()
    assert window.keyboard.isVisible(), "the keyboard appears when a text field has focus"

    type_on_keyboard(qtbot, window, "dibao")
    assert window.keyboard.composition == "dibao"
    assert "低保" in window.keyboard.visible_candidates()
    assert home.search_box.text() == "", "letters are pre-edit text until a candidate is chosen"

    candidate = next(b for b in window.keyboard.candidate_buttons if b.text() == "低保")
    tap(qtbot, candidate)
    assert home.search_box.text() == "低保"
    assert window.keyboard.composition == ""

    tap(qtbot, find(window.keyboard, "key_enter"))  # 搜索
    settle(window)
    assert window.current().name == "results"
    results = results_of(window)
    assert results.query == "低保"
    assert results.results is not None and results.results.total > 20
    assert "低保" in results.summary.text()
    assert not window.keyboard.isVisible(), "the keyboard goes away to show the results"
    searches = window.services.store.usage("search", *_today())
    settle(window)
    searches = window.services.store.usage("search", *_today())
    assert [key for _, key, _ in searches] == ["低保"]


def test_keyboard_backspace_space_and_digits(qtbot: Any, window: Any) -> None:
    home = window.screens["home"]
    tap(qtbot, home.search_box)
    type_on_keyboard(qtbot, window, "dibaox")
    tap(qtbot, find(window.keyboard, "key_backspace"))
    settle(window)
    assert window.keyboard.composition == "dibao"
    tap(qtbot, find(window.keyboard, "key_space"))  # commits the best candidate
    assert home.search_box.text() == "低保"
    tap(qtbot, find(window.keyboard, "key_backspace"))
    assert home.search_box.text() == "低"
    tap(qtbot, find(window.keyboard, "key_mode"))
    for key in ("〔", "2", "0", "2", "4", "〕"):
        tap(qtbot, find(window.keyboard, f"key_{key}"))
    assert home.search_box.text() == "低〔2024〕"
    tap(qtbot, find(window.keyboard, "key_clear"))
    assert home.search_box.text() == ""
    tap(qtbot, find(window.keyboard, "key_hide"))
    assert not window.keyboard.isVisible()


def test_facet_chip_narrows_and_widens_results(qtbot: Any, window: Any) -> None:
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    results = results_of(window)
    assert results.results is not None
    everything = results.results.total
    chip = results.chips[("category", "社会救助")]
    tap(qtbot, chip)
    settle(window)
    narrowed = results.results
    assert narrowed is not None and 0 < narrowed.total < everything
    assert all(hit.category == "社会救助" for hit in narrowed.hits)
    assert results.chips[("category", "社会救助")].isChecked()

    year_chip = next(c for (facet, _), c in results.chips.items() if facet == "year")
    tap(qtbot, year_chip)
    settle(window)
    assert results.results is not None and results.results.total <= narrowed.total
    assert set(results.filters) == {"category", "year"}

    tap(qtbot, find(window, "ClearFilters"))
    settle(window)
    assert results.results is not None and results.results.total == everything
    assert results.filters == {}


def test_a_typo_is_searched_as_corrected_with_a_tap_for_what_was_typed(
    qtbot: Any, window: Any
) -> None:
    window.go("results", query="低包", filters={}, submitted=True)
    settle(window)
    results = results_of(window)
    assert results.results is not None and results.results.corrected == "低保"
    assert results.results.total > 20
    assert results.note.isVisible() and "已为您查找" in results.note.text()
    assert "低保" in results.note.text()
    assert results.as_typed.isVisible() and "低包" in results.as_typed.text()
    tap(qtbot, results.as_typed)
    settle(window)
    assert results.results is not None and results.results.corrected is None
    assert results.query == "低包"
    assert not results.as_typed.isVisible()
    # "did you mean" still offers the word for the search of what was typed
    assert results.did_you_mean.isVisible() and "低保" in results.did_you_mean.text()


def test_a_partial_page_says_so_and_offers_the_request_form(qtbot: Any, window: Any) -> None:
    window.go("results", query="低保 火星", filters={}, submitted=True)
    settle(window)
    results = results_of(window)
    assert results.results is not None and results.results.relaxed and results.results.hits
    assert "没有找到完全相符的文件，下面是部分相关的" in results.note.text()
    assert results.empty.isVisible()
    assert len(results.empty_tiles.buttons) >= 6
    tap(qtbot, find(window, "EmptyRequest"))
    settle(window)
    assert window.current().name == "request"


def test_empty_result_explains_and_offers_categories(qtbot: Any, window: Any) -> None:
    window.go("results", query="火星移民", filters={}, submitted=True)
    settle(window)
    results = results_of(window)
    assert results.results is not None and results.results.total == 0
    assert results.cards() == []
    assert results.empty.isVisible()
    assert "火星移民" in results.empty_title.text()
    assert len(results.empty_tiles.buttons) >= 6
    tap(qtbot, results.empty_tiles.buttons["看病医保"])
    settle(window)
    assert results.filters == {"category": "医疗卫生"}
    assert results.results is not None and results.results.total > 0
    zero = window.services.store.usage("zero_result", *_today())
    assert [key for _, key, _ in zero] == ["火星移民"]


def test_search_as_you_type_shows_only_the_latest_text(qtbot: Any, window: Any) -> None:
    window.go("results", query="", filters={"category": "教育"}, label="上学教育")
    settle(window)
    results = results_of(window)
    shown: list[str] = []
    original = results._show

    def spy(found: Any, count: bool) -> None:
        shown.append(results.query)
        original(found, count)

    results._show = spy  # type: ignore[method-assign]
    tap(qtbot, results.search_box)
    for text in ("低", "保", "标", "准"):  # typed quickly; each keystroke restarts the debounce
        commit_text(results.search_box, text)
    assert results.search_box.text() == "低保标准"
    qtbot.waitUntil(
        lambda: results._shown_key is not None and results._shown_key[0] == "低保标准", timeout=5000
    )
    settle(window)
    assert shown == ["低保标准"], "one search after the typing pause, none per keystroke"
    assert results.results is not None and results.results.total > 0
    assert window.keyboard.isVisible(), "typing keeps the keyboard up"


def test_more_results_button_loads_the_next_page(qtbot: Any, window: Any) -> None:
    window.go("results", query="", filters={"status": "valid"}, label="全部文件")
    settle(window)
    results = results_of(window)
    assert results.results is not None and results.results.total > 20
    assert len(results.cards()) == 20
    tap(qtbot, results.more_button)
    settle(window)
    ids = [c.doc_id for c in results.cards()]
    assert len(ids) == min(40, results.results.total) and len(set(ids)) == len(ids)


def test_result_list_glides_under_a_finger(qtbot: Any, window: Any) -> None:
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    area = results_of(window).list_scroll
    viewport = area.viewport()
    assert QScroller.hasScroller(viewport)
    scroller = QScroller.scroller(viewport)
    bar = area.verticalScrollBar()
    # the cards come a slice per turn of the event loop; the page is laid out after the last
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    assert bar.value() == 0
    x = viewport.width() / 2
    scroller.handleInput(QScroller.Input.InputPress, QPointF(x, 700), 0)
    for i, y in enumerate(range(680, 180, -50), start=1):
        scroller.handleInput(QScroller.Input.InputMove, QPointF(x, y), i * 10)
    scroller.handleInput(QScroller.Input.InputRelease, QPointF(x, 180), 110)
    qtbot.waitUntil(lambda: bar.value() > 300, timeout=3000)


def test_home_lists_latest_and_most_read(qtbot: Any, window: Any) -> None:
    home = window.screens["home"]
    assert home.data is not None and len(home.data.latest) >= 5
    for _ in range(3):
        window.go("document", doc_id="tx-mz-dibao-cailiao-gaozhi")
    settle(window)
    tap(qtbot, find(window, "HomeButton"))
    settle(window)
    assert home.data is not None
    assert home.data.most_read[0][0] == "tx-mz-dibao-cailiao-gaozhi"
    row = find(window, "row_tx-mz-dibao-cailiao-gaozhi")
    tap(qtbot, row)
    assert window.current().name == "document"


def test_home_suggestions_as_you_type(qtbot: Any, window: Any) -> None:
    home = window.screens["home"]
    tap(qtbot, home.search_box)
    commit_text(home.search_box, "低")
    qtbot.waitUntil(lambda: home.suggestion_host.isVisible(), timeout=3000)
    words = [home.suggestions.itemAt(i).widget().text() for i in range(home.suggestions.count())]
    assert "低保" in words
    chip = next(
        home.suggestions.itemAt(i).widget()
        for i in range(home.suggestions.count())
        if home.suggestions.itemAt(i).widget().text() == "低保"
    )
    tap(qtbot, chip)
    settle(window)
    assert window.current().name == "results" and results_of(window).query == "低保"


def _today() -> tuple[Any, Any]:
    import datetime as dt

    today = dt.date.today()
    return today, today


_ = Qt  # re-exported for readers of the tests


def test_home_button_clears_the_last_query(qtbot: Any, window: Any) -> None:
    """The next person at a shared terminal does not see what the last one looked for."""
    home = window.screens["home"]
    tap(qtbot, home.search_box)
    commit_text(home.search_box, "低保")
    tap(qtbot, find(window, "HomeSearchButton"))
    settle(window)
    assert window.current().name == "results"
    tap(qtbot, find(window, "HomeButton"))
    assert window.current().name == "home"
    assert home.search_box.text() == ""
    assert not home.suggestion_host.isVisible()


def test_result_cards_are_built_a_slice_at_a_time_so_taps_are_not_kept_waiting(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty cards built in one go held the UI thread ≈ 0.3 s after every as-you-type answer."""
    monkeypatch.setattr(StepQueue, "SLICE_S", 0.0)  # one card per turn of the event loop
    results = results_of(window)
    at_answer: list[tuple[int, int]] = []
    show = results._show

    def watched(answer: Any, count: bool) -> None:
        show(answer, count)
        at_answer.append((len(results.cards()), len(answer.hits)))

    monkeypatch.setattr(results, "_show", watched)
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    ((built_at_once, hits),) = at_answer
    assert hits >= 10 and built_at_once == 1
    assert [c.doc_id for c in results.cards()] == [h.id for h in results.results.hits]


def test_a_new_answer_is_shown_on_the_cards_already_made(qtbot: Any, window: Any) -> None:
    """Twenty new cards per answer (≈ 4 ms each with their first show and layout) held the
    screen as-you-type: the cards stay, and show the next answer's hits."""
    results = results_of(window)
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    first = results.cards()
    assert len(first) >= 10
    window.go("results", query="危房改造", filters={}, submitted=True)
    settle(window)
    answer = results.results
    assert answer is not None and 0 < len(answer.hits) < len(first)
    shown = results.cards()
    assert [c.doc_id for c in shown] == [h.id for h in answer.hits]
    assert all(new is old for new, old in zip(shown, first, strict=False)), "the same widgets"
    assert [c.title_label.text() for c in shown] == [
        Label(h.title).text() for h in answer.hits
    ]  # what each card says is its new hit
    # the cards this answer did not need are hidden, and no name finds them
    left = [c for c in first if c not in shown]
    assert left and not any(c.isVisible() or c.objectName() for c in left)
    tap(qtbot, shown[0])
    settle(window)
    document = window.screens["document"]
    assert document.doc is not None and document.doc.id == answer.hits[0].id


def test_a_relayout_of_the_results_page_measures_no_unchanged_text_again(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A box layout asks every wrapped label for its height at two widths on each pass, and
    Qt lays the label's text out again for each answer: every change on the page laid out
    all of its cards' text again (≈ 10 ms a pass at 20 cards)."""
    results = results_of(window)
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    measured: list[Label] = []
    measure = Label._measure

    def counted(self: Label, width: int) -> int:
        measured.append(self)
        return measure(self, width)

    monkeypatch.setattr(Label, "_measure", counted)
    cards = results.cards()
    on_cards = {id(x) for c in cards for x in (c.title_label, c.meta_label, c.snippet_label)}
    bar = results.list_scroll.verticalScrollBar()
    before = bar.maximum()
    results.note.setVisible(not results.note.isVisible())  # the list gets taller or shorter
    qtbot.waitUntil(lambda: bar.maximum() != before, timeout=3000)  # laid out again
    assert [m.text() for m in measured if id(m) in on_cards] == []
    # a card whose text changes is measured again, and gets the room for all of it
    snippet = cards[0].snippet_label
    height = snippet.height()
    snippet.setText(snippet.text() + "<br>" * 3 + "又一行")
    qtbot.waitUntil(lambda: snippet.height() > height, timeout=3000)
    assert snippet in measured


def test_larger_text_lays_the_cards_out_again(qtbot: Any, window: Any) -> None:
    """A label's remembered heights are forgotten when the style changes its font."""
    results = results_of(window)
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    title = results.cards()[0].title_label
    width = title.width()
    normal = title.heightForWidth(width)
    tap(qtbot, find(window, "LargeText"))
    settle(window)
    assert title.heightForWidth(width) > normal
    assert title.height() >= title.heightForWidth(title.width())  # nothing cut off


def test_empty_answers_show_the_category_tiles_made_once(qtbot: Any, window: Any) -> None:
    """Each empty answer made the twelve tiles under it anew (≈ 30 ms in the answer's turn)."""
    results = results_of(window)
    made = results.empty_tiles.findChildren(LabelButton)  # kept alive, so no id is reused
    assert len(made) >= 6
    window.go("results", query="火星移民", filters={}, submitted=True)
    settle(window)
    tiles = dict(results.empty_tiles.buttons)
    assert len(tiles) >= 6 and {id(t) for t in tiles.values()} <= {id(t) for t in made}
    assert all(tile.isVisible() for tile in tiles.values())
    # the tiles without documents here are hidden, and no name finds them
    assert all(not t.isVisible() and not t.objectName() for t in made if t not in tiles.values())
    window.go("results", query="火星移民局", filters={}, submitted=True)
    settle(window)
    assert results.empty.isVisible()
    assert results.empty_tiles.buttons == tiles  # the same widgets
    tap(qtbot, results.empty_tiles.buttons["看病医保"])
    settle(window)
    assert results.filters == {"category": "医疗卫生"}


def test_a_new_answer_is_shown_on_the_chips_already_made(qtbot: Any, window: Any) -> None:
    """Each answer made every filter chip anew (≈ 4 ms a facet, as much again to show and to
    delete them): the chips stay, and show the next answer's values."""
    results = results_of(window)
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    made = list(results.chips.values())  # kept alive, so no id is reused
    assert len(made) >= 6
    window.go("results", query="医疗救助", filters={}, submitted=True)
    settle(window)
    answer = results.results
    assert answer is not None and results.chips
    assert {id(c) for c in results.chips.values()} <= {id(c) for c in made}, "no new chips"
    for (facet, value), chip in results.chips.items():
        assert chip.isVisible() and chip.objectName() == f"chip_{facet}_{value}"
        counts = {v.value: v.count for v in answer.facets[facet]}
        assert chip.text().replace("\n", "").endswith(f"  {counts[value]}")
    # only this answer's chips can be tapped (no filter chosen yet: no 清除全部筛选)
    host = results.facet_scroll.widget()
    visible = {id(c) for c in host.findChildren(QPushButton) if c.isVisible()}
    assert visible == {id(c) for c in results.chips.values()}
    (facet, value), chip = next(iter(results.chips.items()))
    tap(qtbot, chip)
    settle(window)
    assert results.filters == {facet: value} and results.chips[(facet, value)].isChecked()
    assert find(window, "ClearFilters").isVisible()


def test_more_results_that_come_while_the_page_is_built_follow_it(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """显示更多 tapped before the first page's cards are all filled: its cards come after them."""
    monkeypatch.setattr(StepQueue, "SLICE_S", 0.0)  # one card per turn of the event loop
    window.go("results", query="", filters={"status": "valid"}, label="全部文件")
    settle(window)
    results = results_of(window)
    engine = window.services.context.engine()
    first = engine.search("", filters={"status": "valid"}, limit=20)
    more = engine.search("", filters={"status": "valid"}, limit=20, offset=20)
    assert len(first.hits) == 20 and more.hits
    results._show(first, False)  # an answer: its first card at once, the rest a turn each
    assert len(results.cards()) == 1
    results._add_cards(more, more=True)  # what load_more does with the next page's answer
    results.loaded += len(more.hits)
    settle(window)
    assert [c.doc_id for c in results.cards()] == [h.id for h in first.hits + more.hits]
