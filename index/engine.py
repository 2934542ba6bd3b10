"""Answering queries: what a villager types in, ranked documents out.

The engine never parses query syntax: it builds Whoosh query objects from the text, so quotes,
``AND OR NOT``, brackets or emoji cannot raise. What it does with the text, in order:

1. clean it (control characters out, full-width folded, length capped);
2. find a 发文字号 (any bracket style) and look it up exactly;
3. map Latin letters to words of the index's own vocabulary by pinyin (dibao → 低保);
4. split Chinese into words by longest match against the index lexicon (no jieba needed at query
   time: the dictionary load and its memory stay out of the search process);
5. expand each word with villager synonyms (低保 = 最低生活保障);
6. require every word, each matched as an indexed word or, for recall, as all of its bigrams;
   if that finds nothing, accept any of them;
7. rank: exact title or 发文字号 first, then BM25F with titles boosted, valid documents ahead of
   repealed or expired ones (which stay findable, labelled).
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as Q
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher

from index.analysis import STOP_WORDS, bigrams, fold, is_cjk, title_key
from index.indexer import SearchIndex
from index.schema import META_ID
from index.synonyms import Synonyms, default_synonyms
from index.vocabulary import Vocabulary
from kiosk.docnumber import find_doc_number
from kiosk.store import Store

__all__ = ["FACETS", "Facet", "Hit", "SearchEngine", "SearchResults"]

#: Facets offered on results, in display order.
FACETS = ("category", "year", "agency", "kind", "status")
#: Longest query text considered; the rest of a pasted page is ignored.
MAX_QUERY_CHARS = 64
_MAX_CONCEPTS = 10
_MAX_WORD = 8
# Score factor for documents that are no longer in force: still findable, below valid ones.
_STATUS_FACTOR = {"valid": 1.0, "amended": 0.6, "repealed": 0.35, "expired": 0.35}
_SNIPPET_CHARS = 90
_CACHE_SIZE = 256
#: Matches counted exactly for the total and the facets; beyond this they are estimated.
MAX_COUNTED = 2_000
#: Seconds spent scoring one query before the best found so far are shown (see _scored_within_budget).
RANK_SECONDS = 0.25
# How many bigrams a lone character stands for in a query.
_SINGLE_CHAR_TERMS = 8


@dataclass(frozen=True)
class Facet:
    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    """One result card."""

    id: str
    title: str
    score: float
    status: str
    category: str
    agency: str
    kind: str
    doc_number: str
    published: str  # ISO date or ""
    snippet: str
    #: (start, end) character ranges of query terms inside ``snippet``
    highlights: tuple[tuple[int, int], ...] = ()

    def snippet_html(self) -> str:
        """The snippet with query terms in ``<b>``, everything else escaped."""
        out, last = [], 0
        for start, end in self.highlights:
            out.append(html.escape(self.snippet[last:start]))
            out.append(f"<b>{html.escape(self.snippet[start:end])}</b>")
            last = end
        out.append(html.escape(self.snippet[last:]))
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 4),
            "status": self.status,
            "category": self.category,
            "agency": self.agency,
            "kind": self.kind,
            "doc_number": self.doc_number,
            "published": self.published,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    #: a corrected query when the words look like homophone typos (低包 → 低保)
    did_you_mean: str | None = None
    #: words the pinyin in the query was read as (dibao → 低保)
    pinyin_words: list[str] = field(default_factory=list)
    #: the words searched for, after segmentation and synonyms (for highlighting in documents)
    terms: list[str] = field(default_factory=list)
    #: True when not every word could be found together and any-word results are shown
    relaxed: bool = False
    #: True when there were too many matches to count: ``total`` is an estimate ("约 N 篇")
    total_is_estimate: bool = False


@dataclass
class _Concept:
    """One thing the person asked for, with every way it may appear in a document."""

    text: str
    forms: list[str]


class SearchEngine:
    """Searches one index; safe to call from worker threads (one search at a time)."""

    def __init__(
        self, index: SearchIndex, store: Store | None = None, synonyms: Synonyms | None = None
    ) -> None:
        self.index = index
        self.store = store
        self.synonyms = synonyms or default_synonyms()
        self._lock = threading.RLock()
        self._vocab_lock = threading.Lock()
        self._closed = False
        self._ix = index.open()
        self._searcher: Searcher = self._ix.searcher()
        self._vocab: Vocabulary | None = None
        self._vocab_generation = -1
        self._cache: OrderedDict[tuple[Any, ...], SearchResults] = OrderedDict()

    def set_local_synonyms(self, lines: list[str]) -> None:
        """Use the bundled synonyms plus ``lines`` (same format), from the next search on."""
        synonyms = default_synonyms(lines)
        with self._lock:
            self.synonyms = synonyms
            self._cache.clear()
        with self._vocab_lock:
            self._vocab = None  # synonym words are part of the pinyin vocabulary

    def close(self) -> None:
        """Close the index files; safe to call twice."""
        with self._lock:
            if not self._closed:
                self._searcher.close()
                self._closed = True

    # -- freshness -------------------------------------------------------------------------
    def _refresh(self) -> Searcher:
        if not self._searcher.up_to_date():
            # A fresh searcher, not Searcher.refresh(): refresh() reuses the old segment readers
            # and misses deletions made in them, so a withdrawn document stayed findable.
            old, self._searcher = self._searcher, self._ix.searcher()
            old.close()
            self._cache.clear()
        return self._searcher

    @property
    def vocabulary(self) -> Vocabulary:
        """The pinyin/suggestion vocabulary of the current index generation.

        Built under its own lock with its own reader, so warming it up in the background (the UI
        does at start) never holds up a search that does not need it.
        """
        with self._vocab_lock:
            generation = self._ix.latest_generation()
            if self._vocab is None or generation != self._vocab_generation:
                with self._ix.reader() as reader:
                    vocab = Vocabulary.from_reader(reader, cache_dir=self.index.path)
                vocab.add_words({t: 1 for t in self.synonyms.terms()})
                self._vocab, self._vocab_generation = vocab, generation
            return self._vocab

    # -- public API ------------------------------------------------------------------------
    def search(
        self,
        text: str,
        *,
        filters: dict[str, str] | None = None,
        limit: int = 20,
        offset: int = 0,
        with_facets: bool = True,
    ) -> SearchResults:
        """Search for ``text`` (anything a person may type); never raises for odd input."""
        limit = max(0, min(int(limit), 1000))
        offset = max(0, int(offset))
        filters = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
        cleaned = clean_query(text)
        with self._lock:
            searcher = self._refresh()
            key = (cleaned, tuple(sorted(filters.items())), limit, offset, with_facets)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            results = self._search(searcher, cleaned, filters, limit, offset, with_facets)
            self._cache[key] = results
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return results

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """As-you-type completions: vocabulary words (or pinyin readings) for ``prefix``."""
        cleaned = clean_query(prefix).strip()
        if not cleaned:
            return []
        tail = re.split(r"\s+", cleaned)[-1]
        return self.vocabulary.completions(tail, limit)

    def pinyin_candidates(self, letters: str, limit: int = 10) -> list[str]:
        """Candidate words for typed pinyin, from the index's own vocabulary."""
        return self.vocabulary.pinyin_candidates(letters, limit)

    def document_count(self) -> int:
        with self._lock:
            searcher = self._refresh()
            return int(searcher.doc_count()) - (1 if searcher.document(id=META_ID) else 0)

    # -- the pipeline ----------------------------------------------------------------------
    def _search(
        self,
        searcher: Searcher,
        cleaned: str,
        filters: dict[str, str],
        limit: int,
        offset: int,
        with_facets: bool,
    ) -> SearchResults:
        results = SearchResults(query=cleaned, total=0, hits=[])
        filter_q = _filter_query(filters)
        docno_match = find_doc_number(cleaned)
        rest = cleaned
        pinned: list[int] = []
        if docno_match:
            docno, start, end = docno_match
            pinned += list(searcher.document_numbers(docno=docno))
            rest = cleaned[:start] + " " + cleaned[end:]
        concepts = self._concepts(searcher, rest, results)
        results.terms = _unique(f for c in concepts for f in c.forms)
        key = title_key(cleaned)
        if key:
            pinned += [n for n in searcher.document_numbers(title_key=key) if n not in pinned]

        if concepts:
            reader = searcher.reader()
            text_q: Q.Query = Q.And([_concept_query(c, reader) for c in concepts])
            matched, complete = _matching(searcher, text_q, filter_q)
            if not matched and len(concepts) > 1:
                text_q = Q.Or([_concept_query(c, reader) for c in concepts])
                matched, complete = _matching(searcher, text_q, filter_q)
                results.relaxed = bool(matched)
        elif filters and not docno_match:
            text_q = Q.Every()
            matched, complete = _matching(searcher, text_q, filter_q)
        else:
            text_q, matched, complete = Q.NullQuery, set(), True
        pinned = [n for n in pinned if _passes(searcher, n, filters)]
        matched.update(pinned)
        results.total = len(matched)
        results.total_is_estimate = not complete
        if not complete:
            results.total = max(len(matched), _estimate(searcher, text_q, filter_q))

        ranked = self._rank(searcher, text_q, filter_q, pinned, offset + limit, bool(concepts))
        page = ranked[offset : offset + limit]
        results.hits = self._hits(searcher, page, results.terms)
        if with_facets:
            results.facets = _facets(searcher, matched)
        if concepts and results.total < 3:
            results.did_you_mean = self._did_you_mean(searcher, concepts, cleaned)
        return results

    def _concepts(self, searcher: Searcher, text: str, results: SearchResults) -> list[_Concept]:
        vocab_needed = re.search(r"[a-z]", text) is not None
        vocab = self.vocabulary if vocab_needed else None
        concepts: list[_Concept] = []
        for match in re.finditer(r"[a-z]+|[0-9]+(?:\.[0-9]+)?|[^\sa-z0-9]+", text):
            piece = match.group(0)
            if piece[0].isascii() and piece[0].isalpha():
                assert vocab is not None
                words = _pinyin_words(vocab, piece)
                if words:
                    results.pinyin_words.extend(words)
                    # the likeliest word with its synonyms; the runner-up only as itself, so
                    # "db" stays a small query instead of every synonym of every candidate
                    concept = _Concept(words[0], self.synonyms.expand(words[0]))
                    concept.forms.extend(w for w in words[1:2] if w not in concept.forms)
                    concepts.append(concept)
                else:
                    concepts.append(_Concept(piece, [piece]))
            elif piece[0].isdigit():
                concepts.append(_Concept(piece, [piece]))
            else:
                for word in self._segment(searcher, piece):
                    concepts.append(_Concept(word, self.synonyms.expand(word)))
        unique: dict[str, _Concept] = {}
        for concept in concepts:  # pasted or repeated text asks for the same thing once
            unique.setdefault(concept.text, concept)
        return list(unique.values())[:_MAX_CONCEPTS]

    def _segment(self, searcher: Searcher, run: str) -> list[str]:
        """Longest-match segmentation of a CJK run against the index lexicon and synonyms."""
        chars = [c for c in run if is_cjk(c) or c.isalnum()]
        run = "".join(chars)
        reader = searcher.reader()
        known = self.synonyms.terms()
        words: list[str] = []
        i = 0
        while i < len(run):
            for size in range(min(_MAX_WORD, len(run) - i), 0, -1):
                piece = run[i : i + size]
                if (
                    size == 1
                    or piece in known
                    or ("title", piece) in reader
                    or ("body", piece) in reader
                ):
                    break
            if size > 1 or piece not in STOP_WORDS:
                words.append(piece)
            i += size
        # merge runs of single characters (unknown names) back into one bigram-matched concept
        merged: list[str] = []
        for word in words:
            if merged and len(word) == 1 and _is_loose(merged[-1], reader):
                merged[-1] += word
            else:
                merged.append(word)
        return merged

    def _rank(
        self,
        searcher: Searcher,
        text_q: Q.Query,
        filter_q: Q.Query | None,
        pinned: list[int],
        wanted: int,
        scored: bool,
    ) -> list[tuple[int, float]]:
        ranked: list[tuple[int, float]] = []
        if text_q is not Q.NullQuery:
            if scored:
                # fetch more than a page so the status factor can reorder near the boundary
                hits = _scored_within_budget(searcher, text_q, filter_q, max(wanted * 3, 30))
                statuses = searcher.reader().column_reader("status")
                ranked = [
                    (hit.docnum, hit.score * _STATUS_FACTOR.get(statuses[hit.docnum], 1.0))
                    for hit in hits
                ]
                ranked.sort(key=lambda pair: -pair[1])
            else:  # browsing a category: newest first
                hits = searcher.search(
                    text_q, limit=wanted, filter=filter_q, sortedby="published", reverse=True
                )
                ranked = [(hit.docnum, 0.0) for hit in hits if hit.get("id") != META_ID]
        top = max((s for _, s in ranked), default=1.0) or 1.0
        front = [(n, top * 2.0) for n in pinned]
        return front + [(n, s) for n, s in ranked if n not in pinned]

    def _hits(
        self, searcher: Searcher, page: list[tuple[int, float]], terms: list[str]
    ) -> list[Hit]:
        fields = [searcher.stored_fields(n) for n, _ in page]
        bodies: dict[str, str] = {}
        docno_display: dict[str, str] = {}
        if self.store is not None and page:
            for doc in self.store.get_many([f["id"] for f in fields]):
                bodies[doc.id] = doc.body_text
                docno_display[doc.id] = doc.doc_number or ""
        hits = []
        for (_, score), stored in zip(page, fields, strict=True):
            snippet, marks = make_snippet(bodies.get(stored["id"], ""), terms)
            published = stored.get("published") or 0
            hits.append(
                Hit(
                    id=stored["id"],
                    title=stored.get("title", ""),
                    score=float(score),
                    status=stored.get("status", "valid"),
                    category=stored.get("category", ""),
                    agency=stored.get("agency", ""),
                    kind=stored.get("kind", ""),
                    doc_number=docno_display.get(stored["id"]) or stored.get("docno", ""),
                    published=_iso(published),
                    snippet=snippet,
                    highlights=marks,
                )
            )
        return hits

    def _did_you_mean(
        self, searcher: Searcher, concepts: list[_Concept], cleaned: str
    ) -> str | None:
        vocab = self.vocabulary
        changed, words = False, []
        for concept in concepts:
            word = concept.text
            if len(word) >= 2 and all(is_cjk(c) for c in word):
                own = vocab.weight(word)
                # a typo made with a pinyin keyboard keeps most characters: 低包 → 低保, while
                # 彩礼 → 财力 (same sound, nothing in common) is a different word, not a typo
                better = [
                    w
                    for w in vocab.homophones(word)
                    if vocab.weight(w) > max(own * 4, 1) and set(w) & set(word)
                ]
                if better:
                    words.append(better[0])
                    changed = True
                    continue
            words.append(word)
        suggestion = "".join(words)
        return suggestion if changed and suggestion != cleaned else None


# -- helpers ---------------------------------------------------------------------------------
def clean_query(text: Any) -> str:
    """Fold, strip control characters and cap the length; never raises."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text.encode("utf-8", "replace").decode("utf-8")
    # control and format characters (NUL, ESC, zero-width space …) vanish: "低\x00保" is 低保,
    # not two single characters; separators of any kind become a space
    text = "".join(
        " " if unicodedata.category(c)[0] == "Z" else c
        for c in text[: MAX_QUERY_CHARS * 4]
        if unicodedata.category(c)[0] != "C"
    )
    return " ".join(fold(text).split())[:MAX_QUERY_CHARS]


def _is_loose(word: str, reader: Any) -> bool:
    return len(word) == 1 or (("title", word) not in reader and ("body", word) not in reader)


def _pinyin_words(vocab: Vocabulary, letters: str) -> list[str]:
    direct = vocab.pinyin_candidates(letters, limit=3)
    if direct and (len(letters) <= 6 or vocab.pinyin.get(direct[0], ("",))[0] == letters):
        return direct
    pieces = vocab.segment_pinyin(letters)
    if pieces and len(pieces) > 1:
        return [vocab.pinyin_candidates(p, limit=1)[0] for p in pieces]
    return direct


def _concept_query(concept: _Concept, reader: Any) -> Q.Query:
    """Every way the concept may appear: as an indexed word, or as all of its bigrams.

    Bigram clauses are added for the word the person typed and for synonyms the word fields do
    not hold; a synonym that is an indexed word needs none (that halves the clauses of 低保,
    whose six synonyms would otherwise each bring four).
    """
    clauses: list[Q.Query] = []
    for form in concept.forms:
        clauses.append(Q.Term("title", form))
        clauses.append(Q.Term("body", form))
        if form != concept.text and (("body", form) in reader or ("title", form) in reader):
            continue
        grams = _form_bigrams(form)
        if grams:
            clauses.append(Q.And([Q.Term("title_bi", g) for g in grams], boost=0.5))
            clauses.append(Q.And([Q.Term("body_bi", g) for g in grams], boost=0.3))
        elif len(form) == 1 and is_cjk(form):
            clauses.extend(_single_character(reader, form))
    return Q.Or(clauses)


def _single_character(reader: Any, char: str) -> list[Q.Query]:
    """A lone character matches the bigrams that start with it — only the most frequent few:
    expanding all of them (74 terms for 保) cost seconds at 50,000 documents."""
    clauses: list[Q.Query] = []
    for fieldname, boost in (("title_bi", 0.5), ("body_bi", 0.3)):
        terms = [
            (reader.doc_frequency(fieldname, t), t) for t in reader.expand_prefix(fieldname, char)
        ]
        top = sorted(terms, reverse=True)[:_SINGLE_CHAR_TERMS]
        clauses.extend(
            Q.Term(fieldname, t.decode("utf-8") if isinstance(t, bytes) else t, boost=boost)
            for _, t in top
        )
    return clauses


def _form_bigrams(form: str) -> list[str]:
    grams: list[str] = []
    for match in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+", form):
        run = match.group(0)
        if is_cjk(run[0]):
            if len(run) >= 2:
                grams.extend(bigrams(run))
        else:
            grams.append(run)
    return _unique(grams)


def _filter_query(filters: dict[str, str]) -> Q.Query | None:
    terms: list[Q.Query] = []
    for name, value in filters.items():
        if name == "year":
            try:
                year = int(value)
            except ValueError:
                return Q.NullQuery
            terms.append(Q.Term("year", year))
        elif name in ("category", "agency", "kind", "status"):
            terms.append(Q.Term(name, value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else Q.And(terms)


def _matching(
    searcher: Searcher, text_q: Q.Query, filter_q: Q.Query | None
) -> tuple[set[int], bool]:
    """Document numbers matching ``text_q`` (and ``filter_q``), unscored, and whether that is all.

    Counting is linear in the matches, so it stops at :data:`MAX_COUNTED`: a query for 通知 over
    200,000 documents gets an estimated total and facets counted over the first matches.
    """
    query = text_q if filter_q is None else Q.And([text_q, filter_q])
    meta = searcher.document_number(id=META_ID)
    found: set[int] = set()
    for docnum in searcher.docs_for_query(query):
        if docnum != meta:
            found.add(docnum)
            if len(found) >= MAX_COUNTED:
                return found, False
    return found, True


def _scored_within_budget(
    searcher: Searcher, text_q: Q.Query, filter_q: Q.Query | None, limit: int
) -> Any:
    """Top ``limit`` hits, scored for at most :data:`RANK_SECONDS`.

    A query whose words occur in nearly every document of a large index (通知 over 200,000) would
    keep a villager waiting for seconds while Whoosh scores them all in Python. Past the budget the
    best of the documents scored so far are shown; exact titles and 发文字号 are pinned regardless,
    and the facets still narrow the set.
    """
    # The filter joins the query with a constant score (ranking unchanged): Whoosh's own filter
    # collector would bypass the time limit's check on each match.
    query = text_q if filter_q is None else Q.And([text_q, Q.ConstantScoreQuery(filter_q, 0.0)])
    collector = TimeLimitCollector(searcher.collector(limit=limit), RANK_SECONDS, use_alarm=False)
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        if collector.timer is not None:
            collector.timer.cancel()
    return collector.results()


def _estimate(searcher: Searcher, text_q: Q.Query, filter_q: Q.Query | None) -> int:
    """Whoosh's estimate from document frequencies alone (a scored pass to estimate cost a third
    of a query over 20,000 matches); a filter can only shrink it, so it stays an upper bound."""
    reader = searcher.reader()
    return min(int(text_q.estimate_size(reader)), int(reader.doc_count()) - 1)  # less __meta__


def _passes(searcher: Searcher, docnum: int, filters: dict[str, str]) -> bool:
    """Whether a pinned document (exact title or 发文字号) satisfies the chosen filters."""
    if not filters:
        return True
    stored = searcher.stored_fields(docnum)
    return all(str(stored.get(name, "")) == value for name, value in filters.items())


def _facets(searcher: Searcher, matched: set[int]) -> dict[str, list[Facet]]:
    reader = searcher.reader()
    facets: dict[str, list[Facet]] = {}
    for name in FACETS:
        column = reader.column_reader(name)
        counts = Counter(column[n] for n in matched)
        counts.pop("", None)
        counts.pop(0, None)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        if name == "year":
            ordered = sorted(counts.items(), key=lambda kv: -int(kv[0]))
        facets[name] = [Facet(str(value), count) for value, count in ordered]
    return facets


def make_snippet(text: str, terms: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around the densest cluster of ``terms``, and where they are in it."""
    if not text:
        return "", ()
    # lower() keeps offsets and costs ~1 ms on a 100,000-character statute; NFKC over the whole
    # body cost 40 ms per hit. Query terms are already folded, and CJK is NFKC-invariant.
    lowered = text.lower()
    folded = lowered if len(lowered) == len(text) else text
    positions: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = folded.find(term)
        count = 0
        while start >= 0 and count < 50:
            positions.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
            count += 1
    if not positions:
        snippet = text[:_SNIPPET_CHARS].replace("\n", " ")
        return snippet + ("…" if len(text) > _SNIPPET_CHARS else ""), ()
    positions.sort()
    best_start, best_count = positions[0][0], 0
    for i, (start, _) in enumerate(positions):
        count = sum(1 for s, _ in positions[i:] if s < start + _SNIPPET_CHARS - 10)
        if count > best_count:
            best_start, best_count = start, count
    begin = max(0, best_start - 20)
    end = min(len(text), begin + _SNIPPET_CHARS)
    marks: list[tuple[int, int]] = []
    for s, e in positions:
        if s >= begin and e <= end and not any(s < me and e > ms for ms, me in marks):
            marks.append((s, e))
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    snippet = prefix + text[begin:end].replace("\n", " ") + suffix
    shift = len(prefix) - begin
    return snippet, tuple(sorted((s + shift, e + shift) for s, e in marks))


def _iso(yyyymmdd: int) -> str:
    if not yyyymmdd:
        return ""
    text = f"{int(yyyymmdd):08d}"
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))
