"""Home: one big search box, category tiles, the 低保 self-check, latest and most-read."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.paths import asset
from ui.screens.base import Navigator, Screen
from ui.services import HomeData, Services
from ui.widgets import FlowLayout, LabelButton, TouchScrollArea, button, clear_layout, label

__all__ = ["CategoryTiles", "HomeScreen", "Tile", "load_tiles"]

_SUGGEST_DELAY_MS = 250


@dataclass(frozen=True)
class Tile:
    label: str
    hint: str
    filters: dict[str, str]


def load_tiles() -> list[Tile]:
    raw = tomllib.loads(asset("ui", "home.toml").read_text("utf-8"))
    tiles = []
    for item in raw.get("tile", []):
        filters = {k: str(item[k]) for k in ("category", "kind", "status") if k in item}
        tiles.append(Tile(str(item["label"]), str(item.get("hint", "")), filters))
    return tiles


def _elide(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CategoryTiles(QWidget):
    """A grid of category tiles; a tile opens results for its filter (also on the empty result)."""

    def __init__(self, nav: Navigator, services: Services, columns: int = 4) -> None:
        super().__init__()
        self.nav, self.services, self.columns = nav, services, columns
        self.tiles = load_tiles()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(16)
        self.buttons: dict[str, LabelButton] = {}
        self.set_counts(None)

    def set_counts(self, counts: dict[str, int] | None) -> None:
        """Show tiles with documents (all of them while counts are unknown)."""
        clear_layout(self.grid)
        self.buttons.clear()
        shown = 0
        for tile in self.tiles:
            count = None
            if counts is not None:
                if "category" in tile.filters:
                    count = counts.get(tile.filters["category"], 0)
                    if not count:
                        continue
                elif "kind" in tile.filters:
                    count = counts.get("kind:" + tile.filters["kind"], 0)
                    if not count:
                        continue
                elif "status" in tile.filters:
                    count = counts.get("status:" + tile.filters["status"], 0)
            face = LabelButton("tile", (22, 14, 18, 14))
            face.add(label(tile.label, "title", wrap=False))
            hint = tile.hint + (f"（{count} 篇）" if count else "")
            face.add(label(hint, "muted"))
            face.setObjectName(f"tile_{tile.label}")
            face.clicked.connect(lambda _c=False, t=tile: self.open(t))
            self.grid.addWidget(face, shown // self.columns, shown % self.columns)
            self.buttons[tile.label] = face
            shown += 1

    def open(self, tile: Tile) -> None:
        self.services.count("category", tile.label)
        self.nav.go("results", query="", filters=dict(tile.filters), label=tile.label)


class HomeScreen(Screen):
    name = "home"
    title = "首页"

    def screen_title(self) -> str:
        return self.services.settings.site_name

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 28, 40, 24)
        outer.setSpacing(40)

        left = QVBoxLayout()
        left.setSpacing(18)
        left.addWidget(
            label("您想找什么？点下面的框，用屏幕键盘输入；也可以直接点分类。", "heading")
        )
        search_row = QHBoxLayout()
        search_row.setSpacing(16)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("HomeSearch")
        self.search_box.setPlaceholderText("点这里输入，例如：低保、看病报销、危房改造")
        self.search_box.setProperty("enterLabel", "搜索")
        self.search_box.setMaxLength(64)
        self.search_box.returnPressed.connect(self.submit)
        self.search_box.textChanged.connect(self._on_text)
        self.search_box.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.search_box.setFocusPolicy(
            Qt.FocusPolicy.ClickFocus
        )  # no focus (keyboard) until tapped
        search_row.addWidget(self.search_box, 1)
        self.search_button = button("搜索", "primary", self.submit, name="HomeSearchButton")
        self.search_button.setMinimumWidth(180)
        search_row.addWidget(self.search_button)
        left.addLayout(search_row)
        self.suggestion_host = QWidget()
        self.suggestions = FlowLayout(self.suggestion_host)
        self.suggestion_host.hide()
        left.addWidget(self.suggestion_host)
        left.addWidget(label("按分类查看", "heading"))
        self.tiles = CategoryTiles(nav, services)
        left.addWidget(self.tiles)
        left.addStretch(1)
        left_host = QWidget()
        left_host.setLayout(left)
        self.left_scroll = TouchScrollArea(
            left_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        outer.addWidget(self.left_scroll, 2)

        right = QVBoxLayout()
        right.setSpacing(18)
        self.selfcheck_button = button(
            "低保自助查询\n看看我家能不能申请低保",
            "accent",
            lambda: nav.go("selfcheck"),
            name="SelfCheckEntry",
        )
        self.selfcheck_button.setMinimumHeight(170)
        right.addWidget(self.selfcheck_button)
        self.request_button = button(
            "申请政府信息公开\n找不到想要的信息？在这里填申请表",
            "row",
            lambda: nav.go("request"),
            name="RequestEntry",
        )
        self.request_button.setMinimumHeight(120)
        right.addWidget(self.request_button)
        right.addWidget(label("最新公开", "heading"))
        self.as_of = label("", "muted")
        self.as_of.setObjectName("ContentAsOf")
        self.as_of.hide()
        right.addWidget(self.as_of)
        self.latest_list = QVBoxLayout()
        self.latest_list.setSpacing(10)
        right.addLayout(self.latest_list)
        self.most_read_heading = label("大家常看", "heading")
        right.addWidget(self.most_read_heading)
        self.most_read_list = QVBoxLayout()
        self.most_read_list.setSpacing(10)
        right.addLayout(self.most_read_list)
        right.addStretch(1)
        right_host = QWidget()
        right_host.setLayout(right)
        self.right_scroll = TouchScrollArea(
            right_host, mouse_drag=services.settings.mouse_drag_scroll
        )
        outer.addWidget(self.right_scroll, 1)

        self._suggest_timer = QTimer(self)
        self._suggest_timer.setSingleShot(True)
        self._suggest_timer.setInterval(_SUGGEST_DELAY_MS)
        self._suggest_timer.timeout.connect(self._suggest)
        self.data: HomeData | None = None

    # -- screen ----------------------------------------------------------------------------
    def enter(self, params: dict[str, Any]) -> None:
        self.refresh()

    def reset(self) -> None:
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self._suggest_timer.stop()
        self.services.cancel("suggest")
        self._show_suggestions([])

    def refresh(self) -> None:
        """Reload latest, most read and the tile counts (in the background)."""
        self.services.home_data(self._show_data)

    def _show_data(self, data: HomeData) -> None:
        self.data = data
        self.tiles.set_counts(data.category_counts)
        if data.content_as_of is not None:
            self.as_of.setText(f"资料截至 {data.content_as_of:%Y年%-m月%-d日}")
        self.as_of.setVisible(data.content_as_of is not None)
        clear_layout(self.latest_list)
        for hit in data.latest[:4]:
            self.latest_list.addWidget(self._row(hit.id, hit.title, hit.published))
        clear_layout(self.most_read_list)
        for doc_id, title in data.most_read[:4]:
            self.most_read_list.addWidget(self._row(doc_id, title, ""))
        self.most_read_heading.setVisible(bool(data.most_read))

    def _row(self, doc_id: str, title: str, date: str) -> LabelButton:
        row = LabelButton("row", (18, 10, 18, 10))
        row.add(label(_elide(title), None))
        if date:
            row.add(label(date, "muted", wrap=False))
        row.setObjectName(f"row_{doc_id}")
        row.clicked.connect(lambda _c=False: self.nav.go("document", doc_id=doc_id))
        return row

    # -- searching -------------------------------------------------------------------------
    def submit(self, text: str | None = None) -> None:
        query = (text if text is not None else self.search_box.text()).strip()
        if not query:
            self.search_box.setFocus()
            return
        self._suggest_timer.stop()
        self.services.cancel("suggest")
        self.nav.go("results", query=query, filters={}, submitted=True)

    def _on_text(self, text: str) -> None:
        if text.strip():
            self._suggest_timer.start()
        else:
            self._suggest_timer.stop()
            self.services.cancel("suggest")
            self._show_suggestions([])

    def _suggest(self) -> None:
        prefix = self.search_box.text().strip()
        if prefix:
            self.services.suggest(prefix, self._show_suggestions)

    def _show_suggestions(self, words: list[str]) -> None:
        clear_layout(self.suggestions)
        typed = self.search_box.text().strip()
        words = [w for w in words if w != typed][:6]
        for word in words:
            chip = button(word, "chip", partial(self.submit, word))
            self.suggestions.addWidget(chip)
        self.suggestion_host.setVisible(bool(words))
