"""Home: one big search box, category tiles, this place's standards and office, the 低保
self-check, latest and most-read."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.locality import LocalStandard
from ui.screens.base import Navigator, Screen
from ui.services import HomeData, Services
from ui.tiles import Tile, load_tiles, tiles_for
from ui.widgets import (
    FlowLayout,
    Label,
    LabelButton,
    OfficeCard,
    TouchScrollArea,
    button,
    clear_layout,
    label,
    set_props,
)

__all__ = ["CategoryTiles", "HomeScreen", "LocalStandards"]

_SUGGEST_DELAY_MS = 250
#: The search box's prompt, longest first: the longest that fits the box is shown.
PROMPTS = (
    "点这里输入，例如：低保、看病报销、危房改造",
    "点这里输入，例如：低保、看病报销",
    "点这里输入，例如：低保",
    "点这里输入",
)


def _elide(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tile_hint(tile: Tile) -> str:
    return tile.hint + (f"（{tile.count} 篇）" if tile.count else "")


class CategoryTiles(QWidget):
    """A grid of category tiles; a tile opens results for its filter (also on the empty result).

    As many columns (up to ``max_columns``) as the widest tile title allows at this width, so a
    title is never cut on a small panel and the text never shrinks.
    """

    def __init__(self, nav: Navigator, services: Services, max_columns: int = 4) -> None:
        super().__init__()
        self.nav, self.services, self.max_columns = nav, services, max_columns
        self.columns = max_columns
        self.tiles = load_tiles()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(16)
        #: the tiles shown, in order
        self.buttons: dict[str, LabelButton] = {}
        self._counts: dict[str, int] | None = None
        #: every tile made (shown or not), what each opens, and the label with its count
        self._faces: dict[str, LabelButton] = {}
        self._shown: dict[str, Tile] = {}
        self._hints: dict[str, Label] = {}
        self.set_counts(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        columns = self._columns_for(width)
        rows = -(-len(self.buttons) // columns) if self.buttons else 0
        spacing = self.grid.spacing()
        height = 0
        faces = list(self.buttons.values())
        for r in range(rows):
            row = faces[r * columns : (r + 1) * columns]
            cell = (width - spacing * (columns - 1)) // columns
            height += max(face.heightForWidth(cell) for face in row)
        return height + spacing * max(rows - 1, 0)

    def _columns_for(self, width: int) -> int:
        widest = max((face.minimumSizeHint().width() for face in self.buttons.values()), default=1)
        spacing = self.grid.spacing()
        fits = (width + spacing) // (widest + spacing)
        return max(1, min(self.max_columns, fits))

    def arrange(self) -> None:
        """Put the tiles into as many columns as fit (again after a resize or a restyle)."""
        columns = self._columns_for(self.width())
        if columns == self.columns and self.grid.count() == len(self.buttons):
            return
        self.columns = columns
        for face in self._faces.values():
            self.grid.removeWidget(face)
        for c in range(self.max_columns):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        for i, face in enumerate(self.buttons.values()):
            self.grid.addWidget(face, i // columns, i % columns)
        self.updateGeometry()

    def set_counts(self, counts: dict[str, int] | None) -> None:
        """Show the tiles with documents (all of them while counts are unknown).

        Tiles are made once and then shown, hidden and given their counts: Home gets its counts
        in parts (the columns, then each search tile's) and an empty answer offers the tiles
        again, and making them anew took ≈ 30 ms each time.
        """
        if self._faces and counts == self._counts:
            return
        self._counts = None if counts is None else dict(counts)
        shown = self.tiles if counts is None else tiles_for(self.tiles, counts)
        for tile in shown:
            if tile.label not in self._faces:
                self._faces[tile.label] = self._make_face(tile.label)
            self._shown[tile.label] = tile
            self._hints[tile.label].setText(_tile_hint(tile))
        names = [tile.label for tile in shown]
        if names == list(self.buttons):
            return
        self.buttons = {name: self._faces[name] for name in names}
        for name, face in self._faces.items():
            face.setObjectName(f"tile_{name}" if name in self.buttons else "")
            face.setVisible(name in self.buttons)
        self.columns = 0
        self.arrange()

    def _make_face(self, name: str) -> LabelButton:
        face = LabelButton("tile", (22, 14, 18, 14))
        face.setParent(self)
        face.hide()
        face.add(label(name, "title", wrap=False))
        self._hints[name] = label("", "muted")
        face.add(self._hints[name])
        face.clicked.connect(lambda _c=False: self.open(self._shown[name]))
        return face

    def open(self, tile: Tile) -> None:
        self.services.count("category", tile.label)
        if tile.query:
            self.nav.go("results", query=tile.query, filters={}, label=tile.label)
        else:
            self.nav.go("results", query="", filters=dict(tile.filters), label=tile.label)


class LocalStandards(QFrame):
    """The standards in force where the kiosk stands, each a tap to the document that set it;
    one that took effect in the last 90 days is marked 新标准. Taps count like a tile's."""

    def __init__(self, nav: Navigator, services: Services) -> None:
        super().__init__()
        self.nav, self.services = nav, services
        self.setProperty("role", "panel")
        self.setObjectName("LocalStandards")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 16)
        layout.setSpacing(10)
        self.heading = label("", "heading")
        self.heading.setObjectName("LocalPlace")
        layout.addWidget(self.heading)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(10)
        layout.addLayout(self.rows)
        self.buttons: dict[str, LabelButton] = {}
        self.hide()

    def show_standards(self, place: str, standards: list[LocalStandard]) -> None:
        clear_layout(self.rows)
        self.buttons.clear()
        self.setVisible(bool(place))
        self.heading.setText(f"{place}现行标准")
        if place and not standards:
            self.rows.addWidget(label("本机还没有这里现行的标准。", "muted"))
        for item in standards:
            row = LabelButton("row", (16, 8, 16, 10))
            amount = label(f"{item.program_label} {item.amount_short()}", "heading")
            if item.new:
                badge = label("新标准", "badge", wrap=False)
                set_props(badge, status="new")
                badge.setObjectName(f"new_{item.standard.program}")
                row.add_row(amount, badge)
            else:
                row.add(amount)
            words = [w for w in (item.period_text(), item.since_text()) if w]
            row.add(label("，".join(words) or "执行日期见文件", "muted"))
            row.setObjectName(f"local_{item.standard.program}")
            row.clicked.connect(lambda _c=False, i=item: self.open(i))
            self.buttons[item.standard.program] = row
            self.rows.addWidget(row)
        if standards:
            self.rows.addWidget(label("点一条看发布它的文件。", "muted"))

    def open(self, item: LocalStandard) -> None:
        self.services.count("category", f"本地{item.program_label}标准")
        self.nav.go("document", doc_id=item.standard.document.id)


class HomeScreen(Screen):
    name = "home"
    title = "首页"

    def screen_title(self) -> str:
        return self.services.settings.site_name

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.outer = QGridLayout(self)
        self.outer.setContentsMargins(40, 28, 40, 24)
        self.outer.setSpacing(40)

        left = QVBoxLayout()
        left.setSpacing(18)
        left.addWidget(
            label("您想找什么？点下面的框，用屏幕键盘输入；也可以直接点分类。", "heading")
        )
        search_row = QHBoxLayout()
        search_row.setSpacing(16)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("HomeSearch")
        self.search_box.setPlaceholderText(PROMPTS[0])
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

        right = QVBoxLayout()
        right.setSpacing(18)
        self.local = LocalStandards(nav, services)
        right.addWidget(self.local)
        self.office = OfficeCard()
        right.addWidget(self.office)
        # faces of wrapped labels: the explanation wraps on a narrow column instead of being cut
        self.selfcheck_button = LabelButton("accent", (28, 18, 28, 20))
        self.selfcheck_button.setObjectName("SelfCheckEntry")
        self.selfcheck_button.add(label("低保自助查询", "accenttitle"))
        self.selfcheck_button.add(label("看看我家能不能申请低保", "accenttext"))
        self.selfcheck_button.clicked.connect(lambda _c=False: nav.go("selfcheck"))
        right.addWidget(self.selfcheck_button)
        self.request_button = LabelButton("row", (18, 12, 18, 12))
        self.request_button.setObjectName("RequestEntry")
        self.request_button.add(label("申请政府信息公开", "heading"))
        self.request_button.add(label("找不到想要的信息？在这里填申请表"))
        self.request_button.clicked.connect(lambda _c=False: nav.go("request"))
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
        self._place_columns()

        self._suggest_timer = QTimer(self)
        self._suggest_timer.setSingleShot(True)
        self._suggest_timer.setInterval(_SUGGEST_DELAY_MS)
        self._suggest_timer.timeout.connect(self._suggest)
        self.data: HomeData | None = None
        self._shown_lists: tuple[object, ...] | None = None

    def _place_columns(self) -> None:
        """Side by side on a landscape panel; search and tiles above the rest in portrait."""
        portrait = self.services.theme.form == "portrait"
        for pane in (self.left_scroll, self.right_scroll):
            self.outer.removeWidget(pane)
        for i in range(2):
            self.outer.setRowStretch(i, 0)
            self.outer.setColumnStretch(i, 0)
        if portrait:
            self.outer.addWidget(self.left_scroll, 0, 0)
            self.outer.addWidget(self.right_scroll, 1, 0)
            self.outer.setRowStretch(0, 3)
            self.outer.setRowStretch(1, 2)
        else:
            self.outer.addWidget(self.left_scroll, 0, 0)
            self.outer.addWidget(self.right_scroll, 0, 1)
            self.outer.setColumnStretch(0, 2)
            self.outer.setColumnStretch(1, 1)
        margin = 40 if self.services.theme.form == "wide" else 20
        self.outer.setContentsMargins(margin, 20, margin, 16)
        self.outer.setSpacing(margin)

    def theme_changed(self) -> None:
        self._place_columns()
        self.tiles.columns = 0
        self.tiles.arrange()
        self._fit_prompt()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_prompt()

    def _fit_prompt(self) -> None:
        """The longest prompt that fits the box: the main instruction is never cut off."""
        box = self.search_box
        room = box.width() - 48  # padding and border
        metrics = box.fontMetrics()
        prompt = next((p for p in PROMPTS if metrics.horizontalAdvance(p) <= room), PROMPTS[-1])
        box.setPlaceholderText(prompt)

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
        # Home's data comes in parts (the store's, the counts, each search tile's): only what
        # changed is built again (all of it took ≈ 40 ms each time, a stall while typing)
        self.office.show_lines(data.office)
        lists = (data.place, data.local_standards, data.latest[:4], data.most_read[:4])
        if lists == self._shown_lists:
            return
        self._shown_lists = lists
        self.local.show_standards(data.place, data.local_standards)
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
