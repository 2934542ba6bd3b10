"""Writing an index fast: one ordinary Whoosh W3 segment, from compact posting arrays.

Whoosh's writer keeps every posting as a tuple in a pool, pickles sorted runs to disk and reads
them back, sorts all tuples, then writes each posting through Python calls that read its field
length back from the length column: about nine tenths of the build time. Documents arrive in
document-number order, so none of that is needed:

- :class:`RunBuilder` analyses documents (in a worker process, or in this one) and keeps, per
  field, a term id and a frequency per posting in typed arrays (each term once, in a vocabulary);
  at a memory bound it sorts them once with numpy and writes a *run*: the posting blocks of its
  documents in Whoosh's own W3 layout (delta-coded ids, float32 weights, the frequency as value,
  block statistics) numbered as in the final segment, a table of its terms, and the stored
  fields, lengths and column values of its documents.
- :func:`merge_runs` writes the segment: its stored fields, lengths and columns through Whoosh's
  own per-document writer, and each term's posting list as the concatenation of its runs' blocks
  (a block's first id is absolute, so blocks move unchanged), through Whoosh's own term table.

Stock Whoosh readers and matchers read the result; tests/index/test_build.py checks that it holds
exactly what Whoosh's writer would have written (byte for byte when there is one run).
"""

from __future__ import annotations

import dataclasses
import heapq
import mmap
import os
import pickle
import struct
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from pickle import dumps
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3Segment, W3TermInfo
from whoosh.fields import Schema
from whoosh.filedb.filetables import _lengths as _hash_lengths
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte

from index.analysis import BigramTokenizer, JiebaTokenizer, bigram_codes, code_term, word_term
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
_SMALL_BLOCK = 4  # postings in a block whose compressed bytes are kept for reuse
_SMALL_BLOCKS_KEPT = 1_000_000
_WRITE_BUFFER = 4 << 20  # bytes of merged posting lists gathered before a write
_INT = struct.Struct("!i")
_TABLE_SLICE = 1 << 16
_MAGIC = WHOOSH3_HEADER_MAGIC
_compress = zlib.compress
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

    def add_counts(self, docnum: int, terms: list[Any], freqs: list[int]) -> int:
        """Adds one document's distinct terms and their frequencies; returns the field length."""
        vocab = self.vocab
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
        counts = Counter(runs)
        return self.add_counts(
            docnum, terms.tolist() + list(counts), freqs.tolist() + list(counts.values())
        )

    def add_ids(self, docnum: int, ids: npt.NDArray[np.int64], freqs: npt.NDArray[np.int64]) -> int:
        length = int(freqs.sum())
        if length > _MAX_FREQ and int(freqs[np.argmax(freqs)]) > _MAX_FREQ:
            for i in np.flatnonzero(freqs > _MAX_FREQ).tolist():
                self.big[(docnum, int(ids[i]))] = int(freqs[i])
            freqs = np.minimum(freqs, _MAX_FREQ)
        self.term_ids.frombytes(ids.astype(np.uint32).tobytes())
        self.freqs.frombytes(freqs.astype(np.uint16).tobytes())
        if len(self.per_doc) < docnum:  # documents without this field before this one
            self.per_doc.frombytes(bytes(4 * (docnum - len(self.per_doc))))
        self.per_doc.append(len(ids))
        return length

    def __len__(self) -> int:
        return len(self.term_ids)


@dataclass
class Run:
    """What a :class:`RunBuilder` wrote: files ``<prefix>.pst`` (posting blocks),
    ``<prefix>.terms`` (per field, its terms and their statistics) and ``<prefix>.docs`` (per
    document, stored values, lengths and column values), for documents ``doc_base`` onwards."""

    prefix: str
    doc_base: int
    doc_count: int
    #: (document numbers in the final segment) placeholders for documents gone meanwhile
    deleted: list[int] = dataclasses.field(default_factory=list)
    #: the fields the run holds postings of
    fields: list[str] = dataclasses.field(default_factory=list)


#: per term of a run: offset and length in the run's .pst, total weight, document frequency,
#: smallest and largest length byte, largest weight, first and last document
_TermRow = tuple[int, int, float, int, int, int, float, int, int]


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
        #: pickled small block → its zlib bytes (compressing costs far more than a look-up)
        self._compressed: dict[bytes, bytes] = {}

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
                        counts = {tbytes: freq for tbytes, freq, _w, _v in field.index(value)}
                        length = postings.add_counts(docnum, list(counts), list(counts.values()))
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
        names = []
        with open(self.folder / f"{self.prefix}.pst", "wb") as out:
            for name in sorted(set(self._text) | set(self._other)):
                if name in self._text:
                    postings = self._text.pop(name)
                    table = self._write_text(out, name, postings) if len(postings) else None
                else:
                    items = self._other.pop(name)
                    table = self._write_other(out, name, items) if items else None
                if table:
                    _save_table(self.folder / f"{self.prefix}.{name}", *table)
                    names.append(name)
        _dump(self.folder / f"{self.prefix}.docs", self._docs)
        self._docs = []
        return Run(self.prefix, self.doc_base, self.doc_count, self._deleted, names)

    def _doc_length_bytes(self, name: str) -> npt.NDArray[np.uint8]:
        column = self._lengths.get(name, array("B"))
        out = np.zeros(self.doc_count, dtype=np.uint8)
        out[: len(column)] = np.frombuffer(column, dtype=np.uint8)
        return out

    def _write_other(
        self, out: Any, name: str, items: list[tuple[bytes, int, float, bytes | None]]
    ) -> tuple[list[bytes], list[_TermRow]]:
        """Through Whoosh's own posting writer, in the order its pool would give them."""
        items.sort()
        field = self.schema[name]
        length_bytes = self._doc_length_bytes(name) if field.scorable else None
        postfile = StructFile(out)
        writer = W3Codec().postings_writer(postfile)
        terms: list[bytes] = []
        rows: list[_TermRow] = []

        def finish_term() -> None:
            info = writer.finish_postings()
            offset, size = info.extent()
            rows.append(
                (offset, size, info._weight, info._df, length_to_byte(info._minlength),
                 length_to_byte(info._maxlength), info._maxweight, info._minid, info._maxid)
            )  # fmt: skip

        last = None
        for tbytes, docnum, weight, vbytes in items:
            if tbytes != last:
                if last is not None:
                    finish_term()
                writer.start_postings(field.format, W3TermInfo())
                terms.append(tbytes)
                last = tbytes
            length = None
            if length_bytes is not None and length_bytes[docnum]:
                length = byte_to_length(int(length_bytes[docnum]))
            writer.add_posting(self.doc_base + docnum, weight, vbytes or b"", length)
        if last is not None:
            finish_term()
        return terms, rows

    def _write_text(
        self, out: Any, name: str, postings: _Postings
    ) -> tuple[list[bytes], list[_TermRow]]:
        """Writes a field's posting lists in W3's block layout, vectorised."""
        field = self.schema[name]
        terms = list(postings.vocab)
        if len(terms) >= _MAX_TERMS:
            raise ValueError(f"too many terms in field {name!r} for one run")
        # one sort key per posting: term rank (terms in byte order), document number, frequency
        terms = [_term_bytes(term) for term in terms]
        by_text = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), dtype=np.uint64)
        rank[np.array(by_text, dtype=np.int64)] = np.arange(len(terms), dtype=np.uint64)
        keys = rank[np.frombuffer(postings.term_ids, dtype=np.uint32)]
        del rank
        keys <<= _TERM_SHIFT
        keys |= np.repeat(
            np.arange(len(postings.per_doc), dtype=np.uint64) << np.uint64(16),
            np.frombuffer(postings.per_doc, dtype=np.uint32),
        )
        keys |= np.frombuffer(postings.freqs, dtype=np.uint16)
        big = postings.big
        postings.term_ids, postings.freqs = array("I"), array("H")  # free as we go
        keys.sort()
        length_bytes = self._doc_length_bytes(name)
        table: tuple[list[bytes], list[_TermRow]] = ([], [])
        # in slices of whole terms, so the arrays of one slice stay small
        start, n = 0, len(keys)
        while start < n:
            stop = min(start + _SLICE, n)
            if stop < n:
                next_rank = (int(keys[stop - 1]) >> _DOC_KEY_BITS) + 1
                stop = int(np.searchsorted(keys, np.uint64(next_rank << _DOC_KEY_BITS)))
            self._write_slice(
                out, field, keys[start:stop], terms, by_text, length_bytes, big,
                self._fast[name], table,
            )  # fmt: skip
            start = stop
        return table

    def _write_slice(
        self,
        out: Any,
        field: Any,
        keys: npt.NDArray[np.uint64],
        terms: list[bytes],
        by_text: list[int],
        length_bytes: npt.NDArray[np.uint8],
        big: dict[tuple[int, int], int],
        value_size: int,
        table: tuple[list[bytes], list[_TermRow]],
    ) -> None:
        boost = float(field.format.field_boost)
        n = len(keys)
        ids = ((keys >> np.uint64(16)) & np.uint64((1 << _DOC_BITS) - 1)).astype(np.int32)
        freqs = (keys & np.uint64(0xFFFF)).astype(np.int32)
        ranks = keys >> _TERM_SHIFT
        starts = np.concatenate(([0], np.flatnonzero(ranks[1:] != ranks[:-1]) + 1))
        if big:
            for i in np.flatnonzero(freqs == _MAX_FREQ).tolist():
                freqs[i] = big.get((int(ids[i]), by_text[int(ranks[i])]), _MAX_FREQ)
        term_ranks = ranks[starts].tolist()
        del ranks
        ends = np.append(starts[1:], n)
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
        ids += self.doc_base  # numbered as in the segment the run goes into
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
        terms_out, rows = table
        compressed = self._compressed
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
                    data = _compress(raw, _COMPRESSION)
                else:  # small blocks repeat (a rare term in one document): compress each once
                    cached = compressed.get(raw)
                    if cached is None:
                        cached = compressed[raw] = _compress(raw, _COMPRESSION)
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
                (position, len(chunk), t_weight[t], t_count[t], t_lmin[t], t_lmax[t], t_maxw[t],
                 t_first[t], b_last[last_block])
            )  # fmt: skip
            position += len(chunk)
            terms_out.append(terms[by_text[rank_t]])
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
    storage: Any, schema: Schema, indexname: str, folder: Path, runs: list[Run]
) -> W3Segment:
    """The segment of ``runs`` (in document order, each numbered after the one before), written
    into ``storage``; the runs' files are removed."""
    codec = W3Codec()
    segment = W3Segment(codec, indexname)
    perdoc = codec.per_document_writer(storage, segment)
    docnum = 0
    for run in runs:
        if run.doc_base != docnum:
            raise ValueError(f"run {run.prefix} starts at {run.doc_base}, not {docnum}")
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

    fieldwriter = codec.field_writer(storage, segment)
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    files = [open(folder / f"{run.prefix}.pst", "rb") for run in runs]  # noqa: SIM115
    try:
        maps = [
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(f.fileno()).st_size
            else b""
            for f in files
        ]  # fmt: skip
        for name in sorted(set().union(*(run.fields for run in runs))):
            fieldwriter.start_field(name, schema[name])
            merged = heapq.merge(
                *[
                    _iter_table(folder / f"{run.prefix}.{name}", r)
                    for r, run in enumerate(runs)
                    if name in run.fields
                ]
            )
            _merge_field(merged, maps, postfile, tindex, pack_ushort(fieldwriter._fieldid))
            fieldwriter.finish_field()
    finally:
        for f in files:
            f.close()
    fieldwriter.close()
    for run in runs:
        for path in folder.glob(f"{run.prefix}.*"):
            path.unlink()
    return segment


def _merge_field(
    merged: Iterable[tuple[bytes, int, _TermRow]],
    maps: list[Any],
    postfile: Any,
    tindex: Any,
    prefix: bytes,
) -> None:
    """Each term's posting list: its runs' blocks one after the other (the runs are in document
    order); every run's last block but the final one loses its "last block" mark."""
    pack_info = W3TermInfo._struct.pack
    position = postfile.tell()
    keys: list[bytes] = []
    infos: list[bytes] = []
    chunks: list[bytes] = []
    buffered = 0
    term: bytes | None = None
    group: list[tuple[int, _TermRow]] = []

    def flush_term() -> None:
        nonlocal position, buffered
        if len(group) == 1:
            r, row = group[0]
            chunk = maps[r][row[0] : row[0] + row[1]]
            weight, df, lmin, lmax, maxw, first, last = row[2:]
        elif sum(row[3] for _r, row in group) <= _BLOCK:
            # a short list in several runs: one block, as Whoosh would write it (most terms are
            # short: a block each per run would cost a block header each, +15 % of the index)
            chunk = _MAGIC + _join_blocks(
                [maps[r][row[0] + 4 : row[0] + row[1]] for r, row in group]
            )
            weight, df = sum(row[2] for _r, row in group), sum(row[3] for _r, row in group)
            lmin, lmax = min(row[4] for _r, row in group), max(row[5] for _r, row in group)
            maxw = max(row[6] for _r, row in group)
            first, last = group[0][1][7], group[-1][1][8]
        else:
            pieces = [_MAGIC]
            weight, df, lmin, lmax, maxw = 0.0, 0, 255, 0, 0.0
            for k, (r, row) in enumerate(group):
                piece = maps[r][row[0] + 4 : row[0] + row[1]]  # without the header magic
                if k < len(group) - 1:
                    piece = _unmark_last_block(piece)
                pieces.append(piece)
                weight += row[2]
                df += row[3]
                lmin, lmax, maxw = min(lmin, row[4]), max(lmax, row[5]), max(maxw, row[6])
            chunk = b"".join(pieces)
            first, last = group[0][1][7], group[-1][1][8]
        chunks.append(chunk)
        infos.append(
            pack_info(False, weight, df, lmin, lmax, maxw, first, last)
            + pack_long(position) + pack_int(len(chunk))
        )  # fmt: skip
        keys.append(prefix + term)  # type: ignore[operator]
        position += len(chunk)
        buffered += len(chunk)

    for text, r, row in merged:
        if text != term:
            if group:
                flush_term()
                if buffered > _WRITE_BUFFER:
                    _write_terms(postfile, tindex, chunks, keys, infos)
                    buffered = 0
            term, group = text, []
        group.append((r, row))
    if group:
        flush_term()
    _write_terms(postfile, tindex, chunks, keys, infos)


def _write_terms(
    postfile: Any, tindex: Any, chunks: list[bytes], keys: list[bytes], infos: list[bytes]
) -> None:
    postfile.write(b"".join(chunks))
    _add_terms(tindex, keys, infos)
    chunks.clear()
    keys.clear()
    infos.clear()


def _join_blocks(blocks: list[bytes]) -> bytes:
    """Single blocks of consecutive runs as one last block (W3's layout: ids delta-coded from the
    block's absolute first id; weights None when all 1.0, one float when all equal)."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    kind: type | None = None  # of the values: fixed-size bytes joined, or a tuple of each
    last_id = maxw = 0
    lmin, lmax = 255, 0
    for block in blocks:
        info = pickle.loads(memoryview(block)[4:])  # (the block data after it is ignored)
        count, block_last, block_maxw, compression, block_lmin, block_lmax = info
        raw = block[4 + len(dumps(info, 2)) :]  # the info as written: pickled the same way
        block_ids, block_weights, block_values = pickle.loads(
            zlib.decompress(raw) if compression else raw
        )
        first = len(ids)
        ids.extend(block_ids)
        ids[first] -= last_id  # absolute in its own block, a delta in the joined one
        last_id = block_last
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        if block_values is not None:
            kind = type(block_values)
            values.extend(block_values if kind is tuple else [block_values])
        maxw = max(maxw, block_maxw)
        lmin, lmax = min(lmin, block_lmin), max(lmax, block_lmax)
    if all(w == 1.0 for w in weights):
        joined_weights: Any = None
    elif all(w == weights[0] for w in weights):
        joined_weights = weights[0]
    else:
        joined_weights = tuple(weights)
    data = _compress(
        dumps((tuple(ids), joined_weights, _joined_values(values, kind)), 2),
        _COMPRESSION,
    )
    info = dumps((len(ids), last_id, maxw, _COMPRESSION, lmin, lmax), 2)
    return pack_int(-(len(info) + len(data))) + info + data


def _joined_values(values: list[bytes], kind: type | None) -> Any:
    if kind is None:
        return None
    return tuple(values) if kind is tuple else b"".join(values)


def _unmark_last_block(piece: bytes) -> bytes:
    """A run's posting blocks (after the magic) with the last one's negative length made
    positive: more blocks follow it."""
    position = 0
    while True:
        (size,) = _INT.unpack_from(piece, position)
        if size < 0:
            return piece[:position] + pack_int(-size) + piece[position + 4 :]
        position += 4 + size


def _save_table(stem: Path, terms: list[bytes], rows: list[_TermRow]) -> None:
    """A run's terms of one field and their statistics, as flat files."""
    stem.with_name(stem.name + ".blob").write_bytes(b"".join(terms))
    ends = np.cumsum(np.fromiter(map(len, terms), np.int64, len(terms)))
    table = np.array(rows, dtype=np.float64)
    np.save(stem.with_name(stem.name + ".ends.npy"), ends)
    np.save(stem.with_name(stem.name + ".rows.npy"), table)


def _iter_table(stem: Path, run: int) -> Iterator[tuple[bytes, int, _TermRow]]:
    """``(term, run, row)`` of a saved table, in term order, read a slice at a time."""
    blob = stem.with_name(stem.name + ".blob").read_bytes()
    ends = np.load(stem.with_name(stem.name + ".ends.npy"), mmap_mode="r")
    table = np.load(stem.with_name(stem.name + ".rows.npy"), mmap_mode="r")
    start = 0
    for at in range(0, len(ends), _TABLE_SLICE):
        stops = ends[at : at + _TABLE_SLICE].tolist()
        rows = table[at : at + _TABLE_SLICE]
        ints = rows[:, [0, 1, 3, 4, 5, 7, 8]].astype(np.int64).tolist()
        floats = rows[:, [2, 6]].tolist()
        for stop, (o, n, df, lmin, lmax, first, last), (w, maxw) in zip(
            stops, ints, floats, strict=True
        ):
            yield blob[start:stop], run, (o, n, w, df, lmin, lmax, maxw, first, last)
            start = stop


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
