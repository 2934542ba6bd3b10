"""Writing index segments fast: ordinary Whoosh W3 segments from compact posting arrays.

Whoosh's writer keeps every posting as a tuple in a pool, pickles sorted runs to disk and reads
them back, sorts all tuples, then writes each posting through Python calls that read its field
length back from the length column: about nine tenths of the build time. Documents arrive in
document-number order, so a segment needs none of that. For the text fields this builder keeps,
per field, a term id and a frequency per posting in typed arrays (the term strings once, in a
vocabulary), sorts them once with numpy when the segment is written, and writes the posting
blocks in Whoosh's own W3 layout (delta-coded ids, float32 weights, the frequency as value, block
and term statistics); the few postings of the other fields (ids, keys, facets, numbers) go through
Whoosh's own posting writer, and stored fields, lengths and columns through Whoosh's own per-document
writer. Stock Whoosh readers and matchers read the result; tests/index/test_build.py checks that it
holds exactly what Whoosh's writer would have written.
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from pickle import dumps
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3Segment, W3TermInfo
from whoosh.fields import Schema
from whoosh.filedb.filetables import _lengths as _hash_lengths
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from index.schema import CountedText

__all__ = ["SegmentBuilder", "commit_segments", "fast_fields", "write_segments"]

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
_MAGIC = WHOOSH3_HEADER_MAGIC
_compress = zlib.compress
_pack_lengths = _hash_lengths.pack


def fast_fields(schema: Schema) -> set[str]:
    """The fields this builder writes itself: counted text fields without positions, vectors or
    spelling (everything else goes through Whoosh's own posting writer)."""
    names = set()
    for name, field in schema.items():
        if (
            isinstance(field, CountedText)
            and getattr(field.analyzer, "terms", None) is not None
            and field.format.fixed_value_size() == 4
            and field.scorable
            and not field.vector
            and not field.separate_spelling()
        ):
            names.add(name)
    return names


class _TextPostings:
    """The postings of one counted text field in one segment: a term id and a frequency each."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.term_ids = array("I")
        self.freqs = array("H")
        #: postings per document (document numbers are implicit: documents come in order)
        self.per_doc = array("I")
        #: (document, term id) → frequency, for the rare frequencies above ``_MAX_FREQ``
        self.big: dict[tuple[int, int], int] = {}

    def add(self, docnum: int, counts: Counter[str]) -> int:
        """Adds one document's term counts; returns the field length (sum of frequencies)."""
        vocab = self.vocab
        new = [term for term in counts if term not in vocab]
        if new:
            vocab.update(zip(new, range(len(vocab), len(vocab) + len(new)), strict=True))
        self.term_ids.extend(array("I", list(map(vocab.__getitem__, counts))))
        length = sum(counts.values())
        if length > _MAX_FREQ and max(counts.values()) > _MAX_FREQ:
            for term, freq in counts.items():
                if freq > _MAX_FREQ:
                    self.big[(docnum, vocab[term])] = freq
            self.freqs.extend(min(f, _MAX_FREQ) for f in counts.values())
        else:
            self.freqs.extend(array("H", list(counts.values())))
        self.per_doc.append(len(counts))
        return length

    def __len__(self) -> int:
        return len(self.term_ids)


class SegmentBuilder:
    """Builds one new W3 segment of ``storage`` from documents added in order.

    ``add`` takes the same keyword fields as Whoosh's ``add_document``; ``finish`` writes the
    segment files and returns the segment, for a TOC (see :func:`index.indexer`). The segment is
    not part of the index until a TOC lists it.
    """

    def __init__(self, storage: Any, schema: Schema, indexname: str) -> None:
        self.storage = storage
        self.schema = schema
        self.codec = W3Codec()
        self.segment = W3Segment(self.codec, indexname)
        self._perdoc = self.codec.per_document_writer(storage, self.segment)
        self._fast = fast_fields(schema)
        self._text: dict[str, _TextPostings] = {name: _TextPostings() for name in self._fast}
        #: other fields' postings as Whoosh's pool holds them: (term bytes, doc, weight, value)
        self._other: dict[str, list[tuple[bytes, int, float, bytes | None]]] = {}
        #: length byte per document, per scored field (what the length column holds)
        self._lengths: dict[str, array[int]] = {}
        self.doc_count = 0

    @property
    def posting_count(self) -> int:
        """Postings held so far (what bounds a segment's memory)."""
        return sum(len(p) for p in self._text.values())

    def add(self, **fields: Any) -> None:
        schema = self.schema
        docnum = self.doc_count
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        lengths: dict[str, int] = {}
        for name in sorted(fields):
            value = fields[name]
            if name.startswith("_") or name not in schema:
                raise ValueError(f"no field {name!r} in the schema")
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self._fast and isinstance(value, str):
                    length = self._text[name].add(docnum, Counter(field.analyzer.terms(value)))
                else:
                    other = self._other.setdefault(name, [])
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if field.scorable:
                            length += freq
                        other.append((tbytes, docnum, weight * 1.0, vbytes))
            perdoc.add_field(name, field, value if field.stored else None, length)
            if length:
                lengths[name] = length
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        for name, length in lengths.items():
            column_bytes = self._lengths.setdefault(name, array("B"))
            if len(column_bytes) < docnum:
                column_bytes.extend(bytes(docnum - len(column_bytes)))
            column_bytes.append(length_to_byte(length))
        self.doc_count += 1

    def add_many(self, documents: Iterable[dict[str, Any]]) -> None:
        for fields in documents:
            self.add(**fields)

    def cancel(self) -> None:
        """Drops an empty builder (its per-document writer holds temporary files)."""
        self._perdoc.close()

    # -- writing -------------------------------------------------------------------------------
    def finish(self) -> W3Segment:
        """Writes the segment's files; returns the segment (with its document count)."""
        self._perdoc.close()
        self.segment.set_doc_count(self.doc_count)
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        for name in sorted(set(self._text) | set(self._other)):
            if name in self._text:
                if len(self._text[name]):
                    self._write_text(fieldwriter, name, self._text.pop(name))
            elif self._other[name]:
                self._write_other(fieldwriter, name, self._other.pop(name))
        fieldwriter.close()
        return self.segment

    def _doc_length_bytes(self, name: str) -> npt.NDArray[np.uint8]:
        column = self._lengths.get(name, array("B"))
        out = np.zeros(self.doc_count, dtype=np.uint8)
        out[: len(column)] = np.frombuffer(column, dtype=np.uint8)
        return out

    def _write_other(
        self, fieldwriter: Any, name: str, items: list[tuple[bytes, int, float, bytes | None]]
    ) -> None:
        """Through Whoosh's own posting writer, in the order its pool would give them."""
        items.sort()
        field = self.schema[name]
        length_bytes = self._doc_length_bytes(name) if field.scorable else None
        fieldwriter.start_field(name, field)
        last = None
        for tbytes, docnum, weight, vbytes in items:
            if tbytes != last:
                if last is not None:
                    fieldwriter.finish_term()
                fieldwriter.start_term(tbytes)
                last = tbytes
            length = None
            if length_bytes is not None and length_bytes[docnum]:
                length = byte_to_length(int(length_bytes[docnum]))
            fieldwriter.add(docnum, weight, vbytes or b"", length)
        if last is not None:
            fieldwriter.finish_term()
        fieldwriter.finish_field()

    def _write_text(self, fieldwriter: Any, name: str, postings: _TextPostings) -> None:
        """Writes a counted text field's posting lists in W3's block layout, vectorised."""
        field = self.schema[name]
        terms = list(postings.vocab)
        if len(terms) >= _MAX_TERMS:
            raise ValueError(f"too many terms in field {name!r} for one segment")
        # one sort key per posting: term rank (terms in byte order; UTF-8 keeps code point
        # order, so str order is byte order), document number, frequency
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
        fieldwriter.start_field(name, field)
        # in slices of whole terms, so the arrays of one slice stay small
        start, n = 0, len(keys)
        while start < n:
            stop = min(start + _SLICE, n)
            if stop < n:
                next_rank = (int(keys[stop - 1]) >> _DOC_KEY_BITS) + 1
                stop = int(np.searchsorted(keys, np.uint64(next_rank << _DOC_KEY_BITS)))
            self._write_slice(
                fieldwriter, field, keys[start:stop], terms, by_text, length_bytes, big
            )
            start = stop
        fieldwriter.finish_field()

    def _write_slice(
        self,
        fieldwriter: Any,
        field: Any,
        keys: npt.NDArray[np.uint64],
        terms: list[str],
        by_text: list[int],
        length_bytes: npt.NDArray[np.uint8],
        big: dict[tuple[int, int], int],
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
        values = freqs.astype(">u4").tobytes()
        deltas = np.diff(ids, prepend=0)
        deltas[bstart] = ids[bstart]  # a block's first id is absolute
        lbytes = length_bytes[ids]
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

        prefix = pack_ushort(fieldwriter._fieldid)
        postfile = fieldwriter._postfile
        pack_info = W3TermInfo._struct.pack
        position = postfile.tell()
        keys_out: list[bytes] = []
        infos: list[bytes] = []
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
                data = _compress(
                    dumps((tuple(deltas[a:e].tolist()), block_weights, values[4 * a : 4 * e]), 2),
                    _COMPRESSION,
                )
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
            infos.append(
                pack_info(False, t_weight[t], t_count[t], t_lmin[t], t_lmax[t], t_maxw[t],
                          t_first[t], b_last[last_block])
                + pack_long(position) + pack_int(len(chunk))
            )  # fmt: skip
            position += len(chunk)
            keys_out.append(prefix + terms[by_text[rank_t]].encode("utf-8"))
        postfile.write(b"".join(chunks))
        _add_terms(fieldwriter._tindex, keys_out, infos)


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


def write_segments(
    storage: Any,
    schema: Schema,
    indexname: str,
    documents: Iterable[dict[str, Any]],
    max_postings: int,
    progress: Callable[[int], None] | None = None,
) -> list[W3Segment]:
    """Segments of ``documents`` in order, a new one whenever one holds ``max_postings``
    (what bounds the memory of a build)."""
    segments = []
    builder = SegmentBuilder(storage, schema, indexname)
    count = 0
    for fields in documents:
        builder.add(**fields)
        count += 1
        if progress and count % _PROGRESS_EVERY == 0:
            progress(_PROGRESS_EVERY)
        if builder.posting_count >= max_postings:
            segments.append(builder.finish())
            builder = SegmentBuilder(storage, schema, indexname)
    if builder.doc_count:
        segments.append(builder.finish())
    else:
        builder.cancel()
    if progress and count % _PROGRESS_EVERY:
        progress(count % _PROGRESS_EVERY)
    return segments


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
