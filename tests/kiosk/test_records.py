import datetime as dt

import pytest

from kiosk.errors import RecordError
from kiosk.records import MAX_BODY_CHARS, parse_date, parse_record
from tests.helpers import doc


def test_html_body_is_sanitized_to_a_safe_subset() -> None:
    record = parse_record(
        doc(
            "a",
            "标题",
            '<p onclick="steal()">低保<script>alert(1)</script></p>'
            '<img src="http://evil.example/x.png"><iframe src="http://x"></iframe>'
            '<a href="javascript:alert(1)">链接</a><style>p{}</style><table><tr><td>800</td></tr></table>',
        )
    )
    html = record.body_html
    for forbidden in ("script", "onclick", "<img", "iframe", "javascript:", "<style", "alert"):
        assert forbidden not in html
    assert "<table>" in html and "<td>800</td>" in html
    assert "低保" in record.body_text and "800" in record.body_text


def test_plain_text_body_becomes_escaped_paragraphs() -> None:
    record = parse_record(doc("a", "标题", "第一段：收入 < 标准 & 财产符合\n\n第二段"))
    assert record.body_html == "<p>第一段：收入 &lt; 标准 &amp; 财产符合</p><p>第二段</p>"
    assert record.body_text.splitlines() == ["第一段：收入 < 标准 & 财产符合", "第二段"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("2024/3/1", dt.date(2024, 3, 1)),
        ("2024年3月1日", dt.date(2024, 3, 1)),
        ("２０２４-０３-０１", dt.date(2024, 3, 1)),
        ("2025", dt.date(2025, 1, 1)),
        ("2025-07", dt.date(2025, 7, 1)),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_the_forms_portals_use(value: str | None, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2024-02-30", "昨天", "2024-13-01", 20240301])
def test_impossible_dates_are_rejected(value: object) -> None:
    with pytest.raises(RecordError, match="日期无效"):
        parse_record(doc("a", "标题", published=value))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"title": "无编号", "body": "x"}, "缺少字段 id"),
        (doc("a", "   "), "缺少字段 title"),
        ({"id": "a", "title": "t"}, "缺少正文"),
        (doc("a", "t", status="作废"), "status"),
        (doc("a", "t", kind="blog"), "kind"),
        (doc("a", "t", url="ftp://x/y"), "网址无效"),
        (doc("a b", "t"), "id 含有不允许的字符"),
        (["not", "an", "object"], "不是 JSON 对象"),
        (doc("a", "t", attachments=[{"name": "x.pdf", "sha256": "zz", "size": 1}]), "sha256"),
        (doc("a", "t", allowance=[{"region": "清源县", "area": "city", "amount": 1}]), "area"),
        (doc("a", "t", allowance=[{"region": "清源县", "area": "rural", "amount": -5}]), "金额"),
    ],
)
def test_invalid_records_name_the_reason(record: object, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        parse_record(record)


def test_oversized_body_is_rejected() -> None:
    with pytest.raises(RecordError, match="正文过长"):
        parse_record(doc("a", "t", "字" * (MAX_BODY_CHARS + 1)))


def test_status_aliases_and_structured_allowance() -> None:
    record = parse_record(
        doc(
            "a",
            "t",
            status="已废止",
            doc_number="清政办发[2024]８号",
            allowance=[
                {"region": "清源县", "area": "农村", "amount": 590, "effective": "2024-01-01"}
            ],
        )
    )
    assert record.status == "repealed"
    assert record.doc_number_norm == "清政办发〔2024〕8号"
    (allowance,) = record.allowances
    assert (allowance.area, allowance.amount, allowance.unit) == ("rural", 590.0, "元/人·月")
    assert allowance.effective == dt.date(2024, 1, 1)


def test_content_hash_changes_with_content_only() -> None:
    a = parse_record(doc("a", "标题", "正文"))
    assert a.content_hash == parse_record(doc("a", "标题", "正文", source="ignored")).content_hash
    assert a.content_hash != parse_record(doc("a", "标题", "正文。")).content_hash


def test_control_characters_are_removed_from_text() -> None:
    record = parse_record(doc("a", "标\x00题\x07", "正\x1b文"))
    assert record.title == "标题"
    assert record.body_text == "正文"
