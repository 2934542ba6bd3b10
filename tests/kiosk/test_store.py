import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from kiosk.errors import StoreError
from kiosk.records import parse_record
from kiosk.store import HIDDEN, QUARANTINED, SCHEMA_VERSION, VISIBLE, Store
from tests.helpers import doc


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.in_dir(tmp_path)
    yield store
    store.close()


def put(store: Store, record: dict[str, object], reason: str | None = None) -> str:
    with store.write() as tx:
        return tx.upsert(parse_record(record), screen_reason=reason)


def test_sqlite_file_is_in_wal_mode_with_foreign_keys(store: Store) -> None:
    assert store.sqlite_mode() == ("wal", True)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.check() == []


def test_upsert_reports_added_updated_unchanged_and_logs_changes(store: Store) -> None:
    assert put(store, doc("a", "低保通知")) == "added"
    assert put(store, doc("a", "低保通知")) == "unchanged"
    assert store.last_change_seq() == 1
    assert put(store, doc("a", "低保通知（修订）")) == "updated"
    assert put(store, doc("b", "医保通知")) == "added"
    assert store.changed_since(0) == [("a", 2), ("b", 3)]
    assert store.changed_since(2) == [("b", 3)]
    assert store.get("a").title == "低保通知（修订）"  # type: ignore[union-attr]


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.upsert(parse_record(doc("a", "低保通知")))
        raise RuntimeError("power cut")
    assert store.get("a") is None
    assert store.last_change_seq() == 0


def test_quarantine_and_local_hiding_survive_updates(store: Store) -> None:
    put(store, doc("spam", "365体育投注"), reason="含有违规词语")
    assert store.get("spam").visibility == QUARANTINED  # type: ignore[union-attr]
    assert [d.id for d in store.quarantined()] == ["spam"]
    put(store, doc("a", "低保通知"))
    with store.write() as tx:
        tx.set_visibility("a", HIDDEN, actor="librarian", action="hide", note="重复")
    put(store, doc("a", "低保通知（修订）"))
    assert store.get("a").visibility == HIDDEN  # type: ignore[union-attr]
    (audit,) = store.audit_log()
    assert (audit.action, audit.document_id, audit.note) == ("hide", "a", "重复")
    assert store.count_visible() == 0


def test_current_allowance_follows_effective_dates_and_status(store: Store) -> None:
    def standard(doc_id: str, amount: int, effective: str, status: str = "valid") -> None:
        allowance = [
            {"region": "清源县", "area": "rural", "amount": amount, "effective": effective}
        ]
        put(store, doc(doc_id, f"标准{amount}", status=status, allowance=allowance))

    standard("old", 560, "2023-01-01", status="repealed")
    standard("new", 590, "2024-01-01")
    standard("future", 620, "2030-01-01")
    current = store.current_allowance("清源县", "rural", on=dt.date(2025, 6, 1))
    assert current is not None and (current.amount, current.document.id) == (590, "new")
    assert store.current_allowance("清源县", "rural", on=dt.date(2030, 1, 2)).amount == 620  # type: ignore[union-attr]
    assert store.current_allowance("清源县", "urban") is None


def test_usage_counts_are_aggregated_per_day(store: Store) -> None:
    day = dt.date(2026, 11, 1)
    for _ in range(3):
        store.count_usage("search", "低保", day)
    store.count_usage("zero_result", "彩礼", day)
    assert store.usage("search", day, day) == [(day, "低保", 3)]
    assert store.usage("zero_result", day, day) == [(day, "彩礼", 1)]


def test_usage_counts_need_no_sqlite3_date_adapter(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python 3.12 deprecated sqlite3's default date adapter (an error under filterwarnings=error);
    # without it, a raw query must still store the day as SQLAlchemy's Date does.
    monkeypatch.delitem(sqlite3.adapters, (dt.date, sqlite3.PrepareProtocol), raising=False)
    monkeypatch.delitem(sqlite3.adapters, (dt.datetime, sqlite3.PrepareProtocol), raising=False)
    day = dt.date(2026, 11, 2)
    store.count_usage("search", "低保", day)
    store.count_usage("search", "低保", day)
    assert store.usage("search", day, day) == [(day, "低保", 2)]


def test_settings_round_trip_json(store: Store) -> None:
    store.set_setting("ui.idle_timeout_s", 90)
    store.set_setting("sync.window", ["01:00", "05:00"])
    assert store.get_setting("ui.idle_timeout_s") == 90
    assert store.get_setting("sync.window") == ["01:00", "05:00"]
    assert store.get_setting("missing", "default") == "default"


def test_reopening_keeps_data_and_newer_schemas_are_refused(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    put(store, doc("a", "低保通知"))
    store.close()
    reopened = Store.in_dir(tmp_path)
    assert reopened.get("a") is not None
    reopened.close()
    with closing(sqlite3.connect(tmp_path / Store.FILENAME)) as conn:  # `with conn` only commits
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="比本程序新"):
        Store.in_dir(tmp_path)


def test_unusable_data_dir_is_a_calm_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="无法"):
        Store.in_dir(blocker / "sub")


def test_corrupt_file_is_a_calm_error(tmp_path: Path) -> None:
    (tmp_path / Store.FILENAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="无法打开数据库"):
        Store.in_dir(tmp_path)


def test_visible_iteration_in_batches(store: Store) -> None:
    for i in range(7):
        put(store, doc(f"d{i}", f"文件{i}"))
    put(store, doc("q", "隔离"), reason="x")
    assert [d.id for d in store.iter_visible(batch_size=3)] == [f"d{i}" for i in range(7)]
    assert store.counts()["visibility"] == {VISIBLE: 7, QUARANTINED: 1}


def test_card_texts_are_what_get_many_holds(store: Store) -> None:
    put(
        store,
        doc("a", "低保申请", body="<p>农村低保每人每月590元</p>", doc_number="桐民发〔2024〕12号"),
    )
    put(store, doc("b", "医保"))
    cards = store.card_texts(["a", "b", "missing"])
    full = {d.id: (d.body_text, d.doc_number or "") for d in store.get_many(["a", "b"])}
    assert cards == full and "590元" in cards["a"][0] and cards["a"][1] == "桐民发〔2024〕12号"
    assert store.card_texts([]) == {}
