"""``kiosk stats export``: the usage statistics as a CSV file for the county."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from kiosk.stats import usage_report, write_csv
from kiosk.store import Store

__all__ = ["stats"]


def _store(ctx: click.Context) -> Store:
    obj = ctx.find_root().obj
    if obj is None or not hasattr(obj, "store"):
        raise click.ClickException("内部错误：命令缺少查阅机上下文 (no kiosk context)")
    store: Store = obj.store()
    return store


def _date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期应写成 2024-03-01 这样：{value!r}") from None


@click.group("stats")
def stats() -> None:
    """使用统计（只有汇总数字，不含个人信息）。"""


@stats.command("export")
@click.option("--since", metavar="YYYY-MM-DD", help="开始日期（默认 30 天前）。")
@click.option("--until", metavar="YYYY-MM-DD", help="结束日期（默认今天）。")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export(ctx: click.Context, since: str | None, until: str | None, out: Path) -> None:
    """把统计导出为 CSV 文件 OUT（UTF-8 带 BOM，Excel 可直接打开）。"""
    today = dt.date.today()
    end = _date(until, today)
    start = _date(since, end - dt.timedelta(days=29))
    if start > end:
        raise click.ClickException(f"开始日期 {start} 晚于结束日期 {end}。")
    report = usage_report(_store(ctx), start, end)
    write_csv(report, out)
    click.echo(
        f"已导出 {start} 至 {end} 的统计到 {out}：搜索 {report.total_searches} 次，"
        f"无结果搜索 {len(report.zero_result)} 种。"
    )
