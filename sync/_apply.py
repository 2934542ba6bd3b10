"""Apply one verified batch to the store, inside the caller's transaction.

Each line is validated (:func:`kiosk.records.parse_record`) and screened on its own: a malformed
record is rejected and reported (batch, line, reason) while the rest of the batch applies.
"""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import RecordError
from kiosk.records import MAX_RECORD_BYTES, STATUSES, parse_record
from kiosk.screening import ContentScreen
from kiosk.store import Transaction

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_LINE_BYTES",
    "BatchCounts",
    "BatchRejection",
    "BatchTooLarge",
    "apply_batch",
    "check_batch",
    "read_batch",
]

logger = logging.getLogger(__name__)

_WITHDRAWN = "withdrawn"
_SCRIPT = re.compile(r"<\s*script\b|\bjavascript\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class BatchRejection:
    """Something a sync could not apply: a record in a signed batch (``kind`` "rejected"), a
    withdrawal or status change of an id this kiosk does not hold ("unknown"), or an attachment
    the server does not have ("blob"; ``batch`` and ``line`` are 0)."""

    batch: int
    line: int
    doc_id: str | None
    reason: str
    kind: str = "rejected"

    def __str__(self) -> str:
        ident = f" [{self.doc_id}]" if self.doc_id else ""
        if self.kind == "blob":
            return f"附件{ident}：{self.reason}"
        return f"批次 {self.batch} 第 {self.line} 行{ident}：{self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "batch": self.batch, "line": self.line, "id": self.doc_id,
                "reason": self.reason}  # fmt: skip

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BatchRejection:
        return cls(int(raw.get("batch") or 0), int(raw.get("line") or 0), raw.get("id"),
                   str(raw.get("reason", "")), str(raw.get("kind", "rejected")))  # fmt: skip


@dataclass
class BatchCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    status_changed: int = 0
    quarantined: int = 0
    rejections: list[BatchRejection] = field(default_factory=list)
    unknown: list[BatchRejection] = field(default_factory=list)


#: A line longer than this is not a document (see :data:`kiosk.records.MAX_RECORD_BYTES`).
MAX_LINE_BYTES = MAX_RECORD_BYTES
#: Decompressed bytes one batch may hold: a 300 KB gzip can inflate to gigabytes.
MAX_BATCH_BYTES = 1024 * 1024 * 1024


class BatchTooLarge(ValueError):
    """A batch inflates past the cap: refused whole, before anything is applied."""


#: What :func:`read_batch` yields for a line over the cap (its bytes are skipped, never held).
OVERSIZED = b""


def read_batch(
    path: Path, *, max_line: int = MAX_LINE_BYTES, max_total: int = MAX_BATCH_BYTES
) -> tuple[dict[str, Any], Iterator[tuple[int, bytes]]]:
    """The header and the (line number, raw line) pairs of a batch file, streamed.

    Memory stays within ``max_line`` whatever the file holds: a longer line is skipped and yielded
    as :data:`OVERSIZED`, so the caller rejects that one record and goes on.

    Raises:
        ValueError: not a gzip batch, or the header is missing.
        BatchTooLarge: (while iterating) more than ``max_total`` bytes once decompressed.
    """
    handle = gzip.open(path, "rb")  # noqa: SIM115 - closed by the line iterator it returns
    try:
        first = handle.readline(max_line)
        header = json.loads(first)
        if not isinstance(header, dict) or "feed_batch" not in header:
            raise ValueError("batch header missing")
    except (OSError, EOFError, zlib.error, ValueError):
        handle.close()
        raise

    def lines() -> Iterator[tuple[int, bytes]]:
        total = len(first)
        with handle:
            for number in itertools.count(2):
                line = handle.readline(max_line + 1)
                if not line:
                    return
                total += len(line)
                oversized = len(line) > max_line
                while oversized and not line.endswith(b"\n"):
                    line = handle.readline(1024 * 1024)  # skip the rest of the long line
                    if not line:
                        break
                    total += len(line)
                    if total > max_total:
                        break
                if total > max_total:
                    raise BatchTooLarge(
                        f"解压后超过 {max_total // (1024 * 1024)} MB (batch inflates past the cap)"
                    )
                if oversized:
                    yield number, OVERSIZED
                elif line.strip():
                    yield number, line

    return header, lines()


def check_batch(
    path: Path, number: int, *, max_line: int = MAX_LINE_BYTES, max_total: int = MAX_BATCH_BYTES
) -> int:
    """Read a whole batch once (gzip CRC, header, size cap); returns its line count.

    Raises:
        ValueError: unreadable, truncated, too large, or the header names another batch.
    """
    header, lines = read_batch(path, max_line=max_line, max_total=max_total)
    if int(header["feed_batch"]) != number:
        raise ValueError(f"batch header says {header['feed_batch']}, expected {number}")
    try:
        return sum(1 for _ in lines)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(str(e)) from e


def apply_batch(
    tx: Transaction,
    number: int,
    lines: Iterator[tuple[int, bytes]],
    screen: ContentScreen,
    *,
    base: bool = False,
) -> BatchCounts:
    """Apply every operation of batch ``number`` in ``tx`` (the caller commits).

    A withdrawal or status change of an id this kiosk never held is counted in ``unknown``
    (except in a base, which carries the withdrawals of the whole history on purpose).
    """
    counts = BatchCounts()
    for line_no, line in lines:
        if line == OVERSIZED:
            _reject(counts, number, line_no, None, "记录过长，超过单行上限 (line too long)")
            continue
        try:
            op = json.loads(line)
        except ValueError as e:
            _reject(counts, number, line_no, None, f"JSON 格式错误 (bad JSON): {e}")
            continue
        if not isinstance(op, dict):
            _reject(counts, number, line_no, None, "不是 JSON 对象 (not an object)")
            continue
        kind = op.get("op")
        try:
            if kind == "upsert":
                _upsert(tx, op.get("doc"), screen, counts)
            elif kind in ("withdraw", "status"):
                apply = _withdraw if kind == "withdraw" else _status
                if not apply(tx, op, number, counts) and not base:
                    what = "撤回" if kind == "withdraw" else "状态变更"
                    counts.unknown.append(
                        BatchRejection(number, line_no, _doc_id(op),
                                  f"{what}的文件本机没有，未执行 (unknown id)", "unknown")
                    )  # fmt: skip
            else:
                raise RecordError(f"未知操作 {kind!r} (unknown operation)")
        except RecordError as e:
            doc = op.get("doc")
            doc_id = op.get("id") or (doc.get("id") if isinstance(doc, dict) else None)
            _reject(counts, number, line_no, str(doc_id) if doc_id else None, str(e))
    return counts


def _reject(counts: BatchCounts, batch: int, line: int, doc_id: str | None, reason: str) -> None:
    rejection = BatchRejection(batch, line, doc_id, reason)
    logger.warning("rejected record: %s", rejection)
    counts.rejections.append(rejection)


def _upsert(tx: Transaction, doc: Any, screen: ContentScreen, counts: BatchCounts) -> None:
    if isinstance(doc, dict) and isinstance(doc.get("body"), str) and _SCRIPT.search(doc["body"]):
        # The sanitizer would strip it, but a script in a signed portal record means the portal's
        # CMS was tampered with: keep the whole record out rather than show a cleaned copy.
        raise RecordError("正文含有脚本 <script>，拒收 (script in body)")
    record = parse_record(doc)
    findings = screen.check(record)
    reason = "；".join(str(f) for f in findings) or None
    outcome = tx.upsert(record, screen_reason=reason, source="sync")
    if outcome == "unchanged":
        counts.unchanged += 1
    elif reason:
        counts.quarantined += 1
    elif outcome == "added":
        counts.added += 1
    else:
        counts.updated += 1


def _doc_id(op: dict[str, Any]) -> str:
    doc_id = op.get("id")
    if not isinstance(doc_id, str | int) or isinstance(doc_id, bool) or not str(doc_id).strip():
        raise RecordError("缺少字段 id (missing id)")
    return str(doc_id).strip()


def _withdraw(tx: Transaction, op: dict[str, Any], batch: int, counts: BatchCounts) -> bool:
    """Hide the document; False when this kiosk never held it."""
    doc_id = _doc_id(op)
    doc = tx.get(doc_id)
    if doc is None:
        return False
    if doc.visibility == _WITHDRAWN:
        return True  # already withdrawn: nothing to hide
    note = str(op.get("note") or f"更新源批次 {batch} 撤回")
    tx.set_visibility(doc_id, _WITHDRAWN, actor="sync", action="withdraw", note=note)
    counts.withdrawn += 1
    return True


def _status(tx: Transaction, op: dict[str, Any], batch: int, counts: BatchCounts) -> bool:
    """Change the document's status; False when this kiosk never held it."""
    doc_id = _doc_id(op)
    status = op.get("status")
    if status not in STATUSES:
        raise RecordError(f"字段 status 取值无效: {status!r}，应为 {'/'.join(STATUSES)}")
    superseded_by = op.get("superseded_by")
    if superseded_by is not None and not isinstance(superseded_by, str):
        raise RecordError("字段 superseded_by 应为文本 (superseded_by must be a string)")
    doc = tx.get(doc_id)
    if doc is None:
        return False
    if doc.status == status and (superseded_by is None or doc.superseded_by == superseded_by):
        return True
    tx.set_status(doc_id, status, superseded_by=superseded_by)
    counts.status_changed += 1
    return True
