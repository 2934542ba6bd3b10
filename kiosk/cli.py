"""The ``kiosk`` command (click). Part of the composition root: it may import index, sync and
ui, lazily. Every user mistake ends in one calm sentence and a non-zero exit, never a traceback."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kiosk import __version__, logs
from kiosk.app import KioskContext
from kiosk.errors import KioskError
from kiosk.records import STATUS_LABELS, STATUSES

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)

# Commands that live in other packages, loaded only when used: ``kiosk --help`` stays fast and the
# core works without Qt.
_LAZY_COMMANDS = {
    "handwriting": "kiosk.handwriting_cli:handwriting",
    "keys": "sync.commands:keys",
    "publish": "sync.commands:publish",
    "bundle": "sync.commands:bundle",
    "fleet": "sync.commands:fleet",
    "sync": "sync.commands:sync",
    "screenshots": "ui.commands:screenshots",
    "standards": "kiosk.standards_cli:standards",
    "stats": "kiosk.stats_cli:stats",
}


class KioskGroup(click.Group):
    """A click group with lazily imported commands and calm errors."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS:
            module, attr = _LAZY_COMMANDS[name].split(":")
            try:
                command = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                return None
            return command
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except KioskError as e:
                raise click.ClickException(str(e)) from e
            except OSError as e:
                raise click.ClickException(
                    f"文件或磁盘错误：{e.strerror or e} ({e.filename or ''})"
                ) from e
        except click.ClickException as e:
            # the sentence the librarian saw, kept in the log beside the UI's
            log.error("kiosk %s: %s", ctx.invoked_subcommand or "", e.format_message())
            raise


pass_context = click.make_pass_decorator(KioskContext)


@click.group(cls=KioskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="KIOSK_DATA_DIR",
    help="数据目录 (store, index, logs). Default: the platform's user data folder.",
)
@click.version_option(__version__, prog_name="kiosk")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """政务公开查阅机 — reading-room disclosure kiosk."""
    context = KioskContext(data_dir)
    ctx.obj = context
    logs.configure(context.data_dir)
    ctx.call_on_close(context.close)
    ctx.call_on_close(logs.reset)


def main() -> None:
    cli(prog_name="kiosk")


def _bar(label: str, length: int) -> Any:
    return click.progressbar(length=length, label=label, file=sys.stderr, show_eta=False)


# -- run -------------------------------------------------------------------------------------
@cli.command()
@click.option(
    "--windowed", is_flag=True, help="A normal window instead of locked-down full screen."
)
@pass_context
def run(context: KioskContext, windowed: bool) -> None:
    """Start the kiosk (loads the demo content into an empty data dir first)."""
    _prepare(context)
    from ui.app import run_kiosk

    sys.exit(run_kiosk(context, windowed=windowed))


def _prepare(context: KioskContext) -> None:
    """Only an empty data dir gets the demo content here; the index check that may take long
    (a rebuild after an upgrade) runs in the search worker once the screen is up."""
    if context.store().last_change_seq() == 0:
        with _bar("载入示例内容 (demo content)", 100) as bar:
            report = context.ensure_content(
                lambda done, total: bar.update(done * 100 // total - bar.pos)
            )
        if report is not None:
            click.echo(f"已载入示例内容 {report.added} 篇。", err=True)


# -- set-pin ---------------------------------------------------------------------------------
@cli.command("set-pin")
@click.argument("pin_argument", metavar="PIN", required=False)
@click.option("--pin", help="The PIN (the same as the argument).")
@pass_context
def set_pin(context: KioskContext, pin_argument: str | None, pin: str | None) -> None:
    """Set the librarian PIN (stored hashed) that unlocks the kiosk's librarian area.

    ``kiosk set-pin 2468`` works in scripts and over ssh without a terminal; with no PIN given
    it asks for it twice, hidden, when there is a terminal to ask on.
    """
    from kiosk.pin import MAX_DIGITS, MIN_DIGITS, PinGuard, valid_pin

    chosen = pin_argument or pin
    if chosen is None:
        if not sys.stdin.isatty():
            raise click.ClickException(
                "请把密码写在命令后面，例如：kiosk set-pin 246810。(give the PIN: kiosk set-pin PIN)"
            )
        chosen = click.prompt(
            f"新的管理员密码 ({MIN_DIGITS}–{MAX_DIGITS} digits)",
            hide_input=True,
            confirmation_prompt=True,
        )
    if not valid_pin(chosen):
        raise click.ClickException(
            f"密码应为 {MIN_DIGITS} 到 {MAX_DIGITS} 位数字。(PIN must be {MIN_DIGITS}–{MAX_DIGITS} digits)"
        )
    PinGuard(context.store()).set_pin(chosen)
    click.echo("管理员密码已设置。(PIN set)")


# -- import ----------------------------------------------------------------------------------
@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_context
def import_(context: KioskContext, paths: tuple[Path, ...]) -> None:
    """Import documents from JSON Lines / JSON files or folders (a folder's ``blobs/`` holds
    attachment files named by their sha256)."""
    from kiosk.importer import import_blobs, import_paths

    store = context.store()
    with _bar("导入 (import)", 100) as bar:
        report = import_paths(
            store,
            list(paths),
            progress=lambda done, total: bar.update(done * 100 // total - bar.pos),
        )
    for folder in {p if p.is_dir() else p.parent for p in paths}:
        import_blobs(store, folder, context.blob_dir)
    with _bar("更新索引 (index)", 100) as bar:
        context.catch_up_index(
            lambda done, total: bar.update(done * 100 // total - bar.pos),
            procs=os.cpu_count() or 1,
        )
    click.echo(
        f"新增 {report.added}，更新 {report.updated}，未变 {report.unchanged}，"
        f"隔离待审 {report.quarantined}，拒收 {len(report.rejected)}"
        f" (added {report.added}, updated {report.updated}, unchanged {report.unchanged},"
        f" quarantined {report.quarantined}, rejected {len(report.rejected)})"
    )
    for rejection in report.rejected:
        click.echo(f"拒收 rejected: {rejection}", err=True)
    if report.rejected:
        sys.exit(1)


# -- search ----------------------------------------------------------------------------------
@cli.command()
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results.")
@click.option("--category", help="Only this 主题分类.")
@click.option("--status", type=click.Choice(STATUSES), help="Only documents with this 有效性.")
@click.option("--as-typed", is_flag=True, help="Search exactly what was typed: no typo correction.")
@pass_context
def search(
    context: KioskContext,
    query: str,
    limit: int,
    as_json: bool,
    category: str | None,
    status: str | None,
    as_typed: bool,
) -> None:
    """Search documents. QUERY '-' reads one query per line from stdin (one JSON array each).

    A JSON object line is a tagged request, answered by one JSON object: the protocol of the
    kiosk's search worker (index/worker.py).
    """
    engine = context.engine()
    filters = {"category": category or "", "status": status or ""}
    if query == "-":
        from index.worker import serve

        serve(engine, sys.stdin, sys.stdout, filters, limit, correct=not as_typed)
        return
    results = engine.search(query, filters=filters, limit=limit, correct=not as_typed)
    if as_json:
        click.echo(json.dumps([h.to_json() for h in results.hits], ensure_ascii=False, indent=1))
        return
    if results.pinyin_words:
        click.echo(f"拼音理解为：{'、'.join(results.pinyin_words)}")
    if results.corrected:
        click.echo(f"已为您查找：{results.corrected}（搜原文请加 --as-typed）")
    if results.did_you_mean:
        click.echo(f"您是不是要找：{results.did_you_mean}")
    for place in results.not_found_for:
        click.echo(f"没有找到“{place}”的文件，下面是其他地方和全国的规定。")
    for place in results.narrowed_to:
        click.echo(f"只显示“{place}”的文件。")
    if not results.hits:
        click.echo("没有找到相关文件。可以换个说法，或少输几个字再试。(no results)")
        return
    note = "（没有找到完全相符的文件，下面是部分相关的）" if results.relaxed else ""
    about = "约 " if results.total_is_estimate else ""
    click.echo(f"共找到 {about}{results.total} 篇{note}")
    for rank, hit in enumerate(results.hits, 1):
        badge = "" if hit.status == "valid" else f" [{STATUS_LABELS.get(hit.status, hit.status)}]"
        meta = " · ".join(x for x in (hit.doc_number, hit.agency, hit.published) if x)
        click.echo(f"{rank:>2}. {hit.title}{badge}\n    {meta}\n    {hit.snippet}")


# -- status ----------------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def status(context: KioskContext, as_json: bool) -> None:
    """Documents by kind and status, index health, data dir, last sync."""
    store = context.store()
    index_status = context.search_index().status(store)
    last = store.last_sync()
    docs = store.counts()
    report = {
        "data_dir": str(context.data_dir),
        "documents": docs,
        "index": {
            "healthy": index_status.healthy,
            "indexed_documents": index_status.indexed_docs,
            "visible_documents": index_status.store_docs,
            "indexed_change": index_status.indexed_seq,
            "store_change": index_status.store_seq,
        },
        "last_sync": None
        if last is None
        else {
            "at": (last.finished_at or last.started_at).isoformat(timespec="seconds"),
            "source": last.source,
            "ok": last.ok,
            "error": last.error,
        },
    }
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    click.echo(f"数据目录 data dir: {context.data_dir}")
    for title, key in (
        ("类型 kind", "kind"),
        ("有效性 status", "status"),
        ("可见性 visibility", "visibility"),
    ):
        counts = "，".join(f"{k} {v}" for k, v in sorted(docs[key].items())) or "无"
        click.echo(f"{title}: {counts}")
    health = "正常 healthy" if index_status.healthy else "需要检查 (run: kiosk index check)"
    click.echo(f"索引 index: {index_status.indexed_docs} 篇，{health}")
    if last is None:
        click.echo("上次同步 last sync: 从未同步 never")
    else:
        result = "成功 ok" if last.ok else f"失败 failed: {last.error}"
        at = (last.finished_at or last.started_at).isoformat(timespec="seconds")
        click.echo(f"上次同步 last sync: {at} {last.source} {result}")


# -- index -----------------------------------------------------------------------------------
@cli.group("index")
def index_group() -> None:
    """Check or rebuild the search index."""


@index_group.command("check")
@pass_context
def index_check(context: KioskContext) -> None:
    """Compare the index with the store and bring it level."""
    store = context.store()
    before = context.search_index().status(store)
    with _bar("检查索引 (index)", 100) as bar:
        action = context.reconcile_index(lambda d, t: bar.update(d * 100 // max(t, 1) - bar.pos))
    after = context.search_index().status(store)
    words = {"ok": "索引与数据一致", "caught-up": "已补齐索引", "rebuilt": "已重建索引"}[action]
    click.echo(
        f"{words}：{after.indexed_docs} 篇 (index {action}; was {before.indexed_docs} docs at change "
        f"{before.indexed_seq}, store at {before.store_seq})"
    )
    if not after.healthy:
        raise click.ClickException("索引仍与数据不一致，请运行 kiosk index rebuild。")


@index_group.command("rebuild")
@pass_context
def index_rebuild(context: KioskContext) -> None:
    """Recreate the index from the store."""
    store = context.store()
    with _bar("重建索引 (rebuild)", max(store.count_visible(), 1)) as bar:
        count = context.search_index().rebuild(
            store, lambda d, t: bar.update(d - bar.pos), procs=os.cpu_count() or 1
        )
    click.echo(f"已重建索引：{count} 篇 (rebuilt, {count} documents)")


# -- quarantine ------------------------------------------------------------------------------
@cli.group()
def quarantine() -> None:
    """Review documents the content screen held back."""


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def quarantine_list(context: KioskContext, as_json: bool) -> None:
    """Documents waiting for review."""
    docs = context.store().quarantined()
    items = [{"id": d.id, "title": d.title, "reason": d.screen_reason or ""} for d in docs]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=1))
        return
    if not items:
        click.echo("没有待审核的文件。(nothing in quarantine)")
    for item in items:
        click.echo(f"{item['id']}  {item['title']}\n    原因 reason: {item['reason']}")


@quarantine.command("approve")
@click.argument("doc_id")
@click.option("--note", help="理由 (kept in the audit log).")
@pass_context
def quarantine_approve(context: KioskContext, doc_id: str, note: str | None) -> None:
    """Approve a quarantined document: it is indexed and shown."""
    context.review(doc_id, approve=True, note=note, actor="librarian")
    click.echo(f"已通过：{doc_id} (approved; now searchable)")


@quarantine.command("reject")
@click.argument("doc_id")
@click.option("--note", help="理由 (kept in the audit log).")
@pass_context
def quarantine_reject(context: KioskContext, doc_id: str, note: str | None) -> None:
    """Reject a quarantined document: it stays out."""
    context.review(doc_id, approve=False, note=note, actor="librarian")
    click.echo(f"已拒绝：{doc_id} (rejected)")
