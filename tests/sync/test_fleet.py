"""Fleet status from access logs: each poll's anonymous status lands in the web server's log, and
``kiosk fleet report`` names the stale, failing and outdated kiosks (also as CSV)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner

import kiosk as kiosk_package
from kiosk.cli import cli
from sync.fleet import status_query
from tests.sync.synckit import FeedServer, Kiosk, Portal, doc


def _line(when: str, query: str, status: int = 200) -> str:
    return (f'10.0.0.7 - - [{when} +0800] "GET /feed/metadata/timestamp.json?{query} HTTP/1.1" '
            f'{status} 412 "-" "zwgk-kiosk/1.0.0"\n')  # fmt: skip


def test_each_poll_carries_an_anonymous_status_in_the_timestamp_request(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    portal.publish([doc(1), doc(2)])
    kiosk.sync(server.url)
    kiosk.sync(server.url)
    polls = [q for q in server.queries if q[0].endswith("/timestamp.json")]
    assert len(polls) == 2
    first, second = (parse_qs(q[1]) for q in polls)
    assert first["k"] == second["k"] and len(first["k"][0]) >= 8  # one stable random id
    assert second["v"] == [kiosk_package.__version__]
    assert (second["d"], second["b"], second.get("e", [""])) == (["2"], ["1"], [""])
    assert set(second) <= {"k", "v", "d", "b", "e"}  # nothing else, nothing personal
    # other requests carry nothing
    assert all(not q[1] for q in server.queries if not q[0].endswith("/timestamp.json"))


def test_fleet_report_reads_combined_logs_and_names_the_problems(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    old = tmp_path / "access.log.1.gz"
    healthy = status_query("a1b2c3d4e5f6", "1.2.0", 1900, 42, "")
    lines = [
        _line("01/Dec/2026:02:00:00", healthy),
        _line("01/Dec/2026:02:05:00", status_query("0badc0de0bad", "1.2.0", 1850, 41, "network")),
        _line("01/Dec/2026:02:10:00", status_query("0ldversion01", "1.1.0", 1900, 42, "")),
        '10.0.0.9 - - [01/Dec/2026:02:11:00 +0800] "GET /feed/metadata/3.root.json HTTP/1.1" 404 0 "-" "-"\n',
        "garbage line\n",
    ]  # fmt: skip
    log.write_text("".join(lines), encoding="utf-8")
    with gzip.open(old, "wt", encoding="utf-8") as f:  # a rotated log: last seen long ago
        f.write(_line("20/Nov/2026:03:00:00", status_query("5ta1e0000001", "1.2.0", 1700, 30, "")))
        f.write(_line("20/Nov/2026:03:00:00", status_query("a1b2c3d4e5f6", "1.2.0", 1700, 30, "")))

    runner = CliRunner()
    result = runner.invoke(cli, ["fleet", "report", str(log), str(old)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "4 台" in out
    for kiosk_id, word in (("5ta1e0000001", "stale"), ("0badc0de0bad", "failing"),
                           ("0ldversion01", "outdated")):  # fmt: skip
        row = next(line for line in out.splitlines() if kiosk_id in line)
        assert word in row, row
    assert "a1b2c3d4e5f6" not in out.split("正常")[0]  # the healthy one is not listed as a problem

    as_csv = runner.invoke(cli, ["fleet", "report", "--csv", str(log), str(old)])
    assert as_csv.exit_code == 0, as_csv.output
    rows = {r["kiosk"]: r for r in csv.DictReader(io.StringIO(as_csv.output))}
    assert rows["a1b2c3d4e5f6"]["problems"] == "ok" and rows["a1b2c3d4e5f6"]["last_batch"] == "42"
    assert rows["0badc0de0bad"]["error"] == "network"
    assert "stale" in rows["5ta1e0000001"]["problems"]
    assert urlsplit("/x?" + healthy).query  # the status is a plain query string
