"""Every attack and network fault is refused with a sentence naming it, and the store is unchanged.

All against a real HTTP server on 127.0.0.1 (see ``synckit.FeedServer``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

from sync import SyncError, init_keys, publish
from sync.client import SETTING_LAST_BATCH, SyncConfig
from sync.fetchers import FetcherConfig
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


@pytest.fixture
def synced(portal: Portal, server: FeedServer, kiosk: Kiosk) -> Kiosk:
    """A kiosk that has applied batch 1, with batch 2 (three documents) waiting on the server."""
    portal.publish([doc(i) for i in range(3)])
    kiosk.sync(server.url)
    portal.publish([doc(i) for i in range(3, 6)])
    return kiosk


def _refused(kiosk: Kiosk, url: str, pattern: str) -> SyncError:
    before = kiosk.snapshot()
    with pytest.raises(SyncError, match=pattern) as info:
        kiosk.sync(url)
    assert kiosk.snapshot() == before, "a refused sync must leave the store unchanged"
    message = str(info.value)
    assert message.startswith("同步失败") or "\n" not in message
    return info.value


# -- attacks ---------------------------------------------------------------------------------
def test_tampered_batch(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "tamper")
    _refused(synced, server.url, r"批次 2与签名记录的长度或哈希不符")


def test_tampered_metadata(synced: Kiosk, server: FeedServer) -> None:
    def edit(data: bytes) -> bytes:  # a well-formed edit of the signed part: signature breaks
        md = json.loads(data)
        md["signed"]["expires"] = "2099-01-01T00:00:00Z"
        return json.dumps(md).encode()

    server.fault("timestamp.json", "tamper", arg=edit)
    _refused(synced, server.url, r"元数据签名无效")


def test_garbled_metadata(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".snapshot.json", "tamper")
    _refused(synced, server.url, r"元数据")


def test_wrong_signing_key(
    kiosk: Kiosk, tmp_path: Path, server: FeedServer, portal: Portal
) -> None:
    # an impostor with its own keys publishes a feed at the portal's address
    impostor = tmp_path / "impostor-keys"
    init_keys(impostor)
    source = tmp_path / "evil.jsonl"
    source.write_text(json.dumps(doc("evil"), ensure_ascii=False) + "\n", encoding="utf-8")
    publish(source, portal.feed, impostor)
    _refused(kiosk, server.url, r"签名无效")
    assert kiosk.doc("doc-evil") is None


def test_wrong_key_after_install(synced: Kiosk, portal: Portal, tmp_path: Path) -> None:
    # the right root is installed, then someone re-signs the timestamp with a key of their own
    other = tmp_path / "other"
    init_keys(other)
    shutil.copy(other / "timestamp.key", portal.keys / "timestamp.key")
    with pytest.raises(SyncError, match="与根元数据不符"):  # the publisher itself notices
        portal.publish([doc(99)])


def test_rollback_to_older_metadata(
    portal: Portal, kiosk: Kiosk, server: FeedServer, tmp_path: Path
) -> None:
    portal.publish([doc(1)])
    old_copy = tmp_path / "old-feed"
    shutil.copytree(portal.feed, old_copy)
    portal.publish([doc(2)])
    kiosk.sync(server.url)
    replay = FeedServer(old_copy)  # an attacker (or a stale mirror) replays the older feed
    try:
        _refused(kiosk, replay.url, r"版本不对.*回滚")
    finally:
        replay.close()


def test_expired_timestamp_freeze(portal: Portal, kiosk: Kiosk, server: FeedServer) -> None:
    portal.publish([doc(1)], expires_days=-1)
    _refused(kiosk, server.url, r"已过期.*冻结")
    assert kiosk.doc("doc-1") is None


def test_mix_and_match_targets(synced: Kiosk, server: FeedServer) -> None:
    # snapshot v2 names targets v2; the server answers with targets v1
    server.fault("/2.targets.json", "substitute", arg="metadata/1.targets.json")
    _refused(synced, server.url, r"版本不对.*混搭|长度或哈希不符")


def test_mix_and_match_batch_from_elsewhere(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "substitute", arg="targets/batches/*.000001.jsonl.gz")
    # refused either way: by its hash, or — when this platform's zlib made the other batch the
    # longer one — by the signed length before the hash is even checked
    _refused(synced, server.url, r"批次 2(与签名记录的长度或哈希不符|超过允许的大小)")


def test_endless_metadata(synced: Kiosk, server: FeedServer) -> None:
    server.fault("timestamp.json", "endless")
    _refused(synced, server.url, r"超过允许的大小")


def test_oversized_batch(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "endless")
    _refused(synced, server.url, r"批次 2超过允许的大小")


def test_truncated_download(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "short")  # a short but "complete" response
    _refused(synced, server.url, r"长度或哈希不符")


def test_connection_cut_mid_body_every_time(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "truncate")
    _refused(synced, server.url, r"无法下载批次 2.*连接被中断")


# -- network faults ----------------------------------------------------------------------------
def test_connection_refused(kiosk: Kiosk, portal: Portal, server: FeedServer) -> None:
    portal.publish([doc(1)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    _refused(kiosk, f"http://127.0.0.1:{port}", r"无法下载.*网络不通")


def test_reset_mid_body_is_retried(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "reset", times=1)
    assert synced.sync(server.url).batches == [2]


def test_large_download_resumes_where_it_broke_off(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    (portal.work / "big.bin").write_bytes(os.urandom(1_500_000))
    portal.publish([doc(1, attachments=[{"name": "big.bin", "path": "big.bin"}])])
    server.fault("/blobs/", "reset", times=1)
    result = kiosk.sync(server.url)
    assert result.attachments_fetched == 1
    assert server.ranges and server.ranges[0] != "bytes=0-", "resumed with a Range request"


def test_reset_every_time(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "reset")
    _refused(synced, server.url, r"无法下载批次 2")


def test_slow_server_times_out(synced: Kiosk, server: FeedServer) -> None:
    server.fault("timestamp.json", "stall", arg=1.5)
    _refused(synced, server.url, r"超时")


def test_trickling_server_is_cut_off(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "trickle", arg=0.4)
    before = synced.snapshot()
    config = SyncConfig(fetcher=FetcherConfig(read_timeout=1, max_seconds=1, retries=0))
    with pytest.raises(SyncError, match=r"超时"):
        synced.sync(server.url, config=config)
    assert synced.snapshot() == before


def test_http_500_is_retried_then_reported(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "status", arg=500)
    _refused(synced, server.url, r"HTTP 500")
    assert server.count(".000002.jsonl.gz") == 3  # one try and two retries


def test_http_503_once_then_fine(synced: Kiosk, server: FeedServer) -> None:
    server.fault("timestamp.json", "status", times=1, arg=503)
    assert synced.sync(server.url).batches == [2]


def test_http_404(synced: Kiosk, server: FeedServer) -> None:
    server.fault(".000002.jsonl.gz", "status", arg=404)
    _refused(synced, server.url, r"HTTP 404")
    assert server.count(".000002.jsonl.gz") == 1  # a 404 is not retried


def test_a_failed_sync_is_recorded_and_the_next_one_recovers(
    synced: Kiosk, server: FeedServer
) -> None:
    server.fault(".000002.jsonl.gz", "status", times=3, arg=500)
    with pytest.raises(SyncError):
        synced.sync(server.url)
    assert synced.store.get_setting(SETTING_LAST_BATCH) == 1
    assert synced.sync(server.url).batches == [2]
    assert synced.store.get_setting("sync.last_error") is None
