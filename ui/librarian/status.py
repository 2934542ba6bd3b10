"""状态: documents by kind/status/visibility, index health, disk, data dir, version, last and
next sync. The numbers are gathered off the UI thread (:meth:`KioskContext.status`)."""

from __future__ import annotations

import datetime as dt

from kiosk.records import STATUS_LABELS
from kiosk.status import KIND_LABELS, VISIBILITY_LABELS, StatusSnapshot
from ui.librarian.common import Page, panel, when
from ui.services import Services
from ui.widgets import label, set_props
from ui.workers import explain

__all__ = ["StatusPage"]


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
        self.pin_info = label("")
        self.pin_info.setObjectName("FailedLogins")
        layout.addWidget(self.index_info)
        layout.addWidget(self.machine_info)
        layout.addWidget(self.pin_info)
        self.body.addWidget(machine)
        self.body.addStretch(1)

    def refresh(self) -> None:
        self.pin_info.setText(self.services.pin.failed_before_login().sentence())
        visibility = self.services.store.counts().get("visibility", {})
        self.info.setText(
            f"可查阅文件：{visibility.get('visible', 0)} 篇　"
            f"待审核：{visibility.get('quarantined', 0)} 篇"
        )
        context = self.services.context
        self.services.runner.submit(
            "librarian-status", context.status, self.show_snapshot, self._failed
        )

    def _failed(self, error: Exception) -> None:
        self.info.setText(f"读取状态时出错：{explain(error)}")

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
        stale = snap.content_stale(now)
        if snap.content_as_of is not None:
            banner += f"\n资料截至 {snap.content_as_of:%Y-%m-%d}"
        if stale and snap.content_as_of is not None:
            days = (now.date() - snap.content_as_of).days
            banner += (
                f"　资料已 {days} 天没有更新（超过 {snap.stale_content_days} 天）："
                "即使同步显示成功，也请联系门户确认，或换用新制作的 U 盘更新包"
            )
        overdue = overdue or stale
        self.sync_banner.setText(banner)
        set_props(self.sync_banner, verdict="no" if overdue else "yes", overdue=overdue)
        lines = [f"更新源：{snap.feed_url or '（未设置，请在“设置”中填写）'}"]
        autosync = self.services.autosync
        if autosync is not None and autosync.due is not None:
            lines.append(f"下次自动同步：{when(autosync.due)}")
        elif snap.next_sync is not None:
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
