"""The running kiosk syncs itself on the librarian's schedule (ui.autosync): a real feed made with
``kiosk publish``, served over HTTP on 127.0.0.1, pulled by a real ``kiosk sync`` child process
while a villager reads a document."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PySide6.QtCore import QTimer

from kiosk.cli import cli
from kiosk.settings import SyncSettings
from tests.sync.synckit import FeedServer
from tests.ui.helpers import settle
from ui.autosync import AutoSync

pytestmark = pytest.mark.slow

NEW_TITLE = "关于桃源村饮水安全巩固提升工程的公示"


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Path, FeedServer]]:
    """Portal keys and a feed with one new document, published with the real CLI and served."""
    keys, feed = tmp_path / "keys", tmp_path / "feed"
    source = tmp_path / "new.jsonl"
    record = {"id": "new-1", "title": NEW_TITLE, "body": "桃源村饮水工程已完工，现予公示。",
              "agency": "某某县水利局", "published": "2026-11-20", "kind": "notice"}  # fmt: skip
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    runner = CliRunner()
    for args in (
        ["keys", "init", str(keys)],
        ["publish", str(source), str(feed), "--keys", str(keys)],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    server = FeedServer(feed)
    yield keys, server
    server.close()


def _found(window: Any, text: str) -> set[str]:
    found: list[Any] = []
    window.services.search(text, {}, found.append, channel="test-search", limit=20)
    settle(window)
    return {hit.id for hit in found[0].hits}


def test_a_scheduled_sync_lands_new_documents_without_disturbing_a_reader(
    qtbot: Any, window: Any, portal: tuple[Path, FeedServer]
) -> None:
    keys, server = portal
    context = window.services.context
    trusted = context.data_dir / "tuf" / "metadata"
    trusted.mkdir(parents=True, exist_ok=True)
    shutil.copy(keys / "root.json", trusted / "root.json")
    SyncSettings(feed_url=server.url + "/", jitter_minutes=0).save(context.store())
    assert "new-1" not in _found(window, "桃源村饮水")

    window.go("document", doc_id="tx-xd-dibao-biaozhun-2024")  # a villager is reading
    settle(window)
    reading = window.current()
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start(50)

    autosync = AutoSync(context, parent=window)
    try:
        with qtbot.waitSignal(autosync.planned, timeout=5000):
            autosync.start()
        assert autosync.due is not None and autosync.running, "never synced: due now"
        with qtbot.waitSignal(autosync.finished, timeout=120_000) as finished:
            pass
        heartbeat.stop()
        assert finished.args == [True]
        # the screen kept running and nothing moved under the reader
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert ticks and max(gaps) < 2.0, f"the UI thread stalled for {max(gaps):.1f} s"
        assert window.current() is reading and reading.doc.id == "tx-xd-dibao-biaozhun-2024"
        assert "new-1" in _found(window, "桃源村饮水")
        assert server.count("metadata") > 0
        # the next run is planned one interval (6 h) on, and nothing runs before it
        assert not autosync.running
        assert autosync.due is not None
        wait_h = (autosync.due - dt.datetime.now()).total_seconds() / 3600
        assert 5.9 <= wait_h < 6.6
    finally:
        autosync.stop()


def test_without_a_feed_url_nothing_is_planned_or_run(qtbot: Any, window: Any) -> None:
    autosync = AutoSync(window.services.context, parent=window, check_every_s=0.05)
    try:
        autosync.start()
        qtbot.wait(300)
        assert autosync.due is None and not autosync.running
    finally:
        autosync.stop()
