"""Bounded memory and time whatever a correctly signed feed or a slow server does: a record line
over the cap is rejected unread, a batch that inflates past the cap is refused whole, and one
deadline covers the whole sync."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time

import pytest

from sync import SyncError
from sync.feed import FeedWriter
from tests.sync.synckit import FAST, FeedServer, Kiosk, Portal, doc


def _sign(portal: Portal, ops: list[object]) -> None:
    writer = FeedWriter(portal.feed, portal.keys)
    writer.add_batch(ops)  # type: ignore[arg-type]
    writer.commit(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))


def test_an_overlong_line_is_rejected_and_the_rest_applied(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    huge = doc("huge", body="低保" * (9 * 1024 * 1024 // 6))  # > 8 MB as UTF-8
    _sign(portal, [{"op": "upsert", "doc": doc(1)}, {"op": "upsert", "doc": huge},
                   {"op": "upsert", "doc": doc(2)}])  # fmt: skip
    result = kiosk.sync(server.url)
    assert kiosk.visible_ids() == {"doc-1", "doc-2"}
    assert [(r.batch, r.line) for r in result.rejections] == [(1, 3)]
    assert "单行上限" in result.rejections[0].reason


def test_a_batch_that_inflates_past_the_cap_is_refused_whole(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    lines = [{"op": "upsert", "doc": doc(i, body="城乡低保" * 20000)} for i in range(40)]
    _sign(portal, lines)  # ~10 MB of JSON, a few KB of gzip
    config = dataclasses.replace(FAST, max_batch_bytes=4 * 1024 * 1024)
    before = kiosk.snapshot()
    with pytest.raises(SyncError, match=r"批次 1 过大"):
        kiosk.sync(server.url, config=config)
    assert kiosk.snapshot() == before


def test_one_deadline_for_the_whole_sync(portal: Portal, server: FeedServer, kiosk: Kiosk) -> None:
    for i in range(3):  # three batches of ~6 KB that do not compress
        portal.publish([doc(i, body=os.urandom(4096).hex())])
    server.fault(".jsonl.gz", "trickle", arg=0.02)  # 64 bytes every 20 ms: ~2 s per batch
    config = dataclasses.replace(FAST, deadline_seconds=1.5)  # each file alone is within 3 s
    started = time.monotonic()
    with pytest.raises(SyncError, match=r"整次同步已超过 1\.5 秒"):
        kiosk.sync(server.url, config=config)
    assert time.monotonic() - started < 3.0
    assert kiosk.visible_ids() == set()
