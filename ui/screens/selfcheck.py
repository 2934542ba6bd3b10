"""低保 self-check: where, urban or rural, how many people, monthly income → a plain answer.

Nothing typed here is stored; only an aggregate count (region and area, never the numbers) goes to
the usage statistics. The answer says it is guidance, not a decision.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.eligibility import AREA_LABELS, Assessment, assess, money
from kiosk.models import AllowanceStandard
from kiosk.standards import all_standards, standards_in_force
from ui.numpad import NumberPad
from ui.screens.base import Navigator, Screen
from ui.services import Services
from ui.widgets import (
    FlowLayout,
    LabelButton,
    OfficeCard,
    TouchScrollArea,
    button,
    clear_layout,
    label,
    set_label_text,
    set_props,
)

__all__ = ["SelfCheckScreen"]

MATERIALS = (
    "全家人的身份证、户口簿",
    "低保申请表（窗口免费领取，可以请工作人员代填）",
    "家庭经济状况核对授权书（全家成年人签字或按手印）",
    "家庭收入情况说明（工资证明或收入声明）",
    "社会保障卡或银行卡（用来领低保金）",
    "有残疾、大病的，带残疾人证、病历或诊断证明",
)
WHERE = "到户口所在地的乡镇人民政府（街道办事处）社会救助窗口申请，一般在便民服务中心一楼。走不动的，可以请村（居）委会代办或打电话请工作人员上门。"
#: "Where to apply" once the librarian has entered the local office (shown below it).
WHERE_LOCAL = "户口在本地的，到下面的本地办事窗口申请；户口在外地的，到户口所在地的乡镇（街道）社会救助窗口。走不动的，可以请村（居）委会代办或打电话请工作人员上门。"
NOT_A_DECISION = "这个结果只是参考，不是审批决定。能不能享受低保，以乡镇（街道）审核确认为准。您输入的信息不会被保存。"
_MAX_PEOPLE = 12
NO_STANDARDS = (
    "本机还没有收到县（区）的低保标准。标准是多少、能不能申请，请到户口所在地的乡镇人民政府"
    "（街道办事处）民政或社会救助窗口问一问，也可以请村（居）委会帮忙问。"
)

#: Which panes share a scrolling column, per form: three columns on a big panel; steps and
#: income in one column on a small one; steps beside income above the answer in portrait.
_PANES: dict[str, tuple[tuple[tuple[int, int, int, int], tuple[str, ...]], ...]] = {
        "wide": (((0, 0, 1, 1), ("steps",)), ((0, 1, 1, 1), ("income",)), ((0, 2, 1, 1), ("answer",))),
        "compact": (((0, 0, 1, 1), ("steps", "income")), ((0, 1, 1, 1), ("answer",))),
        "portrait": (((0, 0, 1, 1), ("steps",)), ((0, 1, 1, 1), ("income",)), ((1, 0, 1, 2), ("answer",))),
}  # fmt: skip
_STRETCH: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "wide": ((), (5, 4, 6)),
    "compact": ((), (1, 1)),
    "portrait": ((2, 3), (1, 1)),
}


class SelfCheckScreen(Screen):
    name = "selfcheck"
    title = "低保自助查询"

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__(services, nav)
        self.region = ""
        self.area = ""
        self.people = 0
        self.assessment: Assessment | None = None
        self.standards: dict[tuple[str, str], AllowanceStandard] = {}

        self.outer = QGridLayout(self)
        self.outer.setContentsMargins(40, 20, 40, 16)
        self.outer.setSpacing(32)

        # 1–3: where, urban/rural, household size
        self.steps_pane = QWidget()
        steps = QVBoxLayout(self.steps_pane)
        steps.setContentsMargins(0, 0, 12, 0)
        steps.setSpacing(14)
        steps.addWidget(label("1. 您家户口在哪个县（区）？", "heading"))
        self.region_host = QWidget()
        self.region_grid = FlowLayout(self.region_host, spacing=12)
        self.region_group = QButtonGroup(self)
        self.region_group.setExclusive(True)
        steps.addWidget(self.region_host)
        self.no_regions = label(NO_STANDARDS, "notice")
        self.no_regions.setObjectName("NoRegions")
        self.no_regions.hide()
        steps.addWidget(self.no_regions)
        steps.addWidget(label("2. 住在城镇还是农村？", "heading"))
        area_row = QHBoxLayout()
        self.area_group = QButtonGroup(self)
        self.area_buttons: dict[str, QPushButton] = {}
        for area, text in (("urban", "城镇"), ("rural", "农村")):
            choice = button(
                text, "chip", partial(self.set_area, area), checkable=True, name=f"area_{area}"
            )
            self.area_group.addButton(choice)
            self.area_buttons[area] = choice
            area_row.addWidget(choice)
        steps.addLayout(area_row)
        steps.addWidget(label("3. 家里一起生活的有几口人？", "heading"))
        self.people_label = label("", "amount", wrap=False)
        self.people_label.setObjectName("PeopleCount")
        self.people_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        steps.addWidget(self.people_label)
        people_row = QHBoxLayout()
        self.fewer = button(
            "少一人", None, lambda: self.set_people(self.people - 1), name="PeopleFewer"
        )
        self.more = button(
            "多一人", None, lambda: self.set_people(self.people + 1), name="PeopleMore"
        )
        people_row.addWidget(self.fewer)
        people_row.addWidget(self.more)
        steps.addLayout(people_row)

        # 4: income on a number pad
        self.income_pane = QWidget()
        income = QVBoxLayout(self.income_pane)
        income.setContentsMargins(0, 0, 12, 0)
        income.setSpacing(14)
        income.addWidget(label("4. 全家一个月总共收入多少元？", "heading"))
        income.addWidget(label("工资、养老金、种地和打零工的收入都算上，按一个月算。", "muted"))
        self.income_label = label("", "amount", wrap=False)
        self.income_label.setObjectName("IncomeAmount")
        income.addWidget(self.income_label)
        self.pad = NumberPad(max_digits=7)
        self.pad.value_changed.connect(self._on_income)
        income.addWidget(self.pad)
        self.check_button = button("看看结果", "primary", self.check, name="SelfCheckRun")
        income.addWidget(self.check_button)
        self.hint = label("", "error")
        self.hint.setObjectName("SelfCheckHint")
        income.addWidget(self.hint)

        # the answer
        self.answer_pane = QWidget()
        answer = QVBoxLayout(self.answer_pane)
        answer.setContentsMargins(0, 0, 12, 0)
        answer.setSpacing(14)
        self.standard_label = label("", "notice")
        self.standard_label.setObjectName("LocalStandard")
        answer.addWidget(self.standard_label)
        self.verdict = label("", "verdict", wrap=False)
        self.verdict.setObjectName("Verdict")
        answer.addWidget(self.verdict)
        self.explanation = label("")
        self.explanation.setObjectName("Explanation")
        answer.addWidget(self.explanation)
        self.source_button = LabelButton("row", (18, 10, 18, 10))
        self.source_button.setObjectName("StandardSource")
        self.source_label = label("")
        self.source_button.add(self.source_label)
        self.source_button.clicked.connect(lambda _c=False: self._open_source())
        answer.addWidget(self.source_button)
        self.next_steps = QFrame()
        self.next_steps.setProperty("role", "panel")
        next_layout = QVBoxLayout(self.next_steps)
        next_layout.setContentsMargins(20, 16, 20, 16)
        next_layout.setSpacing(10)
        next_layout.addWidget(label("要带的材料", "heading"))
        next_layout.addWidget(label("\n".join(f"· {m}" for m in MATERIALS)))
        next_layout.addWidget(label("到哪里申请", "heading"))
        self.where = label(WHERE)
        next_layout.addWidget(self.where)
        answer.addWidget(self.next_steps)
        self.guides = QVBoxLayout()
        self.guides.setSpacing(10)
        answer.addLayout(self.guides)
        self.disclaimer = label(NOT_A_DECISION, "notice")
        answer.addWidget(self.disclaimer)
        # the local office closes every answer (本地办事指南), when the librarian entered one
        self.office = OfficeCard("本地办事窗口")
        answer.addWidget(self.office)
        self.scrolls: list[TouchScrollArea] = []
        self._form = ""
        self._place_panes()
        self.reset()

    # -- layout ----------------------------------------------------------------------------
    def _place_panes(self) -> None:
        form = self.services.theme.form
        if form == self._form:
            return
        self._form = form
        panes = {"steps": self.steps_pane, "income": self.income_pane, "answer": self.answer_pane}
        for pane in panes.values():
            pane.setParent(None)
        for scroll in self.scrolls:
            self.outer.removeWidget(scroll)
            scroll.deleteLater()
        self.scrolls = []
        for i in range(3):
            self.outer.setRowStretch(i, 0)
            self.outer.setColumnStretch(i, 0)
        for (row, col, rows, cols), names in _PANES[form]:
            host = QWidget()
            column = QVBoxLayout(host)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(24)
            for name in names:
                column.addWidget(panes[name])
            column.addStretch(1)
            scroll = TouchScrollArea(host, mouse_drag=self.services.settings.mouse_drag_scroll)
            self.outer.addWidget(scroll, row, col, rows, cols)
            self.scrolls.append(scroll)
            if "answer" in names:
                self.answer_scroll = scroll
        row_stretch, col_stretch = _STRETCH[form]
        for i, value in enumerate(row_stretch):
            self.outer.setRowStretch(i, value)
        for i, value in enumerate(col_stretch):
            self.outer.setColumnStretch(i, value)
        margin = 40 if form == "wide" else 20
        self.outer.setContentsMargins(margin, 16, margin, 12)
        self.outer.setSpacing(margin)

    def theme_changed(self) -> None:
        self._place_panes()

    # -- screen ----------------------------------------------------------------------------
    def enter(self, params: dict[str, Any]) -> None:
        self._load_regions()

    def reset(self) -> None:
        self.region, self.area, self.assessment = "", "", None
        for group in (self.region_group, self.area_group):
            group.setExclusive(False)
            for choice in group.buttons():
                choice.setChecked(False)
            group.setExclusive(True)
        self.set_people(0)
        self.pad.clear()
        self.hint.setText("")
        self.standard_label.hide()
        self._show_intro()

    def _load_regions(self) -> None:
        rows = [r for r in all_standards(self.services.store) if r.document.status == "valid"]
        regions = list(dict.fromkeys(r.region for r in rows))
        # county-level standards first; the city-wide guidance standard last
        regions.sort(key=lambda r: (r.endswith("市"), r))
        # no standard known at all: say so and where to ask, at step 1 already
        self.no_regions.setVisible(not regions)
        self.region_host.setVisible(bool(regions))
        if [b.property("region") for b in self.region_group.buttons()] == regions:
            return
        for old in self.region_group.buttons():
            self.region_group.removeButton(old)
        clear_layout(self.region_grid)
        for region in regions:
            text = f"{region}（其他地方）" if region.endswith("市") else region
            choice = button(
                text,
                "chip",
                partial(self.set_region, region),
                checkable=True,
                name=f"region_{region}",
            )
            choice.setProperty("region", region)
            self.region_group.addButton(choice)
            self.region_grid.addWidget(choice)

    # -- inputs ----------------------------------------------------------------------------
    def set_region(self, region: str) -> None:
        self.region = region
        for choice in self.region_group.buttons():
            choice.setChecked(choice.property("region") == region)
        self._show_standard()

    def set_area(self, area: str) -> None:
        self.area = area
        for key, choice in self.area_buttons.items():
            choice.setChecked(key == area)
        self._show_standard()

    def _show_standard(self) -> None:
        """The local standard as soon as county and 城镇/农村 are known: before any sums."""
        if not (self.region and self.area):
            self.standard_label.hide()
            return
        area = AREA_LABELS.get(self.area, "")
        standard = standards_in_force(self.services.store, self.region, self.area)
        if standard is None:
            text = f"本机还没有{self.region}{area}现行的低保标准。{WHERE}"
        else:
            since = (
                f"，{standard.effective.year}年{standard.effective.month}月{standard.effective.day}日起执行"
                if standard.effective
                else ""
            )
            text = f"{self.region}{area}低保标准：每人每月 {money(standard.amount)} 元{since}。"
        set_label_text(self.standard_label, text)
        self.standard_label.show()

    def set_people(self, people: int) -> None:
        self.people = max(0, min(people, _MAX_PEOPLE))
        self.people_label.setText(f"{self.people} 人" if self.people else "请选择")
        self.fewer.setEnabled(self.people > 1)
        self.more.setEnabled(self.people < _MAX_PEOPLE)
        if self.people == 0:
            self.fewer.setEnabled(False)

    def set_income(self, amount: int) -> None:
        self.pad.clear()
        for digit in str(max(0, amount)):
            self.pad.press(digit)

    def _on_income(self, value: str) -> None:
        self.income_label.setText(f"{int(value):,} 元" if value else "0 元")

    # -- the answer ------------------------------------------------------------------------
    def check(self) -> None:
        if not self.region_group.buttons():
            self.hint.setText("")
            self._show_unknown()
            return
        missing = []
        if not self.region:
            missing.append("第1步：选县（区）")
        if not self.area:
            missing.append("第2步：选城镇或农村")
        if self.people < 1:
            missing.append("第3步：选几口人")
        if not self.pad.value:  # a skipped step is not an income of 0 元
            missing.append("第4步：输入收入（没有收入请按 0）")
        if missing:
            self.hint.setText("还差：" + "；".join(missing))
            return
        self.hint.setText("")
        standard = standards_in_force(self.services.store, self.region, self.area)
        if standard is None:
            self.assessment = None
            self._show_unknown()
            return
        income = int(self.pad.value or "0")
        self.assessment = assess(income, self.people, standard)
        self.services.count("selfcheck", f"{self.region}/{self.area}")
        self._show_answer(self.assessment)

    def _show_intro(self) -> None:
        self.verdict.setText("")
        self.verdict.hide()
        set_label_text(
            self.explanation,
            "按左边 1、2、3、4 步选好，再点“看看结果”。\n\n"
            "低保是什么：一家人每个月的收入平均到每个人，低于当地低保标准，家里也没有值钱的房子、车子、大额存款，"
            "政府按月补助，保住基本生活。",
        )
        self.source_button.hide()
        self.next_steps.hide()
        self.office.hide()
        clear_layout(self.guides)

    def _show_unknown(self) -> None:
        self.verdict.setText("暂时查不到")
        set_props(self.verdict, verdict="no")
        self.verdict.show()
        if self.region:
            area = AREA_LABELS.get(self.area, "")
            text = f"本机还没有{self.region}{area}现行的低保标准。{WHERE}"
        else:
            text = NO_STANDARDS
        set_label_text(self.explanation, text)
        self.source_button.hide()
        self.next_steps.show()
        self._show_office()

    def _show_answer(self, result: Assessment) -> None:
        self.verdict.setText(result.verdict)
        set_props(self.verdict, verdict="yes" if result.likely_eligible else "no")
        self.verdict.show()
        set_label_text(self.explanation, result.explanation())
        set_label_text(self.source_label, f"看看标准文件：{result.document_title}")
        self.source_button.show()
        self.next_steps.setVisible(True)
        self._show_office()
        self.services.search(
            "低保", {"kind": "guide"}, self._show_guides, limit=3, channel="selfcheck-guides"
        )
        self.answer_scroll.verticalScrollBar().setValue(0)

    def _show_office(self) -> None:
        shown = self.office.show_lines(self.services.office_lines())
        set_label_text(self.where, WHERE_LOCAL if shown else WHERE)

    def _show_guides(self, results: Any) -> None:
        clear_layout(self.guides)
        if not results.hits:
            return
        self.guides.addWidget(label("办事指南", "heading"))
        for hit in results.hits:
            item = LabelButton("row", (18, 10, 18, 10))
            item.add(label(hit.title))
            item.clicked.connect(lambda _c=False, doc_id=hit.id: self._open_document(doc_id))
            self.guides.addWidget(item)

    def _open_document(self, doc_id: str) -> None:
        self.nav.go("document", doc_id=doc_id)

    def _open_source(self) -> None:
        if self.assessment is not None:
            self.nav.go("document", doc_id=self.assessment.document_id)
