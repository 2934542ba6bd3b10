"""Shared fixtures: real SQLite files and real Whoosh indexes in temporary folders.

The demo content (assets/demo) is imported and indexed once per session; tests that change data
get their own copy of that data dir.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt needs no display in tests (NOTES-qt.md: without this the process aborts on a headless box).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real data dir.
os.environ.pop("KIOSK_DATA_DIR", None)

from kiosk.app import KioskContext


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the bundled demo content, imported and indexed (read-only use)."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    context = KioskContext(data_dir)
    report = context.ensure_content()
    assert report is not None and not report.rejected, report
    context.reconcile_index()
    context.close()
    return data_dir


@pytest.fixture
def demo_copy(demo_dir: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the demo data dir."""
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


@pytest.fixture
def demo_context(demo_dir: Path) -> Iterator[KioskContext]:
    context = KioskContext(demo_dir)
    yield context
    context.close()


@pytest.fixture
def empty_context(tmp_path: Path) -> Iterator[KioskContext]:
    context = KioskContext(tmp_path / "data")
    yield context
    context.close()
