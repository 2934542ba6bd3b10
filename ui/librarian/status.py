"""状态: documents by kind/status/visibility, index health, disk, data dir, version, last and
next sync. The numbers are gathered off the UI thread (:func:`status_snapshot`)."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass

from kiosk import __version__
from kiosk.app import KioskContext
from kiosk.records import STATUS_LABELS
from sync.schedule import Schedule, next_run, parse_window
from ui.librarian.common import Page, local_time, panel, when
from ui.services import Services
from ui.widgets import label, set_props

__all__ = [
    "KIND_LABELS",
    "SETTING_SYNC_WARN_DAYS",
    "StatusPage",
    "StatusSnapshot",
    "schedule_from_settings",
    "status_snapshot",
]

#: Days after the last successful sync when the status turns red (store setting).
SETTING_SYNC_WARN_DAYS = "librarian.sync_warn_days"
KIND_LABELS = {
    "disclosure": "公开信息", "policy": "政策文件", "guide": "办事指南",
    "report": "工作报告", "notice": "通知公告",
}  # fmt: skip
VISIBILITY_LABELS = {
    "visible": "可查阅", "quarantined": "待审核", "rejected": "已拒绝",
    "withdrawn": "已撤回", "hidden": "本机隐藏",
}  # fmt: skip


def schedule_from_settings(context: KioskContext) -> Schedule:
    """The sync schedule from the store settings (bad values fall back to the defaults)."""
    store = context.store()
    try:
        window = parse_window(store.get_setting("sync.window", None))
    except ValueError:
        window = None
    try:
        interval = float(store.get_setting("sync.interval_minutes", 360))
        jitter = float(store.get_setting("sync.jitter_minutes", 30))
    except (TypeError, ValueError):
        interval, jitter = 360.0, 30.0
    return Schedule(
        interval=dt.timedelta(minutes=max(interval, 1.0)),
        window=window,
        jitter=dt.timedelta(minutes=max(jitter, 0.0)),
    )


@dataclass(frozen=True)
class StatusSnapshot:
    """Everything the status page shows."""

    counts: dict[str, dict[str, int]]
    index_healthy: bool
    index_text: str
    disk_free_bytes: int
    data_dir: str
    version: str
    last_success: dt.datetime | None  # local time
    last_error: str | None
    next_sync: dt.datetime | None  # local time, earliest (before the random jitter)
    feed_url: str
    warn_days: int

    def sync_age_days(self, now: dt.datetime) -> float | None:
        if self.last_success is None:
            return None
        return (now - self.last_success).total_seconds() / 86400

    def sync_overdue(self, now: dt.datetime) -> bool:
        age = self.sync_age_days(now)
        return age is None or age > self.warn_days


def status_snapshot(context: KioskContext, now: dt.datetime | None = None) -> StatusSnapshot:
    """Gather the status (opens the index: call on a worker thread)."""
    now = now or dt.datetime.now()
    store = context.store()
    try:
        index = context.search_index().status(store)
        healthy = index.healthy
        index_text = (
            f"正常：已收录 {index.indexed_docs} 篇"
            if healthy
            else f"需要更新：索引 {index.indexed_docs} 篇，数据库 {index.store_docs} 篇"
            "（查阅机会自动修复）"
        )
    except Exception as e:  # a broken index is a status to show, not a crash
        healthy, index_text = False, f"无法读取索引：{e}"
    last_ok = store.last_sync(ok_only=True)
    last_any = store.last_sync()
    last_success = local_time(last_ok.finished_at) if last_ok and last_ok.finished_at else None
    last_error = last_any.error if last_any is not None and not last_any.ok else None
    feed = str(store.get_setting("sync.feed_url", "") or "")
    schedule = schedule_from_settings(context)
    schedule = Schedule(schedule.interval, schedule.window, dt.timedelta(0))
    next_sync = next_run(now, last_success, schedule, random.Random(0)) if feed else None
    try:
        warn_days = int(store.get_setting(SETTING_SYNC_WARN_DAYS, 3))
    except (TypeError, ValueError):
        warn_days = 3
    return StatusSnapshot(
        counts=store.counts(),
        index_healthy=healthy,
        index_text=index_text,
        disk_free_bytes=shutil.disk_usage(context.data_dir).free,
        data_dir=str(context.data_dir),
        version=__version__,
        last_success=last_success,
        last_error=last_error,
        next_sync=next_sync,
        feed_url=feed,
        warn_days=warn_days,
    )


def _counts_line(counts: dict[str, int], names: dict[str, str]) -> str:
    if not counts:
        return "（无）"
    return "　".join(f"{names.get(k, k)} {v} 篇" for k, v in sorted(counts.items()))


class StatusPage(Page):
    """状态. ``snapshot`` holds what is shown (None until the first refresh finished)."""

    title = "状态"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.snapshot: StatusSnapshot | None = None
        self.info = label("正在读取…")
        self.info.setObjectName("LibrarianInfo")
        self.body.addWidget(self.info)
        docs, layout = panel("文件数量")
        self.by_visibility = label("")
        self.by_kind = label("")
        self.by_status = label("")
        for widget in (self.by_visibility, self.by_kind, self.by_status):
            layout.addWidget(widget)
        self.body.addWidget(docs)
        sync, layout = panel("同步")
        self.sync_banner = label("", "verdict")
        self.sync_banner.setObjectName("SyncAge")
        layout.addWidget(self.sync_banner)
        self.sync_info = label("")
        layout.addWidget(self.sync_info)
        self.body.addWidget(sync)
        machine, layout = panel("本机")
        self.index_info = label("")
        self.index_info.setObjectName("IndexHealth")
        self.machine_info = label("")
        layout.addWidget(self.index_info)
        layout.addWidget(self.machine_info)
        self.body.addWidget(machine)
        self.body.addStretch(1)

    def refresh(self) -> None:
        visibility = self.services.store.counts().get("visibility", {})
        self.info.setText(
            f"可查阅文件：{visibility.get('visible', 0)} 篇　"
            f"待审核：{visibility.get('quarantined', 0)} 篇"
        )
        context = self.services.context
        self.services.runner.submit(
            "librarian-status", lambda: status_snapshot(context), self.show_snapshot, self._failed
        )

    def _failed(self, message: str) -> None:
        self.info.setText(f"读取状态时出错：{message}")

    def show_snapshot(self, snap: StatusSnapshot, now: dt.datetime | None = None) -> None:
        now = now or dt.datetime.now()
        self.snapshot = snap
        visibility = snap.counts.get("visibility", {})
        self.info.setText(
            f"可查阅文件：{visibility.get('visible', 0)} 篇　"
            f"待审核：{visibility.get('quarantined', 0)} 篇"
        )
        self.by_visibility.setText("按状态：" + _counts_line(visibility, VISIBILITY_LABELS))
        self.by_kind.setText("按类别：" + _counts_line(snap.counts.get("kind", {}), KIND_LABELS))
        self.by_status.setText(
            "按效力：" + _counts_line(snap.counts.get("status", {}), STATUS_LABELS)
        )
        age = snap.sync_age_days(now)
        overdue = snap.sync_overdue(now)
        if snap.last_success is None or age is None:
            banner = "还没有成功同步过"
        elif age < 1:
            banner = f"上次成功同步：{when(snap.last_success)}（今天）"
        else:
            banner = f"上次成功同步：{when(snap.last_success)}（{int(age)} 天前）"
        if overdue:
            banner += f"　已超过 {snap.warn_days} 天，请检查网络或用 U 盘导入"
        self.sync_banner.setText(banner)
        set_props(self.sync_banner, verdict="no" if overdue else "yes", overdue=overdue)
        lines = [f"更新源：{snap.feed_url or '（未设置，请在“设置”中填写）'}"]
        if snap.next_sync is not None:
            lines.append(f"下次自动同步：最早 {when(snap.next_sync)}")
        if snap.last_error:
            lines.append(f"最近一次同步失败：{snap.last_error}")
        self.sync_info.setText("\n".join(lines))
        self.index_info.setText("搜索索引：" + snap.index_text)
        set_props(self.index_info, healthy=snap.index_healthy)
        self.machine_info.setText(
            f"磁盘剩余空间：{snap.disk_free_bytes / 1024**3:.1f} GB\n"
            f"数据目录：{snap.data_dir}\n软件版本：{snap.version}"
        )
