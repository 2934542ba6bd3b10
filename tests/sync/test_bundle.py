"""USB bundles: one history with the portal's feed, a bounded freshness claim, and a kiosk that
recovers when it meets a bundle that was published as a branch (the old way)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from tuf.api.metadata import Metadata

from kiosk.cli import cli
from sync import SyncError
from sync.bundle import make_bundle
from sync.client import SETTING_CONTENT_AS_OF
from sync.feed import publish
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


def _expires(feed: Path) -> dt.datetime:
    return Metadata.from_file(str(feed / "metadata" / "timestamp.json")).signed.expires


def test_bundle_expiry_is_bounded_and_printed(portal: Portal, tmp_path: Path) -> None:
    portal.publish([doc(1)])
    usb = tmp_path / "usb"
    runner = CliRunner()
    result = runner.invoke(cli, ["bundle", str(portal.feed), str(usb), "--keys", str(portal.keys)])
    assert result.exit_code == 0, result.output
    days = (_expires(usb) - dt.datetime.now(dt.UTC)).days
    assert 59 <= days <= 60
    assert f"有效期至 {_expires(usb):%Y-%m-%d}（60 天）" in result.output
    assert f"资料截至 {dt.datetime.now(dt.UTC):%Y-%m-%d}" in result.output
    for days_arg in ("3650", "7"):
        refused = runner.invoke(cli, ["bundle", str(portal.feed), str(usb), "--keys",
                                      str(portal.keys), "--days", days_arg])  # fmt: skip
        assert refused.exit_code != 0
    with pytest.raises(SyncError, match="最长 90 天"):
        portal.publish([doc(2)], expires_days=3650)


def test_stick_and_network_share_one_history(
    portal: Portal, server: FeedServer, kiosk: Kiosk, tmp_path: Path
) -> None:
    portal.publish([doc(1)])
    usb = tmp_path / "usb"
    make_bundle(portal.feed, usb, portal.keys, days=30)
    assert kiosk.sync(usb).added == 1
    assert kiosk.store.get_setting(SETTING_CONTENT_AS_OF)
    portal.publish([doc(2)])
    online = kiosk.sync(server.url)  # the network continues the stick's history
    assert (online.batches, online.fork_at) == ([2], None)
    # an older stick met after the network is "older", not an attack
    with pytest.raises(SyncError, match="U 盘更新包比本机已有的内容旧"):
        kiosk.sync(usb)
    assert kiosk.visible_ids() == {"doc-1", "doc-2"}


def test_a_branch_published_on_a_copy_is_detected_and_the_portal_history_recovered(
    portal: Portal, server: FeedServer, kiosk: Kiosk, tmp_path: Path
) -> None:
    portal.publish([doc(1)])
    kiosk.sync(server.url)
    # the old way: publish onto a copy of the feed, reusing batch number 2 for other content
    branch = tmp_path / "branch"
    shutil.copytree(portal.feed, branch)
    source = tmp_path / "usb-only.jsonl"
    source.write_text('{"id": "usb-1", "title": "U盘发布的通知", "body": "正文。"}\n', "utf-8")
    publish(source, branch, portal.keys, expires_days=60)
    assert kiosk.sync(branch).batches == [2]

    portal.publish([doc(2)])  # the portal's own batch 2
    portal.publish([doc(3)])
    result = kiosk.sync(server.url)
    assert result.fork_at == 2
    assert result.batches == [2, 3]
    assert "发布历史不同" in result.summary()
    assert {"doc-1", "doc-2", "doc-3"} <= kiosk.visible_ids()  # doc-2 is not lost for good
    assert kiosk.sync(server.url).fork_at is None  # recovered: one history from now on
