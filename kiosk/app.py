"""The composition root: wires the store, the search index, sync and the UI together.

Only this module, ``kiosk.cli`` and ``kiosk.__main__`` may import ``index``, ``sync`` or ``ui``,
and they do so lazily, inside functions, so ``kiosk`` itself stays importable without them.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.errors import KioskError
from kiosk.paths import asset, default_data_dir
from kiosk.progress import ProgressFn
from kiosk.settings import SearchSettings, SyncSettings
from kiosk.status import StatusSnapshot, content_as_of, local_time
from kiosk.store import QUARANTINED, REJECTED, VISIBLE, Store

if TYPE_CHECKING:
    from index import SearchEngine, SearchIndex
    from kiosk.importer import ImportReport

__all__ = ["DEMO_DIR", "LOCAL_SYNONYMS_SETTING", "KioskContext"]

log = logging.getLogger(__name__)

#: The bundled demo content, loaded into an empty data dir on first run.
DEMO_DIR = asset("demo")


#: The store key of :attr:`SearchSettings.local_synonyms` (the librarian's own synonym lines).
LOCAL_SYNONYMS_SETTING = SearchSettings.PREFIX + "local_synonyms"


class KioskContext:
    """Everything a command or the UI needs, opened on first use.

    Attributes:
        data_dir: the folder holding the store (``kiosk.sqlite3``), the index, blobs and logs.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self._engine: SearchEngine | None = None

    @cached_property
    def _store(self) -> Store:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise KioskError(
                f"无法使用数据目录 {self.data_dir}：{e.strerror} (data dir unusable)"
            ) from e
        return Store.in_dir(self.data_dir)

    def store(self) -> Store:
        return self._store

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def blob_dir(self) -> Path:
        """Attachment blobs, named by sha256 (sync downloads them here)."""
        return self.data_dir / "blobs"

    def search_index(self) -> SearchIndex:
        from index import SearchIndex

        return SearchIndex(self.index_dir, blob_dir=self.blob_dir)

    def catch_up_index(self, progress: ProgressFn | None = None, procs: int = 1) -> int:
        """Index every store change not yet indexed (after an import, a sync or a review);
        ``procs`` > 1 (command line only) lets a catch-up that becomes a rebuild use workers."""
        return self.search_index().catch_up(self.store(), progress, procs)

    def reconcile_index(self, progress: ProgressFn | None = None) -> str:
        """Start-up check: rebuild or catch up the index so it agrees with the store."""
        return self.search_index().reconcile(self.store(), progress)

    def engine(self, *, reconcile: bool = True) -> SearchEngine:
        """The search engine over an index that agrees with the store (one per context).

        ``reconcile=False`` opens the index as it is, without the start-up check that may write
        it: for the search worker process, whose kiosk has done that check already.
        """
        if self._engine is None:
            from index import SearchEngine

            if reconcile:
                self.reconcile_index()
            self._engine = SearchEngine(self.search_index(), self.store())
            local = SearchSettings.load(self.store()).local_synonyms
            if local:
                self._engine.set_local_synonyms(list(local))
        return self._engine

    def review(self, doc_id: str, *, approve: bool, note: str | None, actor: str) -> str:
        """Approve (indexed, shown) or reject (kept out) a quarantined document; audited.

        Returns the new visibility. Raises KioskError for an unknown or unquarantined id.
        """
        store = self.store()
        doc = store.get(doc_id)
        if doc is None:
            raise KioskError(f"找不到文件 {doc_id} (no such document)")
        if doc.visibility != QUARANTINED:
            raise KioskError(
                f"文件 {doc_id} 不在待审核列表中 (not in quarantine: {doc.visibility})"
            )
        visibility = VISIBLE if approve else REJECTED
        with store.write() as tx:
            tx.set_visibility(
                doc_id, visibility, actor=actor,
                action="approve" if approve else "reject", note=note or None,
            )  # fmt: skip
        self.catch_up_index()
        return visibility

    def status(self, now: dt.datetime | None = None) -> StatusSnapshot:
        """Gather the librarian's status (opens the index: call it off the UI thread)."""
        from sync.schedule import Schedule, earliest_run

        now = now or dt.datetime.now()
        store = self.store()
        try:
            index = self.search_index().status(store)
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
        settings = SyncSettings.load(store)
        schedule = Schedule.from_settings(settings)
        next_sync = earliest_run(now, last_success, schedule) if settings.feed_url else None
        return StatusSnapshot(
            counts=store.counts(),
            index_healthy=healthy,
            index_text=index_text,
            disk_free_bytes=shutil.disk_usage(self.data_dir).free,
            data_dir=str(self.data_dir),
            version=__version__,
            last_success=last_success,
            last_error=last_error,
            next_sync=next_sync,
            feed_url=settings.feed_url,
            warn_days=settings.stale_after_days,
            content_as_of=content_as_of(store),
            stale_content_days=settings.stale_content_days,
        )

    def ensure_content(self, progress: ProgressFn | None = None) -> ImportReport | None:
        """Load the bundled demo content when the store holds no documents at all."""
        store = self.store()
        if store.last_change_seq() > 0:
            return None
        log.info("empty data dir %s: loading demo content", self.data_dir)
        from kiosk.importer import import_blobs, import_paths

        report = import_paths(store, [DEMO_DIR], source="demo", progress=progress)
        import_blobs(store, DEMO_DIR, self.blob_dir)
        self.catch_up_index()
        return report

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if "_store" in self.__dict__:
            self._store.close()
