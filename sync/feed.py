"""The portal side: publish documents as a signed, static feed (``kiosk publish``).

:func:`publish` reads records in the ``kiosk import`` format (plus withdrawals
``{"id": ..., "withdrawn": true}`` and status changes ``{"id": ..., "status": "repealed",
"superseded_by": ...}``; a full record may name ``"supersedes": [old ids]``), screens them,
appends immutable numbered batches and attachment blobs to the feed directory, then signs new
targets, snapshot and timestamp metadata. The result is plain static files for any web server,
CDN or USB stick. See :mod:`sync._layout` for the directory shape.

:class:`FeedWriter` is the low-level part (append a batch of operations, sign); tests use it to
sign deliberately malformed batches.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuf.api.metadata import Metadata, MetaFile, Snapshot, TargetFile, Targets, Timestamp
from tuf.api.serialization.json import JSONSerializer

from kiosk.errors import KioskError, RecordError
from kiosk.files import write_atomic
from kiosk.importer import iter_raw_records
from kiosk.records import parse_record
from kiosk.screening import ContentScreen, default_screen
from sync._layout import INDEX_TARGET, BatchEntry, FeedIndex, batch_target, blob_relpath
from sync._lock import exclusive_lock
from sync.errors import SyncError
from sync.keys import init_keys, load_root, load_signers, root_history, rotate_keys

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_EXPIRES_DAYS",
    "MAX_EXPIRES_DAYS",
    "FeedWriter",
    "Problem",
    "PublishResult",
    "init_keys",
    "publish",
    "rotate_keys",
]

logger = logging.getLogger(__name__)

#: Timestamp lifetime for an online feed: a kiosk that sees nothing newer for this long refuses
#: the feed (freeze attack). USB bundles (``kiosk bundle``) get 30–90 days.
DEFAULT_EXPIRES_DAYS = 7
#: The longest freshness claim ever signed: metadata that lived for years could be replayed to a
#: kiosk for years (a freeze that says "已是最新").
MAX_EXPIRES_DAYS = 90
#: Operations per batch: one batch is one store transaction on the kiosk, so keep it short.
DEFAULT_BATCH_SIZE = 2000
_KEEP_METADATA_VERSIONS = 20
_SERIALIZER = JSONSerializer(compact=True)
_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Problem:
    """A source record that was not published, and why (file, line, reason)."""

    where: str
    line: int
    doc_id: str | None
    reason: str

    def __str__(self) -> str:
        ident = f" [{self.doc_id}]" if self.doc_id else ""
        return f"{self.where}:{self.line}{ident} {self.reason}"


@dataclass
class PublishResult:
    """What one ``publish`` did."""

    batches: list[int] = field(default_factory=list)
    upserts: int = 0
    withdrawals: int = 0
    status_changes: int = 0
    attachments: int = 0
    flagged: list[Problem] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    bytes_written: int = 0
    base: int | None = None
    timestamp_version: int = 0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _write_file(path: Path, data: bytes) -> None:
    """Write atomically (fsynced), creating the folder first: a half-written feed file would be
    served to every kiosk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def _hash_prefixed(path: str, sha256: str) -> str:
    dirname, sep, basename = path.rpartition("/")
    return f"{dirname}{sep}{sha256}.{basename}"


def encode_batch(
    number: int, ops: Iterable[dict[str, Any] | str], *, base: bool = False, at: str = ""
) -> bytes:
    """A batch file: gzip JSON lines, header first (``at``: when it was published). Deterministic
    (gzip mtime 0).

    A ``str`` operation is written verbatim (tests use it to sign a broken line).
    """
    ops = list(ops)
    header = {"feed_batch": number, "base": base, "records": len(ops), "at": at}
    lines = [json.dumps(header, ensure_ascii=False)]
    lines += [
        op if isinstance(op, str) else json.dumps(op, ensure_ascii=False, separators=(",", ":"))
        for op in ops
    ]
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0)


class FeedWriter:
    """Appends batches to a feed directory and signs its metadata.

    Use as ``writer.add_batch(ops)`` … then ``writer.commit(expires)``; nothing is visible to
    kiosks until ``commit`` replaces ``timestamp.json``, the last file written.
    """

    def __init__(self, outdir: Path, keys_dir: Path) -> None:
        self.outdir = Path(outdir)
        self.keys_dir = Path(keys_dir)
        self.metadata_dir = self.outdir / "metadata"
        self.targets_dir = self.outdir / "targets"
        self.index = self._load_index()
        self._new: dict[str, TargetFile] = {}
        self.bytes_written = 0

    # -- reading the current state ---------------------------------------------------------
    def _load_targets(self) -> Metadata[Targets] | None:
        path = self.metadata_dir / "targets.json"
        if not path.exists():
            return None
        return Metadata[Targets].from_file(str(path))

    def _target_file(self, target: TargetFile) -> Path:
        return self.targets_dir / _hash_prefixed(target.path, target.hashes["sha256"])

    def _load_index(self) -> FeedIndex:
        targets = self._load_targets()
        if targets is None or INDEX_TARGET not in targets.signed.targets:
            return FeedIndex(latest=0, base=0, batches=())
        info = targets.signed.targets[INDEX_TARGET]
        return FeedIndex.from_bytes(self._target_file(info).read_bytes())

    def read_batch(self, number: int) -> list[dict[str, Any]]:
        """The operations of an existing batch (for compaction into a base)."""
        targets = self._load_targets()
        path = batch_target(number)
        if targets is None or path not in targets.signed.targets:
            raise SyncError(f"批次 {number} 不在更新源中 (batch not in feed)")
        data = gzip.decompress(self._target_file(targets.signed.targets[path]).read_bytes())
        lines = data.decode("utf-8").splitlines()
        return [json.loads(line) for line in lines[1:] if line.strip()]

    def current_state(self) -> dict[str, dict[str, Any]]:
        """Fold the batches from the latest base onward: id → last upsert or withdraw op."""
        state: dict[str, dict[str, Any]] = {}
        for entry in self.index.to_apply(0):
            for op in self.read_batch(entry.number):
                _fold(state, op)
        return state

    # -- writing ---------------------------------------------------------------------------
    def add_blob(self, data: bytes) -> str:
        """Store an attachment blob (content-addressed); returns its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.outdir / blob_relpath(sha)
        if not path.exists():
            _write_file(path, data)
            self.bytes_written += len(data)
        return sha

    def has_blob(self, sha256: str) -> bool:
        return (self.outdir / blob_relpath(sha256)).exists()

    def add_batch(self, ops: Iterable[dict[str, Any] | str], *, base: bool = False) -> BatchEntry:
        """Write the next numbered batch (not yet signed into the metadata).

        ``ops`` are written as given, so tests can sign malformed records on purpose.
        """
        ops = list(ops)
        number = self.index.latest + 1
        at = _utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        data = encode_batch(number, ops, base=base, at=at)
        sha = hashlib.sha256(data).hexdigest()
        _write_file(self.targets_dir / _hash_prefixed(batch_target(number), sha), data)
        self.bytes_written += len(data)
        entry = BatchEntry(number, batch_target(number), base, len(ops), at)
        self._new[entry.path] = TargetFile.from_data(entry.path, data, ["sha256"])
        kept = () if base else self.index.batches
        self.index = FeedIndex(
            latest=number, base=number if base else self.index.base, batches=(*kept, entry)
        )
        return entry

    def commit(self, expires: dt.datetime, *, step: int = 1) -> int:
        """Sign targets, snapshot and timestamp for the current state; returns timestamp version.

        Every commit bumps all three by ``step``, so re-publishing with nothing new just renews the
        expiry. ``kiosk bundle`` steps the portal's feed by 2 to leave the version in between to
        the bundle it made, so the two never sign different metadata under one version.
        """
        signers = load_signers(self.keys_dir, ["targets", "snapshot", "timestamp"])
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        self._sync_roots()

        # the feed index, then targets listing it and every batch from the latest base on
        index_data = self.index.to_bytes()
        index_info = TargetFile.from_data(INDEX_TARGET, index_data, ["sha256"])
        _write_file(self._target_file(index_info), index_data)
        previous = self._load_targets()
        targets = previous.signed if previous else Targets(version=1)
        listed: dict[str, TargetFile] = {INDEX_TARGET: index_info}
        for entry in self.index.batches:
            info = self._new.get(entry.path) or targets.targets.get(entry.path)
            if info is None:
                raise SyncError(f"找不到批次 {entry.path} 的签名信息 (batch missing from targets)")
            listed[entry.path] = info
        targets.targets = listed
        targets_md = self._sign(
            Metadata(targets), signers["targets"], expires, bump=step if previous is not None else 0
        )
        targets_bytes = self._write_role("targets", targets_md)

        old_snapshot = self._load_signed("snapshot", Snapshot)
        snapshot = old_snapshot or Snapshot(version=1, meta={})
        snapshot.meta = {
            "targets.json": MetaFile.from_data(targets.version, targets_bytes, ["sha256"])
        }
        snapshot_md = self._sign(
            Metadata(snapshot),
            signers["snapshot"],
            expires,
            bump=step if old_snapshot is not None else 0,
        )
        snapshot_bytes = self._write_role("snapshot", snapshot_md)

        old_timestamp = self._load_signed("timestamp", Timestamp)
        timestamp = old_timestamp or Timestamp(version=1, snapshot_meta=MetaFile(1))
        timestamp.snapshot_meta = MetaFile.from_data(snapshot.version, snapshot_bytes, ["sha256"])
        timestamp_md = self._sign(
            Metadata(timestamp),
            signers["timestamp"],
            expires,
            bump=step if old_timestamp is not None else 0,
        )
        self._write_role("timestamp", timestamp_md, versioned=False)
        self._prune(targets.version, snapshot.version)
        self._new.clear()
        return timestamp.version

    def _load_signed(self, role: str, kind: type[Any]) -> Any:
        path = self.metadata_dir / f"{role}.json"
        if not path.exists():
            return None
        md = Metadata.from_file(str(path))
        if not isinstance(md.signed, kind):
            raise SyncError(f"元数据 {path} 类型不对 (unexpected metadata type)")
        return md.signed

    @staticmethod
    def _sign(md: Metadata[Any], signer: Any, expires: dt.datetime, *, bump: int) -> Metadata[Any]:
        md.signed.version += bump
        md.signed.expires = expires.replace(microsecond=0)
        md.signatures.clear()
        md.sign(signer)
        return md

    def _write_role(self, role: str, md: Metadata[Any], *, versioned: bool = True) -> bytes:
        data = md.to_bytes(_SERIALIZER)
        if versioned:
            _write_file(self.metadata_dir / f"{md.signed.version}.{role}.json", data)
        _write_file(self.metadata_dir / f"{role}.json", data)
        self.bytes_written += len(data)
        return data

    def _sync_roots(self) -> None:
        """Copy every root version from the keys folder (root rotation) into the feed."""
        history = root_history(self.keys_dir)
        if not history:
            history_root = load_root(self.keys_dir)  # raises a clear error when missing
            raise SyncError(f"密钥目录缺少根元数据历史 (root v{history_root.signed.version})")
        for path in history:
            target = self.metadata_dir / path.name
            if not target.exists():
                _write_file(target, path.read_bytes())
        _write_file(self.metadata_dir / "root.json", history[-1].read_bytes())

    def _prune(self, targets_version: int, snapshot_version: int) -> None:
        """Drop old versioned targets/snapshot metadata (kiosks mid-sync still find recent ones)."""
        for role, current in (("targets", targets_version), ("snapshot", snapshot_version)):
            for path in self.metadata_dir.glob(f"*.{role}.json"):
                version = path.name.split(".", 1)[0]
                if version.isdigit() and int(version) <= current - _KEEP_METADATA_VERSIONS:
                    path.unlink(missing_ok=True)


def _fold(state: dict[str, dict[str, Any]], op: dict[str, Any]) -> None:
    kind = op.get("op")
    if kind == "upsert" and isinstance(op.get("doc"), dict) and "id" in op["doc"]:
        state[str(op["doc"]["id"])] = op
    elif kind == "withdraw" and "id" in op:
        state[str(op["id"])] = op
    elif kind == "status" and "id" in op:
        current = state.get(str(op["id"]))
        if current is not None and current.get("op") == "upsert":
            doc = dict(current["doc"])
            doc["status"] = op.get("status")
            if op.get("superseded_by"):
                doc["superseded_by"] = op["superseded_by"]
            state[str(op["id"])] = {"op": "upsert", "doc": doc}


# -- reading sources ------------------------------------------------------------------------
def _iter_source(source: Path) -> Iterator[tuple[Path, int, Any, str | None]]:
    """(file, line, raw value or None, error or None) for every record, as ``kiosk import`` reads."""
    if source.is_dir():
        files = sorted(
            p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES
        )
    elif source.exists():
        files = [source]
    else:
        raise SyncError(f"找不到源文件 {source} (source not found)")
    for path in files:
        try:
            for line, raw, error in iter_raw_records(path):
                yield path, line, raw, error
        except KioskError as e:
            yield path, 0, None, str(e)


def _status_value(raw: dict[str, Any]) -> str:
    probe = {"id": raw["id"], "title": "-", "body": "-", "status": raw.get("status") or "repealed"}
    return parse_record(probe).status


class _Collector:
    """Turns source records into feed operations, screening and checking attachments."""

    def __init__(self, writer: FeedWriter, screen: ContentScreen, result: PublishResult) -> None:
        self.writer = writer
        self.screen = screen
        self.result = result
        self.ops: list[dict[str, Any]] = []

    def add(self, path: Path, line: int, raw: Any) -> None:
        where = path.name
        doc_id = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else None
        try:
            self._add(path, raw)
        except RecordError as e:
            self.result.rejected.append(Problem(where, line, doc_id, str(e)))
        except _Flagged as e:
            self.result.flagged.append(Problem(where, line, doc_id, str(e)))

    def _add(self, path: Path, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise RecordError("记录不是 JSON 对象 (record is not a JSON object)")
        if raw.get("withdrawn") is True:
            if not raw.get("id"):
                raise RecordError("撤回记录缺少 id (withdrawal without id)")
            op = {"op": "withdraw", "id": str(raw["id"])}
            if raw.get("note"):
                op["note"] = str(raw["note"])
            self.ops.append(op)
            self.result.withdrawals += 1
            return
        if "title" not in raw and "body" not in raw and ("status" in raw or "superseded_by" in raw):
            if not raw.get("id"):
                raise RecordError("状态变更缺少 id (status change without id)")
            op = {"op": "status", "id": str(raw["id"]), "status": _status_value(raw)}
            if raw.get("superseded_by"):
                op["superseded_by"] = str(raw["superseded_by"])
            self.ops.append(op)
            self.result.status_changes += 1
            return
        doc = dict(raw)
        supersedes = doc.pop("supersedes", None)
        doc["attachments"] = self._attachments(path, doc.get("attachments"))
        if not doc["attachments"]:
            del doc["attachments"]
        record = parse_record(doc)
        findings = self.screen.check(record)
        if findings:
            raise _Flagged("；".join(str(f) for f in findings))
        self.ops.append({"op": "upsert", "doc": doc})
        self.result.upserts += 1
        old_ids = [supersedes] if isinstance(supersedes, str) else supersedes or []
        for old in old_ids:
            self.ops.append(
                {"op": "status", "id": str(old), "status": "repealed", "superseded_by": record.id}
            )
            self.result.status_changes += 1

    def _attachments(self, path: Path, value: Any) -> Any:
        if not isinstance(value, list):
            return value  # parse_record reports the bad shape
        result = []
        for item in value:
            if not isinstance(item, dict):
                result.append(item)
                continue
            item = dict(item)
            local = item.pop("path", None)
            if local:
                blob = path.parent / str(local)
                try:
                    data = blob.read_bytes()
                except OSError:
                    raise RecordError(f"附件文件缺失：{local} (attachment file missing)") from None
                sha = hashlib.sha256(data).hexdigest()
                if item.get("sha256") and str(item["sha256"]).lower() != sha:
                    raise RecordError(
                        f"附件 {local} 的 sha256 与文件不符 (attachment hash mismatch)"
                    )
                if item.get("size") is not None and item["size"] != len(data):
                    raise RecordError(f"附件 {local} 的大小与文件不符 (attachment size mismatch)")
                item["sha256"], item["size"] = self.writer.add_blob(data), len(data)
                item.setdefault("name", Path(str(local)).name)
                self.result.attachments += 1
            else:
                sha = str(item.get("sha256", "")).lower()
                beside = path.parent / "blobs" / sha
                if sha and not self.writer.has_blob(sha) and beside.is_file():
                    data = beside.read_bytes()
                    if hashlib.sha256(data).hexdigest() != sha:
                        raise RecordError(f"附件 {sha[:12]}… 内容与 sha256 不符")
                    self.writer.add_blob(data)
                    self.result.attachments += 1
                if sha and not self.writer.has_blob(sha):
                    raise RecordError(
                        f"附件文件缺失：{item.get('name') or sha} (attachment blob missing)"
                    )
            result.append(item)
        return result


class _Flagged(Exception):
    pass


def publish(
    sources: Iterable[Path] | Path,
    outdir: Path,
    keys_dir: Path,
    *,
    base: bool = False,
    expires_days: float = DEFAULT_EXPIRES_DAYS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    screen: ContentScreen | None = None,
) -> PublishResult:
    """Screen ``sources`` and append them to the signed feed in ``outdir``.

    Args:
        sources: JSONL/JSON files or folders of them (the ``kiosk import`` format).
        outdir: the feed directory (created on first publish).
        keys_dir: the folder made by :func:`init_keys`.
        base: also compact everything published so far plus ``sources`` into one full batch
            marked as base, so a new kiosk starts there instead of replaying history.
        expires_days: lifetime of the new metadata, at most :data:`MAX_EXPIRES_DAYS`.
        batch_size: operations per batch (each batch is one transaction on a kiosk).
        screen: the content screen; the bundled one by default.

    Raises:
        SyncError: the keys are missing or do not match, a source is missing, or the feed
            directory cannot be written.
    """
    if expires_days > MAX_EXPIRES_DAYS:
        raise SyncError(
            f"元数据有效期最长 {MAX_EXPIRES_DAYS} 天（更长的有效期可被重放，冻结查阅机）；"
            f"U 盘请用 kiosk bundle。 (expiry over {MAX_EXPIRES_DAYS} days)"
        )
    if isinstance(sources, (str, Path)):
        sources = [Path(sources)]
    outdir = Path(outdir)
    result = PublishResult()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(outdir / ".publish.lock", "发布"):
            writer = FeedWriter(outdir, keys_dir)
            collector = _Collector(writer, screen or default_screen(), result)
            for source in sources:
                for path, line, raw, error in _iter_source(Path(source)):
                    if error is not None:
                        result.rejected.append(Problem(path.name, line, None, error))
                    else:
                        collector.add(path, line, raw)
            if base:
                state = writer.current_state()
                for op in collector.ops:
                    _fold(state, op)
                entry = writer.add_batch([state[k] for k in sorted(state)], base=True)
                result.batches.append(entry.number)
                result.base = entry.number
            else:
                ops = collector.ops
                for start in range(0, len(ops), max(1, batch_size)):
                    entry = writer.add_batch(ops[start : start + batch_size])
                    result.batches.append(entry.number)
            expires = _utcnow() + dt.timedelta(days=expires_days)
            result.timestamp_version = writer.commit(expires)
            result.bytes_written = writer.bytes_written
    except OSError as e:
        raise SyncError(
            f"无法写入更新源目录 {outdir}：{e.strerror or e} (cannot write feed)"
        ) from e
    for problem in result.flagged:
        logger.warning("flagged, not published: %s", problem)
    for problem in result.rejected:
        logger.warning("rejected: %s", problem)
    return result
