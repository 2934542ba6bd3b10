"""``kiosk import``: JSON Lines, JSON files or folders of them into the store.

Every valid record goes in; every bad one is reported with file, line and reason and skipped.
Re-importing the same file changes nothing (records are compared by id and content hash).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from kiosk.errors import KioskError, RecordError
from kiosk.progress import ProgressFn
from kiosk.records import MAX_RECORD_BYTES, parse_record
from kiosk.screening import ContentScreen, default_screen
from kiosk.store import Store

__all__ = ["ImportRejection", "ImportReport", "import_paths", "iter_raw_records"]

_SUFFIXES = (".jsonl", ".ndjson", ".json")
_BATCH = 500
#: A ``.json`` file bigger than this is read as JSON Lines (a whole document must fit in memory).
MAX_JSON_DOCUMENT = 64 * 1024 * 1024


@dataclass(frozen=True)
class ImportRejection:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    rejected: list[ImportRejection] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.rejected)


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES))
        elif path.exists():
            files.append(path)
        else:
            raise KioskError(f"找不到文件或文件夹：{path} (no such file or folder)")
    return files


def iter_raw_records(
    path: Path, *, max_line: int = MAX_RECORD_BYTES
) -> Iterator[tuple[int, Any, str | None]]:
    """``(line, parsed JSON or None, error)`` for each record in ``path``, streamed.

    A ``.json`` file up to :data:`MAX_JSON_DOCUMENT` bytes holds one object or an array of objects
    (line numbers are then positions, counted from 1); anything else is read as JSON Lines, one
    line at a time, so memory stays bounded whatever the file holds: a line longer than
    ``max_line`` is skipped unread and reported. Invalid UTF-8 or JSON on a line is reported for
    that line only.
    """
    try:
        size = path.stat().st_size
        if path.suffix.lower() == ".json" and size <= MAX_JSON_DOCUMENT:
            data = path.read_bytes()
        else:
            data = None
    except OSError as e:
        raise KioskError(f"无法读取 {path}：{e.strerror}") from e
    if data is not None:
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            yield 1, None, "文件不是 UTF-8 编码 (file is not valid UTF-8)"
            return
        except json.JSONDecodeError as e:
            # not a JSON document: maybe JSON Lines with a .json name
            if e.lineno > 1 or data.count(b"\n") > 1:
                yield from _iter_lines(io.BytesIO(data), max_line)
                return
            yield e.lineno, None, f"JSON 格式错误：{e.msg} (invalid JSON)"
            return
        items = parsed if isinstance(parsed, list) else [parsed]
        for i, item in enumerate(items, 1):
            yield i, item, None
        return
    try:
        handle = path.open("rb")
    except OSError as e:
        raise KioskError(f"无法读取 {path}：{e.strerror}") from e
    with handle:
        yield from _iter_lines(handle, max_line)


def _iter_lines(handle: BinaryIO, max_line: int) -> Iterator[tuple[int, Any, str | None]]:
    for number in itertools.count(1):
        raw = handle.readline(max_line + 1)
        if not raw:
            return
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while (rest := handle.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the long line without holding it
            limit = f"{max_line / (1024 * 1024):g} MB"
            yield number, None, f"记录过长，超过单行上限 {limit}，已跳过 (line too long)"
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield number, None, f"第 {e.start + 1} 字节不是有效的 UTF-8 (invalid UTF-8)"
            continue
        try:
            yield number, json.loads(text), None
        except json.JSONDecodeError as e:
            yield number, None, f"JSON 格式错误：{e.msg}，第 {e.colno} 列 (invalid JSON)"
        except RecursionError:
            yield number, None, "JSON 嵌套过深 (JSON nested too deeply)"


def import_blobs(store: Store, folder: Path, blob_dir: Path) -> int:
    """Copy the attachment blobs of ``folder/blobs`` (named by sha256, as in a feed) that the
    store's documents wait for into ``blob_dir``; each is hash-checked first. Returns how many."""
    source = folder / "blobs"
    copied = 0
    for sha, _size in store.missing_attachments():
        path = source / sha
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            continue
        blob_dir.mkdir(parents=True, exist_ok=True)
        tmp = blob_dir / f".{sha}.part"
        shutil.copyfile(path, tmp)
        os.replace(tmp, blob_dir / sha)
        store.mark_attachment_present(sha)
        copied += 1
    return copied


def import_paths(
    store: Store,
    paths: list[Path],
    *,
    screen: ContentScreen | None = None,
    source: str = "import",
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import every record under ``paths``; commit in batches; report what happened.

    ``progress(bytes_done, bytes_total)`` is called as files are read.
    """
    screen = screen or default_screen()
    files = _files([Path(p) for p in paths])
    report = ImportReport()
    total_bytes = sum(f.stat().st_size for f in files) or 1
    done_bytes = 0
    for file in files:
        pending: list[tuple[int, Any]] = []
        for line, raw, error in iter_raw_records(file):
            if error:
                report.rejected.append(ImportRejection(str(file), line, error))
                continue
            pending.append((line, raw))
            if len(pending) >= _BATCH:
                _apply(store, screen, file, pending, report, source)
                pending = []
        _apply(store, screen, file, pending, report, source)
        done_bytes += file.stat().st_size
        if progress:
            progress(done_bytes, total_bytes)
    return report


def _apply(
    store: Store,
    screen: ContentScreen,
    file: Path,
    pending: list[tuple[int, Any]],
    report: ImportReport,
    source: str,
) -> None:
    if not pending:
        return
    with store.write() as tx:
        for line, raw in pending:
            try:
                record = parse_record(raw)
            except RecordError as e:
                report.rejected.append(ImportRejection(str(file), line, str(e)))
                continue
            findings = screen.check(record)
            reason = "；".join(str(f) for f in findings) or None
            outcome = tx.upsert(record, screen_reason=reason, source=source)
            if outcome == "added":
                report.added += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
            if reason and outcome != "unchanged":
                report.quarantined += 1
