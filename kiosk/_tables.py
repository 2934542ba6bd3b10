"""The store's table models (SQLAlchemy ORM). Private to the store: nothing outside
``kiosk/store.py`` imports this module; everyone else gets the frozen read models of
:mod:`kiosk.models` from typed :class:`~kiosk.store.Store` methods."""

from __future__ import annotations

import datetime as dt

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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kiosk.models import VISIBLE


def utc_now() -> dt.datetime:
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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    change_seq: Mapped[int] = mapped_column(Integer, default=0)
    read_count: Mapped[int] = mapped_column(Integer, default=0)

    attachments: Mapped[list[AttachmentRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="AttachmentRow.position"
    )
    allowances: Mapped[list[AllowanceRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )
    offices: Mapped[list[OfficeRow]] = relationship(
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
    """A structured standard (低保, 特困供养, 临时救助) published by a document."""

    __tablename__ = "allowances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    region: Mapped[str] = mapped_column(Text, index=True)
    area: Mapped[str] = mapped_column(String(10))
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    effective: Mapped[dt.date | None] = mapped_column(Date)
    program: Mapped[str] = mapped_column(String(20), default="dibao", server_default="dibao")

    document: Mapped[Document] = relationship(back_populates="allowances")


class OfficeRow(Base):
    """Where to apply (本地办事指南), as a document of the portal publishes it."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    hours: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="offices")


class Change(Base):
    """The change log: a monotonically increasing sequence over document writes."""

    __tablename__ = "changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class AuditEntry(Base):
    """Who decided what about a document, and why (quarantine review, withdrawals, hiding)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
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
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
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
    #: JSON list of what the run could not apply: rejected records, operations on unknown ids,
    #: attachments missing on the server (``{"kind", "batch", "line", "id", "reason"}``)
    problems: Mapped[str | None] = mapped_column(Text)
