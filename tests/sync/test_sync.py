"""End-to-end sync over a real HTTP server and from a folder: the paths that should work."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from sync import SyncError
from sync.client import SETTING_LAST_BATCH, resolve_source
from sync.keys import rotate_keys
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


def test_first_sync_brings_every_document(portal: Portal, server: FeedServer, kiosk: Kiosk) -> None:
    portal.publish([doc(i) for i in range(5)])
    result = kiosk.sync(server.url)
    assert (result.added, result.batches, result.last_batch) == (5, [1], 1)
    assert kiosk.visible_ids() == {f"doc-{i}" for i in range(5)}
    assert result.bytes > 0
    assert "新增 5" in result.summary()
    assert kiosk.store.get_setting(SETTING_LAST_BATCH) == 1
    run = kiosk.store.last_sync()
    assert run is not None and run.ok and run.added == 5 and run.finished_at is not None
    # the kiosk now keeps its own trusted root
    assert (kiosk.data_dir / "tuf" / "metadata" / "root.json").exists()


def test_second_sync_downloads_only_what_is_new(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    portal.publish([doc(i) for i in range(20)])
    kiosk.sync(server.url)
    again = kiosk.sync(server.url)
    assert again.batches == [] and not again.changed
    assert "已是最新" in again.summary()
    portal.publish([doc(3, title="关于做好城乡低保资金发放工作的补充通知")])
    update = kiosk.sync(server.url)
    assert (update.batches, update.updated, update.added) == ([2], 1, 0)
    assert server.count(".000001.jsonl.gz") == 1  # never fetched twice


def test_withdrawal_status_change_and_supersession(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    portal.publish([doc(1), doc(2), doc(3)])
    kiosk.sync(server.url)
    portal.publish(
        [
            {"id": "doc-1", "withdrawn": True, "note": "误发"},
            {"id": "doc-2", "status": "expired"},
            doc(4, supersedes="doc-3"),
        ]
    )
    result = kiosk.sync(server.url)
    assert (result.withdrawn, result.status_changed, result.added) == (1, 2, 1)
    withdrawn = kiosk.doc("doc-1")
    assert withdrawn is not None and withdrawn.visibility == "withdrawn"
    (audit,) = kiosk.store.audit_log(document_id="doc-1")
    assert (audit.actor, audit.action, audit.note) == ("sync", "withdraw", "误发")
    assert kiosk.doc("doc-2").status == "expired"  # type: ignore[union-attr]
    old = kiosk.doc("doc-3")
    assert old is not None and (old.status, old.superseded_by) == ("repealed", "doc-4")
    # a withdrawn document that is published again comes back
    portal.publish([doc(1, body="重新发布的正文。")])
    kiosk.sync(server.url)
    assert kiosk.doc("doc-1").visibility == "visible"  # type: ignore[union-attr]


def test_usb_folder_sync_verifies_the_same_way(
    portal: Portal, kiosk: Kiosk, tmp_path: Path
) -> None:
    portal.publish([doc(i) for i in range(3)], expires_days=90)
    stick = tmp_path / "media" / "usb" / "feed"
    shutil.copytree(portal.feed, stick)
    result = kiosk.sync(stick)
    assert result.added == 3
    assert kiosk.sync(f"file://{stick}").batches == []
    # a tampered stick is refused like a tampered server
    portal.publish([doc(9)], expires_days=90)
    shutil.rmtree(stick)
    shutil.copytree(portal.feed, stick)
    batch = next((stick / "targets" / "batches").glob("*.000002.jsonl.gz"))
    data = bytearray(batch.read_bytes())
    data[len(data) // 2] ^= 0xFF
    batch.write_bytes(bytes(data))
    before = kiosk.snapshot()
    with pytest.raises(SyncError, match=r"批次 2.*哈希"):
        kiosk.sync(stick)
    assert kiosk.snapshot() == before


def test_attachments_follow_their_documents(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    pdf = portal.work / "standard.pdf"
    pdf.write_bytes(b"%PDF-1.4 fake but fine\n" * 100)
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    portal.publish(
        [
            doc(
                1,
                attachments=[
                    {"name": "标准.pdf", "media_type": "application/pdf", "path": "standard.pdf"}
                ],
            )
        ]
    )
    result = kiosk.sync(server.url)
    assert result.attachments_fetched == 1
    assert (kiosk.data_dir / "blobs" / sha).read_bytes() == pdf.read_bytes()
    (row,) = kiosk.doc("doc-1").attachments  # type: ignore[union-attr]
    assert row.present and row.sha256 == sha


def test_tampered_attachment_is_not_stored_but_document_applies(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    (portal.work / "a.txt").write_bytes(b"attachment body")
    portal.publish([doc(1, attachments=[{"name": "a.txt", "path": "a.txt"}])])
    server.fault("/blobs/", "tamper", times=1)
    result = kiosk.sync(server.url)
    assert (result.added, result.attachments_failed) == (1, 1)
    assert not list((kiosk.data_dir / "blobs").glob("[0-9a-f]*"))
    # the next sync fetches the missing blob (resumable across runs)
    assert kiosk.sync(server.url).attachments_fetched == 1


def test_a_base_lets_a_new_kiosk_skip_history(
    portal: Portal, server: FeedServer, kiosk: Kiosk, tmp_path: Path
) -> None:
    portal.publish([doc(1), doc(2)])
    kiosk.sync(server.url)  # an old kiosk at batch 1
    portal.publish([{"id": "doc-1", "withdrawn": True}, doc(3)])
    base = portal.publish([doc(4)], base=True)
    assert base.base == 3
    portal.publish([doc(5)])

    from kiosk.store import Store

    fresh = Kiosk(tmp_path / "fresh", Store.in_dir(tmp_path / "fresh"), kiosk.trusted_root)
    try:
        result = fresh.sync(server.url)
        assert result.batches == [3, 4]
        assert fresh.visible_ids() == {"doc-2", "doc-3", "doc-4", "doc-5"}
    finally:
        fresh.store.close()
    # the old kiosk, two batches behind the base, also converges (via the base)
    old = kiosk.sync(server.url)
    assert old.batches == [3, 4]
    assert kiosk.visible_ids() == {"doc-2", "doc-3", "doc-4", "doc-5"}
    assert kiosk.doc("doc-1").visibility == "withdrawn"  # type: ignore[union-attr]


def test_root_rotation_is_followed(portal: Portal, server: FeedServer, kiosk: Kiosk) -> None:
    portal.publish([doc(1)])
    kiosk.sync(server.url)
    rotate_keys(portal.keys, ["root", "timestamp", "targets"])
    portal.publish([doc(2)])
    assert kiosk.sync(server.url).added == 1
    assert (kiosk.data_dir / "tuf" / "metadata" / "root_history" / "2.root.json").exists()
    # the old keys can no longer sign for this kiosk
    old_keys = sorted(portal.keys.glob("timestamp.key.*"))
    assert old_keys


def test_sync_without_trusted_root_is_refused(
    portal: Portal, server: FeedServer, kiosk: Kiosk, tmp_path: Path
) -> None:
    portal.publish([doc(1)])
    from sync import Syncer

    with pytest.raises(SyncError, match="受信任的根元数据"):
        Syncer(kiosk.data_dir, kiosk.store, server.url).run()
    bogus = tmp_path / "root.json"
    bogus.write_text('{"hello": 1}')
    with pytest.raises(SyncError, match="不是有效的 TUF 根元数据"):
        Syncer(kiosk.data_dir, kiosk.store, server.url, trusted_root=bogus).run()
    run = kiosk.store.last_sync()
    assert run is not None and not run.ok and run.error and "TUF" in run.error


def test_bad_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="更新源不存在"):
        resolve_source(tmp_path / "missing")
    assert resolve_source("https://portal.example.gov.cn/feed").metadata_url.endswith(
        "/feed/metadata/"
    )


def test_two_syncs_never_run_at_once(portal: Portal, server: FeedServer, kiosk: Kiosk) -> None:
    from sync._lock import exclusive_lock

    portal.publish([doc(1)])
    with (
        exclusive_lock(kiosk.data_dir / "tuf" / "sync.lock", "同步"),
        pytest.raises(SyncError, match="另一个同步正在进行"),
    ):
        kiosk.sync(server.url)


def test_feed_behind_the_kiosk_is_refused(portal: Portal, server: FeedServer, kiosk: Kiosk) -> None:
    portal.publish([doc(1)])
    kiosk.sync(server.url)
    kiosk.store.set_setting(SETTING_LAST_BATCH, 7)
    with pytest.raises(SyncError, match="本机已应用到第 7 批"):
        kiosk.sync(server.url)


def test_sync_history_has_one_row_per_attempt(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    portal.publish([doc(1)])
    kiosk.sync(server.url)
    server.fault("timestamp.json", "status", arg=404)
    with pytest.raises(SyncError):
        kiosk.sync(server.url)
    runs = kiosk.store.sync_runs()[::-1]
    assert [r.ok for r in runs] == [True, False]
    assert runs[1].error and "404" in runs[1].error
    assert kiosk.store.get_setting("sync.last_error") == runs[1].error


def test_a_batch_that_cannot_be_written_is_rolled_back_whole(
    portal: Portal, server: FeedServer, kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.errors import StoreError
    from kiosk.store import Transaction

    portal.publish([doc(i) for i in range(5)])
    real_upsert = Transaction.upsert
    calls = []

    def failing_upsert(*args: object, **kwargs: object) -> str:
        calls.append(1)
        if len(calls) == 3:  # the disk fills up in the middle of the batch
            raise StoreError("database or disk is full")
        return real_upsert(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Transaction, "upsert", failing_upsert)
    before = kiosk.snapshot()
    with pytest.raises(SyncError, match="批次 1 未能写入本机数据库，已整体撤销"):
        kiosk.sync(server.url)
    assert kiosk.snapshot() == before
    monkeypatch.setattr(Transaction, "upsert", real_upsert)
    assert kiosk.sync(server.url).added == 5


def test_a_published_office_and_standards_arrive_as_offers(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    from kiosk.locality import accept_office, current_office, local_standards, office_offers
    from kiosk.settings import LocationSettings, OfficeSettings

    office = {"name": "梨花镇社会救助窗口", "address": "人民路8号", "hours": "周一至周五",
              "phone": "0571-88881234"}  # fmt: skip
    allowance = [
        {"region": "溪东区", "area": "rural", "amount": 675, "effective": "2025-01-01"},
        {"region": "溪东区", "area": "rural", "amount": 880, "effective": "2025-01-01",
         "program": "特困供养"},
    ]  # fmt: skip
    OfficeSettings("村委会", "村口", "每天", "110").save(kiosk.store)
    portal.publish([doc("guide", kind="guide", office=office), doc("std", allowance=allowance)])
    kiosk.sync(server.url)
    assert [o.state for o in office_offers(kiosk.store)] == ["pending"]
    assert current_office(kiosk.store).name == "村委会"  # type: ignore[union-attr]
    accept_office(kiosk.store, "doc-guide")
    assert current_office(kiosk.store).name == office["name"]  # type: ignore[union-attr]
    found = local_standards(kiosk.store, LocationSettings("溪东区", "", "rural"))
    assert [(s.program_label, s.standard.amount) for s in found] == [
        ("低保", 675),
        ("特困供养", 880),
    ]
