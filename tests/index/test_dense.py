"""Dense posting lists (index/dense.py): the same postings as Whoosh's blocks, or none at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from index.dense import DenseLists, write_dense_lists
from index.engine import SearchEngine
from index.scoring import _read_postings
from index.segments import leaves
from kiosk.app import KioskContext

QUERIES = ["低保", "医疗救助 申请", "农村 低保 标准", "通知", "残疾人", "dibao", "保"]


def _segment_ids(ix: Any) -> set[str]:
    with ix.reader() as reader:
        return {leaf.segment().segment_id() for leaf in leaves(reader)}


def test_dense_lists_hold_exactly_what_whoosh_holds(context: KioskContext) -> None:
    index = context.search_index()
    ix = index.open()
    for path in index.path.glob("dense-*"):
        path.unlink()
    assert write_dense_lists(ix, index.path, min_docs=3) >= 1
    checked = 0
    with ix.reader() as reader:
        for leaf in leaves(reader):
            dense = DenseLists.open(index.path, leaf.segment().segment_id())
            assert dense is not None
            for fieldname, terms in dense._terms.items():
                for term in terms:
                    found = dense.get(fieldname, term)
                    assert found is not None
                    expected_ids, expected_weights = _read_postings(leaf, fieldname, term)
                    assert np.array_equal(found[0], expected_ids), (fieldname, term)
                    assert np.array_equal(found[1], expected_weights), (fieldname, term)
                    checked += 1
            # and every term held by that many documents is there
            for fieldname in ("title", "body", "title_bi", "body_bi"):
                for text, info in leaf.iter_field(fieldname):
                    if info.doc_frequency() >= 3 and not info.is_inlined():
                        assert dense.get(fieldname, text.decode("utf-8")) is not None
    assert checked > 100


def _answers(engine: SearchEngine) -> list[Any]:
    out = []
    for query in QUERIES:
        results = engine.search(query, limit=20)
        facets = {name: [(f.value, f.count) for f in fs] for name, fs in results.facets.items()}
        out.append((results.total, [(h.id, h.score) for h in results.hits], facets))
    return out


def test_answers_are_the_same_with_and_without_dense_lists(context: KioskContext) -> None:
    index = context.search_index()
    for path in index.path.glob("dense-*"):
        path.unlink()
    without = SearchEngine(index, context.store())
    expected = _answers(without)
    without.close()
    write_dense_lists(index.open(), index.path, min_docs=2)
    assert list(index.path.glob("dense-*.json"))
    with_dense = SearchEngine(index, context.store())
    assert _answers(with_dense) == expected
    with_dense.close()


def test_a_damaged_dense_file_is_ignored(context: KioskContext) -> None:
    index = context.search_index()
    for path in index.path.glob("dense-*"):
        path.unlink()
    ix = index.open()
    write_dense_lists(ix, index.path, min_docs=2)
    engine = SearchEngine(index, context.store())
    expected = _answers(engine)
    engine.close()
    for data in index.path.glob("dense-*.bin"):
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])  # truncated
    for segment_id in _segment_ids(ix):
        assert DenseLists.open(index.path, segment_id) is None
    engine = SearchEngine(index, context.store())
    assert _answers(engine) == expected
    engine.close()


def test_a_rebuild_writes_the_new_segments_lists_and_drops_the_old(context: KioskContext) -> None:
    index = context.search_index()
    old = {p.name for p in index.path.glob("dense-*.json")}
    assert old, "a written index has its dense lists"
    index.rebuild(context.store())
    new = {p.name for p in index.path.glob("dense-*.json")}
    assert new and not new & old
    segments = _segment_ids(index.open())
    assert {name.removeprefix("dense-").removesuffix(".json") for name in new} == segments


def test_lists_are_read_not_mapped_into_the_search_process(context: KioskContext) -> None:
    """A mapped file's touched pages count in the search process's memory (and the kernel maps
    their cached neighbours too): the lists are read into the posting cache instead."""
    index = context.search_index()
    for path in index.path.glob("dense-*"):
        path.unlink()
    ix = index.open()
    write_dense_lists(ix, index.path, min_docs=2)
    segment_id = next(iter(_segment_ids(ix)))
    dense = DenseLists.open(index.path, segment_id)
    assert dense is not None
    fieldname, terms = next((f, t) for f, t in dense._terms.items() if t)
    assert dense.get(fieldname, next(iter(terms))) is not None
    mapped = Path("/proc/self/maps").read_text()
    assert f"dense-{segment_id}.bin" not in mapped
