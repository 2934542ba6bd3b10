"""Cold start of the kiosk UI to a usable Home screen, and typing latency during searches.

Each run is a fresh Python process doing what ``kiosk run`` does (open the data dir, check the
index, build and show the window), timed from just before the process is spawned:

- ``home``: the Home screen has been painted and the event loop turns (a tap would be handled);
- ``ready``: the search engine and its pinyin vocabulary are open, Home's lists are filled.

Then, in the last run, 200 searches are queued on the worker pool and run back to back on the worker pool while the on-screen keyboard
is typed on; the longest stall of the UI thread and the per-key latency are reported.

    .venv/bin/python bench/ui_startup.py [--runs 5] [--data-dir D] [--xvfb]

The data dir gets the demo content first (not timed: that happens once per kiosk). Without
``--xvfb`` the offscreen platform is used; with it, a real X server (xvfb-run) draws the window.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(data_dir: Path, spawned_at: float, responsiveness: bool) -> None:
    sys.path.insert(0, str(ROOT))
    marks: dict[str, float] = {"imports_start": time.time() - spawned_at}
    import ui  # noqa: F401
    from kiosk.app import KioskContext
    from ui.app import create_application, start_kiosk

    context = KioskContext(data_dir)
    context.ensure_content()
    context.reconcile_index()
    app = create_application()
    marks["app"] = time.time() - spawned_at
    window = start_kiosk(context, windowed=True)  # what run_kiosk does before app.exec()
    window.resize(1920, 1080)
    from PySide6.QtCore import QTimer

    result: dict[str, object] = {"marks": marks}

    def painted() -> None:
        marks["home"] = time.time() - spawned_at

    def ready() -> None:
        marks["ready"] = time.time() - spawned_at
        if responsiveness:
            QTimer.singleShot(0, lambda: measure(window, result, app))
        else:
            app.quit()

    QTimer.singleShot(0, painted)
    window.services.engine_ready.connect(lambda: QTimer.singleShot(0, ready))
    app.exec()
    print(json.dumps(result))


def measure(window: object, result: dict[str, object], app: object) -> None:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer

    services = window.services  # type: ignore[attr-defined]
    keyboard = window.keyboard  # type: ignore[attr-defined]
    home = window.screens["home"]  # type: ignore[attr-defined]
    home.search_box.setFocus()
    base = [
        "低保 申请 材料",
        "最低生活保障 标准",
        "医疗 救助 报销",
        "危房 改造 补助",
        "dibao shenqing",
    ]
    # distinct texts, so the engine's result cache never answers
    queries = [f"{q} {year}年" for year in range(1985, 2025) for q in base]
    pending = {"n": len(queries)}
    for i, query in enumerate(queries):  # distinct channels: none is dropped as stale
        services.search(
            query, {}, lambda _r: pending.__setitem__("n", pending["n"] - 1), channel=f"bench{i}"
        )
    gaps: list[float] = []
    keys: list[float] = []
    tick = QElapsedTimer()
    tick.start()
    timer = QTimer()
    timer.setInterval(5)

    def on_tick() -> None:
        gaps.append(tick.restart())

    timer.timeout.connect(on_tick)
    timer.start()
    letters = iter("dibaoshenqingcailiao" * 3)

    def type_next() -> None:
        letter = next(letters, None)
        if letter is None:
            timer.stop()
            result["typing"] = {
                "searches_done": len(queries) - pending["n"],
                "searches_queued": len(queries),
                "keys": len(keys),
                "key_ms_median": round(statistics.median(keys), 2) if keys else None,
                "key_ms_max": round(max(keys), 2) if keys else None,
                "loop_stall_ms_max": max(gaps) if gaps else None,
            }
            services.runner.wait(30_000)
            app.quit()  # type: ignore[attr-defined]
            return
        clock = QElapsedTimer()
        clock.start()
        if letter in "aeiou" and len(keyboard.composition) > 6:
            keyboard.space()
        keyboard.type_char(letter)
        QCoreApplication.processEvents()
        keys.append(clock.nsecsElapsed() / 1e6)
        QTimer.singleShot(30, type_next)

    QTimer.singleShot(0, type_next)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--xvfb", action="store_true", help="draw on a real X server (xvfb-run)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--responsiveness", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.spawned_at, args.responsiveness)
        return

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kiosk-bench-")) / "data"
    prepare = [
        sys.executable,
        "-c",
        "import sys; sys.path.insert(0, sys.argv[1]); from kiosk.app import KioskContext; c = KioskContext(__import__('pathlib').Path(sys.argv[2])); c.ensure_content(); c.reconcile_index()",
        str(ROOT),
        str(data_dir),
    ]
    subprocess.run(prepare, check=True, capture_output=True)
    env = dict(os.environ)
    if args.xvfb:
        env.pop("QT_QPA_PLATFORM", None)
        prefix = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24"]
        if shutil.which("xvfb-run") is None:
            sys.exit("xvfb-run not found (apt install xvfb xauth)")
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
        prefix = []
    runs = []
    for i in range(args.runs):
        last = i == args.runs - 1
        spawned = time.time()
        command = [
            *prefix,
            sys.executable,
            __file__,
            "--child",
            str(data_dir),
            "--spawned-at",
            str(spawned),
        ]
        if last:
            command.append("--responsiveness")
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    homes = [r["marks"]["home"] for r in runs]
    readies = [r["marks"]["ready"] for r in runs]
    platform = "xvfb (xcb)" if args.xvfb else "offscreen"
    print(f"platform: {platform}; runs: {args.runs}; data dir: {data_dir}")
    print(
        f"cold start → Home painted:  median {statistics.median(homes):.2f} s  (runs: {', '.join(f'{h:.2f}' for h in homes)})"
    )
    print(
        f"cold start → search ready:  median {statistics.median(readies):.2f} s  (runs: {', '.join(f'{r:.2f}' for r in readies)})"
    )
    typing = runs[-1].get("typing")
    if typing:
        print(
            f"typing while searches run ({typing['searches_done']} of {typing['searches_queued']} "
            f"queued searches finished meanwhile): {typing['keys']} keys, "
            f"per key median {typing['key_ms_median']} ms, max {typing['key_ms_max']} ms; "
            f"longest UI-thread stall {typing['loop_stall_ms_max']} ms"
        )


if __name__ == "__main__":
    main()
