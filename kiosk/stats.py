"""Usage statistics for the librarian: what villagers searched, read and tapped (no Qt).

Everything comes from the store's aggregated ``usage_counts`` (per day, kind and key; nothing about
a person). :func:`usage_report` sums a period; :func:`write_csv` exports it as UTF-8 with a BOM so
Excel on a township office PC opens the Chinese correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.files import write_atomic
from kiosk.store import Store

__all__ = ["CSV_HEADER", "UsageReport", "csv_rows", "usage_report", "write_csv"]

#: Columns of the exported CSV.
CSV_HEADER = ("类别", "项目", "次数", "说明")


@dataclass(frozen=True)
class UsageReport:
    """Usage over ``since`` … ``until`` (both inclusive).

    Attributes:
        searches_per_day: every day of the period with its number of searches (0 included).
        top_queries: the most frequent search texts, most first.
        zero_result: searches that found nothing (the content-gap report), most first.
        most_read: ``(document id, title, opens)``, most first.
        categories: Home category tiles tapped, most first.
        selfcheck: 低保 self-check uses per ``region/area``, most first.
    """

    since: dt.date
    until: dt.date
    searches_per_day: list[tuple[dt.date, int]] = field(default_factory=list)
    top_queries: list[tuple[str, int]] = field(default_factory=list)
    zero_result: list[tuple[str, int]] = field(default_factory=list)
    most_read: list[tuple[str, str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    selfcheck: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total_searches(self) -> int:
        return sum(n for _, n in self.searches_per_day)

    @property
    def total_selfchecks(self) -> int:
        return sum(n for _, n in self.selfcheck)


def _totals(store: Store, kind: str, since: dt.date, until: dt.date) -> Counter[str]:
    totals: Counter[str] = Counter()
    for _day, key, count in store.usage(kind, since, until):
        totals[key] += count
    return totals


def _ranked(counter: Counter[str], top: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def usage_report(store: Store, since: dt.date, until: dt.date, top: int = 20) -> UsageReport:
    """Sum the usage counters of ``since`` … ``until``.

    Raises:
        KioskError: ``since`` is after ``until``.
    """
    if since > until:
        raise KioskError(f"开始日期 {since} 晚于结束日期 {until}。")
    per_day: Counter[dt.date] = Counter()
    for day, _key, count in store.usage("search", since, until):
        per_day[day] += count
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    opened = _ranked(_totals(store, "open", since, until), top)
    titles = {d.id: d.title for d in store.get_many([doc_id for doc_id, _ in opened])}
    return UsageReport(
        since=since,
        until=until,
        searches_per_day=[(day, per_day[day]) for day in days],
        top_queries=_ranked(_totals(store, "search", since, until), top),
        zero_result=_ranked(_totals(store, "zero_result", since, until), top),
        most_read=[(doc_id, titles.get(doc_id, "（已删除的文件）"), n) for doc_id, n in opened],
        categories=_ranked(_totals(store, "category", since, until), top),
        selfcheck=_ranked(_totals(store, "selfcheck", since, until), top),
    )


def csv_rows(report: UsageReport) -> list[tuple[str, str, str, str]]:
    """The report as CSV rows (header first)."""
    rows: list[tuple[str, str, str, str]] = [CSV_HEADER]
    rows.append(
        ("统计期间", f"{report.since} 至 {report.until}", str(report.total_searches), "搜索总次数")
    )
    rows += [("每日搜索", day.isoformat(), str(n), "") for day, n in report.searches_per_day]
    rows += [("热门搜索", q, str(n), "") for q, n in report.top_queries]
    rows += [("无结果搜索", q, str(n), "门户未发布的内容") for q, n in report.zero_result]
    rows += [("最常阅读", title, str(n), doc_id) for doc_id, title, n in report.most_read]
    rows += [("分类点击", c, str(n), "") for c, n in report.categories]
    rows += [("低保自查", k, str(n), "") for k, n in report.selfcheck]
    return rows


def write_csv(report: UsageReport, path: Path) -> Path:
    """Write the report to ``path`` (UTF-8 with BOM), atomically.

    Raises:
        KioskError: the file cannot be written (no such folder, read-only USB stick …).
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(report))
    path = Path(path)
    try:
        write_atomic(path, buffer.getvalue(), encoding="utf-8-sig")
    except OSError as e:
        raise KioskError(f"无法写入统计文件 {path}：{e.strerror or e}") from e
    return path
