"""The array scorer: exact coverage + BM25F ranking, totals and facets in one pass over postings.

Whoosh stays the index (analysis, segments, stored fields, columns); this module replaces its
pure-Python matchers for ranking. A query is first turned into a :class:`Plan` — per concept, per
alternative, the clauses to look up (a word in a word field, or all bigrams of a form in a bigram
field) — from the index lexicon. The plan is then evaluated over whole posting lists read into
numpy arrays, so every matching document is scored: the ranking never depends on a time budget or
on document order, and totals and facets are counted exactly.

The score, defined here and checked against a plain-Python reference scorer in the tests:

- a term in a field scores BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N − df + ½)/(df + ½))) over
  live documents, its weight the indexed frequency times the field boost;
- a clause scores its boost times the mean of its terms' BM25, where every term must be present;
- an alternative scores its weight times the sum of its matching clauses; a concept scores its
  best alternative; a document scores the sum over concepts times its status factor;
- documents are ordered by: every required concept covered, then the coverage (the sum of the
  rarities — idf of the documents holding the concept — of the required concepts covered), then
  the score, then the document number.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from pickle import loads
from typing import Any

import numpy as np
import numpy.typing as npt

from index.analysis import bigrams, is_cjk
from index.columns import COLUMNS, FACET_COLUMNS, segment_column, stored_codes
from index.dense import DenseLists
from index.query import Concept
from index.schema import META_ID
from index.segments import leaves

__all__ = [
    "K1",
    "B",
    "Clause",
    "ConceptPlan",
    "IndexArrays",
    "Plan",
    "Ranking",
    "bm25_idf",
    "make_plan",
    "rank",
]

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
#: Clause boosts: an indexed word counts fully, a form matched as bigrams less.
WORD_FIELDS = (("title", 1.0), ("body", 1.0))
BIGRAM_FIELDS = (("title_bi", 0.5), ("body_bi", 0.3))
#: Fields whose lengths the scorer needs.
SCORED_FIELDS = ("title", "body", "title_bi", "body_bi")
# Score factor for documents that are no longer in force: still findable, below valid ones.
STATUS_FACTOR = {"valid": 1.0, "amended": 0.6, "repealed": 0.35, "expired": 0.35}
#: How many bigrams a lone character stands for in a query (the most frequent ones).
SINGLE_CHAR_TERMS = 8
#: A safety net, not a budget: a query still reading postings after this many seconds stops
#: adding alternatives (and says so in the log). On this machine no query comes near it.
SAFETY_SECONDS = 3.0
#: Postings kept in memory across queries and commits, as read (ids + weights: 8 bytes each).
CACHE_POSTINGS = 4_000_000
#: Postings kept scored for the current reader (ids + BM25: 12 bytes each).
SCORES_CACHE = 4_000_000
#: Facet column codes kept per segment across readers (8 bytes a document and column).
COLUMNS_CACHE = 8_000_000

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def bm25_idf(df: int, n: int) -> float:
    """The BM25 idf, always positive (so any match scores above zero)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


# -- the plan ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clause:
    """Match all of ``terms`` in ``fieldname``; scores ``boost`` × the mean of their BM25."""

    fieldname: str
    terms: tuple[str, ...]
    boost: float


@dataclass(frozen=True)
class AlternativePlan:
    text: str
    weight: float
    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class ConceptPlan:
    concept: Concept
    alternatives: tuple[AlternativePlan, ...]
    #: whether it decides coverage (a function word does not, unless nothing else does)
    required: bool


@dataclass(frozen=True)
class Plan:
    concepts: tuple[ConceptPlan, ...]

    def terms(self) -> set[tuple[str, str]]:
        return {
            (c.fieldname, t)
            for cp in self.concepts
            for a in cp.alternatives
            for c in a.clauses
            for t in c.terms
        }


def make_plan(
    concepts: Sequence[Concept], reader: Any, memo: dict[Any, list[Clause]] | None = None
) -> Plan:
    """What to look up for each concept, decided from the index lexicon of ``reader``.

    ``memo`` keeps the clauses of forms already planned on the same reader (a lone character's
    most frequent bigrams take a walk through the lexicon: 30 ms).
    """
    memo = {} if memo is None or len(memo) > 50_000 else memo
    plans = []
    for concept in concepts:
        alternatives = []
        for alt in concept.alternatives:
            key = (alt.text, alt.text == concept.text, alt.bigrams)
            if key not in memo:
                memo[key] = _clauses(alt.text, concept.text, alt.bigrams, reader)
            clauses = memo[key]
            if clauses:
                alternatives.append(AlternativePlan(alt.text, alt.weight, tuple(clauses)))
        plans.append(ConceptPlan(concept, tuple(alternatives), concept.required))
    if plans and not any(p.required for p in plans):
        # only function words typed ("怎么办"): then they are what was asked for
        plans = [ConceptPlan(p.concept, p.alternatives, True) for p in plans]
    return Plan(tuple(plans))


def _clauses(form: str, typed: str, want_bigrams: bool | None, reader: Any) -> list[Clause]:
    clauses = [
        Clause(name, (form,), boost) for name, boost in WORD_FIELDS if (name, form) in reader
    ]
    if want_bigrams is None:
        # the form typed always (the segmenter may have split it differently in a document);
        # a synonym only when no word field holds it (it then still finds something)
        want_bigrams = form == typed or not clauses
    if not want_bigrams:
        return clauses
    grams = form_bigrams(form)
    if grams:
        clauses.extend(Clause(name, tuple(grams), boost) for name, boost in BIGRAM_FIELDS)
    elif len(form) == 1 and is_cjk(form):
        clauses.extend(_single_character(reader, form))
    return clauses


def _single_character(reader: Any, char: str) -> list[Clause]:
    """A lone character matches the bigrams that start with it — only the most frequent few:
    expanding all of them (74 terms for 保) cost seconds at 50,000 documents."""
    clauses: list[Clause] = []
    for name, boost in BIGRAM_FIELDS:
        frequency: dict[str, int] = {}
        for leaf in leaves(reader):  # one pass over each segment's lexicon, not a lookup per term
            for term, info in leaf.iter_prefix(name, char):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                frequency[text] = frequency.get(text, 0) + info.doc_frequency()
        top = sorted(frequency, key=lambda t: (-frequency[t], t))[:SINGLE_CHAR_TERMS]
        clauses.extend(Clause(name, (t,), boost) for t in top)
    return clauses


def form_bigrams(form: str) -> list[str]:
    """The bigram-field terms a form is made of: CJK bigrams and whole alphanumeric runs."""
    grams: list[str] = []
    for match in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+", form):
        run = match.group(0)
        if is_cjk(run[0]):
            if len(run) >= 2:
                grams.extend(bigrams(run))
        else:
            grams.append(run)
    return list(dict.fromkeys(grams))


# -- arrays of one searcher ------------------------------------------------------------------
class IndexArrays:
    """Per-document arrays of one Whoosh reader: live documents, field lengths, facet columns,
    the status factor, and posting lists read on demand (shared cache across readers)."""

    def __init__(
        self,
        reader: Any,
        cache: PostingCache | None = None,
        index_dir: Path | None = None,
        columns: PostingCache | None = None,
    ) -> None:
        self.reader = reader
        self.cache = cache or PostingCache()
        #: facet column codes per segment, kept across readers (see :meth:`_column`)
        self.columns = columns or PostingCache(COLUMNS_CACHE)
        #: where the files derived from each segment are (its dense lists, index/dense.py, and
        #: column codes, index/columns.py); ``None``: everything is read from Whoosh's files
        self.index_dir = index_dir
        self._dense: dict[str, DenseLists | None] = {}
        self._scores = PostingCache(SCORES_CACHE)
        self._alternatives = PostingCache(SCORES_CACHE // 2)
        #: clauses planned for forms on this reader (see :func:`make_plan`)
        self.plans: dict[Any, list[Clause]] = {}
        self.leaves: list[tuple[Any, int]] = (
            [(reader, 0)] if reader.is_atomic() else list(reader.leaf_readers())
        )
        self.size = int(reader.doc_count_all())
        self.buffers = Buffers(self.size)
        live = np.ones(self.size, dtype=np.bool_)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                dead = np.fromiter(leaf._perdoc.deleted_docs(), dtype=np.int64)
                live[dead + offset] = False
        for docnum in reader.postings("id", META_ID).all_ids() if ("id", META_ID) in reader else ():
            live[docnum] = False
        self.live = live
        self.count = int(live.sum())
        self.norms: dict[str, FloatArray] = {}
        for name in SCORED_FIELDS:
            lengths = self._lengths(name)
            avg = int(lengths[live].sum()) / self.count if self.count else 1.0
            self.norms[name] = K1 * ((1 - B) + B * lengths.astype(np.float64) / (avg or 1.0))
        self.codes: dict[str, IntArray] = {}
        self.values: dict[str, list[Any]] = {}
        for name in COLUMNS:
            self.codes[name], self.values[name] = self._column(name)
        #: per facet column, the codes of "no value" (never counted as a facet value)
        self.blank_codes = {
            name: np.array(
                [i for i, v in enumerate(self.values[name]) if v in ("", 0, None)], dtype=np.int64
            )
            for name in FACET_COLUMNS
        }
        status = self.values["status"]
        factor = np.array([STATUS_FACTOR.get(str(s), 1.0) for s in status], dtype=np.float64)
        self.status_factor = factor[self.codes["status"]]
        published = np.array([int(v or 0) for v in self.values["published"]], dtype=np.int64)
        self.published = published[self.codes["published"]]

    def _lengths(self, fieldname: str) -> IntArray:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        table = np.array([byte_to_length(i) for i in range(256)], dtype=np.int64)
        out = np.zeros(self.size, dtype=np.int64)
        for leaf, offset in self.leaves:
            n = int(leaf.doc_count_all())
            column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                continue
            count = min(column._count, n)
            raw = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
            out[offset : offset + count] = table[raw]
        return out

    def _column(self, name: str) -> tuple[IntArray, list[Any]]:
        """Per-document codes into a list of distinct values (for bincount).

        Each segment's codes are loaded once from the file written with the segment (or, without
        one, read from its column) and kept in the shared cache by segment id: after a sync's
        commit only the new segment is read, not the whole county's documents again.
        """
        index: dict[Any, int] = {"": 0}
        codes = np.zeros(self.size, dtype=np.int64)
        for leaf, offset in self.leaves:
            if not leaf.has_column(name):
                continue
            segment_id = leaf.segment().segment_id()
            key = ("column", segment_id, name)
            cached = self.columns.get(key)
            if cached is None and self.index_dir is not None:
                # the codes kept beside the index when the segment was written (index/columns.py)
                for stored_name, (stored, distinct) in stored_codes(
                    self.index_dir, segment_id, int(leaf.doc_count_all())
                ).items():
                    item = (stored, np.array(distinct, dtype=object))
                    self.columns.put(("column", segment_id, stored_name), item)
                cached = self.columns.get(key)
            if cached is None:
                codes_of_segment, values_of_segment = segment_column(leaf, name)
                cached = (codes_of_segment, np.array(values_of_segment, dtype=object))
                self.columns.put(key, cached)
            local_codes_array, local_values = cached
            remap = np.array(
                [index.setdefault(v, len(index)) for v in local_values], dtype=np.int64
            )
            if len(local_codes_array):
                codes[offset : offset + len(local_codes_array)] = remap[local_codes_array]
        values_list = [v.decode("utf-8") if isinstance(v, bytes) else v for v in index]
        return codes, values_list

    def code_of(self, name: str, value: Any) -> int:
        try:
            return self.values[name].index(value)
        except ValueError:
            return -1

    def alternative_scores(self, alt: AlternativePlan) -> tuple[npt.NDArray[Any], FloatArray]:
        """The documents an alternative matches and its score in each, cached for this reader:
        a head word (低保) asked again costs one scatter instead of one per clause and term."""
        cached = self._alternatives.get(alt)
        if cached is None:
            score = _alternative_score(self, alt, self.buffers)
            if score is None:
                cached = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64))
            else:
                ids = np.flatnonzero(score)  # every match scores above zero (idf > 0)
                cached = (ids.astype(np.int32), score[ids])
                self.buffers.give(score)
            self._alternatives.put(alt, cached)
        return cached

    def term_scores(self, fieldname: str, term: str) -> tuple[npt.NDArray[Any], FloatArray]:
        """Live documents holding ``term`` and its BM25 in each (cached for this reader)."""
        key = (fieldname, term)
        cached = self._scores.get(key)
        if cached is not None:
            return cached
        ids, weights = self.postings(fieldname, term)
        idf = bm25_idf(len(ids), self.count)
        scores = idf * ((weights * (K1 + 1)) / (weights + self.norms[fieldname][ids]))
        item = (ids.astype(np.int32), scores)
        self._scores.put(key, item)
        return item

    def postings(self, fieldname: str, term: str) -> tuple[IntArray, FloatArray]:
        """Live document numbers (ascending) and weights of ``term`` in ``fieldname``."""
        parts_ids, parts_weights = [], []
        for leaf, offset in self.leaves:
            # a segment's postings never change (deletions are kept apart): its unique id, not
            # the Python object's (an address a later segment may reuse), keys the cache
            key = (leaf.segment().segment_id(), fieldname, term)
            cached = self.cache.get(key)
            if cached is None:
                dense = self._dense_lists(leaf)
                found = dense.get(fieldname, term) if dense is not None else None
                cached = found if found is not None else _read_postings(leaf, fieldname, term)
                self.cache.put(key, cached)
            ids, weights = cached
            if len(ids):
                parts_ids.append(ids + offset if offset else ids)
                parts_weights.append(weights)
        if not parts_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        ids = parts_ids[0] if len(parts_ids) == 1 else np.concatenate(parts_ids)
        weights = parts_weights[0] if len(parts_weights) == 1 else np.concatenate(parts_weights)
        keep = self.live[ids]
        if not keep.all():
            ids, weights = ids[keep], weights[keep]
        return ids.astype(np.int64, copy=False), weights.astype(np.float64)

    def _dense_lists(self, leaf: Any) -> DenseLists | None:
        if self.index_dir is None:
            return None
        segment_id = leaf.segment().segment_id()
        if segment_id not in self._dense:
            self._dense[segment_id] = DenseLists.open(self.index_dir, segment_id)
        return self._dense[segment_id]


class PostingCache:
    """Posting arrays of recently used terms, bounded by their total length (LRU)."""

    def __init__(self, budget: int = CACHE_POSTINGS) -> None:
        self.budget = budget
        self._items: OrderedDict[Any, tuple[npt.NDArray[Any], npt.NDArray[Any]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[npt.NDArray[Any], npt.NDArray[Any]] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Any, item: tuple[npt.NDArray[Any], npt.NDArray[Any]]) -> None:
        with self._lock:
            if key in self._items or len(item[0]) > self.budget:
                return
            self._items[key] = item
            self._size += len(item[0])
            while self._size > self.budget:
                _, old = self._items.popitem(last=False)
                self._size -= len(old[0])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def _read_postings(leaf: Any, fieldname: str, term: str) -> tuple[npt.NDArray[Any], Any]:
    """All postings of a term in one segment (deleted documents included), as arrays.

    Whoosh's W3 postings are blocks of up to 128 delta-coded ids and float weights, each block a
    zlib-compressed pickle. Reading them block by block here, without a matcher object per
    posting, is what makes a common term cheap (13,000 postings of 人民: 4.8 ms → well under 1).
    """
    empty = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    if (fieldname, term) not in leaf:
        return empty
    terms_reader = getattr(leaf, "_terms", None)
    btext = leaf.schema[fieldname].to_bytes(term)
    info = leaf.term_info(fieldname, term)
    if terms_reader is None or not hasattr(terms_reader, "_postfile") or info.is_inlined():
        if terms_reader is None or not leaf.has_deletions():
            matcher = leaf.postings(fieldname, term)
        else:  # deleted documents too: the live mask drops them (postings cached per segment)
            matcher = terms_reader.matcher(fieldname, btext, leaf.schema[fieldname].format)
        ids_list, weights_list = [], []
        while matcher.is_active():
            ids_list.append(matcher.id())
            weights_list.append(matcher.weight())
            matcher.next()
        return np.array(ids_list, dtype=np.int32), np.array(weights_list, dtype=np.float32)
    postfile = terms_reader._postfile
    offset, _length = info.extent()
    position = offset + 4  # after the header magic
    deltas: list[int] = []
    weights: list[float] = []
    previous_max = 0
    while True:
        block_length = postfile.get_int(position)
        last = block_length < 0
        block_length = abs(block_length)
        postfile.seek(position + 4)
        count, max_id, _maxw, compression, _mn, _mx = postfile.read_pickle()
        data_offset = postfile.tell()
        raw = postfile.get(data_offset, position + 4 + block_length - data_offset)
        ids, block_weights, _values = loads(zlib.decompress(raw) if compression else raw)
        first = len(deltas)
        deltas.extend(ids)
        deltas[first] -= previous_max  # the first id of a block is absolute
        previous_max = max_id
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        position += 4 + block_length
        if last:
            break
    doc_ids = np.cumsum(np.array(deltas, dtype=np.int64)).astype(np.int32)
    return doc_ids, np.array(weights, dtype=np.float32)


# -- evaluation ------------------------------------------------------------------------------
@dataclass
class Ranking:
    """What one evaluation of a plan yields."""

    #: document numbers, best first (at most ``wanted``)
    order: list[int]
    #: documents of the result set (every required concept, or — relaxed — any)
    result_mask: BoolArray
    #: whether no document held every required concept (then the result set is the partial one)
    relaxed: bool
    #: per concept (plan order), which documents hold it
    concept_masks: list[BoolArray]
    #: per document, the final score (status factor included)
    scores: FloatArray
    #: per document, whether it holds every required concept
    full: BoolArray
    #: per document, whether it holds any required concept
    some: BoolArray
    #: documents searched past the safety net (then the ranking may be incomplete)
    cut_short: bool = False
    rarities: list[float] = field(default_factory=list)


def rank(
    arrays: IndexArrays,
    plan: Plan,
    wanted: int,
    filter_mask: BoolArray | None = None,
    exclude: Sequence[int] = (),
) -> Ranking:
    """Evaluate ``plan`` over every document; the best ``wanted`` outside ``exclude``."""
    started = time.monotonic()
    n = arrays.size
    pool = arrays.buffers
    total = pool.take()
    masks: list[BoolArray] = []
    cut_short = False
    for cp in plan.concepts:
        best = pool.take()
        for alt in cp.alternatives:
            if time.monotonic() - started > SAFETY_SECONDS:
                cut_short = True
                break
            ids, values = arrays.alternative_scores(alt)
            if len(ids):
                best[ids] = np.maximum(best[ids], values)
        masks.append(best > 0)
        total += best
        pool.give(best)
    if cut_short:
        log.warning("search read postings for over %.1f s and stopped early", SAFETY_SECONDS)
    rarities = [bm25_idf(int(np.count_nonzero(m)), arrays.count) for m in masks]
    coverage = np.zeros(n, dtype=np.float64)
    full = np.ones(n, dtype=np.bool_)
    anything = np.zeros(n, dtype=np.bool_)
    weights = []
    for cp, mask, rarity in zip(plan.concepts, masks, rarities, strict=True):
        if cp.required:
            weight = cp.concept.rarity if cp.concept.rarity is not None else rarity
            weights.append(weight)
            coverage += weight * mask
            full &= mask
            anything |= mask
    scores = total * arrays.status_factor
    pool.give(total)
    allowed = arrays.live if filter_mask is None else arrays.live & filter_mask
    full &= allowed
    anything &= allowed
    relaxed = not full.any()
    result = anything if relaxed else full
    candidates = anything.copy()
    if exclude:
        candidates[np.asarray(exclude, dtype=np.int64)] = False
    # with every rarity positive (the usual case) the full matches have the highest coverage,
    # so coverage alone orders them first: one partition less over a large candidate set
    keys = [coverage, scores]
    if not all(w > 0 for w in weights):
        keys.insert(0, full.astype(np.float64))
    order = best_of(np.flatnonzero(candidates), keys, wanted)
    return Ranking(order, result, relaxed, masks, scores, full, anything, cut_short, rarities)


class Buffers:
    """Reused per-document float arrays: a fresh 200,000-element array costs its page faults
    on first write (≈ 5 ms), a reused one a memset."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free: list[FloatArray] = []

    def take(self) -> FloatArray:
        if self._free:
            buffer = self._free.pop()
            buffer.fill(0.0)
            return buffer
        return np.zeros(self.size, dtype=np.float64)

    def give(self, buffer: FloatArray) -> None:
        if len(self._free) < 16:
            self._free.append(buffer)


def _alternative_score(
    arrays: IndexArrays, alt: AlternativePlan, pool: Buffers
) -> FloatArray | None:
    score: FloatArray | None = None
    for clause in alt.clauses:
        size = len(clause.terms)
        if size == 1:
            ids, term_scores = arrays.term_scores(clause.fieldname, clause.terms[0])
            if not len(ids):
                continue
            if score is None:
                score = pool.take()
            score[ids] += term_scores / 1 * clause.boost
            continue
        postings = [arrays.term_scores(clause.fieldname, term) for term in clause.terms]
        if not all(len(ids) for ids, _ in postings):
            continue
        acc, present = pool.take(), pool.take()
        for ids, term_scores in postings:
            acc[ids] += term_scores
            present[ids] += 1.0
        hit = present == size
        pool.give(present)
        if hit.any():
            if score is None:
                score = pool.take()
            # acc × hit keeps acc where every term is present and adds an exact 0.0 elsewhere
            np.multiply(acc, hit, out=acc)
            acc /= size
            acc *= clause.boost
            score += acc
        pool.give(acc)
    if score is not None and alt.weight != 1.0:
        score *= alt.weight
    return score


def best_of(candidates: IntArray, keys: list[FloatArray], k: int) -> list[int]:
    """The ``k`` candidates with the largest ``keys`` (compared in order), ties by number.

    Linear in the candidates (a partition per key level), so a query matching most of 200,000
    documents costs no sort of them all.
    """
    if k <= 0 or not len(candidates):
        return []
    if not keys:
        return [int(i) for i in np.sort(candidates)[:k]]
    if len(candidates) <= k:
        order = np.lexsort((candidates, *[-key[candidates] for key in reversed(keys)]))
        return [int(i) for i in candidates[order]]
    values = keys[0][candidates]
    top = values[np.argmax(values)]  # (numpy's stubs for 3.13 type .max() without axis badly)
    at_top = values == top
    if np.count_nonzero(at_top) >= k:  # common: enough candidates share the best value
        return best_of(candidates[at_top], keys[1:], k)
    kth = np.partition(values, len(values) - k)[len(values) - k]
    above = candidates[values > kth]
    tied = candidates[values == kth]
    return best_of(above, keys, len(above)) + best_of(tied, keys[1:], k - len(above))
