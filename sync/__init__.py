"""Sync: the portal's signed static feed (TUF), published and brought into kiosks.

Portal side: :func:`init_keys`, :func:`publish` (``kiosk keys init``, ``kiosk publish``).
Kiosk side: :class:`Syncer` / :func:`sync_once` (``kiosk sync``), over HTTP(S) or a USB folder,
and the pure schedule functions in :mod:`sync.schedule`. No Qt here: the UI runs these blocking
functions on its worker thread.
"""

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
