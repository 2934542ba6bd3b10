"""Check a feed before importing it: full TUF verification and a count of what it would change,
with no store writes and no change to the kiosk's own trusted metadata.

The verification runs on a throw-away copy of ``<data_dir>/tuf/metadata`` in a temporary folder,
so a librarian can look at a USB stick and decide not to import it without leaving a trace.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tuf.ngclient import FetcherInterface

from kiosk.store import Store
from sync._apply import read_batch
from sync.client import SyncConfig, Syncer, SyncProgress
from sync.errors import SyncError

__all__ = ["FeedPreview", "preview"]


@dataclass(frozen=True)
class FeedPreview:
    """What importing a feed would do, counted from its verified batches.

    Attributes:
        batches: numbers of the batches that would be applied, in order.
        documents: documents the batches add or change (upserts).
        new_documents: of those, ones this kiosk does not hold yet.
        withdrawals: documents the batches withdraw.
        status_changes: documents whose status (valid, repealed…) changes.
        last_batch / latest_batch: applied here already / newest in the feed.
    """

    batches: tuple[int, ...]
    documents: int
    new_documents: int
    withdrawals: int
    status_changes: int
    last_batch: int
    latest_batch: int

    def summary(self) -> str:
        if not self.batches:
            return f"本机已是最新（第 {self.latest_batch} 批），没有需要导入的内容。"
        first, last = self.batches[0], self.batches[-1]
        numbers = f"第 {first} 批" if first == last else f"第 {first}–{last} 批"
        return (
            f"验证通过。将应用 {len(self.batches)} 个批次（{numbers}）："
            f"文件 {self.documents} 篇（其中新增 {self.new_documents} 篇），"
            f"撤回 {self.withdrawals} 篇，状态变更 {self.status_changes} 篇。"
        )


def preview(
    data_dir: Path,
    store: Store,
    source: str | Path,
    *,
    trusted_root: Path | None = None,
    fetcher: FetcherInterface | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
    config: SyncConfig | None = None,
) -> FeedPreview:
    """Verify ``source`` like a sync does and count what it would apply; write nothing.

    Raises:
        SyncError: the feed failed verification or could not be read (same words as a sync).
    """
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix="kiosk-preview-") as tmp:
        syncer = Syncer(data_dir, store, source, trusted_root=trusted_root, fetcher=fetcher,
                        on_progress=on_progress, config=config)  # fmt: skip
        own = syncer.metadata_dir
        syncer.metadata_dir = Path(tmp) / "metadata"
        syncer.download_dir = Path(tmp) / "downloads"
        syncer.metadata_dir.mkdir()
        if own.is_dir():
            for path in own.glob("*.json"):
                shutil.copy2(path, syncer.metadata_dir / path.name)
        try:
            return _preview(syncer, store)
        finally:
            if syncer._own_fetcher is not None:
                syncer._own_fetcher.close()


def _preview(syncer: Syncer, store: Store) -> FeedPreview:
    updater, index, last = syncer.verified_index()
    files = syncer._download_batches(updater, index.to_apply(last))
    upserted: set[str] = set()
    withdrawn: set[str] = set()
    status: set[str] = set()
    for i, (entry, path) in enumerate(files):
        syncer._progress("check", i, len(files), f"正在检查批次 {entry.number}…")
        try:
            _header, lines = read_batch(path)
            for _line_no, raw in lines:
                try:
                    op = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(op, dict):
                    continue
                doc = op.get("doc")
                doc_id = op.get("id") or (doc.get("id") if isinstance(doc, dict) else None)
                if not isinstance(doc_id, str):
                    continue
                kind = op.get("op")
                if kind == "upsert":
                    upserted.add(doc_id)
                    withdrawn.discard(doc_id)
                elif kind == "withdraw":
                    withdrawn.add(doc_id)
                    upserted.discard(doc_id)
                elif kind == "status":
                    status.add(doc_id)
        except (OSError, ValueError) as e:
            raise SyncError(f"批次 {entry.number} 已签名但无法读取，请联系门户：{e}") from e
    new = sum(1 for doc_id in upserted if store.get(doc_id) is None)
    syncer._progress("done", 1, 1, "检查完成")
    return FeedPreview(
        batches=tuple(entry.number for entry, _ in files),
        documents=len(upserted),
        new_documents=new,
        withdrawals=len(withdrawn),
        status_changes=len(status),
        last_batch=last,
        latest_batch=index.latest,
    )
