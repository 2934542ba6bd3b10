"""Transports behind python-tuf's ``FetcherInterface``: HTTP(S) with requests, and a folder (USB).

Both only move bytes; python-tuf's ``Updater`` verifies everything they bring, so a USB stick is
exactly as trustworthy as the portal's web server. Each fetcher counts the bytes it received.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests
import urllib3
from tuf.api import exceptions
from tuf.ngclient import FetcherInterface

import kiosk

__all__ = ["CertificateError", "FetcherConfig", "FileFetcher", "RequestsFetcher", "file_url"]

logger = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({500, 502, 503, 504, 429})


@dataclass(frozen=True)
class FetcherConfig:
    """How the HTTP fetcher talks to the portal.

    Attributes:
        connect_timeout: seconds to wait for a TCP/TLS connection.
        read_timeout: seconds to wait between two received bytes.
        max_seconds: seconds one file may take in total (a server that trickles forever is cut off).
        retries: extra attempts after a connection error, reset or HTTP 5xx/429.
        backoff: seconds before the first retry; doubled for each further one.
        chunk_size: bytes per read.
        ca_bundle: path of a CA bundle (PEM) for government intranets with their own CA;
            ``None`` uses the system/certifi bundle. When set it wins over ``REQUESTS_CA_BUNDLE``
            and ``CURL_CA_BUNDLE`` in the environment.
        proxy: ``http://host:port`` for http and https alike; ``None`` leaves it to the
            environment (``HTTPS_PROXY``, ``NO_PROXY``).
        user_agent: sent with every request.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_seconds: float = 900.0
    retries: int = 3
    backoff: float = 1.0
    chunk_size: int = 64 * 1024
    ca_bundle: str | None = None
    proxy: str | None = None
    user_agent: str = f"zwgk-kiosk/{kiosk.__version__}"


class _Retryable(Exception):
    """A failure worth another attempt (connection refused/reset, 5xx)."""


class CertificateError(exceptions.DownloadError):
    """The server's TLS certificate did not verify against the configured CA bundle (not retried:
    another attempt meets the same certificate)."""


class RequestsFetcher(FetcherInterface):
    """HTTP(S) downloads with one reused session, timeouts, retries with backoff and resume.

    The proxy is the configured one, else the environment's (``HTTPS_PROXY``, ``NO_PROXY`` …),
    as requests does by default. A body cut off mid-way is resumed with a ``Range`` request on the next attempt.
    ``FetcherInterface.download_file`` caps every download at the length TUF expects, so an
    endless body stops there.
    """

    def __init__(self, config: FetcherConfig | None = None) -> None:
        self.config = config or FetcherConfig()
        self.bytes_received = 0
        self._session = requests.Session()
        self._session.headers["User-Agent"] = self.config.user_agent
        # Byte offsets must be those of the file itself (resume with Range); batches are gzip
        # already and metadata is small, so transfer encoding gains nothing here.
        self._session.headers["Accept-Encoding"] = "identity"
        # Passed with each request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE and the
        # environment's proxies override what is set on the session itself.
        self._verify: str | bool = self.config.ca_bundle or True
        proxy = self.config.proxy
        self._proxies = {"http": proxy, "https": proxy} if proxy else None
        #: ``url -> headers`` to send once (conditional requests, set by the caller)
        self.extra_headers: dict[str, dict[str, str]] = {}
        #: ``url -> (status, lower-cased headers)`` of the latest response (304: not modified)
        self.last_response: dict[str, tuple[int, dict[str, str]]] = {}

    def close(self) -> None:
        self._session.close()

    def _fetch(self, url: str) -> Iterator[bytes]:
        return self.fetch_from(url, 0)

    def fetch_from(self, url: str, offset: int) -> Iterator[bytes]:
        """The bytes of ``url`` from ``offset`` on (a ``Range`` request; a server that ignores it
        is skipped ahead), so a download broken off in an earlier sync continues.

        Raises:
            DownloadError: as ``fetch``; :class:`CertificateError` for a TLS certificate failure.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise exceptions.DownloadError(f"不支持的地址: {url}")
        # Open the first response eagerly so that HTTP errors surface from fetch() itself.
        response = self._open(url, offset=offset)
        if offset and response.status_code != 206:
            _skip(response, offset)
        return self._chunks(url, response, offset)

    def _open(self, url: str, offset: int) -> requests.Response:
        cfg = self.config
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        headers.update(self.extra_headers.pop(url, {}))
        last: BaseException | None = None
        for attempt in range(cfg.retries + 1):
            if attempt:
                delay = cfg.backoff * (2 ** (attempt - 1))
                logger.info("retrying %s in %.1fs (%s)", url, delay, last)
                time.sleep(delay)
            try:
                response = self._session.get(
                    url,
                    stream=True,
                    timeout=(cfg.connect_timeout, cfg.read_timeout),
                    headers=headers,
                    verify=self._verify,
                    proxies=self._proxies,
                )
            except requests.exceptions.SSLError as e:
                raise CertificateError(f"证书验证失败: {url} ({_ssl_reason(e)})") from e
            except requests.exceptions.Timeout as e:
                last = e
                continue
            except requests.exceptions.ConnectionError as e:
                last = e
                continue
            except requests.exceptions.RequestException as e:
                raise exceptions.DownloadError(f"无法下载 {url}: {e}") from e
            if response.status_code in _RETRY_STATUS:
                response.close()
                last = exceptions.DownloadHTTPError(
                    f"HTTP {response.status_code}", response.status_code
                )
                continue
            if response.status_code >= 400:
                response.close()
                raise exceptions.DownloadHTTPError(
                    f"HTTP {response.status_code} {url}", response.status_code
                )
            headers = {k.lower(): v for k, v in response.headers.items()}
            self.last_response[url] = (response.status_code, headers)
            return response
        if isinstance(last, exceptions.DownloadHTTPError):
            raise last
        if isinstance(last, requests.exceptions.Timeout):
            raise exceptions.SlowRetrievalError(f"连接超时: {url}") from last
        raise exceptions.DownloadError(f"无法连接: {url}") from last

    def _chunks(self, url: str, response: requests.Response, offset: int) -> Iterator[bytes]:
        cfg = self.config
        deadline = time.monotonic() + cfg.max_seconds
        received = offset
        failures = 0
        while True:
            try:
                # read1 returns whatever has arrived, so a server that trickles bytes is still
                # measured against the deadline (iter_content would wait for a full chunk).
                while chunk := response.raw.read1(cfg.chunk_size):
                    if time.monotonic() > deadline:
                        raise exceptions.SlowRetrievalError(
                            f"下载太慢，已超过 {cfg.max_seconds:g} 秒: {url}"
                        )
                    received += len(chunk)
                    self.bytes_received += len(chunk)
                    yield chunk
                return
            except (
                urllib3.exceptions.HTTPError,
                requests.exceptions.RequestException,
                OSError,
            ) as e:
                failures += 1
                if failures > cfg.retries:
                    if _is_timeout(e):
                        raise exceptions.SlowRetrievalError(f"读取超时: {url}") from e
                    raise exceptions.DownloadError(f"连接中断: {url}") from e
                logger.info("%s broke off after %d bytes (%s); resuming", url, received, e)
            finally:
                response.close()
            response = self._open(url, offset=received)
            if received and response.status_code != 206:
                # The server ignored the Range header: skip what we already have.
                _skip(response, received)


def _ssl_reason(error: BaseException) -> str:
    """The innermost reason of a TLS failure (``certificate verify failed: unable to get local
    issuer certificate``), not requests' nested wrapper text."""
    text = str(error)
    for marker in ("certificate verify failed", "CERTIFICATE_VERIFY_FAILED", "hostname mismatch"):
        at = text.find(marker)
        if at >= 0:
            return text[at:].split(")")[0].strip(" ('\"")
    return text[:200]


def _is_timeout(error: BaseException) -> bool:
    if isinstance(error, requests.exceptions.Timeout | urllib3.exceptions.ReadTimeoutError):
        return True
    if isinstance(error, TimeoutError):
        return True
    return any(isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in error.args)


def _skip(response: requests.Response, count: int) -> None:
    """Discard the first ``count`` bytes of a full (200) response."""
    remaining = count
    while remaining > 0:
        data = response.raw.read(min(remaining, 64 * 1024))
        if not data:
            break
        remaining -= len(data)


def file_url(path: Path) -> str:
    """``file://`` URL of a local folder, with a trailing slash."""
    return Path(path).resolve().as_uri().rstrip("/") + "/"


class FileFetcher(FetcherInterface):
    """Reads ``file://`` URLs: a feed on a USB stick or a mounted share.

    A missing file is reported like HTTP 404, which is what the Updater expects when it looks
    for a newer root that does not exist.
    """

    def __init__(self, chunk_size: int = 256 * 1024) -> None:
        self.chunk_size = chunk_size
        self.bytes_received = 0

    def _fetch(self, url: str) -> Iterator[bytes]:
        return self.fetch_from(url, 0)

    def fetch_from(self, url: str, offset: int) -> Iterator[bytes]:
        """The bytes of ``url`` from ``offset`` on."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise exceptions.DownloadError(f"不是本地文件地址: {url}")
        path = Path(url2pathname(parts.path))
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise exceptions.DownloadHTTPError(f"文件不存在: {path}", 404) from None
        except OSError as e:
            raise exceptions.DownloadError(f"无法读取 {path}: {e.strerror}") from e
        handle.seek(offset)
        return self._chunks(handle)

    def _chunks(self, handle: BinaryIO) -> Iterator[bytes]:
        try:
            while chunk := handle.read(self.chunk_size):
                self.bytes_received += len(chunk)
                yield chunk
        finally:
            handle.close()
