"""The kiosk side: bring the portal's signed feed into the store (``kiosk sync``).

:class:`Syncer` runs python-tuf's ``Updater`` over ``<data_dir>/tuf/metadata`` (the trusted root
lives there; root rotation works), downloads and verifies every batch it still needs *before*
touching the store, then applies each batch in one store transaction that also records the batch
number, so a crash leaves every batch either fully applied or not at all. Attachment blobs follow
their documents, verified against the sha256 in the signed record.

Any verification or transport failure raises :class:`~sync.errors.SyncError` with one sentence
naming the problem. The search index is not touched here: the caller runs its catch-up hook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

import kiosk
from kiosk.errors import StoreError
from kiosk.screening import ContentScreen, default_screen
from kiosk.settings import SyncSettings
from kiosk.status import SETTING_CONTENT_AS_OF, content_as_of
from kiosk.store import Store
from sync._apply import (
    MAX_BATCH_BYTES,
    MAX_LINE_BYTES,
    BatchCounts,
    BatchRejection,
    BatchTooLarge,
    apply_batch,
    check_batch,
    read_batch,
)
from sync._layout import INDEX_TARGET, BatchEntry, FeedIndex, blob_relpath
from sync._lock import exclusive_lock
from sync._transport import CountingFetcher
from sync.errors import SyncError
from sync.fetchers import CertificateError, FetcherConfig, FileFetcher, RequestsFetcher, file_url
from sync.fleet import status_query

__all__ = [
    "SETTING_CONTENT_AS_OF",
    "SETTING_LAST_BATCH",
    "BatchRejection",
    "SyncConfig",
    "SyncProgress",
    "SyncResult",
    "Syncer",
    "content_as_of",
    "resolve_source",
    "sync_once",
]

logger = logging.getLogger(__name__)

SETTING_LAST_BATCH = "sync.last_batch"
SETTING_LAST_SUCCESS = "sync.last_success"
SETTING_LAST_ERROR = "sync.last_error"
SETTING_LAST_RESULT = "sync.last_result"
SETTING_LAST_REJECTIONS = "sync.last_rejections"
#: When the newest applied batch was published (UTC ISO 8601): what "资料截至" shows.
#: ``{batch number: sha256}`` of the batches applied here, to notice another history (a fork).
SETTING_BATCH_HASHES = "sync.batch_hashes"
_KEEP_BATCH_HASHES = 1000
#: What earlier runs could not apply and a base snapshot may repair (list of BatchRejection dicts).
SETTING_OUTSTANDING = "sync.outstanding"
#: ``{sha256: ISO time}`` of attachments the server did not have, so they are not asked for on
#: every sync (again after a day, or at once after a base repair).
SETTING_MISSING_BLOBS = "sync.missing_blobs"
#: A random id made once per kiosk for the fleet status; it identifies a machine, no person.
SETTING_KIOSK_ID = "sync.kiosk_id"
SETTING_LAST_ERROR_CODE = "sync.last_error_code"
_KEEP_OUTSTANDING = 500
_BLOB_RETRY = dt.timedelta(days=1)
_KEEP_REJECTIONS = 200


@dataclass(frozen=True)
class SyncConfig:
    """Tuning for one sync.

    Attributes:
        fetcher: HTTP timeouts, retries, CA bundle (see :class:`~sync.fetchers.FetcherConfig`).
        attachments: download attachment blobs after their documents.
        max_attachment_bytes: largest attachment fetched, in bytes; bigger ones are skipped.
        max_line_bytes: longest record line in a batch, in bytes; a longer one is rejected
            unread, so memory stays bounded whatever the feed holds.
        max_batch_bytes: most bytes a batch may inflate to; a bigger one is refused whole.
        deadline_seconds: the whole sync (every download, however slow the server trickles)
            gives up after this many seconds, so it never holds the sync lock for long.
    """

    fetcher: FetcherConfig = field(default_factory=FetcherConfig)
    attachments: bool = True
    max_attachment_bytes: int = 200 * 1024 * 1024
    max_line_bytes: int = MAX_LINE_BYTES
    max_batch_bytes: int = MAX_BATCH_BYTES
    deadline_seconds: float = 1200.0

    @classmethod
    def from_settings(cls, settings: SyncSettings) -> SyncConfig:
        """The librarian's CA bundle and proxy (UI, CLI and scheduler alike); the rest as above."""
        return cls(
            fetcher=FetcherConfig(
                ca_bundle=settings.ca_bundle or None, proxy=settings.proxy or None
            )
        )


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync is: ``phase`` is metadata | download | apply | attachments | done."""

    phase: str
    done: int
    total: int
    message: str


@dataclass
class SyncResult:
    """What one sync did (also written to the ``sync_runs`` history)."""

    source: str
    batches: list[int] = field(default_factory=list)
    last_batch: int = 0
    latest_batch: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    status_changed: int = 0
    quarantined: int = 0
    rejections: list[BatchRejection] = field(default_factory=list)
    #: withdrawals and status changes of ids this kiosk never held
    unknown: list[BatchRejection] = field(default_factory=list)
    #: attachments the server does not have
    missing_blobs: list[BatchRejection] = field(default_factory=list)
    #: the base batch that repaired what earlier runs could not apply, if any
    repaired_from: int | None = None
    attachments_fetched: int = 0
    attachments_failed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    #: the first batch whose hash differed from the one applied here (another history), if any
    fork_at: int | None = None
    content_as_of: str = ""

    @property
    def changed(self) -> bool:
        """True if the store changed (the index needs a catch-up)."""
        return bool(self.added or self.updated or self.withdrawn or self.status_changed
                    or self.quarantined)  # fmt: skip

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def problems(self) -> list[BatchRejection]:
        """Everything this run could not apply, for the run record and the librarian."""
        return [*self.rejections, *self.unknown, *self.missing_blobs]

    def summary(self) -> str:
        """One line for the CLI and the librarian screen."""
        text = ""
        if self.fork_at is not None:
            text = (
                f"本机第 {self.fork_at} 批起与门户的发布历史不同（U 盘更新包是另行发布的），"
                "已按门户的历史重新应用。"
            )
        if self.repaired_from is not None:
            text += f"已用完整快照批次 {self.repaired_from} 重新应用以前未能应用的内容。"
        as_of = f"，资料截至 {content_date(self.content_as_of)}" if self.content_as_of else ""
        if not self.batches:
            text += f"已是最新（批次 {self.last_batch}{as_of}）。"
        else:
            text += (
                f"已应用 {len(self.batches)} 个批次（至 {self.last_batch}）：新增 {self.added}，"
                f"更新 {self.updated}，撤回 {self.withdrawn}，状态变更 {self.status_changed}，"
                f"隔离 {self.quarantined}，拒收 {self.rejected}{as_of}。"
            )
        if self.attachments_fetched or self.attachments_failed:
            text += f" 附件 {self.attachments_fetched} 个"
            text += f"（{self.attachments_failed} 个未取到）。" if self.attachments_failed else "。"
        if self.unknown:
            text += f" {len(self.unknown)} 条撤回或状态变更针对本机没有的文件。"
        if self.missing_blobs:
            text += f" 服务器缺少 {len(self.missing_blobs)} 个附件。"
        return text + f" 下载 {self.bytes / 1024:.0f} KB，用时 {self.seconds:.1f} 秒。"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "batches": self.batches, "last_batch": self.last_batch,
            "added": self.added, "updated": self.updated, "withdrawn": self.withdrawn,
            "status_changed": self.status_changed, "quarantined": self.quarantined,
            "rejected": self.rejected, "attachments_fetched": self.attachments_fetched,
            "attachments_failed": self.attachments_failed, "bytes": self.bytes,
            "seconds": round(self.seconds, 3), "fork_at": self.fork_at,
            "content_as_of": self.content_as_of, "unknown": len(self.unknown),
            "missing_blobs": len(self.missing_blobs), "repaired_from": self.repaired_from,
        }  # fmt: skip


@dataclass(frozen=True)
class _Source:
    label: str
    metadata_url: str
    targets_url: str
    blobs_url: str
    local: bool


def resolve_source(source: str | Path) -> _Source:
    """Turn ``--from`` (an http(s) URL, a ``file://`` URL or a folder) into feed URLs.

    Raises:
        SyncError: neither a folder that exists nor an http(s) URL.
    """
    text = str(source).strip()
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        base = text.rstrip("/") + "/"
        local = False
    else:
        path = Path(urlsplit(text).path if scheme == "file" else text).expanduser()
        if not path.is_dir():
            raise SyncError(
                f"更新源不存在或不是文件夹：{text}（应为 http(s) 地址或更新源文件夹）"
                " (no such feed folder or URL)"
            )
        base = file_url(path)
        local = True
    return _Source(text, base + "metadata/", base + "targets/", base, local)


class Syncer:
    """One kiosk's sync from one feed source.

    Args:
        data_dir: the kiosk data directory (``tuf/`` and ``blobs/`` live there).
        store: the open store.
        source: feed URL (http/https) or folder (USB stick).
        trusted_root: a root.json to install as the trust anchor; afterwards the kiosk keeps its
            own copy (following rotations) in ``<data_dir>/tuf/metadata``.
        fetcher: transport; default RequestsFetcher for URLs, FileFetcher for folders.
        on_progress: called with :class:`SyncProgress` from the calling thread.
        config: timeouts, retries, attachments.
        screen: the content screen; the bundled one by default.
    """

    def __init__(
        self,
        data_dir: Path,
        store: Store,
        source: str | Path,
        trusted_root: Path | None = None,
        fetcher: FetcherInterface | None = None,
        on_progress: Callable[[SyncProgress], None] | None = None,
        config: SyncConfig | None = None,
        screen: ContentScreen | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.store = store
        self.source = resolve_source(source)
        self.trusted_root = Path(trusted_root) if trusted_root else None
        self.config = config or SyncConfig()
        self._own_fetcher: RequestsFetcher | None = None
        if fetcher is None:
            if self.source.local:
                fetcher = FileFetcher()
            else:
                fetcher = self._own_fetcher = RequestsFetcher(self.config.fetcher)
        self.fetcher = CountingFetcher(fetcher)
        self.on_progress = on_progress
        self.screen = screen or default_screen()
        self.tuf_dir = self.data_dir / "tuf"
        self.metadata_dir = self.tuf_dir / "metadata"
        self.download_dir = self.tuf_dir / "downloads"
        self.blob_dir = self.data_dir / "blobs"
        #: The result of the latest :meth:`run`, also when it raised (what got applied before).
        self.last_result: SyncResult | None = None
        #: set by :meth:`verified_index`: the first batch of another history met here, if any
        self.fork_at: int | None = None
        self._repairing = False
        self._hashes: dict[int, str] = {}

    # -- public ----------------------------------------------------------------------------
    def run(self) -> SyncResult:
        """Sync once: verify, download, apply, fetch attachments.

        Raises:
            SyncError: the feed failed verification, the network or disk failed, or another
                sync is running. Batches applied before a failure stay applied (each is whole).
        """
        result = SyncResult(source=self.source.label)
        self.last_result = result
        started = time.monotonic()
        self._repairing = False
        self.fetcher.deadline = started + self.config.deadline_seconds
        self.fetcher.deadline_seconds = self.config.deadline_seconds
        self.fetcher.partial_dir = self.download_dir / "partial"
        self.fetcher.resumable = (self.source.targets_url, self.source.blobs_url)
        self.fetcher.cache_dir = self.tuf_dir / "http-cache"
        with exclusive_lock(self.tuf_dir / "sync.lock", "同步"):
            self.fetcher.status_query = self._status_query()
            run_id = self._start_run()
            try:
                self._run(result)
            except SyncError as e:
                self._finish(run_id, result, started, error=str(e), failure=e)
                raise
            except Exception as e:
                self._finish(run_id, result, started, error=f"内部错误：{e!r}", failure=e)
                raise
            finally:
                if self._own_fetcher is not None:
                    self._own_fetcher.close()
            self._finish(run_id, result, started, error=None)
        return result

    # -- steps -----------------------------------------------------------------------------
    def verified_index(self) -> tuple[Updater, FeedIndex, int]:
        """Refresh the TUF metadata and read the feed's batch index, both verified.

        Returns the updater (for downloading batches), the index and the last batch this kiosk
        applied. Raises SyncError when the feed is not a kiosk feed or is behind this kiosk.
        Shared by a sync and by a USB import check (sync.preview), which writes nothing.
        """
        self._progress("metadata", 0, 1, "正在验证更新源元数据…")
        updater = self._updater()
        with _tuf_errors("元数据", stick=self.source.local):
            updater.refresh()
            index_info = updater.get_targetinfo(INDEX_TARGET)
        if index_info is None:
            raise SyncError(
                "更新源中没有批次索引 (batches.json)，不是查阅机更新源。 (not a kiosk feed)"
            )
        self.download_dir.mkdir(parents=True, exist_ok=True)
        with _tuf_errors("批次索引"):
            # kept from the previous sync and checked against the signed hash: an idle poll
            # fetches no index (after a year of daily batches it is ~35 KB)
            local_index = str(self.download_dir / "index.json")
            index_path = updater.find_cached_target(index_info, local_index)
            if index_path is None:
                index_path = updater.download_target(index_info, local_index)
        try:
            index = FeedIndex.from_bytes(Path(index_path).read_bytes())
        except (ValueError, KeyError, TypeError) as e:
            raise SyncError(f"批次索引无法读取，请升级查阅机软件或联系门户：{e}") from e
        if duplicates := index.duplicates():
            # Each number names one signed target, so a repeated entry is the same batch twice:
            # apply it once (to_apply keeps one) rather than fail after applying it.
            logger.warning("feed index lists batches %s more than once", duplicates)
        last = int(self.store.get_setting(SETTING_LAST_BATCH, 0) or 0)
        self.fork_at = self._fork_point(updater, index, last)
        if self.fork_at is not None:
            logger.warning("batch %d differs from the one applied here: re-applying", self.fork_at)
            last = self.fork_at - 1
        if last > index.latest:
            raise SyncError(
                f"本机已应用到第 {last} 批，而更新源最新只到第 {index.latest} 批："
                "更新源不对或已被重置。 (feed is behind this kiosk)"
            )
        return updater, index, last

    def _fork_point(self, updater: Updater, index: FeedIndex, last: int) -> int | None:
        """The first batch up to ``last`` whose signed hash differs from the one applied here.

        A bundle published from a copy of the feed (not made by ``kiosk bundle``) reuses batch
        numbers for other content; without this check the portal's own batches with those numbers
        would be skipped for good.
        """
        applied: dict[str, str] = self.store.get_setting(SETTING_BATCH_HASHES, {}) or {}
        for entry in sorted(index.batches, key=lambda b: b.number):
            if entry.number > last:
                break
            known = applied.get(str(entry.number))
            if known is None:
                continue
            with _tuf_errors(f"批次 {entry.number}"):
                info = updater.get_targetinfo(entry.path)
            if info is not None and info.hashes.get("sha256") != known:
                return entry.number
        return None

    def _run(self, result: SyncResult) -> None:
        updater, index, last = self.verified_index()
        result.fork_at = self.fork_at
        result.last_batch, result.latest_batch = last, index.latest
        result.content_as_of = str(self.store.get_setting(SETTING_CONTENT_AS_OF, "") or "")
        needed = index.to_apply(last)
        if self.store.get_setting(SETTING_OUTSTANDING, []) and needed and needed[0].base:
            # A full snapshot holds the whole current state: records rejected earlier, withdrawals
            # that came before their document and attachments the server lacked get another
            # chance, and whatever is still wrong is found again.
            result.repaired_from = needed[0].number
            self._repairing = True
        files = self._download_batches(updater, needed)
        for i, (entry, path) in enumerate(files):
            self._progress("apply", i, len(files), f"正在应用批次 {entry.number}…")
            counts = self._apply(entry, path, self._hashes[entry.number], entry.base)
            result.content_as_of = entry.at or result.content_as_of
            _merge(result, counts)
            result.batches.append(entry.number)
            result.last_batch = entry.number
            path.unlink(missing_ok=True)
        missing = [n for n in index.missing() if n > result.last_batch]
        if self.config.attachments:
            self._fetch_attachments(result)
        result.bytes = self.fetcher.bytes
        if missing:
            raise SyncError(
                f"同步未完成：更新源的批次索引缺少第 {_numbers(missing)} 批，本机已应用到第"
                f" {result.last_batch} 批，之后的批次要等缺少的批次补上后才能应用，请联系门户。"
                " (gap in the signed batch index)"
            )
        self._progress("done", 1, 1, result.summary())

    def _updater(self) -> Updater:
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        bootstrap: bytes | None = None
        if self.trusted_root is not None:
            bootstrap = _read_root(self.trusted_root)
        elif not (self.metadata_dir / "root.json").exists():
            raise SyncError(
                "本机还没有受信任的根元数据，请用 --trusted-root 指定门户提供的 root.json。"
                " (no trusted root installed)"
            )
        with _tuf_errors("本机根元数据"):
            try:
                return Updater(
                    metadata_dir=str(self.metadata_dir),
                    metadata_base_url=self.source.metadata_url,
                    target_dir=str(self.download_dir),
                    target_base_url=self.source.targets_url,
                    fetcher=self.fetcher,
                    config=UpdaterConfig(),
                    bootstrap=bootstrap,
                )
            except OSError as e:
                raise SyncError(f"无法读取本机根元数据：{e.strerror or e}") from e

    def _download_batches(
        self, updater: Updater, needed: list[BatchEntry]
    ) -> list[tuple[BatchEntry, Path]]:
        """Download and verify every needed batch before any is applied."""
        files = []
        self._hashes.clear()
        for i, entry in enumerate(needed):
            self._progress("download", i, len(needed), f"正在下载批次 {entry.number}…")
            with _tuf_errors(f"批次 {entry.number}"):
                info = updater.get_targetinfo(entry.path)
                if info is None:
                    raise SyncError(
                        f"批次 {entry.number} 不在签名的目标清单中（更新源不一致）。"
                        " (batch not in signed targets)"
                    )
                self._hashes[entry.number] = str(info.hashes.get("sha256", ""))
                local = self.download_dir / f"{entry.number:06d}.jsonl.gz"
                cached = updater.find_cached_target(info, str(local))
                if cached is None:
                    updater.download_target(info, str(local))
            try:
                check_batch(local, entry.number, max_line=self.config.max_line_bytes,
                            max_total=self.config.max_batch_bytes)  # fmt: skip
            except BatchTooLarge as e:
                local.unlink(missing_ok=True)
                raise SyncError(f"批次 {entry.number} 过大，拒收，请联系门户：{e}") from e
            except (ValueError, OSError) as e:
                raise SyncError(f"批次 {entry.number} 已签名但无法解压，请联系门户：{e}") from e
            files.append((entry, local))
        self._progress("download", len(needed), len(needed), "下载完成")
        return files

    def _apply(self, entry: BatchEntry, path: Path, sha256: str, base: bool) -> BatchCounts:
        """One batch, one transaction, including the 'last batch applied' marker, its hash and
        its date."""
        hashes: dict[str, str] = self.store.get_setting(SETTING_BATCH_HASHES, {}) or {}
        hashes = {n: h for n, h in hashes.items() if int(n) < entry.number}
        hashes[str(entry.number)] = sha256
        kept = dict(sorted(hashes.items(), key=lambda kv: int(kv[0]))[-_KEEP_BATCH_HASHES:])
        markers: dict[str, Any] = {SETTING_LAST_BATCH: entry.number, SETTING_BATCH_HASHES: kept}
        if entry.at:
            markers[SETTING_CONTENT_AS_OF] = entry.at
        try:
            _header, lines = read_batch(path, max_line=self.config.max_line_bytes,
                                        max_total=self.config.max_batch_bytes)  # fmt: skip
            with self.store.write() as tx:
                counts = apply_batch(tx, entry.number, lines, self.screen, base=base)
                for key, value in markers.items():
                    tx.set_setting(key, value)
        except (StoreError, OSError, ValueError, zlib.error) as e:
            raise SyncError(
                f"同步失败：批次 {entry.number} 未能写入本机数据库，已整体撤销：{e}"
                " (batch rolled back)"
            ) from e
        return counts

    def _fetch_attachments(self, result: SyncResult) -> None:
        """Fetch every blob still missing (also those a crashed earlier sync left behind)."""
        missing: dict[str, str] = self.store.get_setting(SETTING_MISSING_BLOBS, {}) or {}
        now = dt.datetime.now(dt.UTC)
        if self._repairing:
            missing = {}
        wanted = []
        for sha, size in self.store.missing_attachments():
            noted = missing.get(sha)
            if noted and now - dt.datetime.fromisoformat(noted) < _BLOB_RETRY:
                result.missing_blobs.append(_missing_blob(sha, noted))
                continue
            wanted.append((sha, size))
        for i, (sha, size) in enumerate(wanted):
            self._progress("attachments", i, len(wanted), f"正在下载附件 {i + 1}/{len(wanted)}…")
            try:
                fetched = self._fetch_blob(sha, size)
            except _NotOnServer:
                missing[sha] = now.isoformat(timespec="seconds")
                result.missing_blobs.append(_missing_blob(sha, missing[sha]))
                fetched = False
            if fetched:
                missing.pop(sha, None)
                self.store.mark_attachment_present(sha)
                result.attachments_fetched += 1
            else:
                result.attachments_failed += 1
        self.store.set_setting(SETTING_MISSING_BLOBS, missing)

    def _fetch_blob(self, sha: str, size: int) -> bool:
        target = self.blob_dir / sha
        if target.exists() and _sha256_file(target) == sha:
            return True
        if size > self.config.max_attachment_bytes:
            logger.warning("attachment %s too large (%d bytes), skipped", sha, size)
            return False
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.blob_dir / f".{sha}.part"
        try:
            with self.fetcher.download_file(self.source.blobs_url + blob_relpath(sha), size) as f:
                digest = hashlib.sha256()
                with tmp.open("wb") as out:
                    while chunk := f.read(1024 * 1024):
                        digest.update(chunk)
                        out.write(chunk)
            if digest.hexdigest() != sha:
                logger.warning("attachment %s failed its hash check; not stored", sha)
                tmp.unlink(missing_ok=True)
                return False
            os.replace(tmp, target)
            return True
        except tuf_errors.DownloadHTTPError as e:
            tmp.unlink(missing_ok=True)
            if e.status_code in (404, 410):
                raise _NotOnServer(sha) from e
            logger.warning("attachment %s not fetched: %s", sha, e)
            return False
        except (tuf_errors.DownloadError, OSError) as e:
            logger.warning("attachment %s not fetched: %s", sha, e)
            tmp.unlink(missing_ok=True)
            return False

    # -- bookkeeping -------------------------------------------------------------------------
    def _status_query(self) -> str:
        """This kiosk's anonymous fleet status for the timestamp request (HTTP only)."""
        if self.source.local:
            return ""
        kiosk_id = self.store.get_setting(SETTING_KIOSK_ID, None)
        if not isinstance(kiosk_id, str) or not kiosk_id:
            kiosk_id = secrets.token_hex(8)  # random, once: names no person and no place
            self.store.set_setting(SETTING_KIOSK_ID, kiosk_id)
        return status_query(
            kiosk_id,
            kiosk.__version__,
            self.store.count_visible(),
            int(self.store.get_setting(SETTING_LAST_BATCH, 0) or 0),
            str(self.store.get_setting(SETTING_LAST_ERROR_CODE, "") or ""),
        )

    def _outstanding(self, result: SyncResult) -> list[dict[str, Any]]:
        """What is still unapplied after this run: this run's problems, plus the earlier ones
        unless this run applied a base (which re-found whatever is still wrong)."""
        earlier: list[dict[str, Any]] = []
        if result.repaired_from is None:
            earlier = list(self.store.get_setting(SETTING_OUTSTANDING, []) or [])
            earlier = [p for p in earlier if p.get("kind") != "blob"]  # re-listed below if still
        now = [p.to_dict() for p in result.problems()]
        seen: set[str] = set()
        merged = []
        for problem in [*earlier, *now]:
            key = json.dumps(problem, sort_keys=True, ensure_ascii=False)
            if key not in seen:
                seen.add(key)
                merged.append(problem)
        return merged[-_KEEP_OUTSTANDING:]

    def _progress(self, phase: str, done: int, total: int, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(SyncProgress(phase, done, total, message))

    def _start_run(self) -> int:
        return self.store.start_sync_run(self.source.label)

    def _finish(
        self,
        run_id: int,
        result: SyncResult,
        started: float,
        error: str | None,
        failure: BaseException | None = None,
    ) -> None:
        result.seconds = time.monotonic() - started
        result.bytes = self.fetcher.bytes
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        try:
            with self.store.write() as tx:
                tx.finish_sync_run(
                    run_id, error=error, batches=len(result.batches), added=result.added,
                    updated=result.updated, withdrawn=result.withdrawn,
                    quarantined=result.quarantined, rejected=result.rejected, bytes=result.bytes,
                    problems=[p.to_dict() for p in result.problems()[:_KEEP_OUTSTANDING]],
                )  # fmt: skip
                settings: dict[str, Any] = {
                    SETTING_LAST_ERROR: error,
                    SETTING_LAST_ERROR_CODE: error_code(failure) if error else "",
                    SETTING_OUTSTANDING: self._outstanding(result),
                }
                if error is None:
                    settings[SETTING_LAST_SUCCESS] = now.isoformat(timespec="seconds") + "Z"
                    settings[SETTING_LAST_RESULT] = result.to_dict()
                if result.rejections:
                    settings[SETTING_LAST_REJECTIONS] = [
                        r.to_dict() for r in result.rejections[-_KEEP_REJECTIONS:]
                    ]
                for key, value in settings.items():
                    tx.set_setting(key, value)
        except Exception:  # the history must never hide the real outcome
            logger.exception("could not record the sync run")


class _NotOnServer(Exception):
    """The server answered 404/410 for an attachment blob."""


def _missing_blob(sha: str, since: str) -> BatchRejection:
    reason = f"服务器上没有此附件（自 {since[:10]} 起），门户补上后会自动下载"
    return BatchRejection(0, 0, f"{sha[:12]}…", reason, "blob")


def _merge(result: SyncResult, counts: BatchCounts) -> None:
    for name in ("added", "updated", "unchanged", "withdrawn", "status_changed", "quarantined"):
        setattr(result, name, getattr(result, name) + getattr(counts, name))
    result.rejections.extend(counts.rejections)
    result.unknown.extend(counts.unknown)


def error_code(error: BaseException | None) -> str:
    """A short code for the fleet status (``network``, ``expired``, ``http404`` …)."""
    while error is not None:
        for kind, code in _ERROR_CODES:
            if isinstance(error, kind):
                if isinstance(error, tuf_errors.DownloadHTTPError):
                    return f"http{error.status_code}"
                return code
        error = error.__cause__
    return "other"


def content_date(at: str) -> str:
    """``2026-11-02T08:00:00Z`` → ``2026-11-02`` (the date a librarian and a villager read)."""
    return at[:10]


_ERROR_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (CertificateError, "cert"),
    (tuf_errors.ExpiredMetadataError, "expired"),
    (tuf_errors.BadVersionNumberError, "rollback"),
    (tuf_errors.UnsignedMetadataError, "signature"),
    (tuf_errors.LengthOrHashMismatchError, "hash"),
    (tuf_errors.DownloadLengthMismatchError, "toolarge"),
    (tuf_errors.SlowRetrievalError, "timeout"),
    (tuf_errors.DownloadHTTPError, "http"),
    (tuf_errors.DownloadError, "network"),
    (StoreError, "store"),
)


def _numbers(numbers: list[int]) -> str:
    """``[3]`` → ``3``, ``[3, 4, 5, 9]`` → ``3、4、5、9`` (at most ten, then …)."""
    shown = "、".join(str(n) for n in numbers[:10])
    return shown + ("…" if len(numbers) > 10 else "")


def _read_root(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        md = Metadata.from_bytes(data)
    except OSError as e:
        raise SyncError(f"无法读取受信任的根元数据 {path}：{e.strerror or e}") from e
    except Exception as e:
        raise SyncError(f"{path} 不是有效的 TUF 根元数据 (not a TUF root): {e}") from e
    if not isinstance(md.signed, Root):
        raise SyncError(f"{path} 不是根元数据，而是 {md.signed.type} (not a root)")
    return data


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _tuf_errors(what: str, *, stick: bool = False) -> Iterator[None]:
    """Translate python-tuf and OS errors raised in the block into one clear SyncError.

    ``stick``: the source is a folder, so older metadata than the kiosk holds is an old USB bundle
    (the kiosk is already further along), not an attack on the network.
    """
    try:
        yield
    except SyncError:
        raise
    except tuf_errors.BadVersionNumberError as e:
        if stick:
            raise SyncError(
                "U 盘更新包比本机已有的内容旧（本机已从网络或更新的 U 盘同步过），无需导入。"
                f" (bundle older than this kiosk: {e})"
            ) from e
        raise explain(e, what) from e
    except (tuf_errors.RepositoryError, tuf_errors.DownloadError) as e:
        raise explain(e, what) from e
    except OSError as e:
        raise SyncError(f"无法写入本机数据目录：{e.strerror or e}") from e


def explain(error: BaseException, what: str) -> SyncError:
    """One sentence naming what went wrong with ``what`` (元数据, 批次 3 …)."""
    detail = str(error) or type(error).__name__
    if isinstance(error, CertificateError):
        text = (
            f"无法验证服务器证书（{what}）：服务器的证书不是受信任的机构签发的，或已过期、"
            "或与地址不符。请在“设置”中指定门户提供的 CA 证书文件，并检查本机时间是否正确。"
        )
    elif isinstance(error, tuf_errors.ExpiredMetadataError):
        text = f"{what}已过期：更新源长期未重新签名，或被冻结在旧版本（冻结攻击）。拒绝使用。"
    elif isinstance(error, tuf_errors.BadVersionNumberError):
        text = (
            f"{what}版本不对：比本机已信任的版本旧，或与快照记录不一致"
            "（疑似回滚或混搭攻击）。拒绝使用。"
        )
    elif isinstance(error, tuf_errors.UnsignedMetadataError):
        text = f"{what}签名无效：内容被篡改，或不是用门户的密钥签名的。拒绝使用。"
    elif isinstance(error, tuf_errors.LengthOrHashMismatchError):
        text = f"{what}与签名记录的长度或哈希不符：内容被篡改或下载不完整。拒绝使用。"
    elif isinstance(error, tuf_errors.DownloadLengthMismatchError):
        text = f"{what}超过允许的大小：服务器返回的数据过多。拒绝使用。"
    elif isinstance(error, tuf_errors.SlowRetrievalError):
        text = f"下载{what}超时：服务器响应太慢或网络不稳定，请稍后再试。"
    elif isinstance(error, tuf_errors.DownloadHTTPError):
        text = f"下载{what}失败：服务器返回 HTTP {error.status_code}。"
    elif isinstance(error, tuf_errors.DownloadError):
        text = f"无法下载{what}：网络不通或连接被中断，请检查网络后再试。"
    elif isinstance(error, tuf_errors.RepositoryError):
        text = f"{what}未通过验证，拒绝使用。"
    else:
        text = f"{what}出错。"
    return SyncError(f"同步失败：{text} ({detail})")


def sync_once(
    data_dir: Path,
    store: Store,
    source: str | Path,
    *,
    trusted_root: Path | None = None,
    fetcher: FetcherInterface | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
    on_applied: Callable[[], object] | None = None,
    config: SyncConfig | None = None,
) -> SyncResult:
    """Run one :class:`Syncer` and then the caller's ``on_applied`` hook (the index catch-up).

    The hook runs after every successful sync, even one with nothing new (a sync killed between
    its store commit and the catch-up leaves the index behind; the next run heals it, and a
    catch-up with nothing to do is cheap), and after a failed one that applied some batches.
    A failing hook is logged and never hides the sync's own outcome.

    Raises:
        SyncError: as :meth:`Syncer.run`.
    """
    syncer = Syncer(data_dir, store, source, trusted_root=trusted_root, fetcher=fetcher,
                    on_progress=on_progress, config=config)  # fmt: skip
    ok = False
    try:
        result = syncer.run()
        ok = True
        return result
    finally:
        partial = syncer.last_result
        if on_applied is not None and (ok or (partial is not None and partial.batches)):
            try:
                on_applied()
            except Exception:
                logger.exception("index catch-up after sync failed")
