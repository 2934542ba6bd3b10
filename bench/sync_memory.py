"""Peak memory of a sync and of ``kiosk import`` fed hostile input (issue 16, point 5).

1. a correctly signed gzip batch holding one 300 MB line (a few hundred KB on the wire), synced
   by a fresh kiosk over HTTP on 127.0.0.1;
2. ``kiosk import`` of a 210 MB file that is one line.

Each runs in its own child process; the figure is that child's peak RSS (``ru_maxrss``) and wall
time. Usage::

    nice -n 10 .venv/bin/python bench/sync_memory.py [--line-mb 300] [--import-mb 210]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: printed by each child at exit: its own peak RSS, not that of earlier children
_PEAK = """
import atexit, sys
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
atexit.register(lambda: print("PEAK_KB", [l.split()[1] for l in open("/proc/self/status")
                                          if l.startswith("VmHWM")][0],
                              file=sys.stderr))
"""
_SYNC = (
    _PEAK
    + """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from kiosk.store import Store
from sync.client import Syncer
store = Store.in_dir(Path({data!r}))
try:
    result = Syncer(Path({data!r}), store, {url!r}, trusted_root=Path({root!r})).run()
    print(result.summary(), [str(r) for r in result.rejections])
finally:
    store.close()
"""
)


def _child(code: list[str]) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, output) of one child process."""
    started = time.monotonic()
    done = subprocess.run(code, capture_output=True, text=True, cwd="/", check=False)
    seconds = time.monotonic() - started
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
    out = "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                    if not line.startswith("PEAK_KB"))  # fmt: skip
    return int(peak[-1]) / 1024 if peak else float("nan"), seconds, out.strip()[-300:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--line-mb", type=int, default=300)
    parser.add_argument("--import-mb", type=int, default=210)
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="checkout whose kiosk code the children run (baseline: an old one)")  # fmt: skip
    args = parser.parse_args()
    from sync.feed import FeedWriter
    from sync.keys import init_keys
    from tests.sync.synckit import FeedServer

    with tempfile.TemporaryDirectory(prefix="sync-memory-") as tmp:
        work = Path(tmp)
        keys, feed = work / "keys", work / "feed"
        init_keys(keys)
        writer = FeedWriter(feed, keys)
        body = "a" * (args.line_mb * 1024 * 1024)
        line = '{"op":"upsert","doc":{"id":"huge","title":"t","body":"' + body + '"}}'
        del body
        entry = writer.add_batch([line, {"op": "upsert", "doc": {"id": "ok", "title": "通知",
                                                                  "body": "正文"}}])  # fmt: skip
        del line
        writer.commit(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        name = entry.path.rsplit("/", 1)[-1]
        wire = next((feed / "targets" / "batches").glob(f"*.{name}")).stat().st_size
        server = FeedServer(feed)
        try:
            code = _SYNC.format(repo=str(args.repo.resolve()), data=str(work / "kiosk"), url=server.url,
                                root=str(keys / "root.json"))  # fmt: skip
            sync_mb, sync_s, sync_out = _child([sys.executable, "-c", code])
        finally:
            server.close()
        print(f"sync of a {wire / 1024:.0f} KB signed batch holding one {args.line_mb} MB line: "
              f"peak RSS {sync_mb:.0f} MB, {sync_s:.1f} s")  # fmt: skip
        print("  ", sync_out)

        source = work / "one-line.jsonl"
        with source.open("w") as f:
            f.write('{"id": "x", "title": "t", "body": "')
            chunk = "b" * (1024 * 1024)
            for _ in range(args.import_mb):
                f.write(chunk)
            f.write('"}\n')
        argv = ["kiosk", "--data-dir", str(work / "import"), "import", str(source)]
        code = (
            _PEAK
            + f"import runpy, sys\nsys.path.insert(0, {str(args.repo.resolve())!r})\n"
            + f"sys.argv = {argv!r}\nrunpy.run_module('kiosk', run_name='__main__')"
        )
        import_mb, import_s, import_out = _child([sys.executable, "-c", code])
        print(f"kiosk import of a {args.import_mb} MB one-line file: peak RSS {import_mb:.0f} MB,"
              f" {import_s:.1f} s")  # fmt: skip
        print("  ", import_out)


if __name__ == "__main__":
    main()
