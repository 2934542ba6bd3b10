"""The 低保 self-check's arithmetic and wording (no Qt).

It compares the household's monthly income per person with the local standard in force, as the
rule reads: a household may qualify when its per-person income is *below* the standard (and its
property passes checks the kiosk cannot make). The answer is guidance, never a decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.models import AllowanceStandard

__all__ = ["AREA_LABELS", "Assessment", "assess", "money"]

AREA_LABELS = {"urban": "城镇", "rural": "农村"}


@dataclass(frozen=True)
class Assessment:
    """The outcome of one self-check."""

    likely_eligible: bool
    per_person: float
    standard: float
    unit: str
    region: str
    area: str
    effective: dt.date | None
    document_id: str
    document_title: str

    @property
    def verdict(self) -> str:
        return "可能符合条件" if self.likely_eligible else "可能不符合"

    def explanation(self) -> str:
        """Plain words: the two numbers, where the standard comes from, what it means."""
        since = (
            f"（{self.effective.year}年{self.effective.month}月{self.effective.day}日起执行）"
            if self.effective
            else ""
        )
        head = (
            f"您家每人每月平均收入约 {money(self.per_person)} 元。"
            f"{self.region}{AREA_LABELS.get(self.area, '')}低保标准是每人每月 {money(self.standard)} 元{since}。"
        )
        if self.likely_eligible:
            return (
                head + "收入低于标准，可以去申请。能不能批准，还要看家里的存款、房子、车子等情况。"
            )
        return (
            head
            + "收入没有低于标准，一般不能享受低保。如果家里有大病、残疾等特殊困难，可以去窗口问一问临时救助等其他帮助。"
        )


def assess(monthly_income: float, household_size: int, standard: AllowanceStandard) -> Assessment:
    """Compare the per-person monthly income with ``standard``.

    Raises:
        ValueError: for a household of fewer than one person or a negative income.
    """
    if household_size < 1:
        raise ValueError("household_size must be at least 1")
    if monthly_income < 0:
        raise ValueError("monthly_income must not be negative")
    per_person = monthly_income / household_size
    return Assessment(
        likely_eligible=per_person < standard.amount,
        per_person=per_person,
        standard=standard.amount,
        unit=standard.unit,
        region=standard.region,
        area=standard.area,
        effective=standard.effective,
        document_id=standard.document.id,
        document_title=standard.document.title,
    )


def money(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.005 else f"{value:.2f}"
