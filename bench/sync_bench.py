"""Sync benchmark: publish 10,000 documents in batches, sync a fresh kiosk over local HTTP.

Reports documents/s applied, bytes transferred, time until searchable, search latency while a
sync runs, and the bytes an update of 100 changed documents costs (must follow the change, not the
corpus). Usage::

    .venv/bin/python bench/sync_bench.py [--docs 10000] [--batch 1000] [--update 100] [--json]
    .venv/bin/python bench/sync_bench.py --crash 100     # SIGKILL crash-consistency loop
    .venv/bin/python bench/sync_bench.py --onto DATA_DIR --batch 1000   # into a big kiosk (a copy)

Everything happens in a temporary folder; nothing outside it is touched (except the data dir
given to ``--onto``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.warmup import Warmer
from kiosk.app import KioskContext
from sync import init_keys, publish, sync_once

_AGENCIES = [
    "某某县民政局",
    "某某县人民政府办公室",
    "某某市财政局",
    "某某镇人民政府",
    "某某县卫生健康委员会",
]
_TOPICS = [
    "城乡最低生活保障",
    "特困人员供养",
    "农村危房改造",
    "医疗救助",
    "临时救助",
    "残疾人两项补贴",
]
_WORDS = "各乡镇人民政府县直有关单位为进一步做好工作现将有关事项通知如下请认真贯彻落实确保资金按时足额发放到户"


def _doc(i: int, rng: random.Random, revision: int = 0) -> dict[str, Any]:
    topic = rng.choice(_TOPICS)
    body = "".join(rng.choice(_WORDS) for _ in range(rng.randint(300, 1500)))
    return {
        "id": f"bench-{i}",
        "title": f"关于做好{2015 + i % 10}年度{topic}工作的通知（第{i}号）"
        + ("（修订）" * revision),
        "body": f"<p>{topic}。</p><p>{body}</p>",
        "agency": rng.choice(_AGENCIES),
        "doc_number": f"某政办〔{2015 + i % 10}〕{i % 300 + 1}号",
        "published": f"{2015 + i % 10}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
        "category": topic,
        "kind": "policy" if i % 3 == 0 else "notice",
    }


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


class _Server:
    def __init__(self, root: Path) -> None:
        handler = partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def run(docs: int, batch: int, update: int) -> dict[str, Any]:
    rng = random.Random(42)
    figures: dict[str, Any] = {"docs": docs, "batch_size": batch}
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        base = Path(tmp)
        keys, feed = base / "keys", base / "feed"
        init_keys(keys)
        source = _write(base / "all.jsonl", [_doc(i, rng) for i in range(docs)])
        figures["source_bytes"] = source.stat().st_size
        t = time.perf_counter()
        published = publish(source, feed, keys, batch_size=batch)
        figures["publish_s"] = round(time.perf_counter() - t, 2)
        figures["batches"] = len(published.batches)
        figures["feed_bytes"] = sum(p.stat().st_size for p in feed.rglob("*") if p.is_file())
        server = _Server(feed)
        try:
            context = KioskContext(base / "kiosk")
            store = context.store()
            t = time.perf_counter()
            result = sync_once(context.data_dir, store, server.url, trusted_root=keys / "root.json")
            synced = time.perf_counter() - t
            t2 = time.perf_counter()
            context.catch_up_index()
            indexed = time.perf_counter() - t2
            figures["sync_s"] = round(synced, 2)
            figures["apply_docs_per_s"] = round(result.added / max(result.seconds, 1e-9))
            figures["first_sync_bytes"] = result.bytes
            # sync_once already ran the catch-up hook only when given one; here it is measured
            figures["index_catch_up_s"] = round(indexed, 2)
            figures["time_until_searchable_s"] = round(synced + indexed, 2)

            # an update of `update` changed documents, with searches running meanwhile
            changed = [
                _doc(i, random.Random(i), revision=1) for i in rng.sample(range(docs), update)
            ]
            upd = publish(_write(base / "update.jsonl", changed), feed, keys, batch_size=batch)
            figures["update_feed_bytes_written"] = upd.bytes_written
            engine = context.engine()
            latencies: list[float] = []
            stop = threading.Event()

            def searcher() -> None:
                queries = [
                    "低保",
                    "特困人员供养",
                    "危房改造 补贴",
                    "某政办〔2019〕12号",
                    "医疗救助",
                ]
                local = random.Random(7)
                while not stop.is_set():
                    query = f"{local.choice(queries)} {local.randint(2015, 2024)}"  # no cache hits
                    q = time.perf_counter()
                    engine.search(query, limit=10)
                    latencies.append(time.perf_counter() - q)
                    time.sleep(0.02)  # a person types, reads, taps

            thread = threading.Thread(target=searcher)
            thread.start()
            t = time.perf_counter()
            update_result = sync_once(
                context.data_dir, store, server.url, on_applied=context.catch_up_index
            )
            figures["update_sync_and_index_s"] = round(time.perf_counter() - t, 2)
            stop.set()
            thread.join()
            figures["update_docs"] = update_result.updated
            figures["update_bytes"] = update_result.bytes
            figures["update_bytes_ratio_to_first"] = round(update_result.bytes / result.bytes, 4)
            if latencies:
                ordered = sorted(latencies)
                figures["search_during_sync_n"] = len(latencies)
                figures["search_during_sync_median_ms"] = round(statistics.median(ordered) * 1e3, 1)
                figures["search_during_sync_p95_ms"] = round(
                    ordered[int(0.95 * (len(ordered) - 1))] * 1e3, 1
                )
            noop = sync_once(context.data_dir, store, server.url)
            figures["noop_sync_bytes"] = noop.bytes
            context.close()
        finally:
            server.close()
    return figures


def onto(data_dir: Path, batch: int) -> dict[str, Any]:
    """One batch of ``batch`` new documents synced into an existing kiosk (``data_dir``, e.g. a
    200,000-document copy: it is written), the way the kiosk does it — ``kiosk sync`` in its own
    process, which applies the batch and brings the index level — while this process searches
    the same data dir as the kiosk's search worker does, and times every answer."""
    import subprocess

    rng = random.Random(43)
    figures: dict[str, Any] = {"batch_size": batch}
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="sync-onto-") as tmp:
        base = Path(tmp)
        keys, feed = base / "keys", base / "feed"
        init_keys(keys)
        context = KioskContext(data_dir)
        engine = context.engine(reconcile=False)
        figures["docs_before"] = engine.document_count()
        first = 10_000_000 + figures["docs_before"]  # new ids however often it is run
        records = [_doc(first + i, rng) for i in range(batch)]
        publish(_write(base / "batch.jsonl", records), feed, keys, batch_size=batch)
        server = _Server(feed)
        queries = ["低保", "特困人员供养", "危房改造 补贴", "医疗救助", "养老", "就业 补贴"]
        warmer = Warmer(engine, context.store())  # warm, as the kiosk's worker is
        warmer.want(queries)
        warmer.run_all()
        latencies: list[float] = []
        local = random.Random(7)
        try:
            command = [sys.executable, "-m", "kiosk", "--data-dir", str(data_dir), "sync",
                       "--once", "--from", server.url, "--trusted-root", str(keys / "root.json")]  # fmt: skip
            t = time.perf_counter()
            proc = subprocess.Popen(
                command, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            while proc.poll() is None:
                query = f"{local.choice(queries)} {local.randint(2015, 2024)}"
                engine._cache.clear()  # every search computed, none answered from the cache
                q = time.perf_counter()
                engine.search(query, limit=10)
                latencies.append(time.perf_counter() - q)
                # a person types, reads, taps: the worker warms up meanwhile (after a commit)
                idle_until = time.perf_counter() + 0.05
                while time.perf_counter() < idle_until and warmer.pending():
                    warmer.step()
                time.sleep(max(0.0, idle_until - time.perf_counter()))
            figures["sync_and_index_s"] = round(time.perf_counter() - t, 2)
            output = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
            figures["sync_exit"] = proc.returncode
            figures["sync_said"] = output.strip().splitlines()[-1:] if output.strip() else []
        finally:
            server.close()
        figures["docs_after"] = engine.document_count()
        found = engine.search(records[0]["title"], limit=1).hits
        figures["new_document_found"] = bool(found) and found[0].id == records[0]["id"]
        ordered = sorted(latencies)
        figures["search_during_sync_n"] = len(ordered)
        if ordered:
            figures["search_during_sync_median_ms"] = round(statistics.median(ordered) * 1e3, 1)
            figures["search_during_sync_p95_ms"] = round(
                ordered[int(0.95 * (len(ordered) - 1))] * 1e3, 1
            )
            figures["search_during_sync_max_ms"] = round(ordered[-1] * 1e3, 1)
        context.close()
    return figures


def crash_loop(kills: int, seed: int = 1) -> dict[str, Any]:
    """SIGKILL ``kiosk sync --once`` ``kills`` times at random points; check no batch is half
    applied after each kill and that a rerun completes. The long form of tests/sync/test_crash.py.
    """
    import os
    import signal
    import subprocess

    from kiosk.store import Store

    rng = random.Random(seed)
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    batches, per_batch = 8, 100
    landed: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="sync-crash-") as tmp:
        base = Path(tmp)
        keys, feed = base / "keys", base / "feed"
        init_keys(keys)
        for b in range(1, batches + 1):
            records = [_doc(b * 1000 + i, rng) for i in range(per_batch)]
            publish(_write(base / f"b{b}.jsonl", records), feed, keys, batch_size=per_batch)
        server = _Server(feed)

        def command(data: Path) -> list[str]:
            return [sys.executable, "-m", "kiosk", "--data-dir", str(data), "sync", "--once",
                    "--from", server.url, "--trusted-root", str(keys / "root.json")]  # fmt: skip

        def check(data: Path) -> int:
            store = Store.in_dir(data)
            try:
                last = int(store.get_setting("sync.last_batch", 0) or 0)
                ids = store.document_ids()
                want = {
                    f"bench-{b * 1000 + i}" for b in range(1, last + 1) for i in range(per_batch)
                }
                if ids != want or store.check():
                    raise SystemExit(f"INCONSISTENT after a kill in {data}: batch {last + 1}")
                return last
            finally:
                store.close()

        try:
            t = time.perf_counter()
            subprocess.run(command(base / "calibrate"), env=env, cwd=repo, check=True,
                           capture_output=True)  # fmt: skip
            full = time.perf_counter() - t
            data = base / "kiosk-0"
            for k in range(kills):
                if k % 5 == 0:
                    data = base / f"kiosk-{k}"
                proc = subprocess.Popen(command(data), env=env, cwd=repo,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
                time.sleep(rng.uniform(0.3, full))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                last = check(data)
                landed[last] = landed.get(last, 0) + 1
                if k % 5 == 4:
                    subprocess.run(command(data), env=env, cwd=repo, check=True,
                                   capture_output=True)  # fmt: skip
                    if check(data) != batches:
                        raise SystemExit(f"rerun did not complete in {data}")
        finally:
            server.close()
    return {"kills": kills, "full_sync_s": round(full, 2),
            "stopped_after_batch": dict(sorted(landed.items())), "consistent": True}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--update", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--crash", type=int, metavar="N", help="instead: N SIGKILL crash runs")
    parser.add_argument(
        "--onto", type=Path, metavar="DATA_DIR",
        help="instead: sync one --batch of new documents into this existing data dir (written)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.onto:
        figures = onto(args.onto, args.batch)
    elif args.crash:
        figures = crash_loop(args.crash)
    else:
        figures = run(args.docs, args.batch, args.update)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
