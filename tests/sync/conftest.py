"""Fixtures for sync tests (the kit itself lives in ``synckit.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import Store
from tests.sync.synckit import FeedServer, Kiosk, Portal


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    return Portal.create(tmp_path)


@pytest.fixture
def server(portal: Portal) -> Iterator[FeedServer]:
    portal.feed.mkdir(parents=True, exist_ok=True)
    srv = FeedServer(portal.feed)
    yield srv
    srv.close()


@pytest.fixture
def kiosk(tmp_path: Path, portal: Portal) -> Iterator[Kiosk]:
    data_dir = tmp_path / "kiosk-data"
    store = Store.in_dir(data_dir)
    yield Kiosk(data_dir, store, portal.keys / "root.json")
    store.close()
