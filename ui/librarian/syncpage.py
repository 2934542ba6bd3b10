"""同步: "立即同步" from the portal feed with live progress, USB import from a mounted folder, and
the history of sync runs. Sync itself (``sync.sync_once``) runs on a worker thread; its progress
crosses to the UI thread through a queued signal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QProgressBar

from kiosk.app import KioskContext
from kiosk.models import SyncRunRecord
from kiosk.settings import SyncSettings
from kiosk.status import local_time
from sync import SyncConfig, SyncProgress, SyncResult, sync_once
from sync.client import BatchRejection
from sync.preview import FeedPreview, preview
from ui.librarian.common import Page, panel, when
from ui.services import Services
from ui.widgets import FlowLayout, button, clear_layout, label, set_props
from ui.workers import explain

__all__ = ["MOUNT_ROOTS", "SyncPage", "history", "mounted_feeds"]

#: Where USB sticks get mounted on Debian/Ubuntu (udisks) and by hand.
MOUNT_ROOTS: tuple[Path, ...] = (Path("/media"), Path("/run/media"), Path("/mnt"))
_SHOWN = 5
_PROBLEM_LABELS = {"rejected": "拒收 ", "unknown": "", "blob": "缺少"}
_PHASES = {
    "metadata": "验证", "download": "下载", "check": "检查", "apply": "应用",
    "attachments": "附件", "done": "完成",
}  # fmt: skip


def mounted_feeds(roots: Sequence[Path] = MOUNT_ROOTS, depth: int = 3) -> list[Path]:
    """Folders under the mount roots that look like an update feed (hold ``metadata/``)."""
    found: list[Path] = []

    def walk(folder: Path, level: int) -> None:
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir())
        except OSError:
            return
        for child in children:
            if (child / "metadata").is_dir():
                found.append(child)
            elif level < depth:
                walk(child, level + 1)

    for root in roots:
        walk(root, 1)
    return found


def history(context: KioskContext, limit: int = 20) -> list[SyncRunRecord]:
    """The latest sync runs, newest first."""
    return context.store().sync_runs(limit)


def describe_run(run: SyncRunRecord) -> str:
    started = when(local_time(run.started_at))
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    duration = f"{seconds:.1f} 秒" if seconds is not None else "未完成"
    source = "U 盘 / 文件夹" if not run.source.startswith(("http://", "https://")) else "网络"
    result = "成功" if run.ok else ("失败" if run.finished_at else "中断")
    text = (
        f"{started}　{source}　{result}　批次 {run.batches}　新增 {run.added}　更新 {run.updated}"
        f"　撤回 {run.withdrawn}　待审核 {run.quarantined}　拒收 {run.rejected}"
        f"　{run.bytes / 1024:.0f} KB　用时 {duration}"
    )
    if run.error:
        text += f"\n原因：{run.error}"
    problems = run_problems(run)
    if problems:
        shown = "\n".join(f"　· {_PROBLEM_LABELS.get(p.kind, '')}{p}" for p in problems[:_SHOWN])
        more = f"\n　…共 {len(problems)} 条" if len(problems) > _SHOWN else ""
        text += f"\n未能应用 {len(problems)} 条（门户改正后发布完整快照即可修复）：\n{shown}{more}"
    return text


def run_problems(run: SyncRunRecord) -> list[BatchRejection]:
    """What the run could not apply (rejected records, unknown ids, missing attachments)."""
    return [BatchRejection.from_dict(p) for p in run.problems]


class _ProgressRelay(QObject):
    """Carries progress from the sync thread (only str/int cross threads).

    Signals:
        progressed(phase, done, total, message)
    """

    progressed = Signal(str, int, int, str)


class SyncPage(Page):
    """同步与 U 盘导入.

    Attributes:
        mount_roots: where to look for USB feeds (tests point it at a temp folder).
        running: a sync is in progress.
        last_result / last_error: the outcome of the latest run started here.

    Signals:
        sync_finished(bool): a run started here ended (ok or not).
        check_finished(bool): a USB check ("检查") ended; ok means it verified.
    """

    title = "同步"
    sync_finished = Signal(bool)
    check_finished = Signal(bool)

    def __init__(self, services: Services, mount_roots: Sequence[Path] = MOUNT_ROOTS) -> None:
        super().__init__(services)
        self.mount_roots = tuple(mount_roots)
        self.running = False
        self.checked_folder: str | None = None  # the folder the latest good check was for
        self.last_preview: FeedPreview | None = None
        self.last_result: SyncResult | None = None
        self.last_error: str | None = None
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress)

        net, layout = panel("从网络同步")
        self.feed_label = label("")
        self.feed_label.setObjectName("FeedUrl")
        layout.addWidget(self.feed_label)
        row = QHBoxLayout()
        self.sync_button = button("立即同步", "primary", self.sync_now, name="SyncNow")
        self.sync_button.setMinimumWidth(260)
        row.addWidget(self.sync_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.body.addWidget(net)

        usb, layout = panel("从 U 盘导入")
        layout.addWidget(label("插入存有更新包的 U 盘，点选下面的文件夹，或输入文件夹路径。"))
        self.usb_host = FlowLayout()
        layout.addLayout(self.usb_host)
        self.folder = QLineEdit()
        self.folder.setObjectName("UsbFolder")
        self.folder.setPlaceholderText("文件夹路径，例如 /media/usb/feed")
        layout.addWidget(self.folder)
        row = QHBoxLayout()
        row.addWidget(button("重新查找 U 盘", None, self.find_usb, name="FindUsb"))
        self.check_button = button("检查", None, self.check_usb, name="UsbCheck")
        row.addWidget(self.check_button)
        self.import_button = button("导入", "primary", self.import_usb, name="UsbImport")
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.preview_text = label("先点“检查”：验证更新包，看看会导入哪些内容。", "muted")
        self.preview_text.setObjectName("UsbPreview")
        layout.addWidget(self.preview_text)
        self.folder.textChanged.connect(self._folder_changed)
        self.body.addWidget(usb)

        state, layout = panel("进度")
        self.progress = QProgressBar()
        self.progress.setObjectName("SyncProgress")
        self.progress.setMinimumHeight(48)
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.status = label("尚未开始。")
        self.status.setObjectName("SyncStatus")
        layout.addWidget(self.status)
        self.body.addWidget(state)

        past, layout = panel("同步记录（最近 20 次）")
        self.history_text = label("")
        self.history_text.setObjectName("SyncHistory")
        layout.addWidget(self.history_text)
        self.body.addWidget(past)
        self.body.addStretch(1)
        self.progress_seen: list[tuple[str, int, int]] = []

    # -- showing ---------------------------------------------------------------------------
    def feed_url(self) -> str:
        return SyncSettings.load(self.services.store).feed_url

    def refresh(self) -> None:
        url = self.feed_url()
        self.feed_label.setText(f"更新源：{url}" if url else "还没有设置更新源地址（见“设置”）。")
        self.sync_button.setEnabled(bool(url) and not self.running)
        self._enable_usb()
        self.find_usb()
        runs = history(self.services.context)
        self.history_text.setText("\n\n".join(describe_run(r) for r in runs) or "（还没有同步过）")

    def find_usb(self) -> None:
        clear_layout(self.usb_host)
        feeds = mounted_feeds(self.mount_roots)
        for i, path in enumerate(feeds):
            self.usb_host.addWidget(
                button(
                    f"U 盘：{path}",
                    "chip",
                    partial(self.folder.setText, str(path)),
                    name=f"usb_{i}",
                )
            )
        if not feeds:
            self.usb_host.addWidget(label("没有找到插入的 U 盘更新包。", "muted", wrap=False))

    # -- running ---------------------------------------------------------------------------
    def sync_now(self) -> None:
        url = self.feed_url()
        if url:
            self.start(url)

    def sync_config(self) -> SyncConfig:
        """Sync settings from the store: the intranet CA bundle and proxy for HTTPS feeds."""
        return SyncConfig.from_settings(SyncSettings.load(self.services.store))

    def _enable_usb(self) -> None:
        folder = self.folder.text().strip()
        self.check_button.setEnabled(not self.running and bool(folder))
        self.import_button.setEnabled(
            not self.running and bool(folder) and folder == self.checked_folder
        )

    def _folder_changed(self, _text: str) -> None:
        if self.checked_folder is not None and self.folder.text().strip() != self.checked_folder:
            self.checked_folder, self.last_preview = None, None
            self.preview_text.setText("先点“检查”：验证更新包，看看会导入哪些内容。")
            set_props(self.preview_text, role="muted")
        self._enable_usb()

    def _usb_folder(self) -> str | None:
        folder = self.folder.text().strip()
        if not folder or not Path(folder).is_dir():
            self._show_status(False, "请先选择或输入一个存在的文件夹。")
            return None
        return folder

    def check_usb(self) -> None:
        """Verify the folder's feed and count what it would apply (nothing is written)."""
        folder = self._usb_folder()
        if folder is None or self.running:
            return
        self._begin("正在检查更新包…")
        context = self.services.context
        report = self._reporter()

        def work() -> FeedPreview:
            return preview(context.data_dir, context.store(), folder, on_progress=report)

        def done(found: FeedPreview) -> None:
            self.last_preview = found
            self.checked_folder = folder if found.batches else None
            self.preview_text.setText(found.summary())
            set_props(self.preview_text, role="")
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
            self._end(True, "检查完成。" + ("可以点“导入”。" if found.batches else ""))

        def failed(error: Exception) -> None:
            reason = explain(error)
            self.last_preview, self.checked_folder = None, None
            self.preview_text.setText("不能导入：" + reason)
            set_props(self.preview_text, role="error")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self._end(False, reason)

        self.services.runner.submit("librarian-sync", work, done, failed)

    def import_usb(self) -> None:
        folder = self._usb_folder()
        if folder is None:
            return
        if folder != self.checked_folder:
            self._show_status(False, "请先点“检查”，确认更新包没有问题再导入。")
            return
        self.start(folder)

    def _begin(self, text: str) -> None:
        self.running = True
        self.progress_seen = []
        self.sync_button.setEnabled(False)
        self._enable_usb()
        self.progress.setRange(0, 0)
        self.status.setText(text)
        set_props(self.status, role="")

    def _end(self, ok: bool, text: str) -> None:
        self.running = False
        self.sync_button.setEnabled(bool(self.feed_url()))
        self._enable_usb()
        self._show_status(ok, text)
        self.check_finished.emit(ok)

    def _reporter(self) -> Callable[[SyncProgress], None]:
        relay = self._relay

        def report(p: SyncProgress) -> None:
            relay.progressed.emit(p.phase, p.done, p.total, p.message)

        return report

    def start(self, source: str) -> None:
        """Run one sync from ``source`` (URL or folder) on a worker thread."""
        if self.running:
            return
        self.last_result, self.last_error = None, None
        self._begin("正在连接更新源…")
        context = self.services.context
        report = self._reporter()
        config = self.sync_config()

        def work() -> SyncResult:
            return sync_once(
                context.data_dir, context.store(), source,
                on_progress=report, on_applied=context.catch_up_index, config=config,
            )  # fmt: skip

        self.services.runner.submit("librarian-sync", work, self._done, self._failed)

    def _on_progress(self, phase: str, done: int, total: int, message: str) -> None:
        self.progress_seen.append((phase, done, total))
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.status.setText(f"{_PHASES.get(phase, phase)}：{message}")

    def _done(self, result: SyncResult) -> None:
        self.last_result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self._finish(True, "同步完成。" + result.summary())

    def _failed(self, error: Exception) -> None:
        self.last_error = explain(error)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._finish(False, self.last_error)

    def _finish(self, ok: bool, text: str) -> None:
        self.running = False
        self.checked_folder, self.last_preview = None, None  # a feed is checked again each time
        self.refresh()
        self._show_status(ok, text)
        self.sync_finished.emit(ok)

    def _show_status(self, ok: bool, text: str) -> None:
        self.status.setText(text)
        set_props(self.status, role="" if ok else "error")

    def leave(self) -> None:
        """A running sync keeps going; its result lands in the history."""
