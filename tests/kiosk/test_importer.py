import json
from pathlib import Path

from kiosk.importer import import_paths
from kiosk.records import MAX_RECORD_BYTES
from kiosk.store import QUARANTINED, Store
from tests.helpers import doc, write_jsonl


def test_malformed_records_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data")
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            doc("a", "低保申请指南"),
            "{not json",
            doc("b", ""),
            doc("c", "医保", published="2024-02-30"),
            doc("d", "正常<script>x</script>", "<p>x<script>alert(1)</script></p>"),
            '"just a string"',
            doc("e", "五保供养"),
        ],
    )
    with source.open("ab") as f:
        f.write(b'{"id": "f", "title": "\xff\xfe", "body": "x"}\n')
    report = import_paths(store, [source])
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    rejected = {(r.line, r.reason.split(" ")[0]) for r in report.rejected}
    assert {line for line, _ in rejected} == {2, 3, 4, 6, 8}
    assert all(r.file == str(source) for r in report.rejected)
    assert any("UTF-8" in r.reason for r in report.rejected if r.line == 8)
    assert "script" not in store.get("d").body_html  # type: ignore[union-attr]


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data")
    source = write_jsonl(tmp_path / "in.jsonl", [doc("a", "低保"), doc("b", "医保")])
    import_paths(store, [source])
    seq = store.last_change_seq()
    report = import_paths(store, [source])
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert store.last_change_seq() == seq


def test_json_arrays_objects_and_folders(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "array.json").write_text(json.dumps([doc("a", "一"), doc("b", "二")]), "utf-8")
    (folder / "sub" / "one.json").write_text(json.dumps(doc("c", "三")), "utf-8")
    write_jsonl(folder / "sub" / "more.jsonl", [doc("d", "四")])
    (folder / "notes.txt").write_text("ignored", "utf-8")
    report = import_paths(store, [folder])
    assert report.added == 4 and not report.rejected


def test_hijacked_records_are_quarantined_on_import(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data")
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            doc(
                "seed",
                "365体育投注关于做好2017年度政府信息公开工作年度报告的通知",
                agency="国务院办公厅",
            )
        ],
    )
    report = import_paths(store, [source])
    assert report.quarantined == 1
    seed = store.get("seed")
    assert seed is not None and seed.visibility == QUARANTINED
    assert "365体育投注" in (seed.screen_reason or "")


def test_an_overlong_line_is_skipped_unread_and_the_rest_imported(tmp_path: Path) -> None:
    source = tmp_path / "big.jsonl"
    good = {"id": "ok-1", "title": "关于低保的通知", "body": "正文"}
    with source.open("w", encoding="utf-8") as f:
        f.write(json.dumps(good, ensure_ascii=False) + "\n")
        f.write('{"id": "huge", "title": "x", "body": "' + "a" * (MAX_RECORD_BYTES + 10) + '"}\n')
        f.write(json.dumps({**good, "id": "ok-2"}, ensure_ascii=False) + "\n")
    store = Store.in_dir(tmp_path / "data")
    try:
        report = import_paths(store, [source])
    finally:
        store.close()
    assert (report.added, [r.line for r in report.rejected]) == (2, [2])
    assert "单行上限" in report.rejected[0].reason
