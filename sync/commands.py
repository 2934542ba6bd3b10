"""The sync CLI: ``kiosk keys init``, ``kiosk publish``, ``kiosk sync``.

``kiosk.cli`` loads these lazily onto the main ``kiosk`` group. ``sync`` reads the kiosk from the
click context object, which has ``.data_dir`` (Path), ``.store()``
(opens the Store) and ``.catch_up_index()`` (brings the search index up to the store).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from pathlib import Path
from typing import Any, Protocol

import click

from kiosk.settings import SyncSettings
from sync import bundle as _bundle
from sync import feed as _feed
from sync import fleet as _fleet
from sync.client import SyncConfig, SyncProgress, SyncResult, sync_once
from sync.errors import SyncError
from sync.keys import ROLES, init_keys, rotate_keys
from sync.schedule import Schedule, next_run

__all__ = ["bundle", "fleet", "keys", "publish", "sync"]

logger = logging.getLogger(__name__)


class SyncHost(Protocol):
    """What ``sync`` needs from the root group's ``ctx.obj``."""

    @property
    def data_dir(self) -> Path: ...

    def store(self) -> Any: ...

    def catch_up_index(self) -> Any: ...


def _kiosk(ctx: click.Context) -> SyncHost:
    obj: SyncHost | None = ctx.find_root().obj
    if obj is None or not all(hasattr(obj, a) for a in ("data_dir", "store", "catch_up_index")):
        raise click.ClickException("内部错误：命令缺少查阅机上下文 (no kiosk context)")
    return obj


@click.group("keys")
def keys() -> None:
    """门户签名密钥 (the portal's TUF signing keys)."""


@keys.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有密钥 (replace existing keys).")
def keys_init(directory: Path, force: bool) -> None:
    """Create root/targets/snapshot/timestamp keys and DIRECTORY/root.json (ship it to kiosks)."""
    try:
        root = init_keys(directory, force=force)
    except SyncError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已创建签名密钥：{directory}")
    click.echo(f"受信任的根元数据（随查阅机分发）：{root}")
    click.echo("请把 root.key 离线保管；发布只需要 targets/snapshot/timestamp 密钥。")


@keys.command("rotate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
def keys_rotate(directory: Path, roles: tuple[str, ...]) -> None:
    """Replace the keys of ROLE(s); the next publish carries the new root to kiosks."""
    try:
        path = rotate_keys(directory, roles)
    except SyncError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已轮换密钥 {', '.join(roles)}，新的根元数据：{path}。请重新发布更新源。")


@click.command("publish")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="kiosk keys init 创建的密钥目录。",
)
@click.option("--base", is_flag=True, help="写入完整快照批次，新查阅机从这里开始。")
@click.option(
    "--expires",
    type=click.FloatRange(min=0, min_open=True, max=_feed.MAX_EXPIRES_DAYS),
    default=_feed.DEFAULT_EXPIRES_DAYS,
    show_default=True,
    help="元数据有效天数（在线源宜短，最长 90 天；U 盘请用 kiosk bundle）。",
)
def publish(source: Path, outdir: Path, keys_dir: Path, base: bool, expires: float) -> None:
    """Screen SOURCE (JSONL/JSON/folder) and append it as signed batches to the feed in OUTDIR."""
    try:
        result = _feed.publish([source], outdir, keys_dir, base=base, expires_days=expires)
    except SyncError as e:
        raise click.ClickException(str(e)) from e
    if result.batches:
        kind = "完整快照批次" if result.base else "批次"
        numbers = ", ".join(str(n) for n in result.batches)
        click.echo(f"已发布{kind} {numbers}：文档 {result.upserts}，撤回 {result.withdrawals}，"
                   f"状态变更 {result.status_changes}，附件 {result.attachments}。")  # fmt: skip
    else:
        click.echo("没有新内容；已重新签名元数据（延长有效期）。")
    click.echo(f"时间戳版本 {result.timestamp_version}，有效 {expires:g} 天。")
    for problem in result.flagged:
        click.echo(f"已拦截（内容筛查）：{problem}", err=True)
    for problem in result.rejected:
        click.echo(f"已拒收：{problem}", err=True)
    if result.flagged or result.rejected:
        click.echo(
            f"共拦截 {len(result.flagged)} 条、拒收 {len(result.rejected)} 条，未发布。", err=True
        )


@click.command("bundle")
@click.argument("feed", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("usb_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="kiosk keys init 创建的密钥目录（需要 targets/snapshot/timestamp 密钥）。",
)
@click.option(
    "--days",
    type=click.IntRange(_bundle.MIN_BUNDLE_DAYS, _bundle.MAX_BUNDLE_DAYS),
    default=60,
    show_default=True,
    help="U 盘更新包的有效天数（30–90）。",
)
def bundle(feed: Path, usb_dir: Path, keys_dir: Path, days: int) -> None:
    """Copy the published FEED to USB_DIR (same history), valid for --days."""
    try:
        result = _bundle.make_bundle(feed, usb_dir, keys_dir, days=days)
    except SyncError as e:
        raise click.ClickException(str(e)) from e
    as_of = result.content_as_of[:10] or "未知"
    click.echo(f"已写入 U 盘更新包：{usb_dir}（复制 {result.files_copied} 个文件）")
    click.echo(f"最新批次 {result.latest_batch}，资料截至 {as_of}。")
    click.echo(
        f"有效期至 {result.expires:%Y-%m-%d}（{days} 天）：过期后查阅机拒绝导入，请重新制作。"
    )


@click.group("fleet")
def fleet() -> None:
    """县级运维：从门户网站服务器的访问日志看全部查阅机 (fleet status from access logs)."""


@fleet.command("report")
@click.argument(
    "logs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--csv", "as_csv", is_flag=True, help="输出 CSV（每台一行），便于用 Excel 打开。")
@click.option(
    "--stale-days",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="超过这么多天没有来同步，或落后的批次已发布这么多天，算作“未更新”。",
)
def fleet_report(logs: tuple[Path, ...], as_csv: bool, stale_days: float) -> None:
    """Read nginx/Apache combined ACCESS_LOGs (.gz too); list stale, failing, outdated kiosks."""
    result = _fleet.report(_fleet.read_logs(logs), stale_days=stale_days)
    if as_csv:
        click.echo(result.to_csv(), nl=False)
        return
    if not result.kiosks:
        click.echo("日志中没有查阅机的同步记录（timestamp.json?k=…）。")
        return
    assert result.as_of is not None
    click.echo(
        f"共 {len(result.kiosks)} 台查阅机，日志截至 {result.as_of:%Y-%m-%d %H:%M}；"
        f"最新批次 {result.latest_batch}，最新软件版本 {result.newest_version}。"
    )
    words = {"stale": "未更新", "failing": "同步失败", "outdated": "软件过旧"}
    counts = {w: sum(w in p for p in result.problems.values()) for w in words}
    click.echo("　".join(f"{words[w]}（{w}）{n} 台" for w, n in counts.items()))
    rows = result.rows()
    problems = [r for r in rows if r["problems"] != "ok"]
    if problems:
        click.echo("\n有问题的查阅机：")
        click.echo(
            "编号              问题                      最后同步          版本      文件数  批次  错误"
        )
        for r in problems:
            click.echo(f"{r['kiosk']:<17} {r['problems']:<25} {r['last_seen']:<17} "
                       f"{r['version']:<9} {r['documents']:>6}  {r['last_batch']:>4}  {r['error']}")  # fmt: skip
    click.echo(f"\n正常 {len(rows) - len(problems)} 台。")


class _ProgressLine:
    """A one-line progress bar on a terminal; plain phase lines otherwise (logs, cron)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.phase = ""

    def __call__(self, progress: SyncProgress) -> None:
        if self.tty:
            width = 24
            filled = int(width * progress.done / progress.total) if progress.total else width
            bar = "#" * filled + "-" * (width - filled)
            click.echo(f"\r[{bar}] {progress.message:<40}", nl=False, err=True)
            if progress.phase == "done":
                click.echo("", err=True)
        elif progress.phase not in (self.phase, "done"):  # the summary goes to stdout anyway
            click.echo(progress.message, err=True)
        self.phase = progress.phase


@click.command("sync")
@click.option("--from", "source", metavar="URL_OR_DIR", help="更新源地址或文件夹（如 U 盘）。")
@click.option(
    "--trusted-root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="安装并使用此 root.json 作为受信任的根元数据。",
)
@click.option(
    "--service",
    is_flag=True,
    help="按管理员设置的计划反复同步，直到被停止（无界面的终端用；kiosk run 自己会按计划同步）。",
)
@click.option(
    "--once", is_flag=True, hidden=True, help="同步一次（默认即如此，保留以兼容旧脚本）。"
)
@click.pass_context
def sync(
    ctx: click.Context, source: str | None, trusted_root: Path | None, service: bool, once: bool
) -> None:
    """Bring the portal's signed feed into this kiosk once (verify, apply, update the index).

    ``--service`` keeps syncing on the librarian's schedule (interval, window, jitter) instead.
    """
    kiosk = _kiosk(ctx)
    store = kiosk.store()
    if service and once:
        raise click.UsageError("--service 与 --once 不能同时使用。")

    def one(source: str) -> SyncResult:
        return sync_once(
            kiosk.data_dir,
            store,
            source,
            trusted_root=trusted_root,
            on_progress=_ProgressLine(),
            on_applied=kiosk.catch_up_index,
            config=SyncConfig.from_settings(SyncSettings.load(store)),
        )

    def configured() -> str:
        found = source or SyncSettings.load(store).feed_url
        if not found:
            raise click.ClickException(
                "未设置更新源：请用 --from 指定地址或文件夹，或在管理员“设置”中填写更新源地址"
                " (sync.feed_url)。 (no feed source)"
            )
        return found

    if not service:
        try:
            result = one(configured())
        except SyncError as e:
            raise click.ClickException(str(e)) from e
        click.echo(result.summary())
        for rejection in result.rejections[:20]:
            click.echo(f"已拒收：{rejection}", err=True)
        return
    last: dt.datetime | None = None
    while True:  # the service mode: until stopped; settings are read again for every run
        settings = SyncSettings.load(store)
        due = next_run(dt.datetime.now(), last, Schedule.from_settings(settings))
        click.echo(f"下次同步：{due:%Y-%m-%d %H:%M:%S}", err=True)
        time.sleep(max(0.0, (due - dt.datetime.now()).total_seconds()))
        last = dt.datetime.now()
        try:
            click.echo(one(configured()).summary())
        except (SyncError, click.ClickException) as e:
            message = e.format_message() if isinstance(e, click.ClickException) else str(e)
            logger.error("scheduled sync failed: %s", message)
            click.echo(message, err=True)
        trusted_root = None  # installed on the first run; the kiosk keeps its own copy
