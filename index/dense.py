"""Dense posting lists: each segment's long posting lists, decoded once, in a file beside the index.

Whoosh stores postings as blocks of 128, each a zlib-compressed pickle; reading them costs
≈ 0.3 µs a posting, so a word in most of 200,000 documents costs ≈ 60 ms the first time a query
needs it. When a segment is written, the lists of its terms held by at least
:data:`DENSE_MIN_DOCS` documents are decoded once and written here as plain arrays (document
numbers delta-coded in 16 bits where the gaps allow, frequencies in 16 bits), which numpy reads
in one piece from the file: the same term then costs a fraction of a millisecond.

Derived and rebuildable like the vocabulary: one pair of files per segment, named by the segment's
unique id (a segment never changes; deletions are kept apart and masked by the scorer), written
to temporary names and renamed, the directory last. A missing, stale or damaged file is ignored
and the postings are read from Whoosh as before, so answers never depend on it; a term whose
weights are not its frequency times the field boost (or whose frequency overflows 16 bits) is left
to Whoosh too.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.segments import write_per_segment

__all__ = ["DENSE_MIN_DOCS", "DenseLists", "DenseWriter", "encode_dense", "write_dense_lists"]

log = logging.getLogger(__name__)

#: Terms held by at least this many documents of a segment get a dense list (reading fewer
#: postings from Whoosh costs under half a millisecond).
DENSE_MIN_DOCS = 2000
#: Fields whose long lists are kept (those the scorer reads: index/scoring.py SCORED_FIELDS).
DENSE_FIELDS = ("title", "body", "title_bi", "body_bi")
_FORMAT = 1
_U16 = 65535


def _paths(index_dir: Path, segment_id: str) -> tuple[Path, Path]:
    return index_dir / f"dense-{segment_id}.bin", index_dir / f"dense-{segment_id}.json"


class DenseLists:
    """The dense lists of one segment, read a list at a time (see the module docstring).

    Read with ``os.pread``, not memory-mapped: a list read is copied into the scorer's posting
    cache anyway, while mapped pages stay counted in the search process's memory for as long as
    the mapping lives (the kernel maps a touched page's cached neighbours too: ≈ 120 MB at
    200,000 documents right after a rebuild).
    """

    def __init__(self, fd: int, terms: dict[str, dict[str, list[Any]]]):
        self._fd = fd
        self._terms = terms
        weakref.finalize(self, os.close, fd)

    @classmethod
    def open(cls, index_dir: Path, segment_id: str) -> DenseLists | None:
        """The segment's lists, or ``None`` when it has no complete file of this format."""
        data_path, directory_path = _paths(index_dir, segment_id)
        try:
            directory = json.loads(directory_path.read_text(encoding="utf-8"))
            if directory.get("format") != _FORMAT or directory.get("segment") != segment_id:
                return None
            size = int(directory["bytes"])
            fd = os.open(data_path, os.O_RDONLY)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        try:
            if os.fstat(fd).st_size != size:
                log.warning("dense lists of segment %s are damaged; not used", segment_id)
                os.close(fd)
                return None
            return cls(fd, directory["terms"])
        except (OSError, ValueError, KeyError, TypeError):
            os.close(fd)
            return None

    def get(
        self, fieldname: str, term: str
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]] | None:
        """Document numbers (ascending, deleted ones included) and weights, or ``None``."""
        entry = self._terms.get(fieldname, {}).get(term)
        if entry is None:
            return None
        offset, count, wide, boost = int(entry[0]), int(entry[1]), bool(entry[2]), entry[3]
        ids_bytes = 4 * count if wide else _padded(2 * count)
        raw = os.pread(self._fd, ids_bytes + 2 * count, offset)
        if len(raw) != ids_bytes + 2 * count:
            return None  # (the file was cut short since it was opened) Whoosh serves it
        if wide:
            ids = np.frombuffer(raw, dtype="<i4", count=count).astype(np.int32)
        else:
            deltas = np.frombuffer(raw, dtype="<u2", count=count)
            ids = np.cumsum(deltas, dtype=np.int64).astype(np.int32)
        freqs = np.frombuffer(raw, dtype="<u2", count=count, offset=ids_bytes)
        weights = freqs.astype(np.float32)
        if boost != 1.0:
            weights *= np.float32(boost)
        return ids, weights


def write_dense_lists(ix: Any, index_dir: Path, min_docs: int | None = None) -> int:
    """Write the dense lists of every segment of ``ix`` that has none; remove those of segments
    that are gone. Returns how many segments got a file."""
    from index.scoring import _read_postings  # the one reader of Whoosh's posting blocks

    minimum = DENSE_MIN_DOCS if min_docs is None else min_docs
    return write_per_segment(
        ix,
        index_dir,
        "dense-",
        lambda segment_id: _paths(index_dir, segment_id)[1].exists(),
        lambda leaf, segment_id: _write_segment(
            leaf, index_dir, segment_id, minimum, _read_postings
        ),
    )


def _write_segment(
    leaf: Any, index_dir: Path, segment_id: str, min_docs: int, read_postings: Any
) -> None:
    terms_reader = getattr(leaf, "_terms", None)
    if terms_reader is None or not hasattr(terms_reader, "_tindex"):
        return
    numbers = {terms_reader._fieldmap[f]: f for f in DENSE_FIELDS if f in terms_reader._fieldmap}
    chosen: list[tuple[str, str]] = []
    # the raw term table: key = field number (2 bytes) + term, value = W3TermInfo ("!BfIBBfII":
    # flags, weight, doc frequency, …); inlined lists (flags ≠ 0) are short anyway
    for key, value in terms_reader._tindex.items():
        fieldname = numbers.get(int.from_bytes(key[:2], "big"))
        if fieldname is None or value[0]:
            continue
        if int.from_bytes(value[5:9], "big") >= min_docs:
            chosen.append((fieldname, key[2:].decode("utf-8")))
    writer = DenseWriter(index_dir, segment_id)
    for fieldname, term in chosen:
        boost = float(leaf.schema[fieldname].format.field_boost)
        ids, weights = read_postings(leaf, fieldname, term)
        freqs = np.rint(weights / np.float32(boost))
        if not len(ids) or not np.array_equal((freqs * boost).astype(np.float32), weights):
            continue  # not a plain frequency: Whoosh keeps serving it
        writer.add(fieldname, term, ids, freqs, boost)
    writer.close()


def encode_dense(ids: npt.NDArray[Any], freqs: npt.NDArray[Any]) -> tuple[bytes, bool] | None:
    """One list as the file holds it (ids as 16-bit gaps, or 32-bit when a gap is wider;
    16-bit frequencies) and whether its ids are wide; ``None`` when a frequency overflows."""
    if not len(ids) or freqs[np.argmax(freqs)] > _U16:  # (numpy's 3.13 stubs reject .max())
        return None
    deltas = np.diff(ids.astype(np.int64), prepend=0)
    wide = bool(deltas[np.argmax(deltas)] > _U16)
    first = ids.astype("<i4").tobytes() if wide else _pad(deltas.astype("<u2").tobytes())
    return first + _pad(freqs.astype("<u2").tobytes()), wide


class DenseWriter:
    """Writes one segment's dense lists: to temporary names, renamed on :meth:`close`, the
    directory last (so a pair on disk is always complete)."""

    def __init__(self, index_dir: Path, segment_id: str) -> None:
        self._segment_id = segment_id
        self._data_path, self._directory_path = _paths(index_dir, segment_id)
        self._temporary = self._data_path.with_suffix(".bin.tmp")
        self._out = self._temporary.open("wb")
        self._terms: dict[str, dict[str, list[Any]]] = {}

    def add(
        self,
        fieldname: str,
        term: str,
        ids: npt.NDArray[Any],
        freqs: npt.NDArray[Any],
        boost: float,
    ) -> None:
        """The list of one term (ascending document numbers, their frequencies), unless a
        frequency overflows 16 bits (Whoosh keeps serving it)."""
        encoded = encode_dense(ids, freqs)
        if encoded is not None:
            self._entry(fieldname, term, len(ids), encoded[1], boost)
            self._out.write(encoded[0])

    def add_part(
        self, path: Path, fieldname: str, rows: list[tuple[str, int, int, bool]], boost: float
    ) -> None:
        """Lists already encoded by :func:`encode_dense` into the file ``path``, one after the
        other: ``(term, offset, count, wide)`` each."""
        base = self._out.tell()
        for term, offset, count, wide in rows:
            self._terms.setdefault(fieldname, {})[term] = [base + offset, count, int(wide), boost]
        with path.open("rb") as f:
            while chunk := f.read(1 << 22):
                self._out.write(chunk)

    def _entry(self, fieldname: str, term: str, count: int, wide: bool, boost: float) -> None:
        offset = self._out.tell()
        self._terms.setdefault(fieldname, {})[term] = [offset, count, int(wide), boost]

    def close(self) -> None:
        out = self._out
        size = out.tell()
        out.flush()
        os.fsync(out.fileno())
        out.close()
        self._temporary.replace(self._data_path)
        directory = {"format": _FORMAT, "segment": self._segment_id, "bytes": size,
                     "terms": self._terms}  # fmt: skip
        temporary_directory = self._directory_path.with_suffix(".json.tmp")
        temporary_directory.write_text(json.dumps(directory, ensure_ascii=False), encoding="utf-8")
        temporary_directory.replace(self._directory_path)  # last: the pair is complete


def _padded(length: int) -> int:
    return (length + 3) // 4 * 4


def _pad(raw: bytes) -> bytes:
    return raw + b"\0" * (_padded(len(raw)) - len(raw))
