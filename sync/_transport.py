"""The fetcher every sync talks through, wrapped around the real transport (HTTP or a folder).

It adds what python-tuf's ``Updater`` knows nothing about:

- a byte count and **one deadline for the whole sync**;
- **resume across syncs**: immutable files (hash-named batches, blobs) are downloaded into
  ``partial/``, so a download broken off today continues tomorrow where it stopped;
- **conditional requests** for ``timestamp.json``, the one file every poll fetches: the previous
  copy is kept with its ``ETag``/``Last-Modified``; a "304 Not Modified" costs a few hundred bytes
  and python-tuf verifies the kept copy exactly as if it had just arrived;
- the kiosk's small anonymous **fleet status** in the timestamp request's query string (see
  :mod:`sync.fleet`), so it lands in the web server's access log.

Every download is closed deterministically (python-tuf leaves an early-stopped generator to the
garbage collector, and with it a socket).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tuf.api import exceptions as tuf_errors
from tuf.ngclient import FetcherInterface

from sync.fetchers import RequestsFetcher

__all__ = ["CountingFetcher"]

_TIMESTAMP = "/timestamp.json"


class CountingFetcher(FetcherInterface):
    """Wraps ``inner``; the Syncer sets ``deadline``, ``partial_dir``, ``resumable``,
    ``cache_dir`` and ``status_query`` before a run."""

    def __init__(self, inner: FetcherInterface) -> None:
        self.inner = inner
        self.bytes = 0
        #: ``time.monotonic()`` after which every download stops (one deadline per sync).
        self.deadline = float("inf")
        self.deadline_seconds = 0.0
        #: where immutable downloads are kept until complete; None: no resume across syncs
        self.partial_dir: Path | None = None
        #: URL prefixes of immutable files (hash-prefixed targets, content-addressed blobs)
        self.resumable: tuple[str, ...] = ()
        #: where the last timestamp.json and its validators are kept; None: no conditional GET
        self.cache_dir: Path | None = None
        #: appended to the timestamp request (HTTP only)
        self.status_query = ""

    def _check_deadline(self, url: str) -> None:
        if time.monotonic() > self.deadline:
            raise tuf_errors.SlowRetrievalError(
                f"整次同步已超过 {self.deadline_seconds:g} 秒，停止下载: {url}"
            )

    def _fetch(self, url: str) -> Iterator[bytes]:
        return self._fetch_from(url, 0)

    def _fetch_from(self, url: str, offset: int) -> Iterator[bytes]:
        self._check_deadline(url)
        fetch_from = getattr(self.inner, "fetch_from", None)
        if offset and fetch_from is not None:
            chunks: Iterator[bytes] = fetch_from(url, offset)
        else:
            chunks = self.inner.fetch(url)

        def counted() -> Iterator[bytes]:
            try:
                for chunk in chunks:
                    self._check_deadline(url)
                    self.bytes += len(chunk)
                    yield chunk
            finally:
                _close(chunks)

        return counted()

    @contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        if url.endswith(_TIMESTAMP) and isinstance(self.inner, RequestsFetcher):
            with self._timestamp(url, max_length) as handle:
                yield handle
            return
        partial = self._partial(url)
        if partial is None:
            with tempfile.TemporaryFile() as temp_file:
                self._copy(url, 0, max_length, temp_file)
                temp_file.seek(0)
                yield temp_file
            return
        offset = partial.stat().st_size if partial.exists() else 0
        if offset >= max_length:  # complete but rejected earlier, or longer than allowed now
            partial.unlink()
            offset = 0
        with partial.open("ab") as out:
            self._copy(url, offset, max_length, out)  # on failure the part stays for next time
        try:
            with partial.open("rb") as handle:
                yield handle
        finally:
            partial.unlink(missing_ok=True)  # verified and used, or refused: never resumed

    def _copy(self, url: str, offset: int, max_length: int, out: IO[bytes]) -> None:
        chunks = self._fetch_from(url, offset)
        try:
            received = offset
            for chunk in chunks:
                received += len(chunk)
                if received > max_length:
                    raise tuf_errors.DownloadLengthMismatchError(
                        f"Downloaded {received} bytes exceeding the maximum of {max_length}"
                    )
                out.write(chunk)
        finally:
            _close(chunks)

    def _partial(self, url: str) -> Path | None:
        if self.partial_dir is None or not url.startswith(self.resumable):
            return None
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        return self.partial_dir / hashlib.sha256(url.encode()).hexdigest()[:40]

    @contextmanager
    def _timestamp(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        inner = self.inner
        assert isinstance(inner, RequestsFetcher)
        request = f"{url}?{self.status_query}" if self.status_query else url
        kept, validators = self._cached()
        if kept is not None:
            conditional = {}
            if validators.get("etag"):
                conditional["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                conditional["If-Modified-Since"] = validators["last_modified"]
            inner.extra_headers[request] = conditional
        with tempfile.TemporaryFile() as temp_file:
            self._copy(request, 0, max_length, temp_file)
            inner.extra_headers.pop(request, None)
            status, headers = inner.last_response.get(request, (200, {}))
            if status == 304 and kept is not None:
                temp_file.write(kept)
            else:
                temp_file.seek(0)
                self._keep(temp_file.read(), headers)
            temp_file.seek(0)
            yield temp_file

    def _cached(self) -> tuple[bytes | None, dict[str, str]]:
        if self.cache_dir is None:
            return None, {}
        try:
            body = (self.cache_dir / "timestamp.json").read_bytes()
            validators = json.loads((self.cache_dir / "timestamp.validators.json").read_text())
        except (OSError, ValueError):
            return None, {}
        return body, validators if isinstance(validators, dict) else {}

    def _keep(self, body: bytes, headers: dict[str, str]) -> None:
        """Keep this timestamp and its validators (the copy is only ever re-verified by TUF)."""
        if self.cache_dir is None or not body:
            return
        validators = {"etag": headers.get("etag", ""),
                      "last_modified": headers.get("last-modified", "")}  # fmt: skip
        if not any(validators.values()):
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for name, data in (
            ("timestamp.json", body),
            ("timestamp.validators.json", json.dumps(validators).encode()),
        ):
            tmp = self.cache_dir / f".{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, self.cache_dir / name)


def _close(iterator: Iterator[bytes]) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()
