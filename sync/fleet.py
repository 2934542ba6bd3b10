"""Fleet status from the web server's own access logs (``kiosk fleet report``), no server of ours.

Every kiosk's poll of ``metadata/timestamp.json`` carries a small anonymous status in its query
string (:func:`status_query`): a random kiosk id, the software version, the document count, the
last batch applied and the last error code. nginx and Apache write it to their standard
"combined" access log like any other request; :func:`read_logs` picks those lines out and
:func:`report` says which kiosks are stale, failing or running outdated software.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["KioskStatus", "Report", "read_logs", "report", "status_query"]

#: ``host ident user [time] "METHOD target PROTO" status size "referer" "agent"``
_COMBINED = re.compile(
    r'^\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<target>\S+)(?: \S+)?" '
    r"(?P<status>\d{3}) \S+"
)
_TIME = "%d/%b/%Y:%H:%M:%S %z"
_ID = re.compile(r"^[0-9A-Za-z_-]{6,40}$")


def status_query(kiosk_id: str, version: str, documents: int, last_batch: int, error: str) -> str:
    """The query string a kiosk appends to its timestamp request (nothing personal in it)."""
    return urlencode(
        {"k": kiosk_id, "v": version, "d": documents, "b": last_batch, "e": error or ""}
    )


@dataclass(frozen=True)
class KioskStatus:
    """One kiosk's latest poll found in the logs."""

    kiosk_id: str
    seen: dt.datetime
    version: str
    documents: int
    last_batch: int
    error: str
    http_status: int


def _parse(line: str) -> KioskStatus | None:
    match = _COMBINED.match(line)
    if match is None:
        return None
    target = urlsplit(match["target"])
    if not target.path.endswith("timestamp.json") or not target.query:
        return None
    query = {k: v[-1] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
    kiosk_id = query.get("k", "")
    if not _ID.match(kiosk_id):
        return None
    try:
        seen = dt.datetime.strptime(match["time"], _TIME)
        return KioskStatus(
            kiosk_id=kiosk_id,
            seen=seen,
            version=query.get("v", "")[:40],
            documents=int(query.get("d") or 0),
            last_batch=int(query.get("b") or 0),
            error=query.get("e", "")[:40],
            http_status=int(match["status"]),
        )
    except ValueError:
        return None


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":  # rotated logs (access.log.2.gz)
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def read_logs(paths: Iterable[Path]) -> Iterator[KioskStatus]:
    """Every kiosk poll in the given access logs (plain or ``.gz``), streamed line by line."""
    for path in paths:
        with _open(Path(path)) as handle:
            for line in handle:
                status = _parse(line)
                if status is not None:
                    yield status


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:4])


@dataclass(frozen=True)
class Report:
    """The fleet at the newest log line: each kiosk's latest poll and what is wrong with it.

    Attributes:
        kiosks: latest poll per kiosk id, by id.
        latest_batch: the newest batch any kiosk reports.
        newest_version: the newest software version any kiosk reports.
        as_of: the time of the newest poll in the logs.
        problems: kiosk id → the reasons it is listed (stale, failing, outdated).
    """

    kiosks: dict[str, KioskStatus]
    latest_batch: int
    newest_version: str
    as_of: dt.datetime | None
    problems: dict[str, list[str]]

    def rows(self) -> list[dict[str, str]]:
        """One row per kiosk with a problem first, then the healthy ones, for print and CSV."""
        order = sorted(self.kiosks.values(), key=lambda k: (k.kiosk_id not in self.problems,
                                                            k.seen, k.kiosk_id))  # fmt: skip
        return [
            {
                "kiosk": k.kiosk_id,
                "problems": " ".join(self.problems.get(k.kiosk_id, [])) or "ok",
                "last_seen": k.seen.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                "version": k.version,
                "documents": str(k.documents),
                "last_batch": str(k.last_batch),
                "error": k.error,
            }
            for k in order
        ]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(_FIELDS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return out.getvalue()


_FIELDS = ("kiosk", "problems", "last_seen", "version", "documents", "last_batch", "error")


def report(polls: Iterable[KioskStatus], *, stale_days: float = 2.0) -> Report:
    """Latest poll per kiosk, and which are stale, failing or outdated.

    - **stale**: not seen for ``stale_days`` before the newest poll, or still behind a batch that
      other kiosks have reported for ``stale_days``;
    - **failing**: its latest poll reports an error code;
    - **outdated**: it runs an older version than the newest one in the fleet.
    """
    latest: dict[str, KioskStatus] = {}
    first_seen_batch: dict[int, dt.datetime] = {}
    for poll in polls:
        known = latest.get(poll.kiosk_id)
        if known is None or poll.seen >= known.seen:
            latest[poll.kiosk_id] = poll
        when = first_seen_batch.get(poll.last_batch)
        if when is None or poll.seen < when:
            first_seen_batch[poll.last_batch] = poll.seen
    if not latest:
        return Report({}, 0, "", None, {})
    as_of = max(k.seen for k in latest.values())
    window = dt.timedelta(days=stale_days)
    newest_version = max((k.version for k in latest.values()), key=_version_key)
    latest_batch = max(k.last_batch for k in latest.values())
    problems: dict[str, list[str]] = {}
    for k in latest.values():
        reasons = []
        overdue_batches = [n for n, t in first_seen_batch.items() if n > k.last_batch
                           and as_of - t > window]  # fmt: skip
        if as_of - k.seen > window or overdue_batches:
            reasons.append("stale")
        if k.error:
            reasons.append("failing")
        if _version_key(k.version) < _version_key(newest_version):
            reasons.append("outdated")
        if reasons:
            problems[k.kiosk_id] = reasons
    return Report(latest, latest_batch, newest_version, as_of, problems)
