"""``kiosk keys init``, ``kiosk publish`` and ``kiosk sync`` through the real ``kiosk`` CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import cli
from kiosk.settings import SyncSettings
from kiosk.store import Store
from tests.sync.synckit import FeedServer, doc


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_keys_publish_sync_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    keys, feed, data = tmp_path / "keys", tmp_path / "feed", tmp_path / "data"
    result = runner.invoke(cli, ["keys", "init", str(keys)])
    assert result.exit_code == 0, result.output
    assert (keys / "root.json").exists() and (keys / "timestamp.key").stat().st_mode & 0o077 == 0
    again = runner.invoke(cli, ["keys", "init", str(keys)])
    assert again.exit_code != 0 and "已有密钥" in again.output

    source = _write(tmp_path / "docs.jsonl", [doc(1), doc(2), doc("spam", title="365体育投注官网")])
    result = runner.invoke(cli, ["publish", str(source), str(feed), "--keys", str(keys)])
    assert result.exit_code == 0, result.output
    assert "已发布批次 1" in result.output and "已拦截" in result.output

    server = FeedServer(feed)
    try:
        args = ["--data-dir", str(data), "sync", "--from", server.url]
        result = runner.invoke(cli, [*args, "--trusted-root", str(keys / "root.json")])
        assert result.exit_code == 0, result.output
        assert "新增 2" in result.output
        # the trusted root is now kept by the kiosk; the index followed the store
        result = runner.invoke(cli, args)
        assert result.exit_code == 0 and "已是最新" in result.output
        found = runner.invoke(cli, ["--data-dir", str(data), "search", "低保资金", "--json"])
        assert found.exit_code == 0, found.output
        assert {r["id"] for r in json.loads(found.output)} >= {"doc-1", "doc-2"}

        # a failure: exit non-zero with one sentence
        server.fault("timestamp.json", "tamper")
        result = runner.invoke(cli, args)
        assert result.exit_code != 0
        message = result.output.strip().splitlines()[-1]
        assert message.startswith("Error: 同步失败") and "元数据" in message
    finally:
        server.close()


def test_sync_uses_the_configured_feed_url(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(cli, ["--data-dir", str(data), "sync"])
    assert result.exit_code != 0 and "未设置更新源" in result.output
    keys, feed = tmp_path / "keys", tmp_path / "feed"
    runner.invoke(cli, ["keys", "init", str(keys)])
    runner.invoke(cli, ["publish", str(_write(tmp_path / "a.jsonl", [doc(1)])), str(feed),
                        "--keys", str(keys), "--expires", "90"])  # fmt: skip
    store = Store.in_dir(data)
    store.set_setting("sync.feed_url", str(feed))
    store.close()
    result = runner.invoke(
        cli, ["--data-dir", str(data), "sync", "--once", "--trusted-root", str(keys / "root.json")]
    )
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output


def test_sync_from_a_folder_runs_once_and_returns(tmp_path: Path) -> None:
    # a librarian types this with a USB stick in: it must come back, not wait for the schedule
    keys, feed, data = tmp_path / "keys", tmp_path / "feed", tmp_path / "data"
    runner = CliRunner()
    runner.invoke(cli, ["keys", "init", str(keys)])
    runner.invoke(cli, ["publish", str(_write(tmp_path / "a.jsonl", [doc(1)])), str(feed),
                        "--keys", str(keys), "--expires", "90"])  # fmt: skip
    command = [sys.executable, "-m", "kiosk", "--data-dir", str(data), "sync", "--from", str(feed)]
    done = subprocess.run(
        [*command, "--trusted-root", str(keys / "root.json")],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "新增 1" in done.stdout


def test_sync_goes_through_the_librarians_proxy(runner: CliRunner, tmp_path: Path) -> None:
    keys, feed, data = tmp_path / "keys", tmp_path / "feed", tmp_path / "data"
    runner.invoke(cli, ["keys", "init", str(keys)])
    runner.invoke(cli, ["publish", str(_write(tmp_path / "a.jsonl", [doc(1)])), str(feed),
                        "--keys", str(keys)])  # fmt: skip
    proxy = FeedServer(feed)  # answers absolute-form requests the way a forward proxy does
    try:
        store = Store.in_dir(data)
        SyncSettings(feed_url="http://portal.invalid/", proxy=proxy.url).save(store)
        store.close()
        args = ["--data-dir", str(data), "sync", "--trusted-root", str(keys / "root.json")]
        result = runner.invoke(cli, args)
    finally:
        proxy.close()
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output
    assert proxy.proxied_hosts == {"portal.invalid"}


def test_publish_base_and_nothing_new(runner: CliRunner, tmp_path: Path) -> None:
    keys, feed = tmp_path / "keys", tmp_path / "feed"
    runner.invoke(cli, ["keys", "init", str(keys)])
    source = _write(tmp_path / "a.jsonl", [doc(1)])
    empty = _write(tmp_path / "empty.jsonl", [])
    assert (
        runner.invoke(cli, ["publish", str(source), str(feed), "--keys", str(keys)]).exit_code == 0
    )
    result = runner.invoke(cli, ["publish", str(empty), str(feed), "--keys", str(keys)])
    assert result.exit_code == 0 and "没有新内容" in result.output
    result = runner.invoke(cli, ["publish", str(empty), str(feed), "--keys", str(keys), "--base"])
    assert result.exit_code == 0 and "完整快照批次 2" in result.output
    # the current index is the one the signed targets metadata names (older ones stay on disk)
    targets = json.loads((feed / "metadata" / "targets.json").read_text())
    sha = targets["signed"]["targets"]["batches.json"]["hashes"]["sha256"]
    index = json.loads((feed / "targets" / f"{sha}.batches.json").read_text())
    assert (index["base"], index["latest"], [b["n"] for b in index["batches"]]) == (2, 2, [2])


def test_publish_with_wrong_keys_dir(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "nokeys").mkdir()
    source = _write(tmp_path / "a.jsonl", [doc(1)])
    result = runner.invoke(cli, ["publish", str(source), str(tmp_path / "feed"), "--keys",
                                 str(tmp_path / "nokeys")])  # fmt: skip
    assert result.exit_code != 0 and "kiosk keys init" in result.output


def test_keys_rotate(runner: CliRunner, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    runner.invoke(cli, ["keys", "init", str(keys)])
    result = runner.invoke(cli, ["keys", "rotate", str(keys), "--role", "timestamp"])
    assert result.exit_code == 0, result.output
    assert (keys / "root_history" / "2.root.json").exists()
