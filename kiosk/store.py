"""The store: one SQLite file, the source of truth (DESIGN.md "The store is the truth").

Documents, attachments, 低保 standards, the change log, settings, usage counts, sync runs and the
audit log live here. Every write to a document appends to ``changes`` in the same transaction, so the
search index (derived, rebuildable) can catch up from the last change it holds.

Writes go through :meth:`Store.write`, one short transaction each; SQLite runs in WAL mode so the
UI keeps reading while sync writes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from kiosk._tables import (
    AllowanceRow,
    AttachmentRow,
    AuditEntry,
    Base,
    Change,
    Document,
    OfficeRow,
    Setting,
    SyncRun,
    UsageCount,
    utc_now,
)
from kiosk.errors import StoreError
from kiosk.models import (
    HIDDEN,
    QUARANTINED,
    REJECTED,
    VISIBLE,
    WITHDRAWN,
    AllowanceStandard,
    AuditRecord,
    DocumentRef,
    PublishedOffice,
    StoredAttachment,
    StoredDocument,
    SyncRunRecord,
    UpsertResult,
)
from kiosk.records import DocumentRecord

__all__ = [
    "HIDDEN",
    "QUARANTINED",
    "REJECTED",
    "SCHEMA_VERSION",
    "VISIBLE",
    "WITHDRAWN",
    "Store",
    "Transaction",
    "UpsertResult",
]

#: Bump together with a new entry in ``_MIGRATIONS``; a kiosk is upgraded in place, never wiped.
SCHEMA_VERSION = 3

_DOCUMENT_FIELDS = (
    "id", "title", "body_html", "body_text", "index_no", "agency", "doc_number", "doc_number_norm",
    "written", "published", "category", "genre", "kind", "region", "status", "superseded_by",
    "url", "content_hash", "visibility", "screen_reason", "source", "created_at", "updated_at",
    "change_seq",
)  # fmt: skip
_RECORD_FIELDS = (
    "title", "body_html", "body_text", "index_no", "agency", "doc_number", "doc_number_norm",
    "written", "published", "category", "genre", "kind", "region", "status", "superseded_by",
    "url",
)  # fmt: skip
_RUN_COUNTS = ("batches", "added", "updated", "withdrawn", "quarantined", "rejected", "bytes")


def _ref(row: Document) -> DocumentRef:
    return DocumentRef(id=row.id, title=row.title, status=row.status)


def _standard(row: AllowanceRow, document: DocumentRef) -> AllowanceStandard:
    return AllowanceStandard(
        region=row.region, area=row.area, amount=row.amount, unit=row.unit,
        effective=row.effective, document=document, program=row.program,
    )  # fmt: skip


def _document(row: Document) -> StoredDocument:
    """Copy a row (its attachments and allowances loaded) into a read model."""
    ref = _ref(row)
    return StoredDocument(
        **{name: getattr(row, name) for name in _DOCUMENT_FIELDS},
        attachments=tuple(
            StoredAttachment(a.name, a.media_type, a.sha256, a.size, a.present)
            for a in row.attachments
        ),
        allowances=tuple(_standard(a, ref) for a in row.allowances),
    )


def _run(row: SyncRun) -> SyncRunRecord:
    return SyncRunRecord(
        id=row.id, started_at=row.started_at, finished_at=row.finished_at, source=row.source,
        ok=row.ok, error=row.error, **{name: getattr(row, name) for name in _RUN_COUNTS},
        problems=tuple(_problems(row.problems)),
    )  # fmt: skip


def _problems(text: str | None) -> list[dict[str, Any]]:
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return []
    return [p for p in raw if isinstance(p, dict)] if isinstance(raw, list) else []


_WITH_PARTS = (selectinload(Document.attachments), selectinload(Document.allowances))


class Transaction:
    """One write transaction (from :meth:`Store.write`): every method runs inside it, and nothing
    is visible to other readers until the block ends."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- documents -------------------------------------------------------------------------
    def upsert(
        self,
        record: DocumentRecord,
        *,
        screen_reason: str | None = None,
        source: str = "import",
    ) -> UpsertResult:
        """Insert or update one document, logging the change in the same transaction.

        A document flagged by the content screen (``screen_reason``) is quarantined; a document the
        librarian hid locally stays hidden across updates.
        """
        session = self._session
        content_hash = record.content_hash
        doc = session.get(Document, record.id, options=[selectinload(Document.attachments)])
        if doc is not None and doc.content_hash == content_hash and doc.visibility != WITHDRAWN:
            return "unchanged"
        result: UpsertResult = "added" if doc is None else "updated"
        if doc is None:
            doc = Document(id=record.id, created_at=utc_now())
            session.add(doc)
            previous_visibility = None
        else:
            previous_visibility = doc.visibility
        for name in _RECORD_FIELDS:
            setattr(doc, name, getattr(record, name))
        doc.content_hash = content_hash
        doc.source = source
        doc.updated_at = utc_now()
        if screen_reason:
            doc.visibility, doc.screen_reason = QUARANTINED, screen_reason
        elif previous_visibility == HIDDEN:
            doc.screen_reason = None
        else:
            doc.visibility, doc.screen_reason = VISIBLE, None
        present = {a.sha256 for a in doc.attachments if a.present}
        doc.attachments = [
            AttachmentRow(
                position=i, name=a.name, media_type=a.media_type, sha256=a.sha256, size=a.size,
                present=a.sha256 in present,
            )
            for i, a in enumerate(record.attachments)
        ]  # fmt: skip
        doc.allowances = [
            AllowanceRow(
                region=a.region, area=a.area, amount=a.amount, unit=a.unit,
                effective=a.effective, program=a.program,
            )
            for a in record.allowances
        ]  # fmt: skip
        office = record.office
        doc.offices = (
            []
            if office is None
            else [OfficeRow(name=office.name, address=office.address, hours=office.hours,
                            phone=office.phone, region=office.region)]
        )  # fmt: skip
        self._log_change(doc)
        return result

    def get(self, doc_id: str) -> StoredDocument | None:
        """A document as this transaction sees it (including its own uncommitted writes)."""
        row = self._session.get(Document, doc_id, options=list(_WITH_PARTS))
        return None if row is None else _document(row)

    def set_visibility(
        self,
        doc_id: str,
        visibility: str,
        *,
        actor: str,
        action: str,
        note: str | None = None,
    ) -> None:
        """Change who may see a document (approve, reject, withdraw, hide) and audit it.

        Raises:
            StoreError: no such document.
        """
        doc = self._session.get(Document, doc_id)
        if doc is None:
            raise StoreError(f"找不到文档 {doc_id} (no such document)")
        doc.visibility = visibility
        doc.updated_at = utc_now()
        self._log_change(doc)
        self._session.add(AuditEntry(actor=actor, action=action, document_id=doc_id, note=note))

    def set_status(self, doc_id: str, status: str, superseded_by: str | None = None) -> bool:
        """Mark a document repealed/expired (e.g. superseded by a new policy); False if unknown."""
        doc = self._session.get(Document, doc_id)
        if doc is None:
            return False
        doc.status = status
        if superseded_by is not None:
            doc.superseded_by = superseded_by
        doc.updated_at = utc_now()
        self._log_change(doc)
        return True

    def _log_change(self, doc: Document) -> None:
        change = Change(document_id=doc.id)
        self._session.add(change)
        self._session.flush()
        doc.change_seq = change.seq

    # -- bookkeeping -----------------------------------------------------------------------
    def set_setting(self, key: str, value: Any) -> None:
        self._session.merge(Setting(key=key, value=json.dumps(value, ensure_ascii=False)))

    def start_sync_run(self, source: str) -> int:
        """Record that a sync started (not ok until :meth:`finish_sync_run`); returns its id."""
        run = SyncRun(source=source[:500], ok=False)
        self._session.add(run)
        self._session.flush()
        return int(run.id)

    def finish_sync_run(
        self,
        run_id: int,
        *,
        error: str | None,
        problems: Sequence[dict[str, Any]] = (),
        **counts: int,
    ) -> None:
        """Record how a sync ended: ``error`` None means it succeeded; ``counts`` are
        batches, added, updated, withdrawn, quarantined, rejected and bytes; ``problems`` what it
        could not apply (JSON objects)."""
        run = self._session.get(SyncRun, run_id)
        if run is None:
            return
        unknown = set(counts) - set(_RUN_COUNTS)
        if unknown:
            raise TypeError(f"unknown sync run counts {sorted(unknown)}")
        run.finished_at, run.ok, run.error = utc_now(), error is None, error
        run.problems = json.dumps(list(problems), ensure_ascii=False) if problems else None
        for name, value in counts.items():
            setattr(run, name, value)

    def mark_attachment_present(self, sha256: str) -> None:
        """Every attachment with this blob is now in ``blobs/``, verified. Its documents are
        logged as changed, so the index reads the attachment's text."""
        self._session.execute(
            update(AttachmentRow).where(AttachmentRow.sha256 == sha256).values(present=True)
        )
        holders = self._session.scalars(
            select(Document).join(AttachmentRow).where(AttachmentRow.sha256 == sha256)
        )
        for doc in holders.unique().all():
            self._log_change(doc)


# Migrations from version N to N+1, run in order on an existing file. A fresh file is created at
# the head schema directly. Each step gets a Connection inside the upgrade transaction.
def _add_sync_run_problems(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE sync_runs ADD COLUMN problems TEXT")


def _add_programs_and_offices(conn: Connection) -> None:
    # every standard stored before version 3 is a 低保 standard
    conn.exec_driver_sql(
        "ALTER TABLE allowances ADD COLUMN program VARCHAR(20) NOT NULL DEFAULT 'dibao'"
    )
    Base.metadata.create_all(conn, tables=[OfficeRow.__table__])  # type: ignore[list-item]


_MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _add_sync_run_problems,
    2: _add_programs_and_offices,
}


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # NORMAL is durable across application crashes in WAL mode; a power cut may lose the last
    # transaction but never corrupts the file, and the index reconciles from the change log.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """The kiosk's SQLite store. Open one per process; it is safe to share across threads.

    Reads are methods returning frozen read models (:mod:`kiosk.models`); writes happen in
    ``with store.write() as tx:`` blocks through :class:`Transaction`, or in the one-shot write
    methods below.
    """

    FILENAME = "kiosk.sqlite3"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"无法创建数据目录 {self.path.parent}：{e.strerror}") from e
        self._engine: Engine = create_engine(f"sqlite:///{self.path}", future=True)
        # a Store dropped without close() still closes its connections (no ResourceWarning on
        # Python 3.13, no file handle left open on a long-running kiosk)
        weakref.finalize(self, self._engine.dispose)
        event.listen(self._engine, "connect", _set_sqlite_pragmas)
        # A Store dropped without close() still closes its pooled connections (Python 3.13
        # warns about every sqlite3 connection collected open, in whatever code runs next).
        weakref.finalize(self, self._engine.dispose)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        try:
            self._migrate()
        except (SQLAlchemyError, sqlite3.DatabaseError) as e:
            self._engine.dispose()
            reason = getattr(e, "orig", None) or e
            raise StoreError(f"无法打开数据库 {self.path}：{reason} (cannot open the store)") from e
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        return cls(Path(data_dir) / cls.FILENAME)

    def close(self) -> None:
        """Close every pooled connection (the store can still be used; it reconnects)."""
        self._engine.dispose()

    # -- schema ----------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._engine.begin() as conn:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
            has_tables = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='documents'")
            ).scalar_one()
            if not has_tables:
                Base.metadata.create_all(conn)
                conn.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"数据库版本 {version} 比本程序新 ({SCHEMA_VERSION})，请升级查阅机软件。"
                    " (the data was written by a newer kiosk version)"
                )
            for step in range(version, SCHEMA_VERSION):
                _MIGRATIONS[step](conn)
                conn.exec_driver_sql(f"PRAGMA user_version={step + 1}")

    def schema_version(self) -> int:
        return int(self._pragma("user_version"))

    def _pragma(self, name: str) -> Any:
        with self._engine.connect() as conn:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()

    def sqlite_mode(self) -> tuple[str, bool]:
        """``(journal mode, foreign keys on)`` of a fresh connection (``("wal", True)``)."""
        return str(self._pragma("journal_mode")), bool(self._pragma("foreign_keys"))

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        try:
            with self._sessions() as session, session.begin():
                yield Transaction(session)
        except OperationalError as e:
            raise StoreError(f"写入数据库失败：{e.orig}") from e

    # -- documents -------------------------------------------------------------------------
    def get(self, doc_id: str) -> StoredDocument | None:
        with self._read() as session:
            row = session.get(Document, doc_id, options=list(_WITH_PARTS))
            return None if row is None else _document(row)

    def get_many(self, doc_ids: Sequence[str]) -> list[StoredDocument]:
        """Documents by id, in the order asked; unknown ids are skipped."""
        with self._read() as session:
            rows = session.scalars(
                select(Document).where(Document.id.in_(list(doc_ids))).options(*_WITH_PARTS)
            ).all()
            by_id = {d.id: _document(d) for d in rows}
        return [by_id[i] for i in doc_ids if i in by_id]

    def card_texts(self, doc_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``{id: (plain-text body, 发文字号 as written)}``: what a result card's snippet needs,
        read as two columns (loading whole documents with their parts cost 30 ms a page)."""
        if not doc_ids:
            return {}
        with self._read() as session:
            rows = session.execute(
                select(Document.id, Document.body_text, Document.doc_number).where(
                    Document.id.in_(list(doc_ids))
                )
            ).all()
        return {row[0]: (row[1] or "", row[2] or "") for row in rows}

    def last_change_seq(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0)

    def changed_since(self, seq: int) -> list[tuple[str, int]]:
        """``(document_id, latest seq)`` for every document changed after ``seq``, oldest first."""
        with self._read() as session:
            rows = session.execute(
                select(Change.document_id, func.max(Change.seq).label("s"))
                .where(Change.seq > seq)
                .group_by(Change.document_id)
                .order_by("s")
            ).all()
        return [(r[0], int(r[1])) for r in rows]

    def iter_visible(self, batch_size: int = 500) -> Iterator[StoredDocument]:
        """Every visible document, in id order, a batch at a time (for index rebuilds)."""
        last = ""
        while True:
            with self._read() as session:
                rows = session.scalars(
                    select(Document)
                    .where(Document.visibility == VISIBLE, Document.id > last)
                    .order_by(Document.id)
                    .limit(batch_size)
                    .options(*_WITH_PARTS)
                ).all()
                batch = [_document(row) for row in rows]
            if not batch:
                return
            yield from batch
            last = batch[-1].id

    def document_ids(self, visibility: str | None = None) -> set[str]:
        """The ids of every document (with this visibility, if given)."""
        with self._read() as session:
            query = select(Document.id)
            if visibility is not None:
                query = query.where(Document.visibility == visibility)
            return set(session.scalars(query))

    def count_visible(self) -> int:
        with self._read() as session:
            return int(
                session.scalar(select(func.count()).where(Document.visibility == VISIBLE)) or 0
            )

    def counts(self) -> dict[str, dict[str, int]]:
        """Document counts by kind, status and visibility."""
        result: dict[str, dict[str, int]] = {}
        with self._read() as session:
            for column in ("kind", "status", "visibility"):
                col = getattr(Document, column)
                rows = session.execute(select(col, func.count()).group_by(col)).all()
                result[column] = {str(k): int(v) for k, v in rows}
        return result

    def with_visibility(self, visibility: str) -> list[StoredDocument]:
        """Every document with this visibility, oldest change first."""
        with self._read() as session:
            rows = session.scalars(
                select(Document)
                .where(Document.visibility == visibility)
                .order_by(Document.updated_at)
                .options(*_WITH_PARTS)
            ).all()
            return [_document(row) for row in rows]

    def latest(self, limit: int, status: str = "valid") -> list[StoredDocument]:
        """The most recently published visible documents with ``status`` (Home's 最新公开)."""
        with self._read() as session:
            rows = session.scalars(
                select(Document)
                .where(Document.visibility == VISIBLE, Document.status == status)
                .order_by(Document.published.desc())  # walks the published index
                .limit(limit)
                .options(*_WITH_PARTS)
            ).all()
            return [_document(row) for row in rows]

    def quarantined(self) -> list[StoredDocument]:
        """Documents the content screen held back, waiting for a librarian."""
        return self.with_visibility(QUARANTINED)

    def find_titles(
        self, words: str, visibilities: Sequence[str] = (VISIBLE, HIDDEN), limit: int = 8
    ) -> list[StoredDocument]:
        """Documents whose title contains ``words``, newest published first."""
        with self._read() as session:
            rows = session.scalars(
                select(Document)
                .where(Document.title.contains(words), Document.visibility.in_(list(visibilities)))
                .order_by(Document.published.desc())
                .limit(limit)
                .options(*_WITH_PARTS)
            ).all()
            return [_document(row) for row in rows]

    def set_hidden(self, doc_id: str, hidden: bool, *, actor: str = "librarian") -> None:
        """Hide a document on this kiosk only (or show it again), audited."""
        with self.write() as tx:
            tx.set_visibility(
                doc_id, HIDDEN if hidden else VISIBLE, actor=actor,
                action="hide" if hidden else "unhide",
            )  # fmt: skip

    def allowance_standards(self, program: str | None = "dibao") -> list[AllowanceStandard]:
        """Every standard of ``program`` (低保 by default; None: every programme) from a visible
        document, newest effective date first."""
        with self._read() as session:
            query = (
                select(AllowanceRow)
                .join(Document)
                .where(Document.visibility == VISIBLE)
                .options(selectinload(AllowanceRow.document))
                .order_by(AllowanceRow.effective.desc())
            )
            if program is not None:
                query = query.where(AllowanceRow.program == program)
            rows = session.scalars(query).all()
            return [_standard(row, _ref(row.document)) for row in rows]

    def published_offices(self) -> list[PublishedOffice]:
        """Every office (本地办事指南) a visible document publishes, newest document first."""
        with self._read() as session:
            rows = session.scalars(
                select(OfficeRow)
                .join(Document)
                .where(Document.visibility == VISIBLE)
                .options(selectinload(OfficeRow.document))
                .order_by(Document.published.desc(), Document.id)
            ).all()
            return [
                PublishedOffice(r.name, r.address, r.hours, r.phone, r.region, _ref(r.document))
                for r in rows
            ]

    def current_allowance(
        self, region: str, area: str, on: dt.date | None = None
    ) -> AllowanceStandard | None:
        """The 低保 standard in force for ``region``/``area`` on ``on`` (default today).

        "In force" means: from a visible, valid document, effective on or before ``on``; the latest
        such wins, so a new standard replaces the old one from its effective date.
        """
        on = on or dt.date.today()
        for row in self.allowance_standards():
            if row.region != region or row.area != area or row.document.status != "valid":
                continue
            if row.effective is None or row.effective <= on:
                return row
        return None

    def missing_attachments(self) -> list[tuple[str, int]]:
        """``(sha256, size)`` of every blob not yet fetched, of documents not withdrawn."""
        with self._read() as session:
            rows = session.execute(
                select(AttachmentRow.sha256, AttachmentRow.size)
                .join(Document)
                .where(AttachmentRow.present.is_(False), Document.visibility != WITHDRAWN)
                .distinct()
            ).all()
        return [(str(r[0]), int(r[1])) for r in rows]

    def mark_attachment_present(self, sha256: str) -> None:
        with self.write() as tx:
            tx.mark_attachment_present(sha256)

    # -- audit log -------------------------------------------------------------------------
    def audit_log(self, limit: int = 30, document_id: str | None = None) -> list[AuditRecord]:
        """The latest audit entries, newest first (of one document, if given)."""
        with self._read() as session:
            query = (
                select(AuditEntry, Document.title)
                .join(Document, Document.id == AuditEntry.document_id, isouter=True)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            )
            if document_id is not None:
                query = query.where(AuditEntry.document_id == document_id)
            rows = session.execute(query).all()
        return [
            AuditRecord(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                document_id=entry.document_id,
                document_title=title,
                note=entry.note,
            )
            for entry, title in rows
        ]

    # -- settings --------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._read() as session:
            row = session.get(Setting, key)
            return default if row is None else json.loads(row.value)

    def get_settings(self, keys: Sequence[str]) -> dict[str, Any]:
        """The stored values of ``keys`` (JSON-decoded); keys never set are left out."""
        with self._read() as session:
            rows = session.scalars(select(Setting).where(Setting.key.in_(list(keys)))).all()
            return {row.key: json.loads(row.value) for row in rows}

    def set_setting(self, key: str, value: Any) -> None:
        self.set_settings({key: value})

    def set_settings(self, values: dict[str, Any]) -> None:
        """Store several settings in one transaction."""
        with self.write() as tx:
            for key, value in values.items():
                tx.set_setting(key, value)

    # -- usage -----------------------------------------------------------------------------
    def count_usage(self, kind: str, key: str, day: dt.date | None = None) -> None:
        """Add one to today's aggregate counter ``kind``/``key`` (no personal data is kept)."""
        day = day or dt.date.today()
        with self.write() as tx:
            tx._session.execute(
                text(
                    "INSERT INTO usage_counts (day, kind, key, count) VALUES (:d, :k, :key, 1) "
                    "ON CONFLICT(day, kind, key) DO UPDATE SET count = count + 1"
                ),
                # an ISO string, as the Date column stores it: Python 3.12 deprecates sqlite3's
                # default adapter for datetime.date
                {"d": day.isoformat(), "k": kind, "key": key[:200]},
            )

    def usage(self, kind: str, since: dt.date, until: dt.date) -> list[tuple[dt.date, str, int]]:
        with self._read() as session:
            rows = session.execute(
                select(UsageCount.day, UsageCount.key, UsageCount.count)
                .where(UsageCount.kind == kind, UsageCount.day >= since, UsageCount.day <= until)
                .order_by(UsageCount.day, UsageCount.count.desc())
            ).all()
        return [(r[0], r[1], int(r[2])) for r in rows]

    # -- sync runs -------------------------------------------------------------------------
    def start_sync_run(self, source: str) -> int:
        with self.write() as tx:
            return tx.start_sync_run(source)

    def sync_runs(self, limit: int = 20) -> list[SyncRunRecord]:
        """The latest sync runs, newest first."""
        with self._read() as session:
            rows = session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)).all()
            return [_run(row) for row in rows]

    def last_sync(self, ok_only: bool = False) -> SyncRunRecord | None:
        with self._read() as session:
            query = select(SyncRun).order_by(SyncRun.id.desc()).limit(1)
            if ok_only:
                query = query.where(SyncRun.ok.is_(True))
            row = session.scalars(query).first()
            return None if row is None else _run(row)

    def check(self) -> list[str]:
        """SQLite's own integrity check; an empty list means the file is sound."""
        try:
            with self._engine.connect() as conn:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").all()]
        except SQLAlchemyError as e:
            return [str(e)]
        return [] if rows == ["ok"] else rows
