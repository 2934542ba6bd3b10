"""A Whoosh reader's segments, and the files derived from each kept beside the index.

Dense posting lists (index/dense.py) and facet column codes (index/columns.py) are written once
per segment, in files named by the segment's unique id: a segment never changes (deletions are
kept apart), and one that a merge has absorbed takes its files with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["leaves", "write_per_segment"]


def leaves(reader: Any) -> list[Any]:
    """The per-segment readers of ``reader`` (itself when it reads one segment)."""
    return [reader] if reader.is_atomic() else [leaf for leaf, _offset in reader.leaf_readers()]


def write_per_segment(
    ix: Any,
    index_dir: Path,
    prefix: str,
    done: Callable[[str], bool],
    write: Callable[[Any, str], None],
) -> int:
    """``write(leaf, segment_id)`` for each segment of ``ix`` that is not ``done``; then remove
    the files ``<prefix><segment id>.*`` of segments that are gone. Returns how many were written."""
    written = 0
    keep: set[str] = set()
    with ix.reader() as reader:
        for leaf in leaves(reader):
            segment_id = leaf.segment().segment_id()
            keep.add(segment_id)
            if not done(segment_id):
                write(leaf, segment_id)
                written += 1
    for path in index_dir.glob(f"{prefix}*"):
        if path.name.removeprefix(prefix).split(".")[0] not in keep:
            path.unlink(missing_ok=True)
    return written
