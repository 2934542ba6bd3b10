"""Checking a feed before importing it: verified like a sync, counted, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.store import Store
from sync.errors import SyncError
from sync.preview import preview
from tests.sync.synckit import Kiosk, Portal, doc


def test_preview_counts_a_folder_feed_and_writes_nothing(kiosk: Kiosk, portal: Portal) -> None:
    portal.publish([doc(1), doc(2), doc(3)])
    kiosk.sync(portal.feed)
    portal.publish([doc(4), doc(2, title="关于第2批城乡低保资金发放工作的补充通知")])
    portal.publish([{"id": "doc-1", "withdrawn": True, "note": "误发"}, doc(5)])
    before = kiosk.snapshot()
    metadata = kiosk.data_dir / "tuf" / "metadata"
    trusted = {p.name: p.read_bytes() for p in metadata.glob("*.json")}

    seen: list[str] = []
    found = preview(
        kiosk.data_dir, kiosk.store, portal.feed, on_progress=lambda p: seen.append(p.phase)
    )

    assert found.batches == (2, 3)
    assert (found.documents, found.new_documents, found.withdrawals) == (3, 2, 1)
    assert "将应用 2 个批次" in found.summary() and "撤回 1 篇" in found.summary()
    assert {"metadata", "download", "done"} <= set(seen)
    assert kiosk.snapshot() == before, "a preview never writes to the store"
    assert {p.name: p.read_bytes() for p in metadata.glob("*.json")} == trusted
    # and the import applies exactly what the preview announced
    result = kiosk.sync(portal.feed)
    assert result.batches == [2, 3] and (result.added, result.withdrawn) == (2, 1)
    assert preview(kiosk.data_dir, kiosk.store, portal.feed).batches == ()


def test_preview_of_a_tampered_feed_is_refused(kiosk: Kiosk, portal: Portal) -> None:
    portal.publish([doc(1)])
    kiosk.sync(portal.feed)
    portal.publish([doc(2)])
    for path in (portal.feed / "targets").rglob("*.jsonl.gz"):
        path.write_bytes(path.read_bytes()[:-8] + b"tampered")
    with pytest.raises(SyncError, match="同步失败"):
        preview(kiosk.data_dir, kiosk.store, portal.feed)
    assert kiosk.store.get("doc-2") is None


def test_preview_without_a_trusted_root_is_refused(tmp_path: Path, portal: Portal) -> None:
    portal.publish([doc(1)])
    store = Store.in_dir(tmp_path / "fresh")
    try:
        with pytest.raises(SyncError, match="受信任的根元数据"):
            preview(tmp_path / "fresh", store, portal.feed)
    finally:
        store.close()
