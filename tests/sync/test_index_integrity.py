"""The signed batch index is checked, not trusted blindly: a gap stops the sync at the gap and
names what is missing; a repeated entry is applied once and reported as applied."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sync import SyncError
from sync.feed import FeedWriter
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


def _batches(portal: Portal, count: int) -> FeedWriter:
    writer = FeedWriter(portal.feed, portal.keys)
    for i in range(1, count + 1):
        writer.add_batch([{"op": "upsert", "doc": doc(i)}])
    return writer


def _commit(writer: FeedWriter) -> None:
    writer.commit(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))


def test_a_gap_stops_at_the_gap_and_names_the_missing_batch(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    writer = _batches(portal, 4)
    full, signed = writer.index, dict(writer._new)
    writer.index = dataclasses.replace(
        full, batches=tuple(b for b in full.batches if b.number != 3)
    )
    _commit(writer)

    with pytest.raises(SyncError, match=r"缺少第 3 批") as raised:
        kiosk.sync(server.url)
    assert "已应用到第 2 批" in str(raised.value)
    assert kiosk.visible_ids() == {"doc-1", "doc-2"}  # batch 4 waits for batch 3
    assert kiosk.store.get_setting("sync.last_batch") == 2

    # the portal repairs its index: the kiosk catches up, nothing was skipped for good
    writer = FeedWriter(portal.feed, portal.keys)
    writer.index = full
    writer._new.update(signed)  # batch 3's signed target entry, dropped with the gap
    _commit(writer)
    result = kiosk.sync(server.url)
    assert result.batches == [3, 4]
    assert kiosk.visible_ids() == {f"doc-{i}" for i in range(1, 5)}


def test_a_repeated_entry_is_applied_once_and_not_reported_as_rolled_back(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    writer = _batches(portal, 3)
    second = writer.index.batches[1]
    writer.index = dataclasses.replace(writer.index, batches=(*writer.index.batches, second))
    _commit(writer)

    result = kiosk.sync(server.url)
    assert result.batches == [1, 2, 3]
    assert kiosk.visible_ids() == {"doc-1", "doc-2", "doc-3"}
    run = kiosk.store.last_sync()
    assert run is not None and run.ok and run.error is None
