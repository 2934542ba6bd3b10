"""Test kit for sync tests: a real portal feed on disk and a real HTTP server on 127.0.0.1.

The server serves the feed directory and can be told to misbehave per path (tamper, truncate,
reset, stall, 5xx/404, endless body, serve another file's bytes). Only the network is faked, by a
real server; python-tuf's verifier and the SQLite store are the real ones.
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kiosk.models import StoredDocument
from kiosk.store import VISIBLE, Store
from sync.client import SETTING_LAST_BATCH, SyncConfig, Syncer, SyncResult
from sync.feed import PublishResult, publish
from sync.fetchers import FetcherConfig
from sync.keys import init_keys


@dataclass
class Fault:
    """How to misbehave for paths containing a pattern; ``times`` < 0 means forever."""

    kind: str
    times: int = -1
    arg: Any = None


class FeedServer:
    """``http.server`` over a folder, with per-path faults and a request log.

    Like nginx it sends an ``ETag`` and answers ``If-None-Match`` with 304; it also serves
    absolute-URI requests (``GET http://host/path``), so it doubles as a forward proxy. ``tls``
    makes it an HTTPS server.
    """

    def __init__(self, root: Path, tls: ssl.SSLContext | None = None) -> None:
        self.root = root
        self.faults: dict[str, Fault] = {}
        self.requests: Counter[str] = Counter()
        self.ranges: list[str] = []
        #: hosts asked for through this server acting as an HTTP proxy
        self.proxied_hosts: set[str] = set()
        self.queries: list[tuple[str, str]] = []  # (path, query string) of every request
        self.bytes_sent = 0  # status lines, headers and bodies
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def flush_headers(self) -> None:
                server.bytes_sent += sum(len(b) for b in getattr(self, "_headers_buffer", []))
                super().flush_headers()

            def do_GET(self) -> None:
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fault(self, suffix: str, kind: str, times: int = -1, arg: Any = None) -> None:
        self.faults[suffix] = Fault(kind, times, arg)

    def count(self, suffix: str) -> int:
        return sum(n for path, n in self.requests.items() if suffix in path)

    def _take_fault(self, path: str) -> Fault | None:
        for suffix, fault in self.faults.items():
            if suffix in path and fault.times != 0:
                if fault.times > 0:
                    fault.times -= 1
                return fault
        return None

    def _resolve(self, path: str) -> Path | None:
        """The file for a request path; a glob pattern in a substitute points at a hashed name."""
        candidate = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() in candidate.parents and candidate.is_file():
            return candidate
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        target = h.path
        if target.startswith(("http://", "https://")):  # asked as a proxy: absolute-form target
            host, rest = target.split("://", 1)[1].split("/", 1)
            self.proxied_hosts.add(host)
            target = "/" + rest
        path, _, query = target.partition("?")
        self.queries.append((path, query))
        self.requests[path] += 1
        fault = self._take_fault(path)
        kind = fault.kind if fault else ""
        if kind == "status":
            self._send_status(h, int(fault.arg))  # type: ignore[union-attr]
            return
        if kind == "stall":
            time.sleep(float(fault.arg))  # type: ignore[union-attr]
        if kind == "endless":
            h.send_response(200)
            h.send_header("Content-Type", "application/octet-stream")
            h.end_headers()
            try:
                while True:
                    h.wfile.write(b"\x00" * 65536)
            except OSError:
                return
        substitute = str(fault.arg) if fault and kind == "substitute" else None
        found = self._resolve_glob(substitute) if substitute else self._resolve(path)
        if found is None:
            self._send_status(h, 404)
            return
        data = found.read_bytes()
        if kind == "tamper":
            data = _tamper(data, fault.arg)  # type: ignore[union-attr]
        start = 0
        range_header = h.headers.get("Range")
        if range_header and range_header.startswith("bytes=") and kind not in ("short",):
            self.ranges.append(range_header)
            start = int(range_header[6:].split("-", 1)[0])
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if not kind and not start and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        body = data[start:]
        if kind == "short":
            body = body[: len(body) // 2]
        h.send_response(206 if start else 200)
        h.send_header("ETag", etag)
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Content-Type", "application/octet-stream")
        h.end_headers()
        try:
            if kind == "truncate":
                h.wfile.write(body[: max(1, len(body) // 2)])
                h.wfile.flush()
                h.close_connection = True
                return
            if kind == "reset":
                h.wfile.write(body[: max(1, len(body) // 2)])
                h.wfile.flush()
                # an abortive close: the client sees "connection reset by peer"
                h.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                h.close_connection = True
                return
            if kind == "trickle":
                for i in range(0, len(body), 64):
                    h.wfile.write(body[i : i + 64])
                    h.wfile.flush()
                    time.sleep(float(fault.arg))  # type: ignore[union-attr]
                return
            h.wfile.write(body)
            self.bytes_sent += len(body)
        except OSError:
            h.close_connection = True

    def _resolve_glob(self, pattern: str) -> Path | None:
        matches = sorted(self.root.glob(pattern))
        return matches[0] if matches else None

    @staticmethod
    def _send_status(h: BaseHTTPRequestHandler, status: int) -> None:
        body = f"error {status}".encode()
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def _tamper(data: bytes, how: Any) -> bytes:
    if callable(how):
        return bytes(how(data))
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


@dataclass
class Portal:
    """A portal's keys and feed directory, with a helper to publish records."""

    keys: Path
    feed: Path
    work: Path
    counter: list[int] = field(default_factory=lambda: [0])

    @classmethod
    def create(cls, folder: Path) -> Portal:
        """Fresh signing keys and an empty feed under ``folder``."""
        keys = folder / "keys"
        init_keys(keys)
        work = folder / "portal-work"
        work.mkdir()
        return cls(keys=keys, feed=folder / "feed", work=work)

    def publish(self, records: list[dict[str, Any]], **kwargs: Any) -> PublishResult:
        self.counter[0] += 1
        source = self.work / f"source-{self.counter[0]}.jsonl"
        source.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        return publish(source, self.feed, self.keys, **kwargs)


def doc(i: int | str, **extra: Any) -> dict[str, Any]:
    """A valid, clean document record."""
    record = {
        "id": f"doc-{i}",
        "title": f"关于做好第{i}批城乡低保资金发放工作的通知",
        "body": f"各乡镇人民政府：现将第{i}批城乡最低生活保障资金发放工作通知如下。",
        "agency": "某某县民政局",
        "published": "2024-03-01",
        "kind": "notice",
    }
    record.update(extra)
    return record


#: Fast timeouts so fault tests finish in well under a second each.
FAST = SyncConfig(
    fetcher=FetcherConfig(
        connect_timeout=2, read_timeout=0.5, max_seconds=3, retries=2, backoff=0.01
    )
)


@dataclass
class Kiosk:
    data_dir: Path
    store: Store
    trusted_root: Path

    def syncer(self, source: str | Path, **kwargs: Any) -> Syncer:
        kwargs.setdefault("config", FAST)
        trusted = kwargs.pop("trusted_root", None)
        if trusted is None and not (self.data_dir / "tuf" / "metadata" / "root.json").exists():
            trusted = self.trusted_root
        return Syncer(self.data_dir, self.store, source, trusted_root=trusted, **kwargs)

    def sync(self, source: str | Path, **kwargs: Any) -> SyncResult:
        return self.syncer(source, **kwargs).run()

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a sync may change (documents, change log, last batch)."""
        docs = self.store.get_many(sorted(self.store.document_ids()))
        return (
            tuple((d.id, d.content_hash, d.visibility, d.status) for d in docs),
            self.store.last_change_seq(),
            self.store.get_setting(SETTING_LAST_BATCH),
        )

    def visible_ids(self) -> set[str]:
        return self.store.document_ids(VISIBLE)

    def doc(self, doc_id: str) -> StoredDocument | None:
        return self.store.get(doc_id)
