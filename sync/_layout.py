"""The feed's shape, shared by the publisher (:mod:`sync.feed`) and the kiosk (:mod:`sync.client`).

A feed directory is plain static files::

    metadata/          TUF metadata: N.root.json, timestamp.json, N.snapshot.json, N.targets.json
    targets/           TUF targets, hash-prefixed (consistent snapshots):
        <sha256>.batches.json                 the feed index (which batches exist, the latest base)
        batches/<sha256>.000042.jsonl.gz      immutable numbered batches, gzip JSON lines
    blobs/ab/<sha256>  attachment blobs, content-addressed; their hash is in the signed batch record

A batch's first line is a header ``{"feed_batch": 42, "base": false, ...}``; every other line is one
operation: ``{"op": "upsert", "doc": {...}}``, ``{"op": "withdraw", "id": ...}`` or
``{"op": "status", "id": ..., "status": "repealed", "superseded_by": ...}``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BATCH_DIR",
    "FEED_FORMAT",
    "INDEX_TARGET",
    "BatchEntry",
    "FeedIndex",
    "batch_target",
    "blob_relpath",
]

#: Version of the feed layout; a kiosk refuses a feed index with a newer one.
FEED_FORMAT = 1
INDEX_TARGET = "batches.json"
BATCH_DIR = "batches"


def batch_target(number: int) -> str:
    """The TUF target path of batch ``number``, e.g. ``batches/000042.jsonl.gz``."""
    return f"{BATCH_DIR}/{number:06d}.jsonl.gz"


def blob_relpath(sha256: str) -> str:
    """Where a blob lives below the feed root; sharded so a FAT32 stick never holds 65k in one dir."""
    return f"blobs/{sha256[:2]}/{sha256}"


@dataclass(frozen=True)
class BatchEntry:
    """One batch in the feed index; ``at`` is when the portal published it (UTC ISO 8601, or
    empty for batches published before the feed recorded it)."""

    number: int
    path: str
    base: bool
    records: int
    at: str = ""

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "n": self.number, "path": self.path, "base": self.base, "records": self.records
        }  # fmt: skip
        if self.at:
            entry["at"] = self.at
        return entry


@dataclass(frozen=True)
class FeedIndex:
    """The feed index target: batches from the latest base onward."""

    latest: int
    base: int
    batches: tuple[BatchEntry, ...]

    def to_bytes(self) -> bytes:
        payload = {
            "format": FEED_FORMAT,
            "latest": self.latest,
            "base": self.base,
            "batches": [b.to_dict() for b in self.batches],
        }
        return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> FeedIndex:
        """Parse the index.

        Raises:
            ValueError: not a feed index this kiosk understands.
        """
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("batches"), list):
            raise ValueError("not a feed index")
        if int(raw.get("format", 0)) > FEED_FORMAT:
            raise ValueError(f"feed format {raw.get('format')} is newer than {FEED_FORMAT}")
        batches = tuple(
            BatchEntry(
                int(b["n"]),
                str(b["path"]),
                bool(b.get("base")),
                int(b.get("records", 0)),
                str(b.get("at") or ""),
            )
            for b in raw["batches"]
        )
        return cls(int(raw["latest"]), int(raw.get("base") or 0), batches)

    def first(self) -> int:
        """The first batch the index must list: its base, or batch 1 when there is none."""
        return max(self.base, 1)

    def duplicates(self) -> list[int]:
        """Batch numbers listed more than once (a portal bug: never apply either copy twice)."""
        counts = Counter(b.number for b in self.batches)
        return sorted(n for n, count in counts.items() if count > 1)

    def missing(self) -> list[int]:
        """Numbers between the first batch and ``latest`` that the index does not list."""
        listed = {b.number for b in self.batches}
        return [n for n in range(self.first(), self.latest + 1) if n not in listed]

    def entry(self, number: int) -> BatchEntry | None:
        return next((b for b in self.batches if b.number == number), None)

    def to_apply(self, last_applied: int) -> list[BatchEntry]:
        """The batches a kiosk that has applied up to ``last_applied`` needs, in order, stopping
        before the first gap (batches after a missing one must wait for it).

        A kiosk behind the latest base starts from the base (a full snapshot) instead of replaying.
        """
        start = max(last_applied + 1, self.base)
        by_number = {b.number: b for b in self.batches if b.number >= start}
        needed: list[BatchEntry] = []
        for number in range(start, self.latest + 1):
            if number not in by_number:
                break
            needed.append(by_number[number])
        return needed
