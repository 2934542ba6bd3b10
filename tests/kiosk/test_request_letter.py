"""The 依申请公开 request letter (no Qt)."""

from __future__ import annotations

import datetime as dt

from kiosk.request_letter import InformationRequest


def test_request_validation_and_escaping() -> None:
    request = InformationRequest(
        name="<b>张三</b>",
        id_number="11539919800101002x",
        phone="0889-3125601",
        description="资金\n名单",
    )
    assert request.problems() == {}
    page = request.to_html(dt.date(2025, 3, 1))
    assert "&lt;b&gt;张三&lt;/b&gt;" in page and "<b>张三" not in page
    assert "11539919800101002X" in page and "2025年3月1日" in page and "资金<br>名单" in page
    bad = InformationRequest(applicant_type="organisation", id_number="123", delivery="email")
    assert set(bad.problems()) == {"name", "id_number", "phone", "description", "email"}
