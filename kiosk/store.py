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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)

from kiosk.errors import StoreError
from kiosk.records import DocumentRecord

__all__ = [
    "SCHEMA_VERSION",
    "AllowanceRow",
    "AttachmentRow",
    "AuditEntry",
    "Change",
    "Document",
    "Setting",
    "Store",
    "SyncRun",
    "UpsertResult",
    "UsageCount",
]

#: Bump together with a new entry in ``_MIGRATIONS``; a kiosk is upgraded in place, never wiped.
SCHEMA_VERSION = 1

UpsertResult = Literal["added", "updated", "unchanged"]

#: Visibility of a document. Only "visible" documents are indexed and shown to villagers.
VISIBLE = "visible"
QUARANTINED = "quarantined"  # flagged by the content screen, waiting for a librarian
REJECTED = "rejected"  # a librarian kept it out
WITHDRAWN = "withdrawn"  # the portal withdrew it; kept for the audit log
HIDDEN = "hidden"  # hidden locally by the librarian


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    index_no: Mapped[str | None] = mapped_column(String(100))
    agency: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(Text)
    doc_number_norm: Mapped[str | None] = mapped_column(Text, index=True)
    written: Mapped[dt.date | None] = mapped_column(Date)
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)
    category: Mapped[str | None] = mapped_column(Text, index=True)
    genre: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="disclosure")
    region: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="valid")
    superseded_by: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    visibility: Mapped[str] = mapped_column(String(20), default=VISIBLE, index=True)
    screen_reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200), default="import")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    change_seq: Mapped[int] = mapped_column(Integer, default=0)
    read_count: Mapped[int] = mapped_column(Integer, default=0)

    attachments: Mapped[list[AttachmentRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="AttachmentRow.position"
    )
    allowances: Mapped[list[AllowanceRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )

    @property
    def is_visible(self) -> bool:
        return self.visibility == VISIBLE


class AttachmentRow(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    #: True once the blob is in the data dir's ``blobs/`` folder and its hash verified.
    present: Mapped[bool] = mapped_column(Boolean, default=False)

    document: Mapped[Document] = relationship(back_populates="attachments")


class AllowanceRow(Base):
    """A structured 低保 standard published by a document."""

    __tablename__ = "allowances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    region: Mapped[str] = mapped_column(Text, index=True)
    area: Mapped[str] = mapped_column(String(10))
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    effective: Mapped[dt.date | None] = mapped_column(Date)

    document: Mapped[Document] = relationship(back_populates="allowances")


class Change(Base):
    """The change log: a monotonically increasing sequence over document writes."""

    __tablename__ = "changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class AuditEntry(Base):
    """Who decided what about a document, and why (quarantine review, withdrawals, hiding)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(50))
    document_id: Mapped[str | None] = mapped_column(String(200), index=True)
    note: Mapped[str | None] = mapped_column(Text)


class UsageCount(Base):
    """Aggregated usage per day; never anything about a person."""

    __tablename__ = "usage_counts"
    __table_args__ = (UniqueConstraint("day", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(30))  # search, zero_result, open, category, selfcheck
    key: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=0)


class SyncRun(Base):
    """One sync attempt, for the librarian's history and ``kiosk status``."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


# Migrations from version N to N+1, run in order on an existing file. A fresh file is created at
# the head schema directly. Each step gets a Connection inside the upgrade transaction.
_MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


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
    """The kiosk's SQLite store. Open one per process; it is safe to share across threads."""

    FILENAME = "kiosk.sqlite3"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"无法创建数据目录 {self.path.parent}：{e.strerror}") from e
        self.engine: Engine = create_engine(f"sqlite:///{self.path}", future=True)
        event.listen(self.engine, "connect", _set_sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            self._migrate()
        except (SQLAlchemyError, sqlite3.DatabaseError) as e:
            reason = getattr(e, "orig", None) or e
            raise StoreError(f"无法打开数据库 {self.path}：{reason} (cannot open the store)") from e

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        return cls(Path(data_dir) / cls.FILENAME)

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ----------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self.engine.begin() as conn:
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
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())

    # -- sessions --------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as e:
            raise StoreError(f"写入数据库失败：{e.orig}") from e

    # -- documents -------------------------------------------------------------------------
    def upsert(
        self,
        session: Session,
        record: DocumentRecord,
        *,
        screen_reason: str | None = None,
        source: str = "import",
    ) -> UpsertResult:
        """Insert or update one document, logging the change in the same transaction.

        A document flagged by the content screen (``screen_reason``) is quarantined; a document the
        librarian hid locally stays hidden across updates.
        """
        content_hash = record.content_hash
        doc = session.get(Document, record.id, options=[selectinload(Document.attachments)])
        if doc is not None and doc.content_hash == content_hash and doc.visibility != WITHDRAWN:
            return "unchanged"
        result: UpsertResult = "added" if doc is None else "updated"
        if doc is None:
            doc = Document(id=record.id, created_at=_now())
            session.add(doc)
            previous_visibility = None
        else:
            previous_visibility = doc.visibility
        for name in (
            "title", "body_html", "body_text", "index_no", "agency", "doc_number",
            "doc_number_norm", "written", "published", "category", "genre", "kind", "region",
            "status", "superseded_by", "url",
        ):  # fmt: skip
            setattr(doc, name, getattr(record, name))
        doc.content_hash = content_hash
        doc.source = source
        doc.updated_at = _now()
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
                region=a.region, area=a.area, amount=a.amount, unit=a.unit, effective=a.effective
            )
            for a in record.allowances
        ]
        self._log_change(session, doc)
        return result

    def set_visibility(
        self,
        session: Session,
        doc_id: str,
        visibility: str,
        *,
        actor: str,
        action: str,
        note: str | None = None,
    ) -> Document:
        """Change who may see a document (approve, reject, withdraw, hide) and audit it."""
        doc = session.get(Document, doc_id)
        if doc is None:
            raise StoreError(f"找不到文档 {doc_id} (no such document)")
        doc.visibility = visibility
        doc.updated_at = _now()
        self._log_change(session, doc)
        session.add(AuditEntry(actor=actor, action=action, document_id=doc_id, note=note))
        return doc

    def set_status(
        self, session: Session, doc_id: str, status: str, superseded_by: str | None = None
    ) -> bool:
        """Mark a document repealed/expired (e.g. superseded by a new policy); False if unknown."""
        doc = session.get(Document, doc_id)
        if doc is None:
            return False
        doc.status = status
        if superseded_by is not None:
            doc.superseded_by = superseded_by
        doc.updated_at = _now()
        self._log_change(session, doc)
        return True

    def _log_change(self, session: Session, doc: Document) -> None:
        change = Change(document_id=doc.id)
        session.add(change)
        session.flush()
        doc.change_seq = change.seq

    def get(self, doc_id: str) -> Document | None:
        with self.read() as session:
            return session.get(
                Document,
                doc_id,
                options=[selectinload(Document.attachments), selectinload(Document.allowances)],
            )

    def get_many(self, doc_ids: Sequence[str]) -> list[Document]:
        """Documents by id, in the order asked; unknown ids are skipped."""
        with self.read() as session:
            rows = session.scalars(select(Document).where(Document.id.in_(list(doc_ids)))).all()
        by_id = {d.id: d for d in rows}
        return [by_id[i] for i in doc_ids if i in by_id]

    def last_change_seq(self) -> int:
        with self.read() as session:
            return int(session.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0)

    def changed_since(self, seq: int) -> list[tuple[str, int]]:
        """``(document_id, latest seq)`` for every document changed after ``seq``, oldest first."""
        with self.read() as session:
            rows = session.execute(
                select(Change.document_id, func.max(Change.seq).label("s"))
                .where(Change.seq > seq)
                .group_by(Change.document_id)
                .order_by("s")
            ).all()
        return [(r[0], int(r[1])) for r in rows]

    def iter_visible(self, batch_size: int = 500) -> Iterator[Document]:
        """Every visible document, in id order, a batch at a time (for index rebuilds)."""
        last = ""
        while True:
            with self.read() as session:
                batch = session.scalars(
                    select(Document)
                    .where(Document.visibility == VISIBLE, Document.id > last)
                    .order_by(Document.id)
                    .limit(batch_size)
                ).all()
            if not batch:
                return
            yield from batch
            last = batch[-1].id

    def count_visible(self) -> int:
        with self.read() as session:
            return int(
                session.scalar(select(func.count()).where(Document.visibility == VISIBLE)) or 0
            )

    def counts(self) -> dict[str, dict[str, int]]:
        """Document counts by kind, status and visibility."""
        result: dict[str, dict[str, int]] = {}
        with self.read() as session:
            for column in ("kind", "status", "visibility"):
                col = getattr(Document, column)
                rows = session.execute(select(col, func.count()).group_by(col)).all()
                result[column] = {str(k): int(v) for k, v in rows}
        return result

    def quarantined(self) -> list[Document]:
        with self.read() as session:
            return list(
                session.scalars(
                    select(Document)
                    .where(Document.visibility == QUARANTINED)
                    .order_by(Document.updated_at)
                ).all()
            )

    def allowance_standards(self) -> list[AllowanceRow]:
        """Every 低保 standard from a visible document, newest effective date first."""
        with self.read() as session:
            return list(
                session.scalars(
                    select(AllowanceRow)
                    .join(Document)
                    .where(Document.visibility == VISIBLE)
                    .options(selectinload(AllowanceRow.document))
                    .order_by(AllowanceRow.effective.desc())
                ).all()
            )

    def current_allowance(
        self, region: str, area: str, on: dt.date | None = None
    ) -> AllowanceRow | None:
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

    # -- settings --------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self.read() as session:
            row = session.get(Setting, key)
        return default if row is None else json.loads(row.value)

    def get_settings(self, keys: Sequence[str]) -> dict[str, Any]:
        """The stored values of ``keys`` (JSON-decoded); keys never set are left out."""
        with self.read() as session:
            rows = session.scalars(select(Setting).where(Setting.key.in_(list(keys)))).all()
        return {row.key: json.loads(row.value) for row in rows}

    def set_setting(self, key: str, value: Any) -> None:
        self.set_settings({key: value})

    def set_settings(self, values: dict[str, Any]) -> None:
        """Store several settings in one transaction."""
        with self.write() as session:
            for key, value in values.items():
                session.merge(Setting(key=key, value=json.dumps(value, ensure_ascii=False)))

    # -- usage -----------------------------------------------------------------------------
    def count_usage(self, kind: str, key: str, day: dt.date | None = None) -> None:
        """Add one to today's aggregate counter ``kind``/``key`` (no personal data is kept)."""
        day = day or dt.date.today()
        key = key[:200]
        with self.write() as session:
            session.execute(
                text(
                    "INSERT INTO usage_counts (day, kind, key, count) VALUES (:d, :k, :key, 1) "
                    "ON CONFLICT(day, kind, key) DO UPDATE SET count = count + 1"
                ),
                # ISO text, as SQLAlchemy's Date stores it: sqlite3's own date adapter is
                # deprecated since Python 3.12
                {"d": day.isoformat(), "k": kind, "key": key},
            )

    def usage(self, kind: str, since: dt.date, until: dt.date) -> list[tuple[dt.date, str, int]]:
        with self.read() as session:
            rows = session.execute(
                select(UsageCount.day, UsageCount.key, UsageCount.count)
                .where(UsageCount.kind == kind, UsageCount.day >= since, UsageCount.day <= until)
                .order_by(UsageCount.day, UsageCount.count.desc())
            ).all()
        return [(r[0], r[1], int(r[2])) for r in rows]

    # -- sync runs -------------------------------------------------------------------------
    def last_sync(self, ok_only: bool = False) -> SyncRun | None:
        with self.read() as session:
            query = select(SyncRun).order_by(SyncRun.id.desc()).limit(1)
            if ok_only:
                query = query.where(SyncRun.ok.is_(True))
            return session.scalars(query).first()

    def check(self) -> list[str]:
        """SQLite's own integrity check; an empty list means the file is sound."""
        try:
            with self.engine.connect() as conn:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").all()]
        except SQLAlchemyError as e:
            return [str(e)]
        return [] if rows == ["ok"] else rows
