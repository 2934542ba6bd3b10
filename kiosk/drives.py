"""Removable drives (USB sticks) that are mounted and writable, as lsblk reports them.

Exports of the usage statistics go only to a drive the librarian picks from this list — never to
whatever folder happens to be writable under /mnt (a network share, the system disk).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Drive", "LsblkRunner", "parse_lsblk", "removable_drives"]

log = logging.getLogger(__name__)

_COLUMNS = "NAME,RM,HOTPLUG,MOUNTPOINTS,LABEL,SIZE"

#: ``runner()`` returns lsblk's JSON output (tests hand in a fixed one: the stick is outside
#: the machine).
LsblkRunner = Callable[[], str]


@dataclass(frozen=True)
class Drive:
    """A mounted removable drive."""

    name: str
    label: str
    size: str
    mountpoint: Path

    def describe(self) -> str:
        """How the librarian sees it: ``U 盘 KINGSTON（29.3G）``."""
        title = self.label or self.name
        return f"U 盘 {title}（{self.size}）" if self.size else f"U 盘 {title}"


def _run_lsblk() -> str:
    lsblk = shutil.which("lsblk")
    if lsblk is None:
        return ""
    try:
        done = subprocess.run(
            [lsblk, "--json", "--bytes", "-o", _COLUMNS],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("lsblk failed: %s", e)
        return ""
    if done.returncode != 0:
        log.warning("lsblk failed: %s", done.stderr.strip())
        return ""
    return done.stdout


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true")


def _size(value: Any) -> str:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return str(value or "")
    for unit in ("B", "K", "M", "G", "T"):
        if size < 1024 or unit == "T":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024  # type: ignore[assignment]
    return ""


def parse_lsblk(output: str) -> list[Drive]:
    """The mounted filesystems on removable or hot-plugged devices in lsblk's JSON."""
    try:
        devices = json.loads(output).get("blockdevices", []) if output.strip() else []
    except (json.JSONDecodeError, AttributeError):
        log.warning("lsblk printed something that is not JSON")
        return []
    drives: list[Drive] = []

    def walk(nodes: Iterable[dict[str, Any]], removable: bool) -> None:
        for node in nodes:
            here = removable or _flag(node.get("rm")) or _flag(node.get("hotplug"))
            points = node.get("mountpoints") or [node.get("mountpoint")]
            for point in points:
                if here and point and point != "[SWAP]":
                    drives.append(
                        Drive(
                            name=str(node.get("name", "")),
                            label=str(node.get("label") or ""),
                            size=_size(node.get("size")),
                            mountpoint=Path(point),
                        )
                    )
            walk(node.get("children") or [], here)

    walk(devices, False)
    return drives


def removable_drives(runner: LsblkRunner | None = None) -> list[Drive]:
    """Removable drives that are mounted and writable now."""
    drives = parse_lsblk((runner or _run_lsblk)())
    return [d for d in drives if d.mountpoint.is_dir() and os.access(d.mountpoint, os.W_OK)]
