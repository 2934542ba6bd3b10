"""`kiosk run` covers the whole screen of a bare X server (no window manager, as the README
advises), read from the X server itself rather than from Qt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.appliance.xserver import have_x_tools, wait_for_window, xvfb

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(have_x_tools() is not None, reason=str(have_x_tools())),
]


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_kiosk_run_covers_a_bare_x_screen(
    demo_dir: Path, tmp_path: Path, width: int, height: int
) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    with xvfb(width, height) as display:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        output = tmp_path / "kiosk.out"
        with output.open("wb") as out:
            kiosk = subprocess.Popen(
                [sys.executable, "-m", "kiosk", "--data-dir", str(data), "run"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            seen = wait_for_window(
                display,
                "zwgk-kiosk",
                lambda g: g.viewable and (g.width, g.height) == (width, height),
                timeout=120,
                alive=lambda: kiosk.poll() is None,
            )
            log = data / "logs" / "kiosk.log"
            assert kiosk.poll() is None, (
                f"kiosk run exited with {kiosk.returncode}:\n"
                + output.read_text(errors="replace")
                + (log.read_text("utf-8")[-3000:] if log.exists() else "")
            )
        finally:
            kiosk.terminate()
            kiosk.wait(timeout=20)
    assert seen is not None, "the kiosk window never appeared"
    assert seen.viewable
    assert (seen.x, seen.y, seen.width, seen.height) == (0, 0, width, height)
