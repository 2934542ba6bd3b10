"""The on-disk Whoosh index: create, catch up with the store's change log, rebuild, check.

The index is derived from the store. It records the last store change it holds (a bookkeeping
document, committed atomically with the documents), so after a crash or an update from another
process :meth:`SearchIndex.catch_up` brings it level by replaying the change log from there.
A rebuild writes a fresh index beside the old one and swaps it in, so searching never stops.
"""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from index.analysis import title_key
from index.attachments import attachment_text
from index.build import Run, commit_segments, merge_runs, write_runs
from index.columns import write_column_codes
from index.dense import write_dense_lists
from index.lexicon import strip_region_suffix
from index.schema import INDEX_VERSION, META_ID, make_schema
from index.titles import title_keys
from index.vocabulary import PINYIN_CACHE, Vocabulary
from kiosk.docnumber import doc_number_keys
from kiosk.errors import KioskError
from kiosk.models import VISIBLE, StoredDocument
from kiosk.progress import ProgressFn
from kiosk.store import Store

__all__ = ["IndexBusy", "IndexStatus", "SearchIndex"]


_INDEX_NAME = f"kiosk-v{INDEX_VERSION}"
_BATCH = 1000
# Separate segment files, not one compound file: Whoosh reads a compound segment into the heap on
# open (the search process held twice the index size), while plain files are memory-mapped.
# Measured at 20,000 documents: 354 MB → 53 MB resident after open, latency unchanged.
_WRITER_ARGS = {"limitmb": 256, "compound": False}
#: A rebuild's documents are analysed in jobs of about this many (at least one per process),
#: each written as runs of at most this many postings (what bounds a worker's memory: a run
#: of 14,000 documents, ≈ 24 M postings, peaks at 616 MB), then written as one segment: every
#: further segment would cost each query its look-ups and the index its own term table (4
#: segments of 20,000 documents: +55 %). Smaller runs save memory but cost analysis time (each
#: starts its vocabulary afresh: 16 M postings, 502 MB, +30 % CPU at 14,000 documents).
_JOB_DOCS = 50_000
_RUN_POSTINGS = 24_000_000
#: Catch-ups larger than this, that touch most of the store, are done as a rebuild.
_REBUILD_ABOVE = 2000
#: Seconds a catch-up waits for another writer (a rebuild in ``kiosk index rebuild``, a sync in
#: another process) to finish before it gives up.
WRITE_TIMEOUT_S = 120.0


class IndexBusy(KioskError):
    """Another writer held the index for longer than :data:`WRITE_TIMEOUT_S`."""


@dataclass(frozen=True)
class IndexStatus:
    """What ``kiosk index check`` reports."""

    exists: bool
    version_ok: bool
    indexed_seq: int
    store_seq: int
    indexed_docs: int
    store_docs: int

    @property
    def healthy(self) -> bool:
        return (
            self.exists
            and self.version_ok
            and self.indexed_seq == self.store_seq
            and self.indexed_docs == self.store_docs
        )


def document_fields(doc: StoredDocument, blob_dir: Path | None = None) -> dict[str, Any]:
    """The Whoosh fields for one store document; the text of its PDF attachments (those in
    ``blob_dir``) is searched with the body."""
    date = doc.published or doc.written
    attached = attachment_text(blob_dir, [(a.media_type, a.sha256) for a in doc.attachments])
    body = doc.body_text + "\n" + attached if attached else doc.body_text
    return {
        "id": doc.id,
        "title": doc.title,
        "title_bi": doc.title,
        "body": body,
        "body_bi": body,
        "title_key": title_key(doc.title),
        "title_keys": " ".join(title_keys(doc.title, _own_region(doc.region))),
        "docno": doc.doc_number_norm or "",
        "docno_keys": " ".join(doc_number_keys(doc.doc_number)),
        "index_no": doc.index_no or "",
        "category": doc.category or "",
        "agency": doc.agency or "",
        "kind": doc.kind,
        "status": doc.status,
        "year": date.year if date else 0,
        "published": int(date.strftime("%Y%m%d")) if date else 0,
        "region": doc.region or "",
    }


def _own_region(region: str | None) -> list[str]:
    """The document's own region as a place name its title may start with (桐溪市 → 桐溪)."""
    return [strip_region_suffix(region)] if region else []


class SearchIndex:
    """The index directory ``path`` (normally ``<data_dir>/index``)."""

    def __init__(self, path: Path, blob_dir: Path | None = None) -> None:
        self.path = Path(path)
        #: where attachment blobs are (``<data_dir>/blobs``); ``None`` indexes no attachment text
        self.blob_dir = blob_dir

    # -- opening ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_dir() and whoosh_index.exists_in(str(self.path), indexname=_INDEX_NAME)

    def open(self) -> whoosh_index.Index:
        """Open the index, creating an empty one when there is none."""
        if not self.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            return FileStorage(str(self.path)).create_index(make_schema(), indexname=_INDEX_NAME)
        return whoosh_index.open_dir(str(self.path), indexname=_INDEX_NAME)

    def indexed_seq(self) -> int:
        if not self.exists():
            return 0
        ix = self.open()
        return _meta(ix)[0]

    # -- writing ---------------------------------------------------------------------------
    def catch_up(self, store: Store, progress: ProgressFn | None = None, procs: int = 1) -> int:
        """Apply every store change after the last one indexed; returns how many documents.
        ``procs`` is for a catch-up done as a rebuild (see :meth:`rebuild`)."""
        since = self.indexed_seq()
        changed = store.changed_since(since)
        if not changed:
            return 0
        if len(changed) > _REBUILD_ABOVE and len(changed) * 2 > store.count_visible():
            # a first sync or a big import: one writer and one merge beats many small commits,
            # each of which Whoosh merges into the segments before it
            self.rebuild(store, progress, procs)
            return len(changed)
        ix = self.open()
        total = len(changed)
        for start in range(0, total, _BATCH):
            chunk = changed[start : start + _BATCH]
            docs = {d.id: d for d in store.get_many([doc_id for doc_id, _ in chunk])}
            writer = self._writer(ix)
            for doc_id, _seq in chunk:
                doc = docs.get(doc_id)
                if doc is not None and doc.is_visible:
                    writer.update_document(**document_fields(doc, self.blob_dir))
                else:
                    writer.delete_by_term("id", doc_id)
            writer.update_document(id=META_ID, meta=_meta_value(chunk[-1][1]))
            writer.commit()
            if progress:
                progress(min(start + _BATCH, total), total)
        write_derived_files(ix, self.path)
        return total

    def _writer(self, ix: whoosh_index.Index) -> Any:
        """A writer, once Whoosh's write lock is ours: one writer at a time, and it blocks.
        (Whoosh's AsyncWriter would return at once and commit later on a thread, so a status read
        right after could see a stale index and rebuild it.)"""
        try:
            return ix.writer(timeout=WRITE_TIMEOUT_S, delay=0.05, **_WRITER_ARGS)
        except LockError:
            raise IndexBusy(
                f"搜索索引正被另一个程序更新，等了 {WRITE_TIMEOUT_S:g} 秒仍未完成，请稍后再试。"
                " (the index stayed locked)"
            ) from None

    def rebuild(self, store: Store, progress: ProgressFn | None = None, procs: int = 1) -> int:
        """Recreate the index from the store in a new directory, then swap it in.

        One segment, written by :mod:`index.build`: documents analysed into runs (in the
        store's id order, numbered as Whoosh's writer would), then written as one segment with
        its dense lists. ``procs`` > 1 analyses and writes in that many spawned processes; only
        for the command line, never inside the Qt process.
        """
        seq = store.last_change_seq()  # taken first: changes during the rebuild are caught up after
        building = self.path.with_name(self.path.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        ix = FileStorage(str(building)).create_index(make_schema(), indexname=_INDEX_NAME)
        ids = sorted(store.document_ids(VISIBLE))  # iter_visible's order (by id)
        jobs = _jobs(store.path, self.blob_dir, building, ids, procs, _meta_value(seq))
        runs, count = _build(jobs, procs, progress, len(ids))
        segment = merge_runs(ix.storage, ix.schema, _INDEX_NAME, building, runs, procs, building)
        commit_segments(ix, [segment])
        shutil.rmtree(building / f"{_INDEX_NAME}.tmp", ignore_errors=True)
        cached_pinyin = self.path / PINYIN_CACHE
        if cached_pinyin.exists():  # the slow word → pinyin part carries over from the old index
            shutil.copyfile(cached_pinyin, building / PINYIN_CACHE)
        write_derived_files(ix, building)
        self._swap_in(building)
        self.catch_up(store)
        return count

    def _swap_in(self, building: Path) -> None:
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        building.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)

    # -- health ----------------------------------------------------------------------------
    def status(self, store: Store) -> IndexStatus:
        store_seq, store_docs = store.last_change_seq(), store.count_visible()
        if not self.exists():
            return IndexStatus(False, False, 0, store_seq, 0, store_docs)
        ix = self.open()
        indexed_seq, version = _meta(ix)
        with ix.searcher() as searcher:
            indexed_docs = searcher.doc_count() - (1 if version else 0)
        version_ok = version == INDEX_VERSION
        return IndexStatus(True, version_ok, indexed_seq, store_seq, indexed_docs, store_docs)

    def reconcile(self, store: Store, progress: ProgressFn | None = None) -> str:
        """Bring the index level with the store: rebuild if missing or stale, else catch up.

        Returns what was done: "rebuilt", "caught-up" or "ok".
        """
        status = self.status(store)
        if not status.exists or not status.version_ok or status.indexed_seq > status.store_seq:
            self.rebuild(store, progress)
            return "rebuilt"
        if status.indexed_seq < status.store_seq:
            self.catch_up(store, progress)
            if self.status(store).indexed_docs != store.count_visible():
                self.rebuild(store, progress)
                return "rebuilt"
            return "caught-up"
        if status.indexed_docs != status.store_docs:
            self.rebuild(store, progress)
            return "rebuilt"
        return "ok"


@dataclass(frozen=True)
class _Job:
    """Documents for :func:`_build_job`: ``ids`` in order, numbered from ``doc_base``."""

    store_path: Path
    blob_dir: Path | None
    folder: Path
    ids: list[str]
    doc_base: int
    #: documents added after ``ids`` (the bookkeeping document, on the last job)
    extra: list[dict[str, Any]]


def _jobs(
    store_path: Path,
    blob_dir: Path | None,
    folder: Path,
    ids: list[str],
    procs: int,
    meta: dict[str, int],
) -> list[_Job]:
    """Runs of about :data:`_JOB_DOCS` documents, at least one per process."""
    count = max(procs, -(-len(ids) // _JOB_DOCS), 1)
    size = -(-len(ids) // count) or 1
    runs = [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]
    jobs = [_Job(store_path, blob_dir, folder, run, i * size, []) for i, run in enumerate(runs)]
    jobs[-1].extra.append({"id": META_ID, "meta": meta})
    return jobs


def _build_job(job: _Job, progress: Callable[[int], None] | None = None) -> tuple[list[Run], int]:
    """The runs of one job's documents, and how many store documents they hold."""
    store = Store(job.store_path)
    schema = make_schema()
    count = 0

    def documents() -> Iterator[dict[str, Any] | None]:
        nonlocal count
        for start in range(0, len(job.ids), _BATCH):
            batch = job.ids[start : start + _BATCH]
            docs = {d.id: d for d in store.get_many(batch)}
            for doc_id in batch:
                doc = docs.get(doc_id)
                if doc is None or not doc.is_visible:
                    yield None  # gone since the ids were listed: the catch-up follows
                else:
                    count += 1
                    yield document_fields(doc, job.blob_dir)
        yield from job.extra

    try:
        runs = write_runs(job.folder, schema, documents(), job.doc_base, _RUN_POSTINGS, progress)
    finally:
        store.close()
    return runs, count


def _build(
    jobs: list[_Job], procs: int, progress: ProgressFn | None, total: int
) -> tuple[list[Any], int]:
    """Every job's runs in job order, in this process or in ``procs`` spawned ones."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    runs: list[Any] = []
    count = 0
    if procs <= 1 or len(jobs) == 1:
        for job in jobs:
            job_runs, job_count = _build_job(job, advance)
            runs += job_runs
            count += job_count
        return runs, count
    # spawned, not forked: a fresh interpreter inherits no threads, locks or open files
    context = multiprocessing.get_context("spawn")
    queue = context.SimpleQueue()
    with context.Pool(procs, initializer=_init_worker, initargs=(queue,)) as pool:
        results = pool.imap(_build_job_in_worker, jobs)
        for _ in jobs:
            while True:
                try:
                    job_runs, job_count = results.next(timeout=0.2)
                    break
                except multiprocessing.TimeoutError:
                    pass
                finally:
                    while not queue.empty():
                        advance(queue.get())
            runs += job_runs
            count += job_count
    return runs, count


_worker_queue: Any = None


def _init_worker(queue: Any) -> None:
    global _worker_queue
    _worker_queue = queue


def _build_job_in_worker(job: _Job) -> tuple[list[Run], int]:
    return _build_job(job, _worker_queue.put)


def write_derived_files(ix: whoosh_index.Index, index_dir: Path) -> None:
    """The files kept beside the index and derived from it, written whenever it is: the
    vocabulary (never built on a first query), dense lists and column codes of new segments."""
    Vocabulary.for_index(ix, index_dir)
    write_dense_lists(ix, index_dir)
    write_column_codes(ix, index_dir)


def _meta_value(seq: int) -> dict[str, int]:
    return {"seq": seq, "version": INDEX_VERSION}


def _meta(ix: whoosh_index.Index) -> tuple[int, int]:
    """``(last store change held, index version)`` from the bookkeeping document."""
    with ix.searcher() as searcher:
        stored = searcher.document(id=META_ID)
    if not stored or not isinstance(stored.get("meta"), dict):
        return 0, 0
    return int(stored["meta"].get("seq", 0)), int(stored["meta"].get("version", 0))
