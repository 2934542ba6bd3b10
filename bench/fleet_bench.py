"""Fleet load benchmark: a year of daily batches served by nginx on 127.0.0.1, polled by kiosks.

Phase 1 (real kiosks): a few real kiosks (python-tuf, SQLite store) sync from nginx: first sync,
idle polls, a poll that brings one new batch. Each poll's requests and bytes are read from nginx's
own access log (bytes sent, headers included), once as the kiosk does it now (cached index,
conditional timestamp request) and once as before issue 16 (index and timestamp fetched whole on
every poll) — the baseline, measured in the same run.

Phase 2 (1,535 simulated kiosks over a sync window): every kiosk's idle poll, replayed with its own
status query and validators from phase 1's request pattern, by a pool of threads against the same
nginx — requests per second, latency, and the server-side bytes. Daily figures assume four polls a
day and one new batch a day, as in the issue.

Usage::

    nice -n 10 .venv/bin/python bench/fleet_bench.py [--days 365] [--kiosks 1535] [--threads 16]

Needs nginx (``apt-get install nginx``); it runs its own instance from a temporary folder (no
root, no system config touched) and stops it at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.store import Store
from sync import init_keys
from sync.client import Syncer
from sync.feed import FeedWriter, publish
from sync.fleet import status_query

_LOG = re.compile(r'"GET (?P<target>\S+) [^"]*" (?P<status>\d{3}) (?P<bytes>\d+)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def nginx(root: Path, work: Path) -> Iterator[tuple[str, Path]]:
    """nginx serving ``root`` on 127.0.0.1; yields its URL and the access log path."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = _free_port()
    log = work / "access.log"
    conf = work / "nginx.conf"
    # $bytes_sent counts headers too: what the server really sends per request
    conf.write_text(f"""
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format fleet '$remote_addr - - [$time_local] "$request" $status $bytes_sent "-" "$http_user_agent"';
    access_log {log} fleet;
    client_body_temp_path {work}/tmp; proxy_temp_path {work}/tmp; fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp; scgi_temp_path {work}/tmp;
    types {{ application/json json; application/gzip gz; }}
    default_type application/octet-stream;
    server {{ listen 127.0.0.1:{port}; root {root}; etag on; }}
}}
""")
    (work / "tmp").mkdir(exist_ok=True)
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(work), "-g", "daemon off;"])
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=0.2)
                break
            except requests.RequestException:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", log
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait(timeout=10)


def _log_since(log: Path, offset: int) -> tuple[list[tuple[str, int, int]], int]:
    data = log.read_bytes()
    rows = [(m["target"], int(m["status"]), int(m["bytes"]))
            for m in _LOG.finditer(data[offset:].decode("utf-8", "replace"))]  # fmt: skip
    return rows, len(data)


def _year_of_batches(folder: Path, days: int) -> Path:
    keys, feed = folder / "keys", folder / "feed"
    init_keys(keys)
    writer = FeedWriter(feed, keys)
    rng = random.Random(16)
    for day in range(days):  # one batch a day, signed once at the end (same index shape)
        ops = [{"op": "upsert", "doc": {
            "id": f"d{day}-{i}", "title": f"关于第{day}天第{i}项政务公开事项的通知",
            "body": "各乡镇人民政府：" + "现将有关事项通知如下。" * rng.randint(5, 40),
            "agency": "某某县人民政府办公室", "published": "2026-01-01"}}
            for i in range(rng.randint(1, 6))]  # fmt: skip
        writer.add_batch(ops)
    import datetime as dt

    writer.commit(dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
    return feed


def _poll(kiosk: dict[str, Any], url: str, *, baseline: bool) -> None:
    if baseline:  # before issue 16: nothing kept between polls but the TUF metadata
        shutil.rmtree(kiosk["dir"] / "tuf" / "http-cache", ignore_errors=True)
        (kiosk["dir"] / "tuf" / "downloads" / "index.json").unlink(missing_ok=True)
    Syncer(kiosk["dir"], kiosk["store"], url, trusted_root=kiosk["root"]).run()


def _cost(rows: list[tuple[str, int, int]]) -> dict[str, Any]:
    return {"requests": len(rows), "bytes": sum(b for _, _, b in rows),
            "files": sorted({t.split("?")[0].rsplit("/", 1)[-1][-28:] for t, _, _ in rows})}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365, help="daily batches in the feed")
    parser.add_argument("--real", type=int, default=3, help="real kiosks in phase 1")
    parser.add_argument("--kiosks", type=int, default=1535, help="simulated kiosks in phase 2")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--polls-per-day", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx's workers run as another user
        started = time.monotonic()
        feed = _year_of_batches(work / "portal", args.days)
        build_s = time.monotonic() - started
        root = work / "portal" / "keys" / "root.json"
        figures: dict[str, Any] = {"days": args.days, "feed_build_s": round(build_s, 1)}
        (work / "nginx").mkdir()
        with nginx(feed, work / "nginx") as (url, log):
            kiosks = []
            for i in range(args.real):
                data = work / f"kiosk-{i}"
                kiosks.append({"dir": data, "store": Store.in_dir(data), "root": root})
            offset = 0
            measured: dict[str, list[dict[str, Any]]] = {}

            def measure(name: str, baseline: bool = False) -> None:
                nonlocal offset
                for kiosk in kiosks:
                    _poll(kiosk, url, baseline=baseline)
                    rows, offset = _log_since(log, offset)
                    measured.setdefault(name, []).append(_cost(rows))

            measure("first sync (new kiosk, a year of batches)")
            measure("idle poll", baseline=False)
            measure("idle poll, before issue 16", baseline=True)
            measure("idle poll", baseline=False)  # validators are back after the baseline poll
            publish_source = work / "today.jsonl"
            publish_source.write_text(json.dumps({"id": "today", "title": "今日新公开的通知",
                                                  "body": "正文。"}, ensure_ascii=False) + "\n")  # fmt: skip
            publish(publish_source, feed, work / "portal" / "keys")
            measure("poll with one new batch")
            for kiosk in kiosks:
                kiosk["store"].close()
            costs = {name: runs[-1] for name, runs in measured.items()}
            figures["per_poll"] = costs

            # phase 2: the fleet's idle polls over a window, from phase 1's request pattern
            etag = requests.head(f"{url}/metadata/timestamp.json", timeout=5).headers.get("ETag")
            root_version = json.loads((feed / "metadata" / "root.json").read_text())["signed"][
                "version"
            ]
            session_local = threading.local()
            latencies: list[float] = []
            lock = threading.Lock()

            def idle(i: int) -> None:
                session = getattr(session_local, "s", None)
                if session is None:
                    session = session_local.s = requests.Session()
                query = status_query(f"{i:016x}", "1.0.0", 1900, args.days + 1, "")
                t0 = time.perf_counter()
                session.get(f"{url}/metadata/{root_version + 1}.root.json", timeout=10)
                session.get(f"{url}/metadata/timestamp.json?{query}", timeout=10,
                            headers={"If-None-Match": etag or ""})  # fmt: skip
                with lock:
                    latencies.append(time.perf_counter() - t0)

            _, offset = _log_since(log, 0)
            t0 = time.monotonic()
            threads = []
            per_thread = [list(range(t, args.kiosks, args.threads)) for t in range(args.threads)]
            for ids in per_thread:
                thread = threading.Thread(target=lambda ids=ids: [idle(i) for i in ids])
                thread.start()
                threads.append(thread)
            for thread in threads:
                thread.join()
            wall = time.monotonic() - t0
            rows, _ = _log_since(log, offset)
            fleet_bytes = sum(b for _, _, b in rows)
            latencies.sort()
            figures["fleet"] = {
                "kiosks": args.kiosks, "threads": args.threads, "wall_s": round(wall, 2),
                "polls_per_s": round(args.kiosks / wall, 1), "requests": len(rows),
                "bytes": fleet_bytes,
                "latency_ms_median": round(statistics.median(latencies) * 1000, 1),
                "latency_ms_p95": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
                "status_304": sum(1 for _, s, _ in rows if s == 304),
            }  # fmt: skip
        polls = args.kiosks * args.polls_per_day
        idle_now = costs["idle poll"]
        idle_then = costs["idle poll, before issue 16"]
        update = costs["poll with one new batch"]

        def day(idle_cost: dict[str, Any]) -> dict[str, float]:
            # one poll a day per kiosk brings the day's batch; the others find nothing new
            reqs = args.kiosks * (
                update["requests"] + (args.polls_per_day - 1) * idle_cost["requests"]
            )
            sent = args.kiosks * (update["bytes"] + (args.polls_per_day - 1) * idle_cost["bytes"])
            return {"requests": reqs, "MB": round(sent / 1e6, 2),
                    "idle_only_MB": round(polls * idle_cost["bytes"] / 1e6, 2)}  # fmt: skip

        figures["per_day"] = {"now": day(idle_now), "before issue 16": day(idle_then)}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    print(f"feed: {args.days} daily batches (built in {build_s:.1f} s), nginx on 127.0.0.1")
    for name, cost in figures["per_poll"].items():
        print(f"  {name:<45} {cost['requests']:>4} requests {cost['bytes']:>10,} bytes")
    fleet = figures["fleet"]
    print(f"fleet: {fleet['kiosks']} idle polls with {fleet['threads']} threads in {fleet['wall_s']} s"
          f" ({fleet['polls_per_s']}/s), {fleet['requests']} requests, {fleet['bytes']:,} bytes,"
          f" {fleet['status_304']} × 304, latency median {fleet['latency_ms_median']} ms,"
          f" p95 {fleet['latency_ms_p95']} ms")  # fmt: skip
    for name, per in figures["per_day"].items():
        print(f"per day ({name}): {per['requests']:,} requests, {per['MB']} MB"
              f" (idle polls alone {per['idle_only_MB']} MB)")  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
