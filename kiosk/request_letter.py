"""The 依申请公开 request (政府信息公开申请表) as data and as a printable page (no Qt).

The fields follow 《中华人民共和国政府信息公开条例》(2019) 第二十九条: who is asking and how to reach
them; a name, 文号 or other description of the information wanted; and the form and way of
receiving it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["APPLICANT_TYPES", "DELIVERIES", "MEDIA", "InformationRequest"]

APPLICANT_TYPES = {"citizen": "公民", "organisation": "法人或者其他组织"}
MEDIA = {"paper": "纸质", "electronic": "电子"}
DELIVERIES = {"pickup": "自行领取", "post": "邮寄", "email": "电子邮件"}

_ID_CARD = re.compile(r"^\d{17}[\dXx]$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_PHONE = re.compile(r"^[\d\-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class InformationRequest:
    applicant_type: str = "citizen"
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    agency: str = ""
    description: str = ""
    medium: str = "paper"
    delivery: str = "pickup"
    extra: dict[str, Any] = field(default_factory=dict)

    def problems(self) -> dict[str, str]:
        """Field name → what is wrong, in words for the person at the screen; empty when fine."""
        found: dict[str, str] = {}
        if not self.name.strip():
            found["name"] = "请填写姓名（单位请填写名称）"
        number = self.id_number.strip().upper()
        if self.applicant_type == "citizen" and not _ID_CARD.match(number):
            found["id_number"] = "请填写18位身份证号码"
        elif self.applicant_type == "organisation" and not _CREDIT_CODE.match(number):
            found["id_number"] = "请填写18位统一社会信用代码"
        if not _PHONE.match(self.phone.strip()):
            found["phone"] = "请填写能联系到您的电话"
        if not self.description.strip():
            found["description"] = "请写下想要哪方面的信息（文件名称、文号，或者大概说明）"
        if self.delivery == "post" and not self.address.strip():
            found["address"] = "邮寄需要填写通信地址"
        if self.delivery == "email" and not _EMAIL.match(self.email.strip()):
            found["email"] = "请填写电子邮箱"
        return found

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_html(self, today: dt.date | None = None, office: Sequence[str] = ()) -> str:
        """A one-page form to print, sign and hand in; every value escaped. ``office``: the
        local office's lines (name, address, hours, phone), printed as where to hand it in."""
        today = today or dt.date.today()
        e = html.escape
        rows = [
            ("申请人类型", APPLICANT_TYPES.get(self.applicant_type, "")),
            ("姓名 / 名称", self.name),
            (
                "身份证号码" if self.applicant_type == "citizen" else "统一社会信用代码",
                self.id_number.upper(),
            ),
            ("联系电话", self.phone),
            ("通信地址", self.address),
            ("电子邮箱", self.email),
            ("受理机关", self.agency or "（请窗口工作人员协助确定）"),
            ("所需政府信息的名称、文号或者特征性描述", self.description),
            ("信息载体形式", MEDIA.get(self.medium, "")),
            ("获取方式", DELIVERIES.get(self.delivery, "")),
        ]
        body = "".join(
            f"<tr><th width='32%'>{e(label)}</th><td>{e(value).replace(chr(10), '<br>')}</td></tr>"
            for label, value in rows
        )
        return (
            "<h2 align='center'>政府信息公开申请表</h2>"
            "<p>根据《中华人民共和国政府信息公开条例》第二十七条、第二十九条，申请获取以下政府信息：</p>"
            f"<table border='1' cellspacing='0' cellpadding='8' width='100%'>{body}</table>"
            "<p>申请人签名（盖章）：____________________</p>"
            f"<p>申请日期：{today.year}年{today.month}月{today.day}日</p>"
            "<p>提示：请签名后交给查阅点工作人员，或者送交、邮寄到受理机关。"
            "行政机关收到申请后，能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复。</p>"
            + (
                "<p><b>本地办事窗口：</b>" + "<br>".join(e(line) for line in office) + "</p>"
                if office
                else ""
            )
        )
