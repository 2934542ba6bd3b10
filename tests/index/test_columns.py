"""Facet column codes (index/columns.py): Whoosh's own values, kept beside the index, or none."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.columns import COLUMNS, segment_column, stored_codes, write_column_codes
from index.engine import SearchEngine
from index.segments import leaves
from kiosk.app import KioskContext

QUERIES = ["低保", "医疗救助 申请", "通知", "残疾人"]


def _answers(engine: SearchEngine) -> list[Any]:
    out = []
    for query in QUERIES:
        results = engine.search(query, limit=20, filters={"status": "valid"})
        facets = {name: [(f.value, f.count) for f in fs] for name, fs in results.facets.items()}
        out.append((results.total, [h.id for h in results.hits], facets))
    return out


def test_segment_columns_read_from_bytes_equal_whoosh_s_own_values(demo_dir: Path) -> None:
    """segment_column reads columns from their bytes; every value must be what Whoosh's column
    reader gives, document by document."""
    from index.indexer import SearchIndex

    ix = SearchIndex(demo_dir / "index").open()
    with ix.reader() as reader:
        for leaf in leaves(reader):
            for name in COLUMNS:
                codes, values = segment_column(leaf, name)
                assert [values[c] for c in codes] == list(leaf.column_reader(name)), name


def test_a_written_index_keeps_every_segment_s_codes(demo_dir: Path) -> None:
    """The file written with the index gives, document by document, Whoosh's own values."""
    from index.indexer import SearchIndex

    index = SearchIndex(demo_dir / "index")
    with index.open().reader() as reader:
        for leaf in leaves(reader):
            segment_id = leaf.segment().segment_id()
            stored = stored_codes(index.path, segment_id, int(leaf.doc_count_all()))
            assert set(stored) == set(COLUMNS)
            for name, (codes, values) in stored.items():
                assert [values[c] for c in codes] == list(leaf.column_reader(name)), name


def test_a_cold_engine_reads_no_column_when_the_codes_are_kept(
    context: KioskContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = context.search_index()
    expected = _answers(engine := SearchEngine(index, context.store()))
    engine.close()

    def refuse(leaf: Any, name: str) -> Any:
        raise AssertionError(f"column {name} read from Whoosh although its codes are kept")

    monkeypatch.setattr("index.scoring.segment_column", refuse)
    cold = SearchEngine(index, context.store())
    assert _answers(cold) == expected
    cold.close()


def test_a_damaged_or_stale_file_is_ignored(
    context: KioskContext, caplog: pytest.LogCaptureFixture
) -> None:
    index = context.search_index()
    engine = SearchEngine(index, context.store())
    expected = _answers(engine)
    engine.close()
    files = list(index.path.glob("columns-*.npz"))
    assert files
    for path in files:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated
    with caplog.at_level(logging.WARNING, logger="index.columns"):
        engine = SearchEngine(index, context.store())
        assert _answers(engine) == expected
        engine.close()
    assert "damaged" in caplog.text
    with index.open().reader() as reader:
        leaf = leaves(reader)[0]
        segment_id = leaf.segment().segment_id()
        for path in files:
            path.unlink()
        write_column_codes(index.open(), index.path)
        # codes of a segment with another number of documents are not used
        assert stored_codes(index.path, segment_id, int(leaf.doc_count_all()) + 1) == {}
        assert stored_codes(index.path, segment_id, int(leaf.doc_count_all()))


def test_codes_follow_the_segments(context: KioskContext) -> None:
    """A rebuild writes the new segment's codes; the old segment's are removed with it."""
    index = context.search_index()
    (index.path / "columns-gone.npz").write_bytes(b"left from a merged segment")
    assert write_column_codes(index.open(), index.path) == 0  # every live segment has its file
    assert not (index.path / "columns-gone.npz").exists()
    old = {p.name for p in index.path.glob("columns-*.npz")}
    index.rebuild(context.store())
    new = {p.name for p in index.path.glob("columns-*.npz")}
    assert new and not new & old
    with index.open().reader() as reader:
        segments = {leaf.segment().segment_id() for leaf in leaves(reader)}
    assert {name.removeprefix("columns-").removesuffix(".npz") for name in new} == segments
    assert all(np.load(index.path / name)["header"].dtype == np.uint8 for name in new)
