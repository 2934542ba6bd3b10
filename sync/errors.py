"""The sync package's one exception. Foreign errors (TUF, requests, OS) are wrapped at the boundary."""

from __future__ import annotations

from kiosk.errors import KioskError

__all__ = ["SyncError"]


class SyncError(KioskError):
    """A sync or publish that could not complete: bad feed, network down, wrong keys, disk full.

    The message is one calm sentence for a librarian, Chinese first, naming the problem. The store is
    unchanged by the failed step (each batch is applied whole or not at all).
    """
