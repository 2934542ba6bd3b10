"""What a sync could not apply is kept, per run, for the librarian: rejected records, withdrawals
of ids this kiosk never held, attachments missing on the server. A missing attachment is not
asked for on every sync, and a newer base snapshot repairs what it can."""

from __future__ import annotations

import datetime as dt

from sync._layout import blob_relpath
from sync.client import SETTING_OUTSTANDING
from sync.feed import FeedWriter
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


def test_problems_are_recorded_per_run_and_a_base_repairs_them(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    writer = FeedWriter(portal.feed, portal.keys)
    pdf = b"%PDF-1.4 standard\n" * 50
    sha = writer.add_blob(pdf)
    attachment = {"name": "标准.pdf", "media_type": "application/pdf", "sha256": sha,
                  "size": len(pdf)}  # fmt: skip
    writer.add_batch([
        {"op": "upsert", "doc": doc(1, attachments=[attachment])},
        {"op": "upsert", "doc": {"id": "doc-2", "body": "缺标题"}},
        {"op": "withdraw", "id": "ghost"},
    ])  # fmt: skip
    writer.commit(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    blob = portal.feed / blob_relpath(sha)
    kept = blob.read_bytes()
    blob.unlink()  # the portal lost the file

    first = kiosk.sync(server.url)
    assert [(p.kind, p.doc_id) for p in first.problems()] == [
        ("rejected", "doc-2"), ("unknown", "ghost"), ("blob", f"{sha[:12]}…"),
    ]  # fmt: skip
    assert "本机没有的文件" in first.summary() and "服务器缺少 1 个附件" in first.summary()
    run = kiosk.store.last_sync()
    assert run is not None and run.ok
    assert {p["kind"] for p in run.problems} == {"rejected", "unknown", "blob"}
    assert len(kiosk.store.get_setting(SETTING_OUTSTANDING)) == 3

    asked = server.count(sha)
    again = kiosk.sync(server.url)
    assert server.count(sha) == asked  # not asked for on every sync
    assert [p.kind for p in again.problems()] == ["blob"]  # but still listed
    assert len(kiosk.store.get_setting(SETTING_OUTSTANDING)) == 3

    # the portal fixes the record and the file, and publishes a base snapshot
    blob.write_bytes(kept)
    portal.publish([doc(2)], base=True)
    repaired = kiosk.sync(server.url)
    assert repaired.repaired_from == 2
    assert "重新应用" in repaired.summary()
    assert kiosk.visible_ids() == {"doc-1", "doc-2"}
    assert repaired.attachments_fetched == 1 and (kiosk.data_dir / "blobs" / sha).exists()
    assert kiosk.store.get_setting(SETTING_OUTSTANDING) == []
    assert kiosk.sync(server.url).repaired_from is None  # once per base
