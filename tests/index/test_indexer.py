"""The index follows the store: catch-up, withdrawal, crash recovery, rebuild."""

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from index import SearchEngine, SearchIndex
from index.indexer import IndexBusy
from kiosk.records import parse_record
from kiosk.store import WITHDRAWN, Store
from tests.helpers import doc


def make(tmp_path: Path) -> tuple[Store, SearchIndex]:
    store = Store.in_dir(tmp_path)
    return store, SearchIndex(tmp_path / "index")


def put(store: Store, *records: dict[str, object]) -> None:
    with store.write() as tx:
        for record in records:
            tx.upsert(parse_record(record))


def found(index: SearchIndex, store: Store, text: str) -> list[str]:
    engine = SearchEngine(index, store)
    try:
        return [h.id for h in engine.search(text).hits]
    finally:
        engine.close()


def test_catch_up_applies_adds_updates_and_withdrawals(tmp_path: Path) -> None:
    store, index = make(tmp_path)
    put(store, doc("a", "农村低保申请指南"), doc("b", "医保缴费通知"))
    assert index.catch_up(store) == 2
    assert found(index, store, "低保") == ["a"]
    put(store, doc("a", "农村危房改造申请指南"))
    with store.write() as tx:
        tx.set_visibility("b", WITHDRAWN, actor="sync", action="withdraw")
    index.catch_up(store)
    assert found(index, store, "低保") == []
    assert found(index, store, "危房") == ["a"]
    assert found(index, store, "医保") == []
    status = index.status(store)
    assert status.healthy and status.indexed_docs == 1


def test_a_crash_between_store_and_index_is_reconciled(tmp_path: Path) -> None:
    store, index = make(tmp_path)
    put(store, doc("a", "低保"))
    index.catch_up(store)
    put(store, doc("b", "低保标准"))  # the process dies before the index is updated
    assert not index.status(store).healthy
    assert index.reconcile(store) == "caught-up"
    assert sorted(found(index, store, "低保")) == ["a", "b"]


def test_missing_or_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    store, index = make(tmp_path)
    put(store, *(doc(f"d{i}", f"第{i}号低保通知") for i in range(30)))
    assert index.reconcile(store) == "rebuilt"
    shutil.rmtree(index.path)
    progress: list[tuple[int, int]] = []
    assert index.reconcile(store, lambda d, t: progress.append((d, t))) == "rebuilt"
    assert progress[-1] == (30, 30)
    assert index.status(store).healthy
    assert index.reconcile(store) == "ok"


def test_rebuild_swaps_in_a_complete_index(tmp_path: Path) -> None:
    store, index = make(tmp_path)
    put(store, doc("a", "低保"))
    index.catch_up(store)
    put(store, doc("b", "低保"))
    assert index.rebuild(store) == 2
    assert not index.path.with_name("index.building").exists()
    assert index.status(store).healthy


def test_a_running_engine_sees_withdrawals_and_updates(tmp_path: Path) -> None:
    store, index = make(tmp_path)
    put(store, doc("a", "农村低保申请指南"), doc("b", "城市低保申请指南"))
    index.catch_up(store)
    engine = SearchEngine(index, store)
    try:
        assert sorted(h.id for h in engine.search("低保").hits) == ["a", "b"]
        with store.write() as tx:
            tx.set_visibility("b", WITHDRAWN, actor="sync", action="withdraw")
        put(store, doc("a", "农村危房改造申请指南"))
        index.catch_up(store)
        assert [h.id for h in engine.search("低保").hits] == []
        assert [h.id for h in engine.search("危房").hits] == ["a"]
    finally:
        engine.close()


def _hold_write_lock(index: SearchIndex) -> Any:
    """Take Whoosh's write lock as another writer (a rebuild in another process) would."""
    lock = index.open().lock("WRITELOCK")
    assert lock.acquire()
    return lock


def test_catch_up_waits_for_another_writer_and_is_level_when_it_returns(tmp_path: Path) -> None:
    store, index = make(tmp_path)
    put(store, doc("a", "低保"))
    index.catch_up(store)
    put(store, doc("b", "低保标准"))
    lock = _hold_write_lock(index)
    releaser = threading.Timer(0.5, lock.release)
    releaser.start()
    try:
        assert index.catch_up(store) == 1
        # no commit left pending on a background thread: the status read now is the real one
        assert index.status(store).healthy
        assert index.reconcile(store) == "ok"
    finally:
        releaser.join()
        store.close()


def test_a_writer_that_never_lets_go_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.indexer.WRITE_TIMEOUT_S", 0.3)
    store, index = make(tmp_path)
    put(store, doc("a", "低保"))
    index.catch_up(store)
    put(store, doc("b", "低保标准"))
    lock = _hold_write_lock(index)
    try:
        with pytest.raises(IndexBusy, match="搜索索引正被另一个程序更新"):
            index.catch_up(store)
    finally:
        lock.release()
        store.close()
    assert not index.status(store).healthy, "nothing was written behind the caller's back"


def _walk_the_lexicon(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the vocabulary built (or pypinyin asked) instead of loaded")


def test_a_vocabulary_saved_by_the_previous_version_is_kept_and_given_its_readings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    from index.vocabulary import _SAVED_FILE, Vocabulary

    store, index = make(tmp_path)
    put(store, doc("a", "行政审批服务"))
    index.rebuild(store)
    saved = index.path / _SAVED_FILE
    state = pickle.loads(saved.read_bytes())
    saved.write_bytes(pickle.dumps((2, *state[1:-1])))  # format 2: no readings table

    monkeypatch.setattr(Vocabulary, "from_reader", _walk_the_lexicon)
    vocab = Vocabulary.for_index(index.open(), index.path)
    assert vocab.weight("审批") and "hang" in vocab._char_readings["行"]
    assert pickle.loads(saved.read_bytes())[-1] == vocab._char_readings  # saved for next time
    store.close()


def test_the_vocabulary_is_written_with_the_index_not_on_a_first_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.vocabulary import Vocabulary

    store, index = make(tmp_path)
    put(store, doc("a", "农村低保申请指南"))
    index.rebuild(store)
    put(store, doc("b", "危房改造补助标准"))
    put(store, doc("c", "行政审批服务"))
    index.catch_up(store)

    monkeypatch.setattr(Vocabulary, "from_reader", _walk_the_lexicon)
    monkeypatch.setattr("index.vocabulary.to_pinyin", _walk_the_lexicon)  # pypinyin: 2 s to load
    monkeypatch.setattr("index.vocabulary._heteronyms", _walk_the_lexicon)
    engine = SearchEngine(index, store)
    try:
        assert "危房" in engine.pinyin_candidates("weifang")
        assert [h.id for h in engine.search("dibao").hits] == ["a"]
        # a word the index lacks (a typo) is read from the saved characters' pinyin
        assert engine.vocabulary.reading("房危") == ("fangwei", "fw")
        assert engine.vocabulary.homophones("房危") == []
        # and every reading of its polyphones (行: xing, hang), for the typo check
        assert {"shenxing", "shenhang"} <= set(engine.vocabulary.readings("审行"))
    finally:
        engine.close()
