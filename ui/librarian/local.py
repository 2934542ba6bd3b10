"""本地信息: where the kiosk stands (picked from the regions of the standards it holds, never
typed), the local office typed on the on-screen keyboard, and the offices the portal published,
each waiting for the librarian to accept it."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QWidget

from kiosk.eligibility import AREA_LABELS
from kiosk.locality import (
    OfficeOffer,
    accept_office,
    location_choices,
    office_lines,
    office_offers,
    reject_office,
)
from kiosk.settings import LocationSettings, OfficeSettings
from ui.librarian.common import Page, panel
from ui.services import Services
from ui.widgets import FlowLayout, button, clear_layout, label, set_props

__all__ = ["OFFICE_FIELDS", "LocalPage", "check_phone"]

#: The office's fields: key, caption, keyboard mode.
OFFICE_FIELDS = (
    ("name", "窗口名称（例如：梨花镇便民服务中心社会救助窗口）", "pinyin"),
    ("address", "地址", "pinyin"),
    ("hours", "办公时间（例如：周一至周五 8:30-12:00 14:00-17:30）", "pinyin"),
    ("phone", "电话", "digits"),
)
_PHONE = re.compile(r"^[\d\-\s()（）转]{7,30}$")
_OFFER_STATES = {"pending": "待采用", "accepted": "已采用，首页在用", "rejected": "不采用"}


def check_phone(text: str) -> str:
    """A telephone number: digits with - ( ) or 转 (extension); empty is allowed."""
    text = " ".join(text.split())
    if text and not _PHONE.match(text):
        raise ValueError("电话只能有数字和 - ( ) 转，例如 0571-88881234")
    return text


class LocalPage(Page):
    """本地信息.

    Attributes:
        fields: the office's text fields by key (``name``, ``address``, ``hours``, ``phone``).
    """

    title = "本地信息"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        place, layout = panel("查阅机所在地")
        layout.addWidget(
            label(
                "选好后，首页直接显示这里现行的低保等标准。只能从本机已有标准的地区里选。", "muted"
            )
        )
        self.no_regions = label(
            "本机还没有任何标准。请先同步或从 U 盘导入含有低保标准的文件，再来这里选。", "notice"
        )
        self.no_regions.setObjectName("NoLocationChoices")
        layout.addWidget(self.no_regions)
        self.county_heading = label("县（区）", "heading")
        layout.addWidget(self.county_heading)
        self.county_host = QWidget()
        self.county_flow = FlowLayout(self.county_host, spacing=12)
        layout.addWidget(self.county_host)
        self.township_heading = label("乡镇（街道）：有本乡镇自己的标准时才选", "heading")
        layout.addWidget(self.township_heading)
        self.township_host = QWidget()
        self.township_flow = FlowLayout(self.township_host, spacing=12)
        layout.addWidget(self.township_host)
        self.area_heading = label("城镇还是农村", "heading")
        layout.addWidget(self.area_heading)
        area_row = QHBoxLayout()
        self.area_buttons = {}
        for area, text in AREA_LABELS.items():
            b = button(text, "chip", partial(self._set, area=area), checkable=True,
                       name=f"location_area_{area}")  # fmt: skip
            self.area_buttons[area] = b
            area_row.addWidget(b)
        area_row.addStretch(1)
        layout.addLayout(area_row)
        self.location_message = label("", "muted")
        self.location_message.setObjectName("LocationMessage")
        layout.addWidget(self.location_message)
        self.body.addWidget(place)

        office, layout = panel("本地办事窗口（本地办事指南）")
        layout.addWidget(
            label("村民在首页、低保自助查询结果、低保文件旁和打印的申请表上看到这里填的窗口。",
                  "muted")
        )  # fmt: skip
        self.fields: dict[str, QLineEdit] = {}
        for key, caption, mode in OFFICE_FIELDS:
            layout.addWidget(label(caption))
            field = QLineEdit()
            field.setObjectName(f"office_{key}")
            field.setProperty("inputMode", mode)
            field.setMaxLength(200)
            field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            self.fields[key] = field
            layout.addWidget(field)
        row = QHBoxLayout()
        row.addWidget(button("保存窗口信息", "primary", self._save_office, name="SaveOffice"))
        row.addWidget(button("清除", None, self._clear_office, name="ClearOffice"))
        row.addStretch(1)
        layout.addLayout(row)
        self.office_message = label("")
        self.office_message.setObjectName("OfficeMessage")
        self.office_message.hide()
        layout.addWidget(self.office_message)
        self.body.addWidget(office)

        offers, layout = panel("更新源发布的办事窗口")
        layout.addWidget(
            label("县里通过更新源发来的窗口信息。核对后点“采用”才会替换上面填的内容。", "muted")
        )
        self.offer_list = layout
        self._first_offer = layout.count()
        self.body.addWidget(offers)
        self.body.addStretch(1)
        self.county_group = QButtonGroup(self)
        self.township_group = QButtonGroup(self)

    # -- showing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        store = self.services.store
        counties, townships = location_choices(store)
        location = LocationSettings.load(store)
        self.no_regions.setVisible(not counties and not townships)
        for widget in (self.county_heading, self.county_host, self.area_heading):
            widget.setVisible(bool(counties))
        for b in self.area_buttons.values():
            b.setVisible(bool(counties))
        self._chips(self.county_flow, self.county_group, "county", counties, location.county)
        self.township_heading.setVisible(bool(townships))
        self.township_host.setVisible(bool(townships))
        self._chips(self.township_flow, self.township_group, "township",
                    ["", *townships] if townships else [], location.township)  # fmt: skip
        for area, b in self.area_buttons.items():
            b.setChecked(area == location.area)
        self._describe(location)
        office = OfficeSettings.load(store)
        for key, field in self.fields.items():
            field.setText(getattr(office, key))
            field.setCursorPosition(0)  # a long address shows its beginning
        self.office_message.hide()
        self._show_offers()

    def _chips(
        self, flow: FlowLayout, group: QButtonGroup, kind: str, regions: list[str], chosen: str
    ) -> None:
        for old in group.buttons():
            group.removeButton(old)
        clear_layout(flow)
        for region in regions:
            text = region or "不分乡镇，用县（区）的标准"
            b = button(text, "chip", partial(self._set, **{kind: region}), checkable=True,
                       name=f"{kind}_{region}")  # fmt: skip
            b.setChecked(region == chosen)
            group.addButton(b)
            flow.addWidget(b)

    def _describe(self, location: LocationSettings) -> None:
        if location.is_set:
            place = location.township or location.county
            text = f"✓ 已保存：{place}{AREA_LABELS[location.area]}。首页显示这里的标准。"
        elif location.county:
            text = f"已选 {location.county}，还要选城镇或农村。"
        else:
            text = "还没有选所在地：首页不显示本地标准。"
        self.location_message.setText(text)

    def _show_offers(self) -> None:
        while self.offer_list.count() > self._first_offer:
            item = self.offer_list.takeAt(self._first_offer)
            if item is None:
                break
            widget, inner = item.widget(), item.layout()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
            elif inner is not None:
                clear_layout(inner)
                inner.deleteLater()
        offers = office_offers(self.services.store)
        if not offers:
            self.offer_list.addWidget(label("（更新源还没有发来窗口信息）", "muted"))
        for number, offer in enumerate(offers):
            self._offer(number, offer)

    def _offer(self, number: int, offer: OfficeOffer) -> None:
        p = offer.published
        self.offer_list.addWidget(label("\n".join(office_lines(p))))
        self.offer_list.addWidget(label(f"来自文件：{p.document.title}", "muted"))
        state = label(_OFFER_STATES[offer.state], "heading")
        state.setObjectName(f"office_offer_state_{number}")
        self.offer_list.addWidget(state)
        actions = QHBoxLayout()
        actions.addWidget(button("采用", "primary", partial(self._decide, p.document.id, True),
                                 name=f"accept_office_{number}"))  # fmt: skip
        actions.addWidget(button("不采用", None, partial(self._decide, p.document.id, False),
                                 name=f"reject_office_{number}"))  # fmt: skip
        actions.addStretch(1)
        self.offer_list.addLayout(actions)

    # -- saving ----------------------------------------------------------------------------
    def _set(self, **change: str) -> None:
        """Save one part of the location (a county chosen clears the township)."""
        store = self.services.store
        location = LocationSettings.load(store)
        if "county" in change:
            change["township"] = ""
        replace(location, **change).save(store)
        self.refresh()

    def _save_office(self) -> None:
        values = {key: " ".join(field.text().split()) for key, field in self.fields.items()}
        try:
            values["phone"] = check_phone(values["phone"])
        except ValueError as e:
            self._tell(False, f"没有保存：{e}")
            return
        if any(values.values()) and not values["name"]:
            self._tell(False, "没有保存：请填写窗口名称。")
            return
        OfficeSettings(**values).save(self.services.store)
        self._tell(True, "已保存，首页马上显示。" if values["name"] else "已清除。")
        self._show_offers()

    def _clear_office(self) -> None:
        for field in self.fields.values():
            field.clear()
        self._save_office()

    def _tell(self, ok: bool, text: str) -> None:
        self.office_message.setText(("✓ " if ok else "") + text)
        set_props(self.office_message, role="muted" if ok else "error")
        self.office_message.show()

    def _decide(self, doc_id: str, accept: bool) -> None:
        store = self.services.store
        try:
            if accept:
                accept_office(store, doc_id)
            else:
                reject_office(store, doc_id)
        except LookupError:
            self._tell(False, "这份窗口信息已经撤下了。")
        self.refresh()
        if accept:
            self._tell(True, "已采用更新源发来的窗口信息。")
