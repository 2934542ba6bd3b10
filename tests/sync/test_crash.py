"""Crash consistency: ``kiosk sync`` SIGKILLed at random points never leaves a half-applied batch,
and a rerun completes with every document present exactly once and the index agreeing.

Runs the real CLI in a subprocess against a real HTTP server. ``bench/sync_bench.py --crash N``
runs the same loop for longer.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import VISIBLE, Store
from sync.keys import init_keys
from tests.sync.synckit import FeedServer, Portal, doc

REPO = Path(__file__).resolve().parents[2]
BATCHES, PER_BATCH = 8, 100
KILLS_PER_KIOSK, KIOSKS = 4, 5  # 20 kills in all


def _ids(batch: int) -> set[str]:
    return {f"doc-{batch}-{i}" for i in range(PER_BATCH)}


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeedServer, Path]]:
    base = tmp_path_factory.mktemp("crash-portal")
    portal = Portal(keys=base / "keys", feed=base / "feed", work=base)
    init_keys(portal.keys)
    for b in range(1, BATCHES + 1):
        records = [doc(f"{b}-{i}") for i in range(PER_BATCH)]
        if b % 3 == 0:
            (base / f"att-{b}.bin").write_bytes(os.urandom(50_000))
            records[0]["attachments"] = [{"name": "附件.bin", "path": f"att-{b}.bin"}]
        portal.publish(records, batch_size=PER_BATCH)
    server = FeedServer(portal.feed)
    yield server, portal.keys / "root.json"
    server.close()


def _command(data_dir: Path, url: str, root: Path) -> list[str]:
    return [sys.executable, "-m", "kiosk", "--data-dir", str(data_dir), "sync", "--once",
            "--from", url, "--trusted-root", str(root)]  # fmt: skip


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _check_whole_batches(data_dir: Path) -> int:
    """The store holds exactly the documents of batches 1..last: no batch is half there."""
    store = Store.in_dir(data_dir)
    try:
        assert store.check() == []
        last = int(store.get_setting("sync.last_batch", 0) or 0)
        ids = store.document_ids()
        expected = set().union(*(_ids(b) for b in range(1, last + 1)))
        assert ids == expected, f"batch {last + 1} half applied"
        return last
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun(feed: tuple[FeedServer, Path], tmp_path: Path) -> None:
    server, root = feed
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20240301")))
    calibrate = tmp_path / "calibrate"
    started = time.monotonic()
    done = subprocess.run(_command(calibrate, server.url, root), env=_env(), cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    full = time.monotonic() - started
    assert _check_whole_batches(calibrate) == BATCHES

    kills, landed = 0, set()
    for k in range(KIOSKS):
        data_dir = tmp_path / f"kiosk-{k}"
        for _ in range(KILLS_PER_KIOSK):
            proc = subprocess.Popen(_command(data_dir, server.url, root), env=_env(), cwd=REPO,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(rng.uniform(0.3, full))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            kills += 1
            landed.add(_check_whole_batches(data_dir))
        done = subprocess.run(_command(data_dir, server.url, root), env=_env(), cwd=REPO,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        _check_complete(data_dir)
    assert kills >= 20
    print(
        f"crash test: {kills} kills, full sync {full:.1f}s, stopped after batches {sorted(landed)}"
    )


def _check_complete(data_dir: Path) -> None:
    from index import SearchIndex

    assert _check_whole_batches(data_dir) == BATCHES
    store = Store.in_dir(data_dir)
    try:
        assert len(store.document_ids()) == BATCHES * PER_BATCH
        assert store.document_ids() == store.document_ids(VISIBLE)
        status = SearchIndex(data_dir / "index").status(store)
        assert status.healthy, status
        present = [p.name for p in (data_dir / "blobs").iterdir() if not p.name.startswith(".")]
        assert len(present) == BATCHES // 3
        assert (
            json.loads(json.dumps(store.get_setting("sync.last_result")))["last_batch"] == BATCHES
        )
    finally:
        store.close()
