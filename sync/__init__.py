"""Sync: the portal's signed static feed (TUF), published and brought into kiosks.

Portal side: :func:`init_keys`, :func:`publish` (``kiosk keys init``, ``kiosk publish``).
Kiosk side: :class:`Syncer` / :func:`sync_once` (``kiosk sync``), over HTTP(S) or a USB folder,
and the pure schedule functions in :mod:`sync.schedule`. No Qt here: the UI runs these blocking
functions on its worker thread.

The names are loaded on first use, so the kiosk's screen can read its schedule
(:mod:`sync.schedule`) without loading TUF, requests and the feed code at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.client import SyncConfig, Syncer, SyncProgress, SyncResult, sync_once
    from sync.errors import SyncError
    from sync.feed import PublishResult, publish
    from sync.fetchers import FetcherConfig, FileFetcher, RequestsFetcher
    from sync.keys import init_keys, rotate_keys

__all__ = [
    "FetcherConfig",
    "FileFetcher",
    "PublishResult",
    "RequestsFetcher",
    "SyncConfig",
    "SyncError",
    "SyncProgress",
    "SyncResult",
    "Syncer",
    "init_keys",
    "publish",
    "rotate_keys",
    "sync_once",
]

_HOMES = {
    **dict.fromkeys(("SyncConfig", "Syncer", "SyncProgress", "SyncResult", "sync_once"), "client"),
    "SyncError": "errors",
    **dict.fromkeys(("PublishResult", "publish"), "feed"),
    **dict.fromkeys(("FetcherConfig", "FileFetcher", "RequestsFetcher"), "fetchers"),
    **dict.fromkeys(("init_keys", "rotate_keys"), "keys"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sync' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sync.{_HOMES[name]}"), name)
