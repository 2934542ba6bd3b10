"""A real X server (Xvfb) with no window manager, and reading window geometry off it (xwininfo)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Geometry", "have_x_tools", "wait_for_window", "window_geometry", "xvfb"]


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int
    viewable: bool


@contextmanager
def xvfb(width: int, height: int) -> Iterator[str]:
    """Start Xvfb on a free display; yield its DISPLAY value (``:N``)."""
    read, write = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


_TREE_LINE = re.compile(r"^\s*(0x[0-9a-f]+) .*\(\"[^\"]*\" \"(?P<cls>[^\"]*)\"\)")


def window_geometry(display: str, wm_class: str) -> Geometry | None:
    """The geometry of the top-level window whose WM_CLASS class is ``wm_class``, as X has it."""
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(
        ["xwininfo", "-root", "-children"], env=env, capture_output=True, text=True, timeout=10
    ).stdout
    for line in tree.splitlines():
        match = _TREE_LINE.match(line)
        if match and match["cls"] == wm_class:
            info = subprocess.run(
                ["xwininfo", "-id", match[1]], env=env, capture_output=True, text=True, timeout=10
            ).stdout
            field = dict(
                (k.strip(), v.strip())
                for k, _, v in (ln.partition(":") for ln in info.splitlines())
            )
            return Geometry(
                x=int(field["Absolute upper-left X"]),
                y=int(field["Absolute upper-left Y"]),
                width=int(field["Width"]),
                height=int(field["Height"]),
                viewable=field.get("Map State") == "IsViewable",
            )
    return None


def wait_for_window(
    display: str,
    wm_class: str,
    until: Callable[[Geometry], bool],
    timeout: float,
    alive: Callable[[], bool] = lambda: True,
) -> Geometry | None:
    """Poll until the window's geometry satisfies ``until`` (while ``alive()``); return the last
    one seen."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline and alive():
        seen = window_geometry(display, wm_class)
        if seen is not None and until(seen):
            return seen
        time.sleep(0.25)
    return seen


def have_x_tools() -> str | None:
    """Why the X tests cannot run here, or None (scripts/setup installs both)."""
    missing = [tool for tool in ("Xvfb", "xwininfo") if shutil.which(tool) is None]
    return (
        f"{' and '.join(missing)} not installed (scripts/setup installs xvfb x11-utils)"
        if missing
        else None
    )
