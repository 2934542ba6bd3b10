"""Usage statistics: aggregation over a period and the CSV export, on a real SQLite store."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.app import KioskContext
from kiosk.errors import KioskError
from kiosk.records import parse_record
from kiosk.stats import CSV_HEADER, usage_report, write_csv
from kiosk.stats_cli import stats
from kiosk.store import Store
from tests.helpers import doc

D1, D2, D3 = dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.in_dir(tmp_path)
    with store.write() as tx:
        tx.upsert(parse_record(doc("a", "低保通知")))
    for day, kind, key, times in (
        (D1, "search", "低保", 3), (D1, "search", "医保", 1), (D2, "search", "低保", 2),
        (D2, "zero_result", "宅基地审批", 2), (D3, "zero_result", "宅基地审批", 1),
        (D1, "open", "a", 4), (D2, "open", "gone", 1), (D1, "category", "社会救助", 2),
        (D2, "selfcheck", "某某县/农村", 1), (dt.date(2026, 2, 1), "search", "旧", 9),
    ):  # fmt: skip
        for _ in range(times):
            store.count_usage(kind, key, day)
    return store


def test_report_sums_the_period_and_fills_empty_days(store: Store) -> None:
    report = usage_report(store, D1, D3)
    assert report.searches_per_day == [(D1, 4), (D2, 2), (D3, 0)]
    assert report.total_searches == 6
    assert report.top_queries == [("低保", 5), ("医保", 1)]
    assert report.zero_result == [("宅基地审批", 3)]
    assert report.most_read == [("a", "低保通知", 4), ("gone", "（已删除的文件）", 1)]
    assert report.categories == [("社会救助", 2)]
    assert report.selfcheck == [("某某县/农村", 1)]
    assert usage_report(store, D3, D3).top_queries == []
    with pytest.raises(KioskError):
        usage_report(store, D3, D1)


def test_csv_has_a_bom_and_chinese_survives(store: Store, tmp_path: Path) -> None:
    out = write_csv(usage_report(store, D1, D3), tmp_path / "统计.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_HEADER
    assert ["无结果搜索", "宅基地审批", "3", "门户未发布的内容"] in rows
    assert ["每日搜索", "2026-03-03", "0", ""] in rows
    assert ["最常阅读", "低保通知", "4", "a"] in rows
    with pytest.raises(KioskError):
        write_csv(usage_report(store, D1, D3), tmp_path / "no-such-dir" / "x.csv")


def test_cli_export(store: Store, tmp_path: Path) -> None:
    store.close()
    context = KioskContext(tmp_path)
    out = tmp_path / "out.csv"
    try:
        result = CliRunner().invoke(
            stats,
            ["export", "--since", "2026-03-01", "--until", "2026-03-03", str(out)],
            obj=context,
        )
        assert result.exit_code == 0, result.output
        assert "搜索 6 次" in result.output
        assert "热门搜索,低保,5," in out.read_text("utf-8-sig")
        bad = CliRunner().invoke(stats, ["export", "--since", "3月1日", str(out)], obj=context)
        assert bad.exit_code != 0
        assert "2024-03-01" in bad.output
    finally:
        context.close()
