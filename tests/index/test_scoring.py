"""The array scorer against a plain-Python reference: the exact same ranking, totals and facets.

The reference reads postings through Whoosh's own matchers (which skip deleted documents) and
scores every live document one by one with the formula documented in ``index/scoring.py``. The
array scorer must give the same top documents — not "similar": the ranking is exact — on random
indexes of several segments with deletions (hypothesis), and on the shipped demo content.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage

from index.query import Alternative, Concept
from index.schema import META_ID, make_schema
from index.scoring import (
    K1,
    STATUS_FACTOR,
    B,
    IndexArrays,
    Plan,
    best_of,
    bm25_idf,
    make_plan,
    rank,
)
from kiosk.app import KioskContext

WORDS = ["低保", "申请", "标准", "医保", "农村", "救助", "通知", "补贴", "养老", "残疾人"]
CHARS = list("低保申请的人民政府县乡村")
STATUSES = list(STATUS_FACTOR)
CATEGORIES = ["社会救助", "医疗保障", "通知公告"]


# -- the reference ---------------------------------------------------------------------------
def reference(
    reader: Any, plan: Plan, filter_category: str | None = None
) -> tuple[list[int], set[int], set[int]]:
    """``(every candidate best first, full matches, partial-or-full matches)``, one by one."""
    meta = set(reader.postings("id", META_ID).all_ids()) if ("id", META_ID) in reader else set()
    live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d) and d not in meta]
    n = len(live)
    lengths = {
        f: {d: reader.doc_field_length(d, f) or 0 for d in live}
        for f in ("title", "body", "title_bi", "body_bi")
    }
    avg = {f: (sum(v.values()) / n if n else 1.0) or 1.0 for f, v in lengths.items()}
    postings: dict[tuple[str, str], dict[int, float]] = {}
    for key in plan.terms():
        found: dict[int, float] = {}
        if key in reader:
            matcher = reader.postings(*key)
            while matcher.is_active():
                found[matcher.id()] = matcher.weight()
                matcher.next()
        postings[key] = found

    def bm25(fieldname: str, term: str, doc: int) -> float:
        post = postings[(fieldname, term)]
        idf = bm25_idf(len(post), n)
        w = post[doc]
        norm = K1 * ((1 - B) + B * lengths[fieldname][doc] / avg[fieldname])
        return idf * ((w * (K1 + 1)) / (w + norm))

    per_doc: dict[int, tuple[float, list[bool]]] = {}
    for doc in live:
        total, covered = 0.0, []
        for cp in plan.concepts:
            best = 0.0
            for alt in cp.alternatives:
                score = 0.0
                for clause in alt.clauses:
                    if all(doc in postings[(clause.fieldname, t)] for t in clause.terms):
                        acc = 0.0
                        for term in clause.terms:
                            acc += bm25(clause.fieldname, term, doc)
                        score += acc / len(clause.terms) * clause.boost
                if alt.weight != 1.0:
                    score *= alt.weight
                best = max(best, score)
            total += best
            covered.append(best > 0)
        per_doc[doc] = (total, covered)
    rarities = [bm25_idf(sum(per_doc[d][1][i] for d in live), n) for i in range(len(plan.concepts))]
    keys = {}
    full, some = set(), set()
    for doc in live:
        stored = reader.stored_fields(doc)
        if filter_category is not None and stored.get("category") != filter_category:
            continue
        total, covered = per_doc[doc]
        coverage, all_held, any_held = 0.0, True, False
        for cp, held, rarity in zip(plan.concepts, covered, rarities, strict=True):
            if cp.required:
                coverage += (cp.concept.rarity if cp.concept.rarity is not None else rarity) * held
                all_held &= held
                any_held |= held
        if not any_held:
            continue
        score = total * STATUS_FACTOR.get(stored.get("status", ""), 1.0)
        keys[doc] = (-float(all_held), -coverage, -score, doc)
        some.add(doc)
        if all_held:
            full.add(doc)
    return sorted(keys, key=keys.__getitem__), full, some


def check(reader: Any, concepts: list[Concept], category: str | None = None, k: int = 10) -> None:
    plan = make_plan(concepts, reader)
    arrays = IndexArrays(reader)
    mask = None
    if category is not None:
        mask = arrays.codes["category"] == arrays.code_of("category", category)
    ranking = rank(arrays, plan, k, mask)
    again = rank(arrays, plan, k, mask)  # from the arrays' caches
    assert again.order == ranking.order and np.array_equal(again.scores, ranking.scores)
    expected, full, some = reference(reader, plan, category)
    assert ranking.order == expected[:k]
    assert set(np.flatnonzero(ranking.full)) == full
    assert set(np.flatnonzero(ranking.some)) == some
    assert ranking.relaxed == (not full)


# -- random indexes --------------------------------------------------------------------------
texts = st.lists(st.sampled_from(WORDS + CHARS), min_size=0, max_size=30).map("".join)
documents = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS + CHARS), min_size=1, max_size=5).map("".join),
        texts,
        st.sampled_from(STATUSES),
        st.sampled_from(CATEGORIES),
    ),
    min_size=1,
    max_size=25,
)
concept_lists = st.lists(
    st.tuples(
        st.sampled_from([*WORDS, *CHARS, "飞船", "12"]),
        st.lists(st.sampled_from(WORDS), max_size=2),
        st.booleans(),
        st.sampled_from([1.0, 0.8]),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=documents,
    split=st.integers(min_value=0, max_value=25),
    deleted=st.sets(st.integers(min_value=0, max_value=24), max_size=6),
    raw_concepts=concept_lists,
    category=st.sampled_from([None, *CATEGORIES]),
)
def test_array_scorer_equals_the_reference_on_random_indexes(
    docs: list[tuple[str, str, str, str]],
    split: int,
    deleted: set[int],
    raw_concepts: list[tuple[str, list[str], bool, float]],
    category: str | None,
) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        _random_index(Path(folder), docs, split, deleted) as reader,
    ):
        concepts = [
            Concept(
                text,
                (Alternative(text), *(Alternative(s, "synonym", weight) for s in synonyms)),
                required=required,
            )
            for text, synonyms, required, weight in raw_concepts
        ]
        check(reader, concepts, category)
        check(reader, concepts, category, k=3)


class _random_index:
    """Documents in two segments (the split), some deleted in a third commit, plus __meta__."""

    def __init__(
        self, folder: Path, docs: list[tuple[str, str, str, str]], split: int, deleted: set[int]
    ) -> None:
        self.ix = FileStorage(str(folder)).create_index(make_schema(), indexname="t")
        for part, batch in enumerate((docs[:split], docs[split:])):
            writer = self.ix.writer()
            for i, (title, body, status, category) in enumerate(batch):
                number = i + (split if part else 0)
                writer.add_document(
                    id=f"d{number}",
                    title=title,
                    title_bi=title,
                    body=body,
                    body_bi=body,
                    status=status,
                    category=category,
                    kind="notice",
                    agency="",
                    year=2020,
                    published=20200101 + number,
                )
            if part:
                writer.add_document(id=META_ID, meta={"seq": 1})
            writer.commit(merge=False)
        if deleted:
            writer = self.ix.writer()
            for number in deleted:
                writer.delete_by_term("id", f"d{number}")
            writer.commit(merge=False)
        self.searcher = self.ix.searcher()

    def __enter__(self) -> Any:
        return self.searcher.reader()

    def __exit__(self, *exc: object) -> None:
        self.searcher.close()


# -- the demo content ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_engine(demo_dir: object) -> Iterator[Any]:
    context = KioskContext(demo_dir)  # type: ignore[arg-type]
    yield context.engine()
    context.close()


@pytest.mark.parametrize(
    "query",
    [
        "低保",
        "低保 标准",
        "农村低保怎么申请",
        "残疾人 补贴 标准",
        "医保 报销",
        "保",
        "通知",
        "飞船",
    ],
)
def test_array_scorer_equals_the_reference_on_the_demo_content(
    demo_engine: Any, query: str
) -> None:
    from index.engine import SearchResults

    searcher = demo_engine._searcher
    concepts = demo_engine._concepts(searcher, query, SearchResults(query, 0, []))
    check(searcher.reader(), concepts, k=20)


def test_best_of_breaks_ties_by_document_number() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.5])
    assert best_of(np.arange(6), [scores], 2) == [1, 2]
    assert best_of(np.arange(6), [scores], 4) == [1, 2, 4, 3]
    assert best_of(np.array([5, 0]), [np.ones(6), scores], 1) == [0]
    assert math.isclose(bm25_idf(0, 10), math.log(1 + 10.5 / 0.5))


def test_cached_postings_belong_to_their_segment(tmp_path: Path) -> None:
    """The posting cache outlives readers: a new segment must never be served another's."""
    from index.scoring import PostingCache

    cache = PostingCache()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    docs = [("低保", "低保申请", "valid", "社会救助")]
    with _random_index(tmp_path / "a", docs, 1, set()) as first:
        ranked = rank(IndexArrays(first, cache), make_plan([Concept.of("低保")], first), 5)
        assert ranked.order == [0]
        # keyed by the segment's own id: a Python object's address is reused after it is freed
        leaves = [first] if first.is_atomic() else [leaf for leaf, _ in first.leaf_readers()]
        assert {key[0] for key in cache._items} <= {leaf.segment().segment_id() for leaf in leaves}
    more = [("医保", "医保", "valid", "社会救助"), ("低保", "低保", "valid", "社会救助")]
    with _random_index(tmp_path / "b", more, 2, set()) as second:
        ranked = rank(IndexArrays(second, cache), make_plan([Concept.of("低保")], second), 5)
        assert ranked.order == [1]
