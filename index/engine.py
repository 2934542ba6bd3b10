"""Answering queries: what a villager types in, ranked documents out.

The engine never parses query syntax: it builds a list of concepts (:mod:`index.query`) from the
text, so quotes, ``AND OR NOT``, brackets or emoji cannot raise. What it does with the text:

1. clean it (control characters out, full-width folded, traditional characters simplified,
   length capped);
2. find a 发文字号 in any of its forms (kiosk/docnumber.py) and look it up exactly;
   correct typos against the index's vocabulary (index/correction.py) and search the
   corrected text, saying so;
3. map Latin letters to words of the index's own vocabulary by pinyin (dibao → 低保);
4. split Chinese into words by longest match against the index lexicon (no jieba needed at query
   time: the dictionary load and its memory stay out of the search process);
5. expand each word with villager synonyms (低保 = 最低生活保障) into one concept; question
   words (怎么, 是多少 …, assets/function_words.txt) become concepts that are never required;
   a place or year typed beside the topic narrows the results when it can (never to nothing);
6. rank with :mod:`index.scoring` over every matching document: exact title or 发文字号 first,
   then documents holding every concept, then those holding most (weighted by rarity), each
   group by BM25F with titles boosted and valid documents ahead of repealed or expired ones
   (which stay findable, labelled). Each hit says whether it matched all concepts or some.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import unicodedata
from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh.searching import Searcher

from index.analysis import STOP_WORDS, bigrams, fold, is_cjk
from index.correction import Corrector, bigram_doc_frequency, fix_in_context, to_simplified
from index.indexer import SearchIndex
from index.lexicon import REGION_SUFFIXES, function_words, region_names, strip_region_suffix
from index.query import Alternative, Concept, ConceptMatch, MatchKind
from index.results import Facet, Hit, SearchResults
from index.schema import META_ID
from index.scoring import COLUMNS_CACHE, IndexArrays, PostingCache, best_of, make_plan, rank
from index.synonyms import Synonyms, default_synonyms
from index.titles import query_title_keys
from index.vocabulary import Vocabulary
from kiosk.docnumber import find_doc_numbers
from kiosk.store import Store

__all__ = [
    "ANY_CATEGORY",
    "FACETS",
    "FUNCTION_WORDS",
    "Facet",
    "Hit",
    "SearchEngine",
    "SearchResults",
]

#: Facets offered on results, in display order.
FACETS = ("category", "year", "agency", "kind", "status")
#: Values given per facet (all years): more than the screen shows (ui/screens/results.py).
FACET_VALUES = 30
#: Longest query text considered; the rest of a pasted page is ignored.
MAX_QUERY_CHARS = 64
#: Question and function words: they may score, they never decide whether a document matched
#: everything ("低保 怎么 申请" must find the 低保 rules). Data: assets/function_words.txt.
FUNCTION_WORDS = function_words()
#: Share of a function word's BM25F score that counts (index/query.py Alternative.weight).
_FUNCTION_WORD_WEIGHT = 0.02
#: The same for a lone character next to a question word (分 in 遗产怎么分).
_LONE_CHARACTER_WEIGHT = 0.1
# Characters within which the words asked for must stand together for a full match.
_PASSAGE = 300
# Documents read to count a phrase literally (the real-word typo check).
_PHRASE_SAMPLE = 300
_MAX_CONCEPTS = 10
_MAX_WORD = 8
_SNIPPET_CHARS = 90
_CACHE_SIZE = 256


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
        self.function_words = FUNCTION_WORDS
        self._postings = PostingCache()  # shared by the arrays of successive searchers
        self._columns = PostingCache(COLUMNS_CACHE)  # facet codes per segment, likewise
        self._arrays: IndexArrays | None = None
        self._region_names: tuple[Searcher, set[str]] | None = None

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
            self._arrays = None
        return self._searcher

    def _index_arrays(self, searcher: Searcher) -> IndexArrays:
        if self._arrays is None:
            self._arrays = IndexArrays(
                searcher.reader(), self._postings, self.index.path, self._columns
            )
        return self._arrays

    @property
    def vocabulary(self) -> Vocabulary:
        """The pinyin/suggestion vocabulary of the current index generation.

        Built under its own lock with its own reader, so warming it up in the background (the UI
        does at start) never holds up a search that does not need it.
        """
        with self._vocab_lock:
            generation = self._ix.latest_generation()
            if self._vocab is None or generation != self._vocab_generation:
                vocab = Vocabulary.for_index(self._ix, self.index.path)  # saved when written
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
        correct: bool = True,
    ) -> SearchResults:
        """Search for ``text`` (anything a person may type); never raises for odd input.

        With ``correct`` (the default) typos are corrected first and the corrected text is
        searched (``results.corrected``); ``correct=False`` searches exactly what was typed.
        """
        limit = max(0, min(int(limit), 1000))
        offset = max(0, int(offset))
        filters = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
        cleaned = clean_query(text)
        with self._lock:
            searcher = self._refresh()
            key = _cache_key(cleaned, filters, limit, offset, with_facets, correct)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            results = self._search(searcher, cleaned, filters, limit, offset, with_facets, correct)
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

    def generation(self) -> int:
        """The index generation on disk (it changes with every commit)."""
        return int(self._ix.latest_generation())

    def is_cached(self, text: str, *, limit: int = 20) -> bool:
        """Whether a search for ``text`` (no filters, first page) would come from the cache."""
        with self._lock:
            self._refresh()
            return _cache_key(clean_query(text), {}, limit, 0, True, True) in self._cache

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
        correct: bool = True,
    ) -> SearchResults:
        results = SearchResults(query=cleaned, total=0, hits=[])
        arrays = self._index_arrays(searcher)
        allowed = _filter_mask(arrays, filters)
        rest, pinned = self._pinned_doc_numbers(searcher, cleaned)
        docno_match = bool(pinned)
        if correct and rest.strip():
            fixed = self._correct(searcher, rest)
            if fixed is not None:
                results.corrected = cleaned.replace(rest.strip(), fixed.strip()) or fixed
                rest = fixed
        concepts = self._concepts(searcher, rest, results)
        results.concepts = concepts
        results.terms = _unique(f for c in concepts for f in c.forms)
        for key in query_title_keys(results.corrected or cleaned, self._regions(searcher)):
            pinned += [n for n in searcher.document_numbers(title_keys=key) if n not in pinned]
        pinned = [n for n in pinned if arrays.live[n] and (allowed is None or allowed[n])]
        wanted = offset + limit
        soft, concepts = self._soft_filters(searcher, arrays, concepts)

        matched: dict[int, ConceptMatch] = {n: ConceptMatch("all") for n in pinned}
        result_mask = np.zeros(arrays.size, dtype=np.bool_)
        order: list[int] = []
        scores: dict[int, float] = {}
        if concepts:
            plan = make_plan(concepts, searcher.reader(), arrays.plans)
            # a place or year typed with the topic narrows the results when documents of it
            # match fully; otherwise the topic alone is searched (never an empty page)
            for label, mask in soft:
                narrowed = mask if allowed is None else allowed & mask
                ranking = rank(arrays, plan, wanted, narrowed, pinned)
                if ranking.order and not ranking.relaxed:
                    allowed = narrowed
                    results.narrowed_to.append(label)
                else:
                    results.not_found_for.append(label)
            if any(not label.endswith("年") for label in results.not_found_for):
                # no rule of that place: the national rules (no region) when they answer
                national = ~_docs_mask(searcher, arrays, Q.Every("region")) & arrays.live
                narrowed = national if allowed is None else allowed & national
                ranking = rank(arrays, plan, wanted, narrowed, pinned)
                if ranking.order and not ranking.relaxed:
                    allowed = narrowed
            ranking = rank(arrays, plan, wanted, allowed, pinned)
            order = ranking.order
            result_mask |= ranking.result_mask
            results.relaxed = ranking.relaxed and bool(order) and len(concepts) > 1
            results.total_is_estimate = ranking.cut_short
            shown = [*pinned, *order][offset:wanted]
            for n in shown:
                held = tuple(
                    c.text for c, m in zip(concepts, ranking.concept_masks, strict=True) if m[n]
                )
                kind: MatchKind = "all" if ranking.full[n] or n in pinned else "partial"
                matched[n] = ConceptMatch(kind, held)
                scores[n] = float(ranking.scores[n])
            if not ranking.relaxed:
                results.total_partial = int(np.count_nonzero(ranking.some & ~ranking.full))
        elif filters and not docno_match:  # browsing a category: newest first
            browse = arrays.live if allowed is None else arrays.live & allowed
            result_mask |= browse
            candidates = browse.copy()
            candidates[pinned] = False
            order = best_of(np.flatnonzero(candidates), [arrays.published.astype(float)], wanted)
        result_mask[pinned] = True
        results.total = int(np.count_nonzero(result_mask))

        top = max(scores.values(), default=1.0) or 1.0
        page = [(n, top * 2.0 if n in pinned else scores.get(n, 0.0)) for n in pinned + order]
        page = page[offset:wanted]
        results.hits = self._hits(
            searcher, page, results.terms, matched, [c for c in concepts if c.required], pinned
        )
        if with_facets:
            results.facets = _facets(arrays, result_mask)
        if concepts and results.total < 3:
            results.did_you_mean = self._did_you_mean(searcher, concepts, cleaned)
        return results

    def _pinned_doc_numbers(self, searcher: Searcher, cleaned: str) -> tuple[str, list[int]]:
        """Documents whose 发文字号 the query holds, and the query without that number.

        Every reading is looked up (国务院令第588号, then 令第588号 for 第588号令); a bare form
        that finds nothing (低保 2019 10) stays in the text as words and numbers.
        """
        rest, pinned = cleaned, []
        for found in find_doc_numbers(cleaned):
            for key in found.keys:
                numbers = list(searcher.document_numbers(docno_keys=key))
                if numbers:
                    pinned += [n for n in numbers if n not in pinned]
                    blank = " " * (found.end - found.start)
                    rest = rest[: found.start] + blank + rest[found.end :]
                    break
        return " ".join(rest.split()), pinned

    def _correct(self, searcher: Searcher, text: str) -> str | None:
        """The text with typos corrected (index/correction.py), or ``None``.

        The vocabulary (pinyin of every word) is only needed when some piece of the query is
        unknown to the index or rare in it, so most queries never wait for it.
        """
        reader = searcher.reader()
        known = self.synonyms.terms()
        fw = self.function_words
        pieces = self._segment(searcher, re.sub(r"[a-z0-9]+", " ", text))
        suspect = [
            p
            for p in pieces
            if p not in known
            and p not in fw
            and p not in STOP_WORDS
            and (
                len(p) == 1
                or reader.doc_frequency("body", p) + reader.doc_frequency("title", p) < 3
            )
        ]
        fixed = None
        if suspect:
            corrector = Corrector(
                self.vocabulary, bigram_doc_frequency(searcher), lambda w: w in known or w in fw
            )
            fixed = corrector.correct(text)
        frequency = self._phrase_frequency(searcher)
        if frequency is not None:
            fixed = fix_in_context(fixed or text, frequency) or fixed
        return fixed

    def _phrase_frequency(self, searcher: Searcher) -> Any:
        """Documents holding a short text literally: candidates by bigrams (the scorer's posting
        arrays), then their bodies read from the store (at most a few hundred, only for the
        real-word check; two columns, not whole documents: 0.15 s → a few ms)."""
        if self.store is None:
            return None
        store = self.store
        arrays = self._index_arrays(searcher)
        cache: dict[str, int] = {}

        def frequency(text: str) -> int:
            if text not in cache:
                numbers: Any = None
                for gram in bigrams(text):
                    found, _ = arrays.postings("body_bi", gram)  # live, ascending
                    numbers = (
                        found
                        if numbers is None
                        else np.intersect1d(numbers, found, assume_unique=True)
                    )
                sample = [] if numbers is None else numbers[:_PHRASE_SAMPLE]
                ids = [searcher.stored_fields(int(n))["id"] for n in sample]
                cache[text] = sum(text in body for body, _ in store.card_texts(ids).values())
            return cache[text]

        return frequency

    def _regions(self, searcher: Searcher) -> set[str]:
        """Place names of the documents' own region field (桐溪市 → 桐溪), besides assets/;
        read once per searcher (a walk of the merged lexicons: 70 ms at 200,000 documents)."""
        if self._region_names is None or self._region_names[0] is not searcher:
            names: set[str] = set()
            for term in searcher.reader().lexicon("region"):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                names.add(strip_region_suffix(value))
            self._region_names = (searcher, names)
        return self._region_names[1]

    def _soft_filters(
        self, searcher: Searcher, arrays: IndexArrays, concepts: list[Concept]
    ) -> tuple[list[tuple[str, Any]], list[Concept]]:
        """Split off a place name and a year typed beside a topic: ``(label, mask)`` to try."""
        topic = [c for c in concepts if c.required]
        if len(topic) < 2:
            return [], concepts
        places = region_names() | self._regions(searcher)
        soft: list[tuple[str, Any]] = []
        kept: list[Concept] = []
        place_seen = year_seen = False
        for concept in concepts:
            word = concept.text
            place = strip_region_suffix(word)
            if concept.required and not place_seen and place in places:
                soft.append((word, _docs_mask(searcher, arrays, _region_query(place))))
                place_seen = True
            elif concept.required and not year_seen and re.fullmatch(r"19[5-9]\d|20\d\d", word):
                code = arrays.code_of("year", int(word))
                mask = arrays.codes["year"] == code if code >= 0 else np.zeros(arrays.size, bool)
                soft.append((f"{word}年", mask))
                year_seen = True
            else:
                kept.append(concept)
        if not any(c.required for c in kept):
            return [], concepts
        return soft, kept

    def _concepts(self, searcher: Searcher, text: str, results: SearchResults) -> list[Concept]:
        vocab_needed = re.search(r"[a-z]", text) is not None
        vocab = self.vocabulary if vocab_needed else None
        concepts: list[Concept] = []
        for match in re.finditer(r"[a-z]+|[0-9]+(?:\.[0-9]+)?|[^\sa-z0-9]+", text):
            piece = match.group(0)
            if piece[0].isascii() and piece[0].isalpha():
                assert vocab is not None
                words = _pinyin_words(vocab, piece)
                if words:
                    results.pinyin_words.extend(words)
                    # the likeliest word with its synonyms; the runner-up only as itself, so
                    # "db" stays a small query instead of every synonym of every candidate
                    forms = self.synonyms.expand(words[0])
                    alternatives = [
                        Alternative(f, "pinyin" if f == words[0] else "synonym") for f in forms
                    ]
                    alternatives += [Alternative(w, "pinyin") for w in words[1:2] if w not in forms]
                    concepts.append(Concept(words[0], tuple(alternatives)))
                else:
                    concepts.append(Concept.of(piece))
            elif piece[0].isdigit():
                concepts.append(Concept.of(piece))
            else:
                words = self._segment(searcher, piece)
                asked = [w in self.function_words and w not in self.synonyms.terms() for w in words]
                for i, word in enumerate(words):
                    if asked[i]:
                        # never required, and barely scored: "农村危房改造怎么申请" must not
                        # outrank the 低保 rules for "低保怎么申请" because it says 怎么
                        weak = Alternative(word, "word", weight=_FUNCTION_WORD_WEIGHT)
                        concepts.append(Concept(word, (weak,), required=False))
                    elif len(word) == 1 and any(
                        asked[j] for j in (i - 1, i + 1) if 0 <= j < len(words)
                    ):
                        # a lone character inside the question (遗产怎么分, 丢了怎么补办) is part
                        # of how it is asked: it may score a little, it is not required
                        weak = Alternative(word, "word", weight=_LONE_CHARACTER_WEIGHT)
                        concepts.append(Concept(word, (weak,), required=False))
                    else:
                        concepts.append(Concept.of(word, self.synonyms.expand(word)))
        unique: dict[str, Concept] = {}
        for concept in concepts:  # pasted or repeated text asks for the same thing once
            unique.setdefault(concept.text, concept)
        # question words never crowd out what was asked for
        ordered = [c for c in unique.values() if c.required]
        ordered += [c for c in unique.values() if not c.required]
        return ordered[:_MAX_CONCEPTS]

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
                    or piece in self.function_words
                    or ("title", piece) in reader
                    or ("body", piece) in reader
                ):
                    break
            if size > 1 and piece in self.function_words and piece[:-1] in self.function_words:
                # 咋办理 is 咋 + 办理, not 咋办 + 理: a question word gives way to the word after it
                after = run[i + size - 1 : i + size + 1]
                if len(after) == 2 and (("title", after) in reader or ("body", after) in reader):
                    size, piece = size - 1, piece[:-1]
            if size > 1 or piece not in STOP_WORDS:
                words.append(piece)
            i += size
        # merge runs of single characters (unknown names) back into one bigram-matched concept
        merged: list[str] = []
        for word in words:
            # a villager word or a question word is whole already: 医疗救助 + 报 stay two
            whole = merged and (merged[-1] in known or merged[-1] in self.function_words)
            if merged and len(word) == 1 and not whole and _is_loose(merged[-1], reader):
                merged[-1] += word
            else:
                merged.append(word)
        return merged

    def _hits(
        self,
        searcher: Searcher,
        page: list[tuple[int, float]],
        terms: list[str],
        matched: dict[int, ConceptMatch],
        required: list[Concept] | None = None,
        pinned: list[int] | None = None,
    ) -> list[Hit]:
        fields = [searcher.stored_fields(n) for n, _ in page]
        bodies: dict[str, str] = {}
        docno_display: dict[str, str] = {}
        if self.store is not None and page:
            for doc_id, (body, docno) in self.store.card_texts([f["id"] for f in fields]).items():
                bodies[doc_id] = body
                docno_display[doc_id] = docno
        hits = []
        for (docnum, score), stored in zip(page, fields, strict=True):
            match = matched.get(docnum, ConceptMatch("all"))
            body = bodies.get(stored["id"], "")
            if (
                match.match == "all"
                and required
                and docnum not in (pinned or ())
                and not _together(stored.get("title", ""), body, required)
            ):
                # every word is somewhere in a long document, never near each other (明天 and
                # 天气 in a work report): honestly a partial match, not an answer
                match = ConceptMatch("partial", match.matched)
            snippet, marks = make_snippet(body, terms)
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
                    match=match.match,
                    matched=match.matched,
                )
            )
        return hits

    def _did_you_mean(
        self, searcher: Searcher, concepts: list[Concept], cleaned: str
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
def _cache_key(
    cleaned: str,
    filters: dict[str, str],
    limit: int,
    offset: int,
    with_facets: bool,
    correct: bool,
) -> tuple[Any, ...]:
    """What a search's answer is cached under (search() and is_cached() both)."""
    return (cleaned, tuple(sorted(filters.items())), limit, offset, with_facets, correct)


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
    return " ".join(to_simplified(fold(text)).split())[:MAX_QUERY_CHARS]


def _region_query(place: str) -> Q.Query:
    """Documents of a place: its region field (重庆, 重庆市 …) or its name in the title."""
    clauses: list[Q.Query] = [Q.Term("region", place)]
    clauses += [Q.Term("region", place + suffix) for suffix in REGION_SUFFIXES]
    # a title that starts with the place (浙江省…, 青岛市…), with or without 中华人民共和国
    clauses += [Q.Prefix("title_keys", f"{tier}:{place}") for tier in (0, 1)]
    return Q.Or(clauses)


def _docs_mask(searcher: Searcher, arrays: IndexArrays, query: Q.Query) -> Any:
    mask = np.zeros(arrays.size, dtype=np.bool_)
    numbers = list(searcher.docs_for_query(query))
    if numbers:
        mask[numbers] = True
    return mask & arrays.live


def _together(title: str, body: str, required: list[Concept]) -> bool:
    """Whether the required concepts stand together: each in the title, or all of the others
    within one passage of the body (:data:`_PASSAGE` characters). A concept matched only
    through bigrams (no literal form in the text) cannot be placed, so it does not count
    against the document."""
    title, body = title.lower(), body.lower()
    placed: list[list[int]] = []
    for concept in required:
        forms = [f for f in concept.forms if f]
        if any(f in title for f in forms):
            continue
        starts = sorted(
            m.start() for f in forms for m in itertools.islice(re.finditer(re.escape(f), body), 200)
        )
        if not starts:
            return True  # held through its bigrams: nothing to check
        placed.append(starts)
    if len(placed) < 2:
        return True
    events = sorted((pos, i) for i, starts in enumerate(placed) for pos in starts)
    last: dict[int, int] = {}
    for pos, i in events:
        last[i] = pos
        if len(last) == len(placed) and pos - min(last.values()) <= _PASSAGE:
            return True
    return False


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


#: A filter on any of several categories (a Home tile that gathers the national 主题分类 and the
#: portal's own names): ``{"categories": "社会救助\n民政"}``, the names one per line.
ANY_CATEGORY = "categories"


def _filter_mask(arrays: IndexArrays, filters: dict[str, str]) -> Any:
    """Documents passing every chosen filter, or ``None`` when there is no filter."""
    mask = None
    for name, value in filters.items():
        if name == ANY_CATEGORY:
            codes = [arrays.code_of("category", n) for n in value.split("\n") if n]
            this = np.isin(arrays.codes["category"], [c for c in codes if c >= 0])
            mask = this if mask is None else mask & this
            continue
        if name not in FACETS:
            continue
        wanted: Any = value
        if name == "year":
            try:
                wanted = int(value)
            except ValueError:
                wanted = None
        code = arrays.code_of(name, wanted)
        this = arrays.codes[name] == code if code >= 0 else np.zeros(arrays.size, dtype=np.bool_)
        mask = this if mask is None else mask & this
    return mask


def _facets(arrays: IndexArrays, matched: Any) -> dict[str, list[Facet]]:
    """Exact counts of the facet values over the result set: every year, newest first; of the
    other facets the :data:`FACET_VALUES` commonest (a county has thousands of agencies: all of
    them cost 40 ms a query at 200,000 documents, and the screen shows a handful)."""
    facets: dict[str, list[Facet]] = {}
    documents = np.flatnonzero(matched)
    for name in FACETS:
        values = arrays.values[name]
        counts = np.bincount(arrays.codes[name][documents], minlength=len(values))
        counts[arrays.blank_codes[name]] = 0  # no value: not a facet
        codes = np.flatnonzero(counts)
        if name != "year" and len(codes) > FACET_VALUES:
            # the commonest, ties at the cut included, then ordered exactly below
            kth = np.partition(counts[codes], len(codes) - FACET_VALUES)[len(codes) - FACET_VALUES]
            codes = codes[counts[codes] >= kth]
        pairs = [(values[code], int(counts[code])) for code in codes]
        if name == "year":
            pairs.sort(key=lambda kv: -int(kv[0]))
        else:
            pairs.sort(key=lambda kv: (-kv[1], str(kv[0])))
            pairs = pairs[:FACET_VALUES]
        facets[name] = [Facet(str(value), count) for value, count in pairs]
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
    starts = [s for s, _ in positions]
    best_start, best_count = positions[0][0], 0
    for i, start in enumerate(starts):
        count = bisect.bisect_left(starts, start + _SNIPPET_CHARS - 10, i) - i
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
