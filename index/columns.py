"""Facet column codes: each segment's facet columns as per-document codes into distinct values.

The scorer counts facets and filters with numpy over one code per document (index/scoring.py
IndexArrays). Reading a column from Whoosh costs ≈ 3 µs a document value by value, and still
≈ 0.1 s a column per 100,000 documents from its bytes (:func:`segment_column`), which a cold
``kiosk search`` paid before its first answer. So when a segment is written its codes are
computed once and kept beside the index in ``columns-<segment id>.npz``: loading them is a
read of a few megabytes.

Derived and rebuildable like the vocabulary and the dense lists: a segment never changes
(deletions are kept apart and masked by the scorer), so the file is named by its unique id,
written to a temporary name and renamed; a missing, stale or damaged file is ignored and the
column is read from Whoosh as before.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.segments import write_per_segment

__all__ = ["COLUMNS", "FACET_COLUMNS", "segment_column", "stored_codes", "write_column_codes"]

log = logging.getLogger(__name__)

#: Facet columns (counted and filtered on) read into the scorer's arrays.
FACET_COLUMNS = ("category", "agency", "kind", "status", "year")
#: Every column the scorer reads: the facets, and the publication date (for recency).
COLUMNS = (*FACET_COLUMNS, "published")
_FORMAT = 1

Codes = tuple[npt.NDArray[np.integer[Any]], list[Any]]


def _path(index_dir: Path, segment_id: str) -> Path:
    return index_dir / f"columns-{segment_id}.npz"


def stored_codes(index_dir: Path, segment_id: str, doc_count: int) -> dict[str, Codes]:
    """The codes kept for a segment, by column; empty when there is no complete file."""
    path = _path(index_dir, segment_id)
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as stored:
            header = json.loads(stored["header"].tobytes().decode("utf-8"))
            if (
                header.get("format") != _FORMAT
                or header.get("segment") != segment_id
                or header.get("docs") != doc_count
            ):
                return {}
            found: dict[str, Codes] = {}
            for name, values in header["values"].items():
                codes = stored[name]
                if len(codes) != doc_count or (
                    len(codes) and codes[np.argmax(codes)] >= len(values)
                ):
                    raise ValueError(f"column {name} does not fit")
                found[name] = (codes, values)
            return found
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        log.warning("column codes of segment %s are damaged (%s); not used", segment_id, e)
        return {}


def write_column_codes(ix: Any, index_dir: Path) -> int:
    """Write the column codes of every segment of ``ix`` that has none; remove those of
    segments that are gone. Returns how many segments got a file."""
    return write_per_segment(
        ix,
        index_dir,
        "columns-",
        lambda segment_id: _path(index_dir, segment_id).exists(),
        lambda leaf, segment_id: _write_segment(leaf, index_dir, segment_id),
    )


def _write_segment(leaf: Any, index_dir: Path, segment_id: str) -> None:
    arrays: dict[str, npt.NDArray[Any]] = {}
    values: dict[str, list[Any]] = {}
    for name in COLUMNS:
        if not leaf.has_column(name):
            continue
        codes, distinct = segment_column(leaf, name)
        if not all(v is None or isinstance(v, (str, int, float)) for v in distinct):
            continue  # (bytes: not in this schema) read from Whoosh each time instead
        arrays[name] = codes.astype(np.uint16 if len(distinct) <= 0xFFFF else np.uint32)
        values[name] = distinct
    header = {
        "format": _FORMAT,
        "segment": segment_id,
        "docs": int(leaf.doc_count_all()),
        "values": values,
    }
    raw = json.dumps(header, ensure_ascii=False).encode("utf-8")
    path = _path(index_dir, segment_id)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as out:
        np.savez(out, allow_pickle=False, header=np.frombuffer(raw, dtype=np.uint8), **arrays)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def segment_column(leaf: Any, name: str) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """One segment's column as per-document codes into its distinct values.

    Read from the column's bytes rather than value by value through Whoosh's reader (≈ 3 µs a
    document: 200,000 documents × 6 columns kept a cold search waiting ≈ 2 s); Whoosh's own
    conversion is applied to each distinct value once. Column kinds other than the two the
    schema uses (variable bytes, numbers) are read value by value.
    """
    from whoosh.columns import NumericColumn, VarBytesColumn

    column = leaf.column_reader(name)
    translate = getattr(column, "_translate", None)
    raw = column.raw_column() if translate is not None else column
    convert = translate or (lambda value: value)
    if isinstance(raw, VarBytesColumn.Reader) and len(raw._lengths) == raw._doccount:
        lengths = np.frombuffer(raw._lengths, dtype=raw._lengths.typecode).astype(np.int64)
        offsets = np.frombuffer(raw._offsets, dtype=raw._offsets.typecode).astype(np.int64)
        if not len(lengths):
            return np.zeros(0, dtype=np.int64), [convert(b"")]
        width = int(lengths[np.argmax(lengths)])  # (numpy's 3.13 stubs reject .max())
        if width > 0xFFFF:  # (a facet value of 64 kB: never in practice) read value by value
            return _column_by_value(column)
        size = int(offsets[-1] + lengths[-1])
        data = np.frombuffer(raw._dbfile.get(raw._basepos, size) if size else b"", np.uint8)
        padded = np.concatenate([data, np.zeros(width + 1, dtype=np.uint8)])
        # each document's value as one fixed-width row (zero-padded, its length in the last two
        # bytes), so numpy finds the distinct values and every document's code in one sort
        rows = np.zeros((len(lengths), width + 2), dtype=np.uint8)
        columns = np.arange(width)
        for start in range(0, len(lengths), 32768):
            stop = start + 32768
            cells = padded[offsets[start:stop, None] + columns]
            cells[columns >= lengths[start:stop, None]] = 0
            rows[start:stop, :width] = cells
        rows[:, width:] = lengths.astype(">u2").view(np.uint8).reshape(-1, 2)
        keys = np.ascontiguousarray(rows).view(f"V{width + 2}").reshape(-1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        values = [convert(rows[i, : lengths[i]].tobytes()) for i in first]
        return inverse.reshape(-1).astype(np.int64), values
    if isinstance(raw, NumericColumn.Reader):
        width, count = raw._fixedlen, min(raw._count, raw._doccount)
        blob = raw._dbfile.get(raw._basepos, width * count) if count else b""
        cells = np.frombuffer(blob, dtype=f"V{width}")
        uniques, inverse = np.unique(cells, return_inverse=True)
        values = [convert(raw._unpack(u.tobytes())[0]) for u in uniques]
        codes_array = np.full(raw._doccount, len(values), dtype=np.int64)
        codes_array[:count] = inverse.reshape(-1)
        return codes_array, [*values, convert(raw._default)]
    return _column_by_value(column)


def _column_by_value(column: Any) -> tuple[npt.NDArray[np.int64], list[Any]]:
    local: dict[Any, int] = {}
    plain = [local.setdefault(v, len(local)) for v in column]
    return np.array(plain, dtype=np.int64), list(local)
