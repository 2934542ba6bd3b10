"""What the librarian's 状态 page and ``kiosk status`` report, as plain data (no Qt).

:meth:`kiosk.app.KioskContext.status` gathers it (it opens the index, so call it off the UI thread).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.store import Store

__all__ = [
    "KIND_LABELS",
    "SETTING_CONTENT_AS_OF",
    "VISIBILITY_LABELS",
    "StatusSnapshot",
    "content_as_of",
    "local_time",
]

#: The store setting sync keeps: the publication time of the newest batch applied here.
SETTING_CONTENT_AS_OF = "sync.content_as_of"

KIND_LABELS = {
    "disclosure": "公开信息", "policy": "政策文件", "guide": "办事指南",
    "report": "工作报告", "notice": "通知公告",
}  # fmt: skip
VISIBILITY_LABELS = {
    "visible": "可查阅", "quarantined": "待审核", "rejected": "已拒绝",
    "withdrawn": "已撤回", "hidden": "本机隐藏",
}  # fmt: skip


def local_time(utc: dt.datetime) -> dt.datetime:
    """A naive UTC time from the store → naive local wall-clock time."""
    return utc.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def content_as_of(store: Store) -> dt.date | None:
    """The publication date of the newest batch applied here (None before the first): how recent
    the content is, whatever the feed's metadata claims."""
    at = str(store.get_setting(SETTING_CONTENT_AS_OF, "") or "")
    try:
        return dt.date.fromisoformat(at[:10])
    except ValueError:
        return None


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
    #: publication date of the newest batch applied here (what "资料截至" shows)
    content_as_of: dt.date | None = None
    stale_content_days: int = 30

    def content_stale(self, now: dt.datetime) -> bool:
        """The newest batch is older than ``stale_content_days``, whatever a sync reported."""
        if self.content_as_of is None:
            return False
        return (now.date() - self.content_as_of).days > self.stale_content_days

    def sync_age_days(self, now: dt.datetime) -> float | None:
        if self.last_success is None:
            return None
        return (now - self.last_success).total_seconds() / 86400

    def sync_overdue(self, now: dt.datetime) -> bool:
        age = self.sync_age_days(now)
        return age is None or age > self.warn_days
