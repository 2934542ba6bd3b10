"""What arrives inside a correctly signed batch: bad records are rejected one by one, spam is
quarantined, genuine documents that merely mention 彩票 regulation are not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sync.feed import FeedWriter
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


def _sign_batch(portal: Portal, ops: list[Any]) -> None:
    writer = FeedWriter(portal.feed, portal.keys)
    writer.add_batch(ops)
    writer.commit(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))


def test_malformed_records_are_rejected_and_the_rest_applied(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    ops: list[Any] = [
        {"op": "upsert", "doc": doc(1)},
        {"op": "upsert", "doc": {"id": "no-title", "body": "正文"}},
        {"op": "upsert", "doc": doc(2, published="2024-02-30")},
        {"op": "upsert", "doc": doc(3, body="<p>通知</p><script>alert(1)</script>")},
        {"op": "upsert", "doc": "not an object"},
        {"op": "explode", "id": "x"},
        {"op": "status", "id": "doc-1", "status": "bogus"},
        {"op": "upsert", "doc": doc(4)},
    ]
    _sign_batch(portal, ops)
    _sign_batch(portal, ["{not json", {"op": "upsert", "doc": doc(5)}])

    result = kiosk.sync(server.url)
    assert kiosk.visible_ids() == {"doc-1", "doc-4", "doc-5"}
    reasons = {(r.batch, r.line): r.reason for r in result.rejections}
    assert set(reasons) == {(1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 2)}
    assert "title" in reasons[(1, 3)]
    assert "日期无效" in reasons[(1, 4)]
    assert "script" in reasons[(1, 5)]
    assert "JSON" in reasons[(2, 2)]
    run = kiosk.store.last_sync()
    assert run is not None and run.ok and run.rejected == 7
    stored = kiosk.store.get_setting("sync.last_rejections")
    assert {"kind": "rejected", "batch": 1, "line": 3, "id": "no-title",
            "reason": reasons[(1, 3)]} in stored  # fmt: skip
    assert kiosk.store.get_setting("sync.last_batch") == 2


def test_injected_spam_is_quarantined_lottery_rules_are_not(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    seed = "365体育投注关于做好2017年度政府信息公开工作年度报告编制发布工作的通知"
    lottery = doc(
        "lottery",
        title="彩票管理条例实施细则",
        body="为了加强彩票管理，规范彩票市场发展，维护彩票市场秩序，根据《彩票管理条例》，制定本细则。",
        agency="财政部",
    )
    # the portal's own screen would stop the seed document, so sign it the hard way, as if the
    # hijack happened between screening and signing
    _sign_batch(
        portal,
        [
            {"op": "upsert", "doc": doc("seed", title=seed)},
            {"op": "upsert", "doc": doc("agency", agency="www.bet365-vip.com")},
            {"op": "upsert", "doc": lottery},
        ],
    )
    result = kiosk.sync(server.url)
    assert (result.quarantined, result.added) == (2, 1)
    for doc_id in ("doc-seed", "doc-agency"):
        stored = kiosk.doc(doc_id)
        assert stored is not None and stored.visibility == "quarantined" and stored.screen_reason
    assert "365体育投注" in (kiosk.doc("doc-seed").screen_reason or "")  # type: ignore[union-attr]
    assert kiosk.visible_ids() == {"doc-lottery"}
    quarantined = [d.id for d in kiosk.store.quarantined()]
    assert sorted(quarantined) == ["doc-agency", "doc-seed"]


def test_publisher_screens_before_signing(portal: Portal) -> None:
    result = portal.publish(
        [
            doc("seed", title="365体育投注关于做好2017年度政府信息公开工作的通知"),
            doc("ok"),
            {"id": "bad"},
        ]
    )
    assert result.upserts == 1
    assert [p.doc_id for p in result.flagged] == ["doc-seed"]
    assert [p.doc_id for p in result.rejected] == ["bad"]
    assert "365体育投注" in str(result.flagged[0])
