"""Cold start of the kiosk UI to a usable Home screen, and typing latency while searches run.

Each run is a fresh Python process doing what ``kiosk run`` does (open the data dir, check the
index, build and show the window), timed from just before the process is spawned:

- ``home``: the Home screen has been painted and the event loop turns (a tap would be handled);
- ``filled``: Home's latest list and tile counts are shown;
- ``ready``: the search worker process has its engine and pinyin vocabulary open.

Then, in the last run: Home's box is tapped (the keyboard comes up: timed on its own); 200
searches are queued (distinct channels, so none supersedes another) while the on-screen keyboard
is typed on; then 36 characters are typed into the results screen's box, each starting a search
at once (as-you-type, worst case). Reported: per-key handling time, the longest stall of the UI
thread (a 5 ms timer's longest gap), how many searches reached the worker and how many answers
the results screen showed (the work per key depends on it: a slow worker supersedes more).

    .venv/bin/python bench/ui_startup.py [--runs 5] [--data-dir D] [--xvfb] [--profile]

The data dir gets the demo content first if it is empty (not timed: that happens once per
kiosk). Without ``--xvfb`` the offscreen platform is used; with it, a real X server (xvfb-run)
draws the window. ``--profile`` prints a cProfile of the first run up to Home painted.
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
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child(data_dir: Path, spawned_at: float, responsiveness: bool, profile: bool) -> None:
    sys.path.insert(0, str(ROOT))
    marks: dict[str, float] = {"imports_start": time.time() - spawned_at}
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    import ui  # noqa: F401
    from kiosk.app import KioskContext
    from ui.app import create_application, start_kiosk

    marks["imports"] = time.time() - spawned_at
    context = KioskContext(data_dir)
    context.ensure_content()  # what `kiosk run` does before the window (_prepare)
    marks["reconciled"] = time.time() - spawned_at
    app = create_application()
    marks["app"] = time.time() - spawned_at
    window = start_kiosk(context, windowed=True)  # what run_kiosk does before app.exec()
    window.resize(1920, 1080)
    window.services.counting = False  # a benchmark is not a villager: leave the usage counts alone
    marks["window"] = time.time() - spawned_at
    from PySide6.QtCore import QTimer

    result: dict[str, object] = {"marks": marks}
    home = window.screens["home"]
    waiting = {"ready", "filled"}

    def painted() -> None:
        marks["home"] = time.time() - spawned_at
        result["home_cpu"] = time.process_time()  # this process's own CPU seconds until then
        if profiler is not None:
            profiler.disable()
            result["profile"] = _profile_summary(profiler)

    def step(name: str) -> None:
        if name not in waiting:
            return
        waiting.discard(name)
        marks[name] = time.time() - spawned_at
        if waiting:
            return
        if responsiveness:
            QTimer.singleShot(0, lambda: measure(window, result, app))
        else:
            app.quit()

    def check_filled() -> None:
        data = home.data  # type: ignore[attr-defined]
        if data is not None and data.latest and data.category_counts is not None:
            step("filled")
        else:
            QTimer.singleShot(5, check_filled)

    QTimer.singleShot(0, painted)
    QTimer.singleShot(0, check_filled)
    window.services.engine_ready.connect(lambda: QTimer.singleShot(0, lambda: step("ready")))
    app.exec()
    print(json.dumps(result))


def _profile_summary(profiler: Any, rows: int = 25) -> str:
    import io
    import pstats

    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(rows)
    return out.getvalue()


def measure(window: Any, result: dict[str, object], app: Any) -> None:
    """Type on the on-screen keyboard while 200 searches run, then type into the results box."""
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer

    services = window.services
    keyboard = window.keyboard
    # the same bench runs on the code before the search worker (the baseline of the same run)
    cancel = getattr(services, "cancel", None) or services.runner.cancel
    worker = getattr(services, "worker", None)

    def worker_stats() -> Counter[str]:
        return Counter(worker.stats) if worker is not None else Counter()

    home = window.screens["home"]
    # the tap on the box brings the keyboard up (a layout and a paint of the whole window): timed
    # on its own, so the first key does not carry it
    clock = QElapsedTimer()
    clock.start()
    home.search_box.setFocus()
    QCoreApplication.processEvents()
    QCoreApplication.processEvents()
    result["keyboard_up_ms"] = round(clock.nsecsElapsed() / 1e6, 1)
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
    for i, query in enumerate(queries):  # distinct channels: none supersedes another
        services.search(
            query, {}, lambda _r: pending.__setitem__("n", pending["n"] - 1), channel=f"bench{i}"
        )
    gaps: list[float] = []
    # CPU time the UI thread itself used between two ticks: on a busy shared machine a long gap
    # may be the OS running other processes, not this thread working
    busy: list[float] = []
    cpu = {"last": time.thread_time()}
    keys: list[float] = []
    tick = QElapsedTimer()
    tick.start()
    timer = QTimer()
    timer.setInterval(5)

    def on_tick() -> None:
        gaps.append(tick.restart())
        now = time.thread_time()
        busy.append((now - cpu["last"]) * 1000)
        cpu["last"] = now

    timer.timeout.connect(on_tick)
    timer.start()
    letters = iter("dibaoshenqingcailiao" * 3)

    def key_stats() -> dict[str, object]:
        return {
            "keys": len(keys),
            "key_ms_median": round(statistics.median(keys), 2) if keys else None,
            "key_ms_max": round(max(keys), 2) if keys else None,
            "loop_stall_ms_max": max(gaps) if gaps else None,
            "loop_busy_ms_max": round(max(busy), 1) if busy else None,
        }

    def type_next() -> None:
        letter = next(letters, None)
        if letter is None:
            result["typing"] = {
                "searches_done": len(queries) - pending["n"],
                "searches_queued": len(queries),
                **key_stats(),
            }
            for i in range(len(queries)):
                cancel(f"bench{i}")
            keys.clear()
            gaps.clear()
            busy.clear()
            tick.restart()
            cpu["last"] = time.thread_time()
            QTimer.singleShot(0, as_you_type)
            return
        clock = QElapsedTimer()
        clock.start()
        if letter in "aeiou" and len(keyboard.composition) > 6:
            keyboard.space()
        keyboard.type_char(letter)
        QCoreApplication.processEvents()
        keys.append(clock.nsecsElapsed() / 1e6)
        QTimer.singleShot(30, type_next)

    # as-you-type on the results screen: every key starts a search on the same channel
    words = iter([*"低保申请条件", *"医疗救助", *"危房改造补助标准"] * 2)
    shown: list[str] = []
    before: Counter[str] = Counter()

    answers: list[int] = []

    def as_you_type() -> None:
        if not shown:
            window.go("results", query="", filters={}, submitted=False)
            results = window.screens["results"]
            results.search_box.setFocus()
            shown.append("results")
            before.update(worker_stats())
            show = results._show  # counts the answers the screen had to show

            def counted(found: Any, count: bool) -> None:
                answers.append(1)
                show(found, count)

            results._show = counted
        results = window.screens["results"]
        char = next(words, None)
        if char is None:
            timer.stop()
            stats = worker_stats() - before
            result["as_you_type"] = {
                **key_stats(),
                "worker": worker is not None,
                "searches_sent": stats["sent"],
                "superseded": stats["superseded"],
                "dropped": stats["dropped"],
                "answers_shown": len(answers),
            }
            app.quit()
            return
        clock = QElapsedTimer()
        clock.start()
        results.search_box.insert(char)
        results.run_search()  # as the typing pause would, at once: the worst case
        QCoreApplication.processEvents()
        keys.append(clock.nsecsElapsed() / 1e6)
        QTimer.singleShot(60, as_you_type)

    QTimer.singleShot(0, type_next)


_MARKS = [
    ("imports", "imports done"),
    ("reconciled", "data dir opened (index checked by the search worker)"),
    ("window", "window built and shown"),
    ("home", "Home painted"),
    ("filled", "Home's lists and tile counts filled"),
    ("ready", "search ready"),
]


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
    parser.add_argument(
        "--profile", action="store_true", help="cProfile of the first run up to Home painted"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.spawned_at, args.responsiveness, args.profile)
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
        # a 1920×1080 offscreen screen, so the window is the screen, as on a kiosk's panel (on
        # the default 800×600 one the window's form differed from the screen's and the style
        # was applied twice)
        config = Path(tempfile.mkdtemp(prefix="kiosk-bench-")) / "offscreen.json"
        screen = {"name": "panel", "x": 0, "y": 0, "width": 1920, "height": 1080,
                  "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}  # fmt: skip
        config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
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
        if args.profile and i == 0:
            command.append("--profile")
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    platform = "xvfb (xcb)" if args.xvfb else "offscreen"
    print(f"platform: {platform}; runs: {args.runs}; data dir: {data_dir}")
    for mark, what in _MARKS:
        values = [r["marks"][mark] for r in runs if mark in r["marks"]]
        if values:
            each = ", ".join(f"{v:.2f}" for v in values)
            print(f"cold start → {what}: median {statistics.median(values):.2f} s  (runs: {each})")
    cpu = [float(r["home_cpu"]) for r in runs]
    print(
        f"CPU time of the kiosk process until Home painted: median {statistics.median(cpu):.2f} s"
    )
    if "profile" in runs[0]:
        print("\nprofile of the first run up to Home painted:\n" + str(runs[0]["profile"]))
    if "keyboard_up_ms" in runs[-1]:
        print(f"tap on Home's box → keyboard laid out and painted: {runs[-1]['keyboard_up_ms']} ms")
    typing = runs[-1].get("typing")
    if typing:
        print(
            f"typing while searches run ({typing['searches_done']} of {typing['searches_queued']} "
            f"queued searches finished meanwhile): {typing['keys']} keys, "
            f"per key median {typing['key_ms_median']} ms, max {typing['key_ms_max']} ms; "
            f"longest UI-thread stall {typing['loop_stall_ms_max']} ms "
            f"(of it, UI-thread CPU time at most {typing['loop_busy_ms_max']} ms)"
        )
    typed = runs[-1].get("as_you_type")
    if typed:
        sent = (
            f"{typed['searches_sent']} searches sent to the worker, {typed['superseded']} "
            f"superseded while waiting, {typed['dropped']} stale answers dropped, "
            f"{typed.get('answers_shown', '?')} answers shown; "
            if typed.get("worker")
            else "(no search worker: every search ran on a thread); "
        )
        print(
            f"as-you-type on the results screen: {typed['keys']} keys, each starting a search; "
            f"{sent}per key median {typed['key_ms_median']} ms, max {typed['key_ms_max']} ms; "
            f"longest UI-thread stall {typed['loop_stall_ms_max']} ms (UI-thread CPU time at "
            f"most {typed['loop_busy_ms_max']} ms)"
        )


if __name__ == "__main__":
    main()
