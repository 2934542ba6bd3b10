"""What the store hands out: frozen read models, plain data detached from any database session.

The ORM rows stay inside the store (:mod:`kiosk._tables`); a :class:`~kiosk.store.Store` method
copies what it read into these before its session closes, so nothing here can lazy-load, expire or
change under the UI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "HIDDEN",
    "QUARANTINED",
    "REJECTED",
    "VISIBLE",
    "WITHDRAWN",
    "AllowanceStandard",
    "AuditRecord",
    "DocumentRef",
    "PublishedOffice",
    "StoredAttachment",
    "StoredDocument",
    "SyncRunRecord",
    "UpsertResult",
]

UpsertResult = Literal["added", "updated", "unchanged"]

#: Visibility of a document. Only "visible" documents are indexed and shown to villagers.
VISIBLE = "visible"
QUARANTINED = "quarantined"  # flagged by the content screen, waiting for a librarian
REJECTED = "rejected"  # a librarian kept it out
WITHDRAWN = "withdrawn"  # the portal withdrew it; kept for the audit log
HIDDEN = "hidden"  # hidden locally by the librarian


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment of a document; ``present`` once its blob is in ``blobs/`` and verified."""

    name: str
    media_type: str
    sha256: str
    size: int
    present: bool


@dataclass(frozen=True)
class DocumentRef:
    """The few fields of a document shown beside something else (a 低保 standard)."""

    id: str
    title: str
    status: str


@dataclass(frozen=True)
class AllowanceStandard:
    """A structured standard (低保 unless ``program`` says otherwise), with the document that
    published it."""

    region: str
    area: str  # urban | rural
    amount: float
    unit: str
    effective: dt.date | None
    document: DocumentRef
    program: str = "dibao"  # dibao | tekun (特困供养) | linshi (临时救助)


@dataclass(frozen=True)
class PublishedOffice:
    """An office (本地办事指南) as a visible document of the portal publishes it."""

    name: str
    address: str
    hours: str
    phone: str
    region: str
    document: DocumentRef


@dataclass(frozen=True)
class StoredDocument:
    """One document as stored (sanitized body, catalogue fields, visibility), with its
    attachments and 低保 standards."""

    id: str
    title: str
    body_html: str
    body_text: str
    index_no: str | None
    agency: str | None
    doc_number: str | None
    doc_number_norm: str | None
    written: dt.date | None
    published: dt.date | None
    category: str | None
    genre: str | None
    kind: str
    region: str | None
    status: str
    superseded_by: str | None
    url: str | None
    content_hash: str
    visibility: str
    screen_reason: str | None
    source: str
    created_at: dt.datetime  # naive UTC
    updated_at: dt.datetime  # naive UTC
    change_seq: int
    attachments: tuple[StoredAttachment, ...] = ()
    allowances: tuple[AllowanceStandard, ...] = ()

    @property
    def is_visible(self) -> bool:
        return self.visibility == VISIBLE


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log: who decided what about a document, and why."""

    at: dt.datetime  # naive UTC
    actor: str
    action: str
    document_id: str | None
    document_title: str | None  # None when the document is gone
    note: str | None


@dataclass(frozen=True)
class SyncRunRecord:
    """One sync attempt, for the librarian's history and ``kiosk status``."""

    id: int
    started_at: dt.datetime  # naive UTC
    finished_at: dt.datetime | None
    source: str
    ok: bool
    batches: int
    added: int
    updated: int
    withdrawn: int
    quarantined: int
    rejected: int
    bytes: int
    error: str | None
    #: what the run could not apply (``{"kind", "batch", "line", "id", "reason"}`` each)
    problems: tuple[dict[str, Any], ...] = ()
