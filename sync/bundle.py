"""USB bundles: a copy of the portal's own published feed, never a branch of it (``kiosk bundle``).

A bundle carries the feed's metadata, batches and blobs as they are, so its batch numbers and
hashes are the portal's history: a kiosk that reads the stick today and the network tomorrow sees
one history. Only the freshness claim differs: the bundle's targets, snapshot and timestamp are
re-signed with an expiry of 30–90 days (a stick lies in a drawer; a short online expiry would make it
useless by the time it arrives), under the version right after the feed's. The feed itself then
steps over that version, so no two files ever carry one version with different content, and a kiosk
that has seen the newer online metadata simply finds the stick older.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from tuf.api.metadata import Metadata, Timestamp

from sync._lock import exclusive_lock
from sync.errors import SyncError
from sync.feed import MAX_EXPIRES_DAYS, FeedWriter

__all__ = ["MAX_BUNDLE_DAYS", "MIN_BUNDLE_DAYS", "BundleResult", "make_bundle"]

MIN_BUNDLE_DAYS = 30
MAX_BUNDLE_DAYS = MAX_EXPIRES_DAYS
_PARTS = ("metadata", "targets", "blobs")


@dataclass(frozen=True)
class BundleResult:
    """What ``make_bundle`` wrote.

    Attributes:
        expires: when a kiosk stops accepting the bundle (UTC).
        latest_batch: the newest batch on the stick.
        content_as_of: when that batch was published (UTC ISO 8601, or empty if unknown).
        timestamp_version: the bundle's timestamp version (the feed's is one higher).
        files_copied: files newly copied to the stick (unchanged ones are kept).
    """

    expires: dt.datetime
    latest_batch: int
    content_as_of: str
    timestamp_version: int
    files_copied: int


def make_bundle(feed: Path, usb_dir: Path, keys_dir: Path, *, days: int = 60) -> BundleResult:
    """Copy the published feed in ``feed`` to ``usb_dir`` and sign its bounded freshness claim.

    Raises:
        SyncError: ``days`` outside 30–90, ``feed`` is not a published feed, the keys do not
            match, or a folder cannot be written.
    """
    if not MIN_BUNDLE_DAYS <= days <= MAX_BUNDLE_DAYS:
        raise SyncError(
            f"U 盘更新包的有效期应为 {MIN_BUNDLE_DAYS}–{MAX_BUNDLE_DAYS} 天，而不是 {days} 天。"
            " (bundle expiry out of range)"
        )
    feed, usb_dir = Path(feed), Path(usb_dir)
    if not (feed / "metadata" / "timestamp.json").is_file():
        raise SyncError(f"{feed} 不是已发布的更新源（没有 metadata/timestamp.json）。 (not a feed)")
    if usb_dir.resolve() == feed.resolve() or feed.resolve() in usb_dir.resolve().parents:
        raise SyncError("U 盘文件夹不能是更新源本身或其中的子文件夹。 (bundle inside the feed)")
    try:
        with exclusive_lock(feed / ".publish.lock", "发布"):
            online_expires = _timestamp_expiry(feed)
            copied = _copy_feed(feed, usb_dir)
            expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)
            bundle = FeedWriter(usb_dir, keys_dir)
            version = bundle.commit(expires)
            # the feed skips the bundle's version (same content, one history, no equal versions)
            FeedWriter(feed, keys_dir).commit(online_expires, step=2)
    except OSError as e:
        raise SyncError(f"无法写入 U 盘更新包 {usb_dir}：{e.strerror or e} (cannot write)") from e
    newest = bundle.index.entry(bundle.index.latest)
    return BundleResult(
        expires=expires,
        latest_batch=bundle.index.latest,
        content_as_of=newest.at if newest else "",
        timestamp_version=version,
        files_copied=copied,
    )


def _timestamp_expiry(feed: Path) -> dt.datetime:
    md = Metadata[Timestamp].from_file(str(feed / "metadata" / "timestamp.json"))
    return md.signed.expires


def _copy_feed(feed: Path, usb_dir: Path) -> int:
    """Copy every file of the feed that the stick lacks or holds with another size."""
    copied = 0
    for part in _PARTS:
        source = feed / part
        if not source.is_dir():
            continue
        for path in sorted(source.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            target = usb_dir / path.relative_to(feed)
            immutable = part != "metadata"  # batches and blobs are named by their hash
            if immutable and target.is_file() and target.stat().st_size == path.stat().st_size:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
            copied += 1
    return copied
