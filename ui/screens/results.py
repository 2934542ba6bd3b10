"""Results: large cards, facet chips, "did you mean", an empty state that always offers a way on.

Typing in the box searches as you type: a short debounce, then a worker search; a result that
arrives after newer typing is dropped (TaskRunner channel tokens). A search counts in the usage
statistics when it is submitted, or when the typed text stays unchanged for a moment.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.records import STATUS_LABELS
from ui.screens.base import Navigator, Screen
from ui.screens.home import CategoryTiles
from ui.services import Services
from ui.widgets import (
    FlowLayout,
    ResultCard,
    TouchScrollArea,
    button,
    discard,
    fit_button_text,
    label,
    set_label_text,
)

if TYPE_CHECKING:
    from index import Hit, SearchResults

__all__ = ["ResultsScreen"]

PAGE_SIZE = 20
_TYPING_DELAY_MS = 400
_SETTLE_MS = 2000
_FACETS = (
    ("category", "分类"),
    ("year", "年份"),
    ("status", "有效性"),
    ("agency", "发布机构"),
    ("kind", "类型"),
)
_KIND_LABELS = {
    "disclosure": "公开信息",
    "policy": "政策文件",
    "guide": "办事指南",
    "report": "报告",
    "notice": "通知公告",
}
_MAX_CHIPS = {"category": 12, "year": 8, "status": 4, "agency": 6, "kind": 5}


def _partial(results: SearchResults) -> bool:
    """No document holds everything asked for (the first result is only a partial match)."""
    return bool(results.hits) and (results.relaxed or results.hits[0].match == "partial")


_CLEAR_FILTERS = "✕ 清除全部筛选"


class _FacetGroup:
    """One facet's heading and its chips, kept for the next answer (each answer made them anew:
    ≈ 4 ms a facet, and as much again to show and delete them)."""

    def __init__(self, title: str) -> None:
        self.heading = label(title, "heading")
        self.heading.hide()
        self.host = QWidget()
        self.host.hide()
        self.flow = FlowLayout(self.host, spacing=10)
        self.chips: list[QPushButton] = []

    def add_chip(self, chip: QPushButton, toggle: Callable[[str, str], None], facet: str) -> None:
        """A new chip; a tap toggles the value it shows at the time."""
        chip.clicked.connect(lambda _checked=False: toggle(facet, str(chip.property("value"))))
        self.flow.addWidget(chip)
        self.chips.append(chip)

    def hide_from(self, start: int) -> None:
        for chip in self.chips[start:]:
            chip.hide()


def chip_label(facet: str, value: str) -> str:
    if facet == "status":
        return STATUS_LABELS.get(value, value)
    if facet == "kind":
        return _KIND_LABELS.get(value, value)
    if facet == "year":
        return f"{value}年"
    return value


class ResultsScreen(Screen):
    name = "results"
    title = "查找结果"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.query = ""
        self.filters: dict[str, str] = {}
        self.label_text = ""
        self.results: SearchResults | None = None
        self.loaded = 0
        self.searching = False
        self._shown_key: tuple[str, tuple[tuple[str, str], ...]] | None = None

        outer = QVBoxLayout(self)
        self.outer = outer
        outer.setContentsMargins(40, 20, 40, 16)
        outer.setSpacing(14)
        row = QHBoxLayout()
        row.setSpacing(16)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("ResultsSearch")
        self.search_box.setPlaceholderText("输入要找的内容")
        self.search_box.setProperty("enterLabel", "搜索")
        self.search_box.setMaxLength(64)
        self.search_box.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.search_box.setFocusPolicy(
            Qt.FocusPolicy.ClickFocus
        )  # no focus (keyboard) until tapped
        self.search_box.textEdited.connect(self._on_typed)
        self.search_box.returnPressed.connect(self.submit)
        row.addWidget(self.search_box, 1)
        row.addWidget(button("搜索", "primary", self.submit, name="ResultsSearchButton"))
        outer.addLayout(row)

        self.summary = label("", "heading")
        self.summary.setObjectName("ResultsSummary")
        outer.addWidget(self.summary)
        self.note = label("", "notice")
        self.note.hide()
        outer.addWidget(self.note)
        self.did_you_mean = button("", "chip", self._take_suggestion, name="DidYouMean")
        self.did_you_mean.hide()
        outer.addWidget(self.did_you_mean, 0, Qt.AlignmentFlag.AlignLeft)
        # a typo was searched as corrected: one tap searches exactly what was typed
        self.as_typed = button("", "chip", self._search_as_typed, name="SearchAsTyped")
        self.as_typed.hide()
        outer.addWidget(self.as_typed, 0, Qt.AlignmentFlag.AlignLeft)
        #: False after "仍然搜索" until the text changes: search exactly what was typed
        self.correct = True

        body = QHBoxLayout()
        body.setSpacing(28)
        facet_host = QWidget()
        self.facet_layout = QVBoxLayout(facet_host)
        self.facet_layout.setContentsMargins(0, 0, 12, 0)
        self.facet_layout.setSpacing(10)
        self.clear_button = button(_CLEAR_FILTERS, "chip", self.clear_filters, name="ClearFilters")
        self.clear_button.hide()
        self.facet_layout.addWidget(self.clear_button)
        #: each facet's heading and chips, kept from one answer to the next (hidden when the
        #: answer has nothing to narrow by there)
        self._facets = {facet: _FacetGroup(title) for facet, title in _FACETS}
        for group in self._facets.values():
            self.facet_layout.addWidget(group.heading)
            self.facet_layout.addWidget(group.host)
        self.facet_layout.addStretch(1)
        self.facet_scroll = TouchScrollArea(
            facet_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        body.addWidget(self.facet_scroll)
        self.body = body
        #: the chips showing now, by (facet, value)
        self.chips: dict[tuple[str, str], QPushButton] = {}

        list_host = QWidget()
        self.list_layout = QVBoxLayout(list_host)
        self.list_layout.setContentsMargins(0, 0, 16, 0)
        self.list_layout.setSpacing(16)
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setSpacing(16)
        #: every card made so far, in page order: the first ``len(cards())`` show this answer,
        #: the rest wait hidden for a later one
        self._cards: list[ResultCard] = []
        self.list_layout.addLayout(self.cards_layout)
        self.more_button = button("显示更多结果", None, self.load_more, name="MoreResults")
        self.more_button.hide()
        self.list_layout.addWidget(self.more_button)
        self.empty = self._build_empty()
        self.empty.hide()
        self.list_layout.addWidget(self.empty)
        self.list_layout.addStretch(1)
        self.list_scroll = TouchScrollArea(
            list_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        body.addWidget(self.list_scroll, 1)
        outer.addLayout(body, 1)

        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(_TYPING_DELAY_MS)
        self._typing.timeout.connect(lambda: self.run_search(count=False))
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(_SETTLE_MS)
        self._settle.timeout.connect(self._count_search)
        self._counted: tuple[str, tuple[tuple[str, str], ...]] | None = None
        self.theme_changed()

    def theme_changed(self) -> None:
        """Layout for the panel: a narrower filter column and margins on a small one."""
        form = self.services.theme.form
        self.facet_scroll.setFixedWidth({"wide": 470, "compact": 330, "portrait": 360}[form])
        margin = 40 if form == "wide" else 16
        self.outer.setContentsMargins(margin, 12 if form != "wide" else 20, margin, 8)
        self.outer.setSpacing(14 if form == "wide" else 8)
        self.body.setSpacing(28 if form == "wide" else 14)

    def _facet_room(self) -> int:
        """The width a chip may take in the filter column (its scroll bar and margin aside)."""
        scrollbar = self.facet_scroll.verticalScrollBar().sizeHint().width()
        return self.facet_scroll.width() - scrollbar - 12

    def _build_empty(self) -> QWidget:
        panel = QFrame()
        panel.setProperty("role", "panel")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(16)
        self.empty_title = label("", "title")
        layout.addWidget(self.empty_title)
        layout.addWidget(
            label(
                "可以这样试试：\n"
                "· 少输几个字，比如只输“低保”；\n"
                "· 换个说法，比如“看病报销”“危房改造”“养老金”；\n"
                "· 有文号的，直接输入文号，比如“桐民发〔2024〕12号”；\n"
                "· 或者点下面的分类直接看。还是找不到，可以请工作人员帮忙，或者申请政府信息公开。"
            )
        )
        self.empty_tiles = CategoryTiles(self.nav, self.services, max_columns=3)
        layout.addWidget(self.empty_tiles)
        layout.addWidget(
            button(
                "申请政府信息公开", "primary", lambda: self.nav.go("request"), name="EmptyRequest"
            ),
            0,
            Qt.AlignmentFlag.AlignLeft,
        )
        return panel

    # -- screen ----------------------------------------------------------------------------
    def screen_title(self) -> str:
        if self.label_text and not self.query:
            return self.label_text
        return self.title

    def enter(self, params: dict[str, Any]) -> None:
        query = str(params.get("query", ""))
        filters = dict(params.get("filters") or {})
        self.label_text = str(params.get("label", ""))
        key = (query, tuple(sorted(filters.items())))
        if key == self._shown_key and self.results is not None:
            return  # back from a document: keep the list (and its scroll position)
        self.query, self.filters = query, filters
        self.correct = True
        self.search_box.blockSignals(True)
        self.search_box.setText(query)
        self.search_box.blockSignals(False)
        self.run_search(count=bool(params.get("submitted")) or not query)

    def params(self) -> dict[str, Any]:
        return {"query": self.query, "filters": dict(self.filters), "label": self.label_text}

    def leave(self) -> None:
        self._typing.stop()
        self._settle.stop()
        if self.search_box.hasFocus():
            self.search_box.clearFocus()

    def reset(self) -> None:
        self.leave()
        self.services.cancel("search")
        self.services.cancel("search-more")
        self.services.steps.cancel("result-cards")
        self.services.steps.cancel("result-facets")
        self.query, self.filters, self.label_text = "", {}, ""
        self.results, self._shown_key, self._counted = None, None, None
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self._hide_cards(0)
        self._hide_facets()
        self.summary.setText("")
        self.note.hide()
        self.did_you_mean.hide()
        self.as_typed.hide()
        self.correct = True
        self.more_button.hide()
        self.empty.hide()

    # -- searching -------------------------------------------------------------------------
    def submit(self) -> None:
        text = self.search_box.text().strip()
        if text != self.query:
            self.correct = True
        self.query = text
        self._typing.stop()
        self.search_box.clearFocus()  # hides the keyboard so the results show
        self.run_search(count=True)

    def _on_typed(self, text: str) -> None:
        self.query = text.strip()
        self.correct = True
        self._typing.start()

    def run_search(self, count: bool = False) -> None:
        """Search now for the box's text and the chosen chips (results arrive later)."""
        self._typing.stop()
        self.searching = True
        self.summary.setText("正在查找……")
        self.services.search(
            self.query,
            self.filters,
            lambda r: self._show(r, count),
            self._failed,
            correct=self.correct,
        )

    def _failed(self, _error: Exception) -> None:
        self.searching = False
        self.summary.setText("查找出了点问题，请再试一次。")

    def _show(self, results: SearchResults, count: bool) -> None:
        self.searching = False
        self.results = results
        self._shown_key = (self.query, tuple(sorted(self.filters.items())))
        self.loaded = len(results.hits)
        if count:
            self._count_search()
        elif self.query:
            self._settle.start()
        self._show_summary(results)
        self._add_cards(results)  # the cards before the chips
        self._show_facets(results)
        self.more_button.setVisible(self.loaded < results.total)
        # nothing holds everything asked for: say so, and offer the request form and the
        # categories below whatever partly matched
        no_answer = results.total == 0 or (_partial(results) and bool(self.query))
        self.empty.setVisible(no_answer)
        self.facet_scroll.setVisible(results.total > 0 or bool(self.filters))
        if no_answer:
            known = self.services.last_home_data
            if known is not None:
                self.empty_tiles.set_counts(known.category_counts)
            shown = self.query or self.label_text
            if results.total:
                self.empty_title.setText(f"没有找到能完全回答“{shown}”的文件")
            else:
                self.empty_title.setText(
                    f"没有找到与“{shown}”有关的文件" if shown else "这里还没有文件"
                )
        self.list_scroll.verticalScrollBar().setValue(0)

    def _count_search(self) -> None:
        if self.results is None or not self.query:
            return
        key = (self.query, tuple(sorted(self.filters.items())))
        if key == self._counted:
            return
        self._counted = key
        self.services.count("search", self.query)
        if self.results.total == 0:
            self.services.count("zero_result", self.query)

    def _show_summary(self, results: SearchResults) -> None:
        searched = results.corrected or self.query  # a corrected typo: what was searched
        what = f"“{searched}”" if searched else (self.label_text or "")
        self.summary.setText(f"{what} 共找到 {results.total} 篇" if results.total else "")
        notes = []
        if results.pinyin_words:
            notes.append(
                f"拼音“{html.escape(self.query)}”理解为：{'、'.join(map(html.escape, results.pinyin_words))}"
            )
        if results.corrected:
            notes.append(f"已为您查找：<b>{html.escape(results.corrected)}</b>")
        for place in results.not_found_for:
            notes.append(f"没有找到“{html.escape(place)}”的文件，下面是其他地方和全国的规定。")
        for place in results.narrowed_to:
            notes.append(f"只显示“{html.escape(place)}”的文件。")
        if _partial(results):
            notes.append("没有找到完全相符的文件，下面是部分相关的。")
        set_label_text(self.note, "<br>".join(notes), rich=True)
        self.note.setVisible(bool(notes))
        if results.corrected:
            self.as_typed.setText(f"仍然搜索：{results.query}")
            self.as_typed.show()
        else:
            self.as_typed.hide()
        if results.did_you_mean:
            self.did_you_mean.setText(f"您是不是要找：{results.did_you_mean}")
            self.did_you_mean.setProperty("suggestion", results.did_you_mean)
            self.did_you_mean.show()
        else:
            self.did_you_mean.hide()

    def _show_facets(self, results: SearchResults) -> None:
        """The chips, one facet per turn of the event loop, on the chips already made.

        The last answer's chips are hidden at once (none of them may be tapped for this one).
        """
        self._hide_facets()
        if self.filters:
            self.clear_button.setText(_CLEAR_FILTERS)
            fit_button_text(self.clear_button, self._facet_room())
            self.clear_button.show()
        steps = [partial(self._show_facet, facet, results) for facet, _ in _FACETS]
        self.services.steps.run("result-facets", steps)

    def _hide_facets(self) -> None:
        self.chips.clear()
        self.clear_button.hide()
        for group in self._facets.values():
            group.heading.hide()
            group.host.hide()  # its chips are filled while it is hidden: one layout, not each
            for chip in group.chips:
                chip.setObjectName("")  # never found by name instead of the one showing it

    def _show_facet(self, facet: str, results: SearchResults) -> None:
        values = results.facets.get(facet, [])
        chosen = self.filters.get(facet)
        if len(values) < 2 and not chosen:
            return  # one value narrows nothing
        group = self._facets[facet]
        values = values[: _MAX_CHIPS[facet]]
        room = self._facet_room()
        for i, value in enumerate(values):
            if i == len(group.chips):
                group.add_chip(button("", "chip", checkable=True), self.toggle, facet)
            chip = group.chips[i]
            chip.setText(f"{chip_label(facet, value.value)}  {value.count}")
            fit_button_text(chip, room)
            chip.setChecked(chosen == value.value)
            chip.setProperty("value", value.value)
            chip.setObjectName(f"chip_{facet}_{value.value}")
            chip.show()
            self.chips[(facet, value.value)] = chip
        group.hide_from(len(values))
        group.heading.show()
        group.host.show()

    def _add_cards(self, results: SearchResults, *, more: bool = False) -> None:
        """Show the hits on cards, a few per turn of the event loop (≈ 15 ms each when built
        anew: twenty at once kept a key or a tap waiting 0.3 s); the first one at once.

        A new answer hides the last one's cards at once (none of them may be tapped for this
        one) and fills them again in order, making new cards only past the last one made.
        """
        colors = self.services.theme.colors
        mark = f'<b style="background-color:{colors["mark"]}; color:{colors["mark_ink"]}">'
        start = self.loaded if more else 0  # the hits before these, shown or on their way
        if not more:
            self._hide_cards(0)
            self._trim_cards(max(PAGE_SIZE, len(results.hits)))
        steps = [
            partial(self._show_card, start + i, hit, mark) for i, hit in enumerate(results.hits)
        ]
        self.services.steps.run("result-cards", steps, replace=not more)

    def _show_card(self, index: int, hit: Hit, mark: str) -> None:
        if index == len(self._cards):
            card = ResultCard()
            card.opened.connect(self.open)
            self.cards_layout.addWidget(card)
            self._cards.append(card)
        card = self._cards[index]
        meta = "　".join(x for x in (hit.doc_number, hit.agency, hit.published) if x)
        card.show_hit(
            hit.id,
            hit.title,
            meta,
            hit.snippet_html().replace("<b>", mark),
            hit.status,
            STATUS_LABELS.get(hit.status, hit.status),
        )
        card.setObjectName(f"card_{hit.id}")
        card.show()

    def _hide_cards(self, start: int) -> None:
        """Hide the cards from ``start`` on (kept for the next answer)."""
        for card in self._cards[start:]:
            if not card.isHidden():
                card.hide()
                card.setObjectName("")  # never found by name instead of the one showing it

    def _trim_cards(self, keep: int) -> None:
        """Delete hidden cards past ``keep`` (after a long 显示更多, a page's worth is kept)."""
        if len(self._cards) <= keep:
            return
        extra, self._cards = self._cards[keep:], self._cards[:keep]
        for card in extra:
            self.cards_layout.removeWidget(card)
            discard(card, self.services.steps)

    # -- taps ------------------------------------------------------------------------------
    def toggle(self, facet: str, value: str) -> None:
        if self.filters.get(facet) == value:
            del self.filters[facet]
        else:
            self.filters[facet] = value
        self.run_search()

    def clear_filters(self) -> None:
        self.filters = {}
        self.run_search()

    def _search_as_typed(self) -> None:
        self.correct = False
        self.search_box.clearFocus()
        self.run_search(count=True)

    def _take_suggestion(self) -> None:
        suggestion = str(self.did_you_mean.property("suggestion") or "")
        if suggestion:
            self.search_box.setText(suggestion)
            self.submit()

    def load_more(self) -> None:
        if self.results is None:
            return
        offset = self.loaded
        self.more_button.setEnabled(False)

        def show_more(results: SearchResults) -> None:
            self.more_button.setEnabled(True)
            self._add_cards(results, more=True)
            self.loaded += len(results.hits)
            self.more_button.setVisible(self.loaded < results.total and bool(results.hits))

        self.services.search(
            self.query,
            self.filters,
            show_more,
            lambda _message: self.more_button.setEnabled(
                True
            ),  # a failure must not kill the button
            limit=PAGE_SIZE,
            offset=offset,
            channel="search-more",
            correct=self.correct,
        )

    def open(self, doc_id: str) -> None:
        terms = list(self.results.terms) if self.results else []
        self._count_search()
        self.nav.go("document", doc_id=doc_id, terms=terms)

    def cards(self) -> list[ResultCard]:
        """The cards showing the current answer, in page order."""
        return [card for card in self._cards if not card.isHidden()]
