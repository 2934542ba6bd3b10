"""Writing an index fast: one ordinary Whoosh W3 segment, from compact posting arrays.

Whoosh's writer keeps every posting as a tuple in a pool, pickles sorted runs to disk and reads
them back, sorts all tuples, then writes each posting through Python calls that read its field
length back from the length column: about nine tenths of the build time. Documents arrive in
document-number order, so none of that is needed:

- :class:`RunBuilder` analyses documents (in a worker process, or in this one) and keeps, per
  field, a term id and a frequency per posting in typed arrays (each term once, in a vocabulary);
  at a memory bound it sorts them once with numpy and writes a *run*: per field its terms in byte
  order and their postings (document numbers as in the final segment, frequencies) as flat
  arrays, and the stored fields, lengths and column values of its documents.
- :func:`merge_runs` writes the segment. Each field's terms are cut into ranges (*parts*); a part
  takes its terms' postings from every run (runs are in document order, so a term's postings are
  its runs' one after the other) and writes their blocks in Whoosh's own W3 layout (delta-coded
  ids, float32 weights, the frequency as value, block statistics), vectorised, and the dense
  lists of :mod:`index.dense` from the same arrays. Parts are independent, so ``procs`` spawned
  processes write them while this one writes the stored fields, lengths and columns through
  Whoosh's own per-document writer; their files are then copied one after the other into the
  segment, their terms added to Whoosh's own term table. Nothing is merged serially and no block
  is ever decoded again.

Stock Whoosh readers and matchers read the result; tests/index/test_build.py checks that it holds
exactly what Whoosh's writer would have written (posting and term files byte for byte).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import heapq
import mmap
import multiprocessing
import os
import pickle
import struct
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise, repeat
from pathlib import Path
from pickle import dumps
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import formats
from whoosh.analysis import IDTokenizer, RegexTokenizer
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3Segment, W3TermInfo
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filetables import _lengths as _hash_lengths
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte

from index.analysis import BigramTokenizer, JiebaTokenizer, bigram_codes, code_term, word_term
from index.dense import encode_dense
from index.schema import CountedText

__all__ = ["Run", "RunBuilder", "commit_segments", "fast_fields", "merge_runs", "write_runs"]

# W3's posting writer settings (W3Codec defaults: 128 postings a block, zlib level 3)
_BLOCK = 128
_COMPRESSION = 3
_MAX_FREQ = 0xFFFF  # frequencies kept as uint16; larger ones (rare) in a side table
_DOC_BITS = 24  # document numbers in a sort key: a segment holds fewer than 16.7 M documents
_MAX_TERMS = 1 << 23  # distinct terms of one field in one segment (sort-key bits)
_DOC_KEY_BITS = _DOC_BITS + 16  # sort key: term rank | document number | frequency (16 bits)
_TERM_SHIFT = np.uint64(_DOC_KEY_BITS)
_SLICE = 1 << 20  # postings written at a time (whole terms)
_PROGRESS_EVERY = 500
_FEW_TERMS = 16  # a document's terms in one field added without numpy up to this many
_SMALL_BLOCK = 4  # postings in a block whose compressed bytes are kept for reuse
_SMALL_BLOCKS_KEPT = 1_000_000
_WRITE_BUFFER = 4 << 20  # bytes copied at a time from a part's posting file into the segment's
#: postings a part of the segment's posting lists holds at most (what bounds the memory of the
#: processes writing them: about 30 bytes a posting)
_PART_POSTINGS = 12_000_000
_PART_MIN_POSTINGS = 200_000  # fields smaller than this are one part, however many processes
_INT = struct.Struct("!i")
_TABLE_SLICE = 1 << 16
_MAGIC = WHOOSH3_HEADER_MAGIC


@functools.cache
def _compressor() -> Callable[[bytes, int], bytes]:
    """``zlib.compress(raw, level)``, byte for byte, faster for the small inputs most blocks are.

    Setting up a 32 kB window costs most of compressing a block of a few postings (≈ 60 µs of
    ≈ 60 here). Deflate never looks further back than ``2**wbits - 262`` bytes, so an input no
    longer than that compresses to the same stream with a window of ``2**wbits`` bytes; only the
    two header bytes (which state the window size) differ, and they are put back. Checked on
    sample blocks when first asked for (not at import: searching imports this module too), and
    with a zlib that does otherwise, plain ``zlib.compress`` is used.
    """
    compress = zlib.compress
    header = compress(b"", _COMPRESSION)[:2]
    limits = [((1 << wbits) - 262, wbits) for wbits in range(9, 15)]

    def small(raw: bytes, level: int) -> bytes:
        if level == _COMPRESSION:
            size = len(raw)
            for limit, wbits in limits:
                if size <= limit:
                    return header + compress(raw, level, wbits)[2:]
        return compress(raw, level)

    samples = [
        dumps(((7 * i + 1,) + (1, 2, 3) * (i % 50), None if i % 3 else 2.0, bytes(4 * i)), 2)
        for i in range(0, 4000, 7)
    ] + [bytes(range(i % 256)) * (i // 256 + 1) for i in range(0, 8000, 97)]
    if all(small(raw, _COMPRESSION) == compress(raw, _COMPRESSION) for raw in samples):
        return small
    return compress


_pack_lengths = _hash_lengths.pack


def fast_fields(schema: Schema) -> dict[str, int]:
    """The fields this builder writes itself, with the size of their posting values: counted
    text fields (the frequency as value) and fields of Whoosh's plain Existence (no value) or
    Frequency formats, without positions, vectors or spelling. Any other field goes through
    Whoosh's own posting writer."""
    fields = {}
    for name, field in schema.items():
        if not field.indexed or field.vector or field.separate_spelling():
            continue
        kind = type(field.format)
        if isinstance(field, CountedText):
            if field.scorable and kind is formats.Frequency and hasattr(field.analyzer, "terms"):
                fields[name] = 4
        elif not field.scorable and kind in (formats.Existence, formats.Frequency):
            fields[name] = field.format.fixed_value_size()
    return fields


def plain_terms(field: Any, value: Any) -> tuple[list[bytes], list[int]] | None:
    """What ``field.index(value)`` gives (terms and frequencies) for an ID field or a KEYWORD
    field split on white space, without a Token per term (≈ 10 µs a field, 13 fields a
    document); ``None`` for any other field."""
    if not isinstance(value, str) or type(field).index is not FieldType.index:
        return None
    analyzer, kind = field.analyzer, type(field.format)
    if kind not in (formats.Existence, formats.Frequency):
        return None
    if type(analyzer) is IDTokenizer:
        return [value.encode("utf-8")], [1]
    if type(analyzer) is RegexTokenizer and not analyzer.gaps and not analyzer.expression.groups:
        counts = Counter(analyzer.expression.findall(value))
        freqs = list(counts.values()) if kind is formats.Frequency else [1] * len(counts)
        return [term.encode("utf-8") for term in counts], freqs
    return None


class _Postings:
    """The postings of one field in one segment: a term id and a frequency each, in typed
    arrays (the weight is the frequency × the field boost, in both formats)."""

    def __init__(self) -> None:
        #: term → id; a term is a str, bytes, or a bigram code (:func:`index.analysis.bigram_codes`)
        self.vocab: dict[Any, int] = {}
        #: jieba word → term id (-1: not indexed), for fields analysed by :class:`JiebaTokenizer`
        self.word_ids: dict[str, int] = {}
        self.term_ids = array("I")
        self.freqs = array("H")
        #: postings per document (document numbers are implicit: documents come in order)
        self.per_doc = array("I")
        #: (document, term id) → frequency, for the rare frequencies above ``_MAX_FREQ``
        self.big: dict[tuple[int, int], int] = {}
        #: bigram codes seen (sorted) and their term ids, searched with numpy: a dictionary
        #: look-up per code cost ≈ 0.6 µs (a few hundred thousand int keys, scattered in
        #: memory); codes first seen since the last merge into them are in ``_new_codes``
        self._codes = np.zeros(0, dtype=np.int64)
        self._code_ids = np.zeros(0, dtype=np.int64)
        self._new_codes: dict[int, int] = {}

    def add_counts(self, docnum: int, terms: list[Any], freqs: list[int]) -> int:
        """Adds one document's distinct terms and their frequencies; returns the field length."""
        vocab = self.vocab
        if len(terms) <= _FEW_TERMS:  # (an id, a title key …): numpy's overhead costs more
            small_ids = [vocab.setdefault(term, len(vocab)) for term in terms]
            if any(freq > _MAX_FREQ for freq in freqs):
                return self.add_ids(docnum, np.array(small_ids), np.array(freqs))
            self.term_ids.extend(small_ids)
            self.freqs.extend(freqs)
            self._count_postings(docnum, len(terms))
            return sum(freqs)
        # one dictionary look-up per term, in C; the new terms (marked -1) get the next ids
        ids = np.fromiter(map(vocab.setdefault, terms, repeat(-1)), np.int64, len(terms))
        new = np.flatnonzero(ids < 0)
        if len(new):
            first = len(vocab) - len(new)
            vocab.update(
                zip(map(terms.__getitem__, new.tolist()), range(first, len(vocab)), strict=True)
            )
            ids[new] = np.arange(first, len(vocab))
        return self.add_ids(docnum, ids, np.array(freqs, dtype=np.int64))

    def add_words(self, docnum: int, words: list[str]) -> int:
        """Adds one document's jieba words (what :meth:`JiebaTokenizer.terms` folds and filters,
        each distinct word once per segment)."""
        word_ids = self.word_ids
        ids = np.fromiter(map(word_ids.setdefault, words, repeat(-2)), np.int64, len(words))
        new = np.flatnonzero(ids == -2)
        if len(new):
            vocab = self.vocab
            for i in new.tolist():
                word = words[i]
                term_id = word_ids[word]
                if term_id == -2:
                    term = word_term(word)
                    term_id = word_ids[word] = vocab.setdefault(term, len(vocab)) if term else -1
                ids[i] = term_id
        ids, freqs = np.unique(ids[ids >= 0], return_counts=True)
        return self.add_ids(docnum, ids, freqs)

    def add_bigrams(self, docnum: int, text: str) -> int:
        codes, runs = bigram_codes(text)
        terms, freqs = np.unique(codes, return_counts=True)
        ids = self._ids_of_codes(terms)
        if runs:
            counts = Counter(runs)
            vocab = self.vocab
            words = list(counts)
            ids = np.concatenate([ids, [vocab.setdefault(w, len(vocab)) for w in words]])
            freqs = np.concatenate([freqs, list(counts.values())])
        return self.add_ids(docnum, ids, freqs)

    def _ids_of_codes(self, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The term ids of distinct, sorted bigram codes (new codes get the next ids)."""
        known = self._codes
        if len(known):
            at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
            hit = known[at] == codes
            ids = np.where(hit, self._code_ids[at], -1)
            missing = np.flatnonzero(~hit)
        else:
            ids = np.full(len(codes), -1, dtype=np.int64)
            missing = np.arange(len(codes))
        if len(missing):
            new, vocab = self._new_codes, self.vocab
            for i, code in zip(missing.tolist(), codes[missing].tolist(), strict=True):
                term_id = new.get(code)
                if term_id is None:
                    term_id = new[code] = vocab[code] = len(vocab)
                ids[i] = term_id
            if len(new) * 32 > len(known) + 4096:  # merged now and then: O(known) each time
                added = np.fromiter(new, np.int64, len(new))
                added_ids = np.fromiter(new.values(), np.int64, len(new))
                order = np.argsort(added)
                at = np.searchsorted(known, added[order])
                self._codes = np.insert(known, at, added[order])
                self._code_ids = np.insert(self._code_ids, at, added_ids[order])
                new.clear()
        return ids

    def add_ids(self, docnum: int, ids: npt.NDArray[np.int64], freqs: npt.NDArray[np.int64]) -> int:
        length = int(freqs.sum())
        if length > _MAX_FREQ and int(freqs[np.argmax(freqs)]) > _MAX_FREQ:
            for i in np.flatnonzero(freqs > _MAX_FREQ).tolist():
                self.big[(docnum, int(ids[i]))] = int(freqs[i])
            freqs = np.minimum(freqs, _MAX_FREQ)
        self.term_ids.frombytes(ids.astype(np.uint32).tobytes())
        self.freqs.frombytes(freqs.astype(np.uint16).tobytes())
        self._count_postings(docnum, len(ids))
        return length

    def _count_postings(self, docnum: int, count: int) -> None:
        if len(self.per_doc) < docnum:  # documents without this field before this one
            self.per_doc.frombytes(bytes(4 * (docnum - len(self.per_doc))))
        self.per_doc.append(count)

    def __len__(self) -> int:
        return len(self.term_ids)


@dataclass
class Run:
    """What a :class:`RunBuilder` wrote, for documents ``doc_base`` onwards: per field files
    ``<prefix>.<field>.*`` (terms, postings, length bytes; or Whoosh's pool tuples for a field
    written by Whoosh) and ``<prefix>.docs`` (per document, stored values, lengths, columns)."""

    prefix: str
    doc_base: int
    doc_count: int
    #: (document numbers in the final segment) placeholders for documents gone meanwhile
    deleted: list[int] = dataclasses.field(default_factory=list)
    #: the fields the run holds postings of: written by this module, and by Whoosh's writer
    fields: list[str] = dataclasses.field(default_factory=list)
    other: list[str] = dataclasses.field(default_factory=list)
    #: the scored fields whose length bytes the run holds (``<prefix>.<field>.len.npy``)
    lengths: list[str] = dataclasses.field(default_factory=list)


class RunBuilder:
    """Analyses documents added in order into posting arrays and writes them as a :class:`Run`
    (files in the directory ``folder``, numbered from ``doc_base``).

    ``add`` takes the same keyword fields as Whoosh's ``add_document``.
    """

    def __init__(self, folder: Path, schema: Schema, doc_base: int = 0) -> None:
        self.folder = Path(folder)
        self.schema = schema
        self.doc_base = doc_base
        self.prefix = f"run-{doc_base:09d}-{random_name(8)}"
        self._fast = fast_fields(schema)
        self._text: dict[str, _Postings] = {name: _Postings() for name in self._fast}
        #: other fields' postings as Whoosh's pool holds them: (term bytes, doc, weight, value)
        self._other: dict[str, list[tuple[bytes, int, float, bytes | None]]] = {}
        #: length byte per document, per scored field (what the length column holds)
        self._lengths: dict[str, array[int]] = {}
        #: per document: stored values, field lengths, column values (for the segment's writer)
        self._docs: list[tuple[dict[str, Any], dict[str, int], dict[str, Any]]] = []
        self._deleted: list[int] = []
        self.doc_count = 0

    @property
    def posting_count(self) -> int:
        """Postings held so far (what bounds a run's memory)."""
        return sum(len(p) for p in self._text.values())

    def add(self, **fields: Any) -> None:
        schema = self.schema
        docnum = self.doc_count
        stored: dict[str, Any] = {}
        lengths: dict[str, int] = {}
        columns: dict[str, Any] = {}
        for name in sorted(fields):
            value = fields[name]
            if name.startswith("_") or name not in schema:
                raise ValueError(f"no field {name!r} in the schema")
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self._fast:
                    postings = self._text[name]
                    analyzer = field.analyzer
                    if not isinstance(field, CountedText) or not isinstance(value, str):
                        plain = plain_terms(field, value)
                        if plain is None:
                            counts = {tb: freq for tb, freq, _w, _v in field.index(value)}
                            plain = list(counts), list(counts.values())
                        length = postings.add_counts(docnum, *plain)
                    elif type(analyzer) is JiebaTokenizer:
                        length = postings.add_words(docnum, analyzer.words(value))
                    elif type(analyzer) is BigramTokenizer:
                        length = postings.add_bigrams(docnum, value)
                    else:
                        counts = Counter(analyzer.terms(value))
                        length = postings.add_counts(docnum, list(counts), list(counts.values()))
                    if not field.scorable:
                        length = 0
                else:
                    other = self._other.setdefault(name, [])
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if field.scorable:
                            length += freq
                        other.append((tbytes, docnum, weight * 1.0, vbytes))
            if field.stored:
                stored[name] = value
            if length:
                lengths[name] = length
            if field.column_type:
                columns[name] = field.to_column_value(value)
        self._docs.append((stored, lengths, columns))
        for name, length in lengths.items():
            column_bytes = self._lengths.setdefault(name, array("B"))
            if len(column_bytes) < docnum:
                column_bytes.extend(bytes(docnum - len(column_bytes)))
            column_bytes.append(length_to_byte(length))
        self.doc_count += 1

    def add_placeholder(self) -> None:
        """An empty document, deleted in the segment: keeps the numbering of the documents after
        it when one listed for the run is gone (the catch-up after the rebuild applies it)."""
        self._deleted.append(self.doc_base + self.doc_count)
        self.add()

    def add_many(self, documents: Iterable[dict[str, Any]]) -> None:
        for fields in documents:
            self.add(**fields)

    # -- writing -------------------------------------------------------------------------------
    def finish(self) -> Run:
        """Writes the run's files; the builder is spent."""
        fields, other = [], []
        for name in sorted(self._text):
            postings = self._text.pop(name)
            if len(postings):
                self._save_postings(name, postings)
                fields.append(name)
        for name in sorted(self._other):
            items = self._other.pop(name)
            if items:  # in the order Whoosh's pool gives them, numbered as in the segment
                items.sort()
                base = self.doc_base
                _dump(self._path(name, "other"), [(t, base + d, w, v) for t, d, w, v in items])
                other.append(name)
        lengths = sorted(self._lengths)
        for name in lengths:
            np.save(self._path(name, "len.npy"), self._doc_length_bytes(name))
        _dump(self.folder / f"{self.prefix}.docs", self._docs)
        self._docs = []
        return Run(
            self.prefix, self.doc_base, self.doc_count, self._deleted, fields, other, lengths
        )

    def _path(self, name: str, what: str) -> Path:
        return self.folder / f"{self.prefix}.{name}.{what}"

    def _doc_length_bytes(self, name: str) -> npt.NDArray[np.uint8]:
        column = self._lengths.get(name, array("B"))
        out = np.zeros(self.doc_count, dtype=np.uint8)
        out[: len(column)] = np.frombuffer(column, dtype=np.uint8)
        return out

    def _save_postings(self, name: str, postings: _Postings) -> None:
        """A field's postings sorted by term (in byte order), then document: the terms, where
        each term's postings start, their document numbers (as in the segment) and frequencies."""
        terms = [_term_bytes(term) for term in postings.vocab]
        if len(terms) >= _MAX_TERMS:
            raise ValueError(f"too many terms in field {name!r} for one run")
        by_text = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), dtype=np.uint64)
        rank[np.array(by_text, dtype=np.int64)] = np.arange(len(terms), dtype=np.uint64)
        # one sort key per posting: term rank | document number | frequency
        keys = rank[np.frombuffer(postings.term_ids, dtype=np.uint32)]
        keys <<= _TERM_SHIFT
        keys |= np.repeat(
            np.arange(len(postings.per_doc), dtype=np.uint64) << np.uint64(16),
            np.frombuffer(postings.per_doc, dtype=np.uint32),
        )
        keys |= np.frombuffer(postings.freqs, dtype=np.uint16)
        postings.term_ids, postings.freqs = array("I"), array("H")  # free as we go
        keys.sort()
        counts = np.bincount((keys >> _TERM_SHIFT).astype(np.int64), minlength=len(terms))
        docs = ((keys >> np.uint64(16)) & np.uint64((1 << _DOC_BITS) - 1)).astype(np.int32)
        docs += self.doc_base
        freqs = (keys & np.uint64(0xFFFF)).astype(np.uint16)
        del keys
        big = np.array(
            [(int(rank[t]), d + self.doc_base, f) for (d, t), f in postings.big.items()],
            dtype=np.int64,
        ).reshape(-1, 3)
        sorted_terms = [terms[i] for i in by_text]
        _save_terms(self._path(name, "terms"), sorted_terms)
        np.save(self._path(name, "starts.npy"), np.concatenate(([0], np.cumsum(counts))))
        np.save(self._path(name, "docs.npy"), docs)
        np.save(self._path(name, "freqs.npy"), freqs)
        np.save(self._path(name, "big.npy"), big)


def _save_terms(path: Path, terms: list[bytes]) -> None:
    path.write_bytes(b"".join(terms))
    ends = np.cumsum(np.fromiter(map(len, terms), np.int64, len(terms)))
    np.save(path.with_name(path.name + ".ends.npy"), ends)


class _Terms:
    """A run's sorted terms of one field, read from its files as a sequence (for bisect)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            self._blob: Any = (
                mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                if os.fstat(f.fileno()).st_size
                else b""
            )
        self._ends = np.load(path.with_name(path.name + ".ends.npy"), mmap_mode="r")

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> bytes:
        start = int(self._ends[i - 1]) if i else 0
        return bytes(self._blob[start : int(self._ends[i])])

    def slice(self, a: int, b: int) -> list[bytes]:
        if a >= b:
            return []
        bounds = [int(self._ends[a - 1]) if a else 0, *self._ends[a:b].tolist()]
        blob = self._blob
        return [bytes(blob[s:e]) for s, e in pairwise(bounds)]


@dataclass(frozen=True)
class _Part:
    """The posting lists of one field's terms in ``[lo, hi)`` (``None``: open-ended), from every
    run, written by :func:`_write_part` to ``<stem>.pst`` (and ``<stem>.dense``)."""

    folder: Path
    stem: str
    field: str
    schema: Schema
    #: the field's runs (prefix), and every run (prefix, doc count) for the segment's lengths
    prefixes: list[str]
    runs: list[tuple[str, int]]
    lo: bytes | None
    hi: bytes | None
    #: terms held by at least this many documents also get a dense list (``None``: none)
    dense_min: int | None
    #: about how many postings it holds (the largest parts are started first)
    size: int = 0


#: per term of a part: the term, offset and length in the part's .pst, total weight, document
#: frequency, smallest and largest length byte, largest weight, first and last document
_TermRow = tuple[bytes, int, int, float, int, int, int, float, int, int]
#: per dense list of a part: term, offset in the part's .dense, count, wide ids
_DenseRow = tuple[str, int, int, bool]


def _segment_lengths(folder: Path, name: str, runs: list[tuple[str, int]]) -> Any:
    parts = []
    for prefix, count in runs:
        path = folder / f"{prefix}.{name}.len.npy"
        parts.append(np.load(path) if path.exists() else np.zeros(count, dtype=np.uint8))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)


def _write_part(part: _Part) -> None:
    """Writes one part's posting blocks in W3's layout (and its dense lists) from the runs'
    sorted postings: each term's postings are its runs' one after the other (runs are in
    document order), blocked as Whoosh blocks them. Its term rows go to ``<stem>.rows`` (not
    back through the pool: all parts' rows at once would weigh on the parent)."""
    folder, name = part.folder, part.field
    slices: list[tuple[int, list[bytes], Any, Any, Any, Any]] = []
    for prefix in part.prefixes:
        terms = _Terms(folder / f"{prefix}.{name}.terms")
        a = bisect.bisect_left(terms, part.lo) if part.lo is not None else 0
        b = bisect.bisect_left(terms, part.hi) if part.hi is not None else len(terms)
        if a >= b:
            continue
        starts = np.load(folder / f"{prefix}.{name}.starts.npy", mmap_mode="r")
        first, last = int(starts[a]), int(starts[b])
        docs = np.load(folder / f"{prefix}.{name}.docs.npy", mmap_mode="r")[first:last]
        freqs = np.load(folder / f"{prefix}.{name}.freqs.npy", mmap_mode="r")[first:last]
        counts = np.diff(np.asarray(starts[a : b + 1]))
        big = np.load(folder / f"{prefix}.{name}.big.npy")
        big = big[(big[:, 0] >= a) & (big[:, 0] < b)] if len(big) else big
        slices.append((a, terms.slice(a, b), counts, np.asarray(docs), np.asarray(freqs), big))
    all_terms = sorted(set().union(*(s[1] for s in slices)))
    rank_of = {term: i for i, term in enumerate(all_terms)}
    key_parts = []
    big_freqs: dict[tuple[int, int], int] = {}
    for a, run_terms, counts, docs, freqs, run_big in slices:
        ranks = np.fromiter(map(rank_of.__getitem__, run_terms), np.uint64, len(run_terms))
        keys = np.repeat(ranks, counts) << _TERM_SHIFT
        keys |= docs.astype(np.uint64) << np.uint64(16)
        keys |= freqs.astype(np.uint64)
        key_parts.append(keys)
        for t, d, f in run_big.tolist():  # (the run's term index, document, frequency)
            big_freqs[(d, int(ranks[t - a]))] = f
    keys = np.concatenate(key_parts) if key_parts else np.zeros(0, dtype=np.uint64)
    del key_parts
    keys.sort()
    field = part.schema[name]
    length_bytes = _segment_lengths(folder, name, part.runs)
    rows: list[_TermRow] = []
    dense: list[_DenseRow] = []
    value_size = fast_fields(part.schema)[name]
    with (
        open(folder / f"{part.stem}.pst", "wb") as out,
        open(folder / f"{part.stem}.dense", "wb") as dense_out,
    ):
        start, n = 0, len(keys)
        while start < n:  # in slices of whole terms, so the arrays of one slice stay small
            stop = min(start + _SLICE, n)
            if stop < n:
                next_rank = (int(keys[stop - 1]) >> _DOC_KEY_BITS) + 1
                stop = int(np.searchsorted(keys, np.uint64(next_rank << _DOC_KEY_BITS)))
            _write_blocks(
                out, field, keys[start:stop], all_terms, length_bytes, big_freqs, value_size,
                rows, dense_out if part.dense_min else None, part.dense_min or 0, dense,
            )  # fmt: skip
            start = stop
    _dump(folder / f"{part.stem}.rows", (rows, dense))


#: pickled small block → its zlib bytes (compressing costs far more than a look-up), per process
_COMPRESSED: dict[bytes, bytes] = {}


def _write_blocks(
    out: Any,
    field: Any,
    keys: npt.NDArray[np.uint64],
    terms: list[bytes],
    length_bytes: npt.NDArray[np.uint8],
    big: dict[tuple[int, int], int],
    value_size: int,
    rows: list[_TermRow],
    dense_out: Any,
    dense_min: int,
    dense: list[_DenseRow],
) -> None:
    """Writes the posting lists of ``keys`` (sort keys of whole terms, ranks into ``terms``) in
    W3's block layout, vectorised."""
    boost = float(field.format.field_boost)
    n = len(keys)
    ids = ((keys >> np.uint64(16)) & np.uint64((1 << _DOC_BITS) - 1)).astype(np.int32)
    freqs = (keys & np.uint64(0xFFFF)).astype(np.int32)
    ranks = keys >> _TERM_SHIFT
    starts = np.concatenate(([0], np.flatnonzero(ranks[1:] != ranks[:-1]) + 1))
    if big:
        for i in np.flatnonzero(freqs == _MAX_FREQ).tolist():
            freqs[i] = big.get((int(ids[i]), int(ranks[i])), _MAX_FREQ)
    term_ranks = ranks[starts].tolist()
    del ranks
    ends = np.append(starts[1:], n)
    if dense_out is not None:
        for t in np.flatnonzero(ends - starts >= dense_min).tolist():
            a, e = int(starts[t]), int(ends[t])
            encoded = encode_dense(ids[a:e], freqs[a:e])
            if encoded is not None:
                data, wide = encoded
                dense.append((terms[term_ranks[t]].decode("utf-8"), dense_out.tell(), e - a, wide))
                dense_out.write(data)
    # blocks of up to 128 postings within each term
    nblocks = (ends - starts + _BLOCK - 1) // _BLOCK
    within = np.arange(int(nblocks.sum())) - np.repeat(np.cumsum(nblocks) - nblocks, nblocks)
    bstart = np.repeat(starts, nblocks) + within * _BLOCK
    bend = np.minimum(bstart + _BLOCK, np.repeat(ends, nblocks))
    del within
    # what W3 stores: weight = frequency × field boost as float32, the frequency as !I
    weights = (freqs * boost).astype(np.float32)
    values = freqs.astype(">u4").tobytes() if value_size else b""
    lbytes = length_bytes[ids]
    deltas = np.diff(ids, prepend=0)
    deltas[bstart] = ids[bstart]  # a block's first id is absolute
    # per block: weight range (all equal → one float, all 1.0 → None), stats for skipping
    b_wmin = np.minimum.reduceat(weights, bstart)
    same = (b_wmin == np.maximum.reduceat(weights, bstart)).tolist()
    b_wmin_l = b_wmin.astype(np.float64).tolist()
    b_maxw = (np.maximum.reduceat(freqs, bstart) * boost).tolist()
    b_lmin = np.minimum.reduceat(lbytes, bstart).tolist()
    b_lmax = np.maximum.reduceat(lbytes, bstart).tolist()
    b_last = ids[bend - 1].tolist()
    t_weight = np.add.reduceat(weights, starts, dtype=np.float64).tolist()
    t_maxw = (np.maximum.reduceat(freqs, starts) * boost).tolist()
    t_lmin = np.minimum.reduceat(lbytes, starts).tolist()
    t_lmax = np.maximum.reduceat(lbytes, starts).tolist()
    t_first = ids[starts].tolist()
    t_count = (ends - starts).tolist()
    t_blocks = nblocks.tolist()
    bs, be = bstart.tolist(), bend.tolist()
    del lbytes, freqs, b_wmin, nblocks, bstart, bend, ids, starts, ends

    position = out.tell()
    compress = _compressor()
    compressed = _COMPRESSED
    if len(compressed) > _SMALL_BLOCKS_KEPT:
        compressed.clear()
    chunks: list[bytes] = []
    block = 0
    for t, rank_t in enumerate(term_ranks):
        parts = [_MAGIC]
        last_block = block + t_blocks[t] - 1
        while block <= last_block:
            a, e = bs[block], be[block]
            if same[block]:
                w = b_wmin_l[block]
                block_weights: Any = None if w == 1.0 else w
            else:
                block_weights = tuple(weights[a:e].tolist())
            raw = dumps(
                (tuple(deltas[a:e].tolist()), block_weights,
                 values[4 * a : 4 * e] if value_size else None),
                2,
            )  # fmt: skip
            if e - a > _SMALL_BLOCK:
                data = compress(raw, _COMPRESSION)
            else:  # small blocks repeat (a rare term in one document): compress each once
                cached = compressed.get(raw)
                if cached is None:
                    cached = compressed[raw] = compress(raw, _COMPRESSION)
                data = cached
            info = dumps(
                (e - a, b_last[block], b_maxw[block], _COMPRESSION, b_lmin[block],
                 b_lmax[block]),
                2,
            )  # fmt: skip
            size = len(info) + len(data)
            parts += (pack_int(-size if block == last_block else size), info, data)
            block += 1
        chunk = b"".join(parts)
        chunks.append(chunk)
        rows.append(
            (terms[rank_t], position, len(chunk), t_weight[t], t_count[t], t_lmin[t], t_lmax[t],
             t_maxw[t], t_first[t], b_last[last_block])
        )  # fmt: skip
        position += len(chunk)
    out.write(b"".join(chunks))


def _term_bytes(term: Any) -> bytes:
    if isinstance(term, bytes):
        return term
    if isinstance(term, int):
        term = code_term(term)
    return str(term).encode("utf-8")


def _add_terms(tindex: Any, keys: list[bytes], values: list[bytes]) -> None:
    """``OrderedHashWriter.add`` for many keys at once (the same records, buckets and index)."""
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    dbfile = tindex.dbfile
    position = dbfile.tell()
    buckets, index, hashfn = tindex.buckets, tindex.index, tindex.hashfn
    records = []
    for key, value in zip(keys, values, strict=True):
        index.append(position)
        record = _pack_lengths(len(key), len(value)) + key + value
        h = hashfn(key)
        buckets[h & 255].append((h, position))
        records.append(record)
        position += len(record)
    dbfile.write(b"".join(records))
    tindex.lastkey = keys[-1]


def write_runs(
    folder: Path,
    schema: Schema,
    documents: Iterable[dict[str, Any] | None],
    doc_base: int,
    max_postings: int,
    progress: Callable[[int], None] | None = None,
) -> list[Run]:
    """Runs of ``documents`` (numbered from ``doc_base``; ``None`` for a placeholder), a new one
    whenever one holds ``max_postings`` (what bounds the memory of a build)."""
    runs = []
    builder = RunBuilder(folder, schema, doc_base)
    count = 0
    for fields in documents:
        if fields is None:
            builder.add_placeholder()
        else:
            builder.add(**fields)
        count += 1
        if progress and count % _PROGRESS_EVERY == 0:
            progress(_PROGRESS_EVERY)
        if builder.posting_count >= max_postings:
            runs.append(builder.finish())
            builder = RunBuilder(folder, schema, doc_base + count)
    if builder.doc_count or not runs:
        runs.append(builder.finish())
    if progress and count % _PROGRESS_EVERY:
        progress(count % _PROGRESS_EVERY)
    return runs


def merge_runs(
    storage: Any,
    schema: Schema,
    indexname: str,
    folder: Path,
    runs: list[Run],
    procs: int = 1,
    dense_dir: Path | None = None,
) -> W3Segment:
    """The segment of ``runs`` (in document order, each numbered after the one before), written
    into ``storage``; the runs' files are removed.

    The posting lists are written in parts, each a range of one field's terms taken from every
    run, in ``procs`` spawned processes while this one writes the stored fields, lengths and
    columns; the parts are then copied one after the other into the segment's posting file.
    With ``dense_dir``, the segment's dense lists (:mod:`index.dense`) are written there too,
    from the same arrays."""
    codec = W3Codec()
    segment = W3Segment(codec, indexname)
    docnum = 0
    for run in runs:
        if run.doc_base != docnum:
            raise ValueError(f"run {run.prefix} starts at {run.doc_base}, not {docnum}")
        docnum += run.doc_count
    from index.dense import DENSE_FIELDS, DENSE_MIN_DOCS, DenseWriter

    parts = _plan_parts(folder, schema, runs, max(procs, 1))
    if dense_dir is not None:
        dense_min = DENSE_MIN_DOCS
        parts = [
            dataclasses.replace(p, dense_min=dense_min if p.field in DENSE_FIELDS else None)
            for p in parts
        ]
    pool = None
    if procs > 1 and len(parts) > 1:
        # spawned, not forked: a fresh interpreter inherits no threads, locks or open files
        pool = multiprocessing.get_context("spawn").Pool(procs)
        largest_first = sorted(parts, key=lambda part: -part.size)  # none left last alone
        pending = pool.map_async(_write_part, largest_first, chunksize=1)
    try:
        _write_documents(storage, codec, segment, schema, folder, runs)
        if pool is None:
            for part in parts:
                _write_part(part)
        else:
            pending.get()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    dense = DenseWriter(dense_dir, segment.segment_id()) if dense_dir is not None else None
    fieldwriter = codec.field_writer(storage, segment)
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    pack_info = W3TermInfo._struct.pack
    by_field: dict[str, list[_Part]] = {}
    for part in parts:
        by_field.setdefault(part.field, []).append(part)
    other = set().union(*(run.other for run in runs))
    for name in sorted(by_field.keys() | other):
        fieldwriter.start_field(name, schema[name])
        if name in other:
            _write_other(fieldwriter, schema, folder, name, runs)
        prefix = pack_ushort(fieldwriter._fieldid)
        for part in by_field.get(name, []):
            rows, dense_rows = _load(folder / f"{part.stem}.rows")
            base = postfile.tell()
            with open(folder / f"{part.stem}.pst", "rb") as f:
                while chunk := f.read(_WRITE_BUFFER):
                    postfile.write(chunk)
            keys = [prefix + row[0] for row in rows]
            infos = [
                pack_info(False, w, df, lmin, lmax, maxw, first, last)
                + pack_long(base + offset) + pack_int(size)
                for _t, offset, size, w, df, lmin, lmax, maxw, first, last in rows
            ]  # fmt: skip
            _add_terms(tindex, keys, infos)
            if dense is not None and dense_rows:
                dense.add_part(folder / f"{part.stem}.dense", name, dense_rows,
                               float(schema[name].format.field_boost))  # fmt: skip
            del rows, dense_rows, keys, infos
            for path in folder.glob(f"{part.stem}.*"):
                path.unlink()
        fieldwriter.finish_field()
    fieldwriter.close()
    if dense is not None:
        dense.close()
    for run in runs:
        for path in folder.glob(f"{run.prefix}.*"):
            path.unlink()
    for part in parts:
        for path in folder.glob(f"{part.stem}.*"):
            path.unlink()
    return segment


def _write_documents(
    storage: Any, codec: W3Codec, segment: W3Segment, schema: Schema, folder: Path,
    runs: list[Run],
) -> None:  # fmt: skip
    """Stored fields, lengths and columns, through Whoosh's own per-document writer."""
    perdoc = codec.per_document_writer(storage, segment)
    docnum = 0
    for run in runs:
        for stored, lengths, columns in _load(folder / f"{run.prefix}.docs"):
            perdoc.start_doc(docnum)
            for name in sorted(stored.keys() | lengths.keys()):
                perdoc.add_field(name, schema[name], stored.get(name), lengths.get(name, 0))
            for name, value in columns.items():
                perdoc.add_column_value(name, schema[name].column_type, value)
            perdoc.finish_doc()
            docnum += 1
    perdoc.close()
    segment.set_doc_count(docnum)
    for run in runs:
        for deleted in run.deleted:
            segment.delete_document(deleted)


def _write_other(
    fieldwriter: Any, schema: Schema, folder: Path, name: str, runs: list[Run]
) -> None:
    """A field this module does not write itself, through Whoosh's own posting writer, in the
    order its pool would give the postings."""
    field = schema[name]
    lengths = (
        _segment_lengths(folder, name, [(r.prefix, r.doc_count) for r in runs])
        if field.scorable
        else None
    )
    merged = heapq.merge(
        *[_load(folder / f"{run.prefix}.{name}.other") for run in runs if name in run.other]
    )
    last = None
    for tbytes, docnum, weight, vbytes in merged:
        if tbytes != last:
            if last is not None:
                fieldwriter.finish_term()
            fieldwriter.start_term(tbytes)
            last = tbytes
        length = None
        if lengths is not None and lengths[docnum]:
            length = byte_to_length(int(lengths[docnum]))
        fieldwriter.add(docnum, weight, vbytes or b"", length)
    if last is not None:
        fieldwriter.finish_term()


def _plan_parts(folder: Path, schema: Schema, runs: list[Run], procs: int) -> list[_Part]:
    """Each field's terms cut into ranges of about :data:`_PART_POSTINGS` postings (and, with
    several processes, into enough ranges to keep them all busy), cut where the largest run of
    the field has that many postings behind it."""
    every = [(run.prefix, run.doc_count) for run in runs]
    totals: dict[str, list[tuple[int, Run]]] = {}
    for run in runs:
        for name in run.fields:
            starts = np.load(folder / f"{run.prefix}.{name}.starts.npy", mmap_mode="r")
            totals.setdefault(name, []).append((int(starts[-1]), run))
    grand = sum(n for field_runs in totals.values() for n, _ in field_runs) or 1
    parts = []
    for name in sorted(totals):
        field_runs = totals[name]
        postings = sum(n for n, _ in field_runs)
        count = -(-postings // _PART_POSTINGS)
        if procs > 1 and postings > _PART_MIN_POSTINGS:
            count = max(count, round(4 * procs * postings / grand))
        cuts: list[bytes] = []
        if count > 1:
            _n, largest = max(field_runs, key=lambda nr: nr[0])
            starts = np.load(folder / f"{largest.prefix}.{name}.starts.npy", mmap_mode="r")
            at = np.searchsorted(starts, np.arange(1, count) * (int(starts[-1]) / count))
            terms = _Terms(folder / f"{largest.prefix}.{name}.terms")
            cuts = sorted({terms[i] for i in at.tolist() if 0 < i < len(terms)})
        bounds = [None, *cuts, None]
        prefixes = [run.prefix for _n, run in field_runs]
        for k in range(len(bounds) - 1):
            stem = f"part-{name}-{k:05d}-{random_name(8)}"
            parts.append(
                _Part(folder, stem, name, schema, prefixes, every, bounds[k], bounds[k + 1], None,
                      postings // (len(bounds) - 1))
            )  # fmt: skip
    return parts


def _dump(path: Path, value: Any) -> None:
    with open(path, "wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)


def _load(path: Path) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


def commit_segments(ix: Any, segments: list[W3Segment]) -> None:
    """Makes ``segments`` the index's only segments, in this order (a new TOC generation),
    under Whoosh's write lock, and removes the files no segment lists."""
    from whoosh.index import TOC, LockError, clean_files

    lock = ix.lock("WRITELOCK")
    if not lock.acquire():
        raise LockError("the index is being written")
    try:
        generation = ix.latest_generation() + 1
        TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
        clean_files(ix.storage, ix.indexname, generation, segments)
    finally:
        lock.release()
