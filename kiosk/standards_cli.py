"""``kiosk standards``: 低保 standards read out of notices, for the librarian to confirm."""

from __future__ import annotations

import click

from kiosk.standards import Proposal, decide, proposals, scan
from kiosk.stats_cli import _store

__all__ = ["standards"]

_STATES = {"pending": "待确认", "confirmed": "已确认", "rejected": "不采用"}


def _line(number: int, p: Proposal) -> str:
    area = "城镇" if p.area == "urban" else "农村"
    since = f"，{p.effective} 起" if p.effective else ""
    return (
        f"{number}. [{_STATES[p.state]}] {p.region}{area} 每人每月 {p.amount:g} 元{since}"
        f"（{p.unit}；文件 {p.doc_id}）\n    原文：{p.quote}"
    )


@click.group("standards")
def standards() -> None:
    """低保标准：从通知里读出的标准，管理员确认后自助查询才使用。"""


@standards.command("scan")
@click.pass_context
def scan_command(ctx: click.Context) -> None:
    """在已有文件里查找公布低保标准的通知，列为待确认。"""
    new = scan(_store(ctx))
    click.echo(f"新找到 {len(new)} 条待确认的标准。(found {len(new)})")


@standards.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """列出读出的标准和确认情况。"""
    items = proposals(_store(ctx))
    if not items:
        click.echo("还没有读出的标准。先运行 kiosk standards scan。")
    for number, proposal in enumerate(items, 1):
        click.echo(_line(number, proposal))


def _decide(ctx: click.Context, number: int, state: str) -> None:
    store = _store(ctx)
    if not 1 <= number <= len(proposals(store)):
        raise click.ClickException(f"没有第 {number} 条。请先用 kiosk standards list 查看编号。")
    proposal = decide(store, number - 1, "confirmed" if state == "confirmed" else "rejected")
    click.echo(_line(number, proposal))


@standards.command("confirm")
@click.argument("number", type=int)
@click.pass_context
def confirm_command(ctx: click.Context, number: int) -> None:
    """确认第 NUMBER 条（核对过原文），自助查询从此使用它。"""
    _decide(ctx, number, "confirmed")


@standards.command("reject")
@click.argument("number", type=int)
@click.pass_context
def reject_command(ctx: click.Context, number: int) -> None:
    """第 NUMBER 条读错了：不采用。"""
    _decide(ctx, number, "rejected")
