"""The fast segment writer (index/build.py) writes what Whoosh's own writer writes.

Both indexes are built from the same store, then read back through stock Whoosh readers and
matchers and compared term by term: postings (ids, weights, values), term statistics, field
lengths, stored fields and columns.
"""

from __future__ import annotations

import random
import shutil
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

import index.build as build
import index.dense as dense
import index.indexer as indexer
import index.scoring as scoring
from index.analysis import BigramTokenizer, JiebaTokenizer, bigram_codes, code_term
from index.dense import DenseLists
from index.indexer import SearchIndex, _meta_value, document_fields
from index.schema import CountedText, make_schema
from kiosk.records import parse_record
from kiosk.store import WITHDRAWN, Store
from tests.helpers import doc

_WORDS = [
    "最低生活保障", "低保", "申请", "城乡居民", "人民政府", "特困人员", "供养", "临时救助", "医疗保险", "养老保险", "农村", "危房改造",
    "补贴", "标准", "发放", "审核", "公示", "街道", "乡镇", "村委会", "民政局", "财政局", "通知", "办法", "实施细则", "2024",
    "3.5", "ABC", "第一条", "第二条", "残疾人", "两项补贴", "高龄津贴", "教育", "就业", "住房", "社区",
]  # fmt: skip
_AGENCIES = ["县民政局", "县财政局", "县人民政府办公室", ""]
_STATUSES = ["valid", "valid", "amended", "repealed", "expired"]


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    words = rng.choices(_WORDS, k=rng.randrange(1, 120))
    body = "，".join("".join(words[j : j + 3]) for j in range(0, len(words), 3)) + "。"
    extra: dict[str, Any] = {
        "agency": rng.choice(_AGENCIES) or None,
        "category": rng.choice(["社会救助", "社会保险", "住房保障", None]),
        "status": rng.choice(_STATUSES),
        "published": f"20{rng.randrange(10, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}",
    }
    if i % 7 == 0:
        extra["doc_number"] = f"桐政办〔20{rng.randrange(10, 25)}〕{rng.randrange(1, 99)}号"
    title = "关于" + "".join(rng.choices(_WORDS, k=rng.randrange(1, 5))) + "的通知"
    return doc(f"d{i:04d}", title, body, **{k: v for k, v in extra.items() if v is not None})


def _store(tmp_path: Path, n: int = 320) -> Store:
    rng = random.Random(12)
    store = Store.in_dir(tmp_path)
    records = [_record(rng, i) for i in range(n)]
    # a term in one document more often than a uint16 holds, and a document with no body text
    records[5]["body"] = "低保" * 70_000
    records[6]["body"] = "。"
    with store.write() as tx:
        for record in records:
            tx.upsert(parse_record(record))
        tx.set_visibility("d0009", WITHDRAWN, actor="sync", action="withdraw")
    return store


def _whoosh_build(store: Store, path: Path) -> Any:
    """The index as Whoosh's own writer builds it (what rebuild did before index/build.py)."""
    path.mkdir(parents=True)
    ix = FileStorage(str(path)).create_index(make_schema(), indexname=indexer._INDEX_NAME)
    writer = ix.writer(**indexer._WRITER_ARGS)
    for stored in store.iter_visible():
        writer.add_document(**document_fields(stored))
    writer.add_document(id=indexer.META_ID, meta=_meta_value(store.last_change_seq()))
    writer.commit(optimize=True)
    return ix


def _postings(reader: Any, fieldname: str, term: bytes) -> list[tuple[int, float, bytes]]:
    matcher = reader.postings(fieldname, term)
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return out


def _term_stats(reader: Any, fieldname: str, term: bytes) -> tuple[Any, ...]:
    info = reader.term_info(fieldname, term)
    return (
        info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
        info.max_weight(), info.min_id(), info.max_id(),
    )  # fmt: skip


def assert_same_index(expected: Any, actual: Any) -> None:
    """Everything a searcher can read from the two indexes is equal."""
    schema = expected.schema
    with expected.reader() as want, actual.reader() as got:
        assert got.doc_count_all() == want.doc_count_all()
        assert got.doc_count() == want.doc_count()
        assert list(got.all_terms()) == list(want.all_terms())
        for fieldname, term in want.all_terms():
            where = (fieldname, term)
            assert _postings(got, fieldname, term) == _postings(want, fieldname, term), where
            assert _term_stats(got, fieldname, term) == _term_stats(want, fieldname, term), where
        for fieldname in schema.scorable_names():
            assert got.field_length(fieldname) == want.field_length(fieldname), fieldname
            if not want.field_length(fieldname):
                continue  # (Whoosh cannot take the minimum of a column it never wrote)
            assert got.min_field_length(fieldname) == want.min_field_length(fieldname)
            assert got.max_field_length(fieldname) == want.max_field_length(fieldname)
            for docnum in range(want.doc_count_all()):
                assert got.doc_field_length(docnum, fieldname) == want.doc_field_length(
                    docnum, fieldname
                ), (fieldname, docnum)
        for docnum in range(want.doc_count_all()):
            assert got.stored_fields(docnum) == want.stored_fields(docnum), docnum
        for fieldname, field in schema.items():
            if field.column_type:
                assert list(got.column_reader(fieldname)) == list(want.column_reader(fieldname))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Any]:
    tmp_path = tmp_path_factory.mktemp("build")
    store = _store(tmp_path)
    return store, _whoosh_build(store, tmp_path / "whoosh")


def test_one_segment_holds_exactly_what_whoosh_writes(
    built: tuple[Store, Any], tmp_path: Path
) -> None:
    store, expected = built
    index = SearchIndex(tmp_path / "index")
    assert index.rebuild(store) == expected.doc_count() - 1
    actual = index.open()
    assert len(actual._segments()) == 1
    assert_same_index(expected, actual)
    # byte for byte, even: the same posting blocks and term table
    for ext in (".pst", ".trm"):
        (want,) = Path(expected.storage.folder).glob(f"*{ext}")
        (got,) = index.path.glob(f"*{ext}")
        assert got.read_bytes() == want.read_bytes(), ext


def test_many_runs_merge_into_the_same_segment(
    built: tuple[Store, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, expected = built
    monkeypatch.setattr(indexer, "_JOB_DOCS", 70)  # jobs of documents
    monkeypatch.setattr(indexer, "_RUN_POSTINGS", 9_000)  # and within a job, runs by size
    monkeypatch.setattr(build, "_SLICE", 300)  # posting lists written a few terms at a time
    runs: list[build.Run] = []
    merge = build.merge_runs

    def counted(*args: Any) -> Any:
        runs.extend(args[4])
        return merge(*args)

    monkeypatch.setattr(indexer, "merge_runs", counted)
    monkeypatch.setattr(build, "_PART_POSTINGS", 2_000)  # each field's terms in several parts
    index = SearchIndex(tmp_path / "index")
    index.rebuild(store)
    assert len(runs) > 8
    actual = index.open()
    assert len(actual._segments()) == 1
    assert_same_index(expected, actual)
    # byte for byte: every posting list blocked as Whoosh blocks it, whatever the runs
    for ext in (".pst", ".trm"):
        (want,) = Path(expected.storage.folder).glob(f"*{ext}")
        (got,) = index.path.glob(f"*{ext}")
        assert got.read_bytes() == want.read_bytes(), ext
    assert not list(index.path.glob("run-*")) and not list(index.path.glob("part-*"))


def _dense_lists(index_dir: Path, ix: Any) -> dict[tuple[str, str], tuple[list[int], list[float]]]:
    with ix.reader() as reader:
        dense = DenseLists.open(index_dir, reader.segment().segment_id())
    assert dense is not None
    out = {}
    for fieldname, terms in dense._terms.items():
        for term in terms:
            found = dense.get(fieldname, term)
            assert found is not None
            out[(fieldname, term)] = (found[0].tolist(), found[1].tolist())
    return out


def test_dense_lists_are_written_from_the_builders_arrays(
    built: tuple[Store, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild writes the dense lists itself, without decoding the blocks it has just
    written, and they hold what decoding them gives."""
    store, _expected = built
    monkeypatch.setattr(dense, "DENSE_MIN_DOCS", 20)
    monkeypatch.setattr(build, "_PART_POSTINGS", 5_000)

    def no_decoding(*args: Any) -> Any:
        raise AssertionError("the rebuild decoded a posting list")

    monkeypatch.setattr(scoring, "_read_postings", no_decoding)
    index = SearchIndex(tmp_path / "index")
    index.rebuild(store, procs=2)
    monkeypatch.undo()
    ix = index.open()
    written = _dense_lists(index.path, ix)
    assert len(written) > 50
    assert {field for field, _term in written} == set(dense.DENSE_FIELDS)
    decoded_dir = tmp_path / "decoded"
    decoded_dir.mkdir()
    assert dense.write_dense_lists(ix, decoded_dir, min_docs=20) == 1
    assert _dense_lists(decoded_dir, ix) == written


def test_spawned_workers_build_the_same_index(built: tuple[Store, Any], tmp_path: Path) -> None:
    store, expected = built
    index = SearchIndex(tmp_path / "index")
    progress: list[tuple[int, int]] = []
    index.rebuild(store, lambda d, t: progress.append((d, t)), procs=2)
    actual = index.open()
    assert len(actual._segments()) == 1
    assert_same_index(expected, actual)
    assert progress[-1] == (expected.doc_count() - 1,) * 2


def test_the_comparison_sees_a_wrong_weight_or_length(
    built: tuple[Store, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, expected = built
    original = build._write_blocks

    def heavier(out: Any, field: Any, *args: Any) -> None:
        if isinstance(field, CountedText):
            field = CountedText(analyzer=field.analyzer, phrase=False, field_boost=2.5)
        original(out, field, *args)

    monkeypatch.setattr(build, "_write_blocks", heavier)
    index = SearchIndex(tmp_path / "heavier")
    index.rebuild(store)
    with pytest.raises(AssertionError):
        assert_same_index(expected, index.open())
    monkeypatch.undo()

    original_add = build._Postings.add_ids

    def longer(self: Any, docnum: int, *args: Any) -> int:
        return original_add(self, docnum, *args) + (docnum == 3)

    monkeypatch.setattr(build._Postings, "add_ids", longer)
    index = SearchIndex(tmp_path / "longer")
    index.rebuild(store)
    with pytest.raises(AssertionError):
        assert_same_index(expected, index.open())


def test_an_empty_store_builds_an_index_with_only_the_bookkeeping_document(
    tmp_path: Path,
) -> None:
    store = Store.in_dir(tmp_path)
    index = SearchIndex(tmp_path / "index")
    assert index.rebuild(store) == 0
    assert index.status(store).healthy
    expected = _whoosh_build(store, tmp_path / "whoosh")
    assert_same_index(
        expected, whoosh_index.open_dir(str(index.path), indexname=indexer._INDEX_NAME)
    )
    shutil.rmtree(tmp_path / "whoosh")


def test_fields_it_does_not_write_itself_go_through_whoosh(tmp_path: Path) -> None:
    """A positional field (not one of ours today) is written by Whoosh's own posting writer."""
    schema = Schema(
        id=ID(stored=True),
        words=TEXT(analyzer=JiebaTokenizer()),  # positions: not a fast field
        body=CountedText(analyzer=JiebaTokenizer(), phrase=False),
        n=NUMERIC(stored=True, sortable=True),
    )
    assert set(build.fast_fields(schema)) == {"id", "body", "n"}
    rng = random.Random(3)
    docs = [
        {"id": f"d{i}", "words": "".join(rng.choices(_WORDS, k=9)), "body": "低保" * i, "n": i}
        for i in range(150)
    ]
    expected = FileStorage(str(tmp_path / "a")).create().create_index(schema, indexname="t")
    with expected.writer() as writer:
        for fields in docs:
            writer.add_document(**fields)
    folder = tmp_path / "b"
    actual = FileStorage(str(folder)).create().create_index(schema, indexname="t")
    runs = build.write_runs(folder, schema, docs, 0, max_postings=400)
    assert len(runs) > 2
    segment = build.merge_runs(actual.storage, schema, "t", folder, runs)
    TOC(schema, [segment], 1).write(actual.storage, "t")
    assert_same_index(expected, whoosh_index.open_dir(str(tmp_path / "b"), indexname="t"))


def test_a_document_withdrawn_during_the_rebuild_leaves_a_deleted_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path, n=40)
    get_many = Store.get_many

    def withdrawing(self: Store, ids: Any) -> Any:
        if "d0003" in ids and not withdrawn:  # a sync withdraws it after the ids were listed
            withdrawn.append(True)
            with self.write() as tx:
                tx.set_visibility("d0003", WITHDRAWN, actor="sync", action="withdraw")
        return get_many(self, ids)

    withdrawn: list[bool] = []

    monkeypatch.setattr(Store, "get_many", withdrawing)
    index = SearchIndex(tmp_path / "index")
    assert index.rebuild(store) == 38
    assert index.status(store).healthy
    with index.open().searcher() as searcher:
        assert searcher.document(id="d0003") is None
        assert searcher.document(id="d0004")["title"] == store.get_many(["d0004"])[0].title


@given(
    st.text(alphabet="低保 \t\n\r\f,，Ab1:", max_size=30),
    st.sampled_from(["id", "title_key", "docno", "category", "title_keys", "docno_keys", "region"]),
)
def test_plain_terms_are_what_whoosh_indexes(value: str, name: str) -> None:
    field = make_schema()[name]
    plain = build.plain_terms(field, value)
    expected = Counter({tb: freq for tb, freq, _w, _v in field.index(value)})
    if name == "region":  # (comma-separated, with a filter: left to Whoosh)
        assert plain is None
    else:
        assert plain is not None
        assert Counter(dict(zip(*plain, strict=True))) == expected


@given(
    st.binary(max_size=20_000)
    | st.lists(st.sampled_from([b"\0", b"ab", b"W3", b"\xff"])).map(b"".join)
)
def test_blocks_compress_to_what_zlib_gives_with_its_default_window(raw: bytes) -> None:
    compress = build._compressor()
    assert compress(raw, 3) == zlib.compress(raw, 3)
    assert compress(raw, 1) == zlib.compress(raw, 1)


@given(
    st.text(
        alphabet="低保申请城乡人民政府𠀀𠀁ＡＢ１２abZ09 。，\n\u4dbf\u3400\uf900\ufaff", max_size=60
    )
)
def test_bigram_codes_count_what_the_tokenizer_gives(text: str) -> None:
    codes, runs = bigram_codes(text)
    assert Counter([*map(code_term, codes.tolist()), *runs]) == Counter(
        BigramTokenizer().terms(text)
    )
