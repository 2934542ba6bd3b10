"""Fixtures of the index tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import KioskContext


@pytest.fixture
def context(demo_copy: Path) -> Iterator[KioskContext]:
    """A kiosk context over a copy of the demo data dir, for tests that write its index."""
    context = KioskContext(demo_copy)
    yield context
    context.close()
