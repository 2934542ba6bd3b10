"""The 低保 self-check sums (no Qt)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.eligibility import assess


def _standard(amount: float) -> Any:
    document = SimpleNamespace(id="doc", title="标准")
    return SimpleNamespace(
        amount=amount,
        unit="元/人·月",
        region="某县",
        area="rural",
        effective=dt.date(2025, 1, 1),
        document=document,
    )


@pytest.mark.parametrize(
    ("income", "people", "eligible"),
    [(1499, 3, True), (1500, 3, False), (1501, 3, False), (0, 1, True)],
)
def test_assessment_compares_per_person_income(income: int, people: int, eligible: bool) -> None:
    result = assess(income, people, _standard(500))
    assert result.likely_eligible is eligible
    assert result.verdict == ("可能符合条件" if eligible else "可能不符合")
    assert "500 元" in result.explanation() and "2025年1月1日" in result.explanation()


def test_assessment_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        assess(100, 0, _standard(500))
    with pytest.raises(ValueError):
        assess(-1, 1, _standard(500))
