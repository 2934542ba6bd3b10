"""Search benchmark: the kiosk's Whoosh + jieba index against a SQLite FTS5 trigram baseline.

Both engines get the same documents (the kiosk store, filled by ``kiosk.importer``), in the same
run, and the same fixed query list (``bench/queries.txt``). Reported per dataset:

- store import and index build, timed separately (docs/s), each in its own process;
- index size on disk and its ratio to the raw text (UTF-8 bytes of title + plain-text body);
- cold open: a fresh process, from spawn to the first answered query (OS page cache stays warm:
  dropping it needs root), for our engine both through a minimal harness and ``kiosk search -``;
- query latency p50 / p95 / max over the query list repeated ``--repeat`` times, with the engine's
  result cache cleared before every query (first-time latencies, which include lazy loads such as
  the pinyin vocabulary, are reported separately);
- peak RSS of the search process and of the build process (``resource.getrusage``);
- ratios ours / baseline.

Baseline: ``fts5(title, body, content=docs, tokenize='trigram')``, ``ORDER BY bm25 LIMIT 10``.
Trigram matching needs at least 3 characters per term, so terms shorter than that use a LIKE scan
of the content table (SQLite 3.40's trigram LIKE returns nothing for them); whitespace-separated
terms are ANDed; no synonyms, no 发文字号 normalization, no pinyin, no totals or facets.

Usage (from the repository root, with the project's virtualenv)::

    .venv/bin/python bench/search_bench.py --n 2000 --out /tmp/bench-2k.md
    .venv/bin/python bench/search_bench.py --jsonl ../shared/corpus/real-gov-docs.jsonl
    .venv/bin/python bench/search_bench.py --n 2000 --profile      # + cProfile of build and queries

The numbers go to stdout as Markdown (and to ``--out``); working files stay in ``--workdir``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DEFAULT_QUERIES = BENCH / "queries.txt"
LIMIT = 10


# -- the query list ------------------------------------------------------------------------------
def load_queries(path: Path) -> list[tuple[str, str]]:
    """``(shape, query)`` pairs from a queries file (see the header of bench/queries.txt)."""
    queries: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        shape, _, text = line.partition("\t")
        if text.startswith('"') and _json_ok(text):
            text = json.loads(text)
        elif text.startswith("@repeat "):
            _, count, piece = text.split(" ", 2)
            text = piece * int(count)
        queries.append((shape.strip(), text))
    return queries


def _json_ok(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _show(query: str, width: int = 24) -> str:
    """A query as it may appear in a Markdown table cell."""
    text = (
        json.dumps(query, ensure_ascii=False)[1:-1]
        if any(ord(c) < 32 or c in "\u200b" for c in query)
        else query
    )
    if len(text) > width:
        text = f"{text[:width]}…({len(query)} chars)"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


# -- helpers --------------------------------------------------------------------------------------
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[k]


def _child(args: list[str], stdin: str | None = None) -> dict[str, Any]:
    """Run this script as a worker; its last stdout line is a JSON result."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        input=stdin, capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[:2]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _profile_text(
    profile: cProfile.Profile, title: str, top: int = 30, only: str | None = None
) -> str:
    out = io.StringIO()
    out.write(f"==== {title} ====\n")
    for key in ("tottime", "cumulative"):
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(key)
        out.write(f"-- by {key} --\n")
        if only:
            stats.print_stats(only, top)
        else:
            stats.print_stats(top)
    return out.getvalue()


# -- workers (run in their own process) -----------------------------------------------------------
def worker_import(data_dir: Path, jsonl: Path) -> dict[str, Any]:
    from kiosk.importer import import_paths
    from kiosk.store import Store

    store = Store.in_dir(data_dir)
    start = time.perf_counter()
    report = import_paths(store, [jsonl])
    seconds = time.perf_counter() - start
    store.close()
    return {
        "seconds": seconds, "added": report.added, "updated": report.updated,
        "quarantined": report.quarantined, "rejected": len(report.rejected),
        "rejections": [str(r) for r in report.rejected[:5]], "maxrss_mb": _maxrss_mb(),
    }  # fmt: skip


def worker_build_whoosh(
    data_dir: Path, index_dir: Path, profile_out: Path | None, procs: int = 1
) -> dict[str, Any]:
    from index import SearchIndex
    from kiosk.store import Store

    store = Store.in_dir(data_dir)
    phases = _time_build_phases()
    profile = cProfile.Profile() if profile_out else None
    start = time.perf_counter()
    if profile:
        profile.enable()
    count = (
        SearchIndex(index_dir).rebuild(store, procs=procs)
        if procs > 1
        else SearchIndex(index_dir).rebuild(store)
    )
    if profile:
        profile.disable()
    seconds = time.perf_counter() - start
    if profile and profile_out:
        profile_out.write_text(
            _profile_text(profile, f"index build, {count} docs", 35), encoding="utf-8"
        )
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return {
        "seconds": seconds, "docs": count, "maxrss_mb": _maxrss_mb(),
        # CPU seconds of the build and its workers: on a shared machine, wall time says little
        "cpu_s": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        # the largest worker process of the build, if it had any (procs > 1)
        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "phases_s": phases,
    }  # fmt: skip


def _time_build_phases() -> dict[str, float]:
    """Wall seconds of each phase of ``SearchIndex.rebuild`` (filled in as it runs): the
    analysis into runs, the segment's writing (posting lists, dense lists, stored fields), the
    vocabulary, dense lists written afterwards (only for segments that had none), column codes."""
    import index.indexer as indexer
    from index.vocabulary import Vocabulary

    phases: dict[str, float] = {}

    def timed(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:  # (an older checkout, measured as the baseline)
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, wrapper)

    timed(indexer, "_build", "analysis into runs")
    timed(indexer, "merge_runs", "segment (postings, dense lists, stored fields)")
    timed(indexer, "write_dense_lists", "dense lists afterwards")
    timed(indexer, "write_column_codes", "column codes")
    timed(Vocabulary, "for_index", "vocabulary")
    return phases


_FTS_SCHEMA = """
CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, body TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='rowid', tokenize='trigram');
"""


def worker_build_fts(data_dir: Path, db_path: Path) -> dict[str, Any]:
    db_path.unlink(missing_ok=True)
    start = time.perf_counter()
    source = sqlite3.connect(data_dir / "kiosk.sqlite3")
    conn = sqlite3.connect(db_path)
    conn.executescript(_FTS_SCHEMA)
    rows = source.execute(
        "SELECT id, title, body_text FROM documents WHERE visibility = 'visible' ORDER BY id"
    )
    count = 0
    while batch := rows.fetchmany(500):
        conn.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", batch)
        count += len(batch)
    conn.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    conn.commit()
    seconds = time.perf_counter() - start
    index_bytes = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'fts%'").fetchone()[
        0
    ]
    content_bytes = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'docs'").fetchone()[0]
    conn.close()
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return {
        "seconds": seconds, "docs": count, "maxrss_mb": _maxrss_mb(),
        # CPU seconds of the build and its workers: on a shared machine, wall time says little
        "cpu_s": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, "index_bytes": index_bytes,
        "content_bytes": content_bytes, "file_bytes": db_path.stat().st_size,
    }  # fmt: skip


class _Whoosh:
    def __init__(self, data_dir: Path) -> None:
        from index import SearchEngine, SearchIndex
        from kiosk.store import Store

        store = Store.in_dir(data_dir)
        self.engine = SearchEngine(SearchIndex(data_dir / "index"), store)
        # what the kiosk's search worker does before and between its first requests
        # (index/warmup.py: pypinyin, the vocabulary; a bench store has no usage, no tiles)
        from index.warmup import Warmer

        Warmer(self.engine, store).run_all()

    def uncache(self) -> None:
        cache = getattr(self.engine, "_cache", None)
        if cache is not None:
            cache.clear()

    def search(self, text: str) -> tuple[int, list[str]]:
        results = self.engine.search(text, limit=LIMIT)
        return results.total, [h.id for h in results.hits]


class _Fts:
    """The baseline: FTS5 trigram with bm25, LIKE for terms under 3 characters."""

    def __init__(self, db_path: Path) -> None:
        self.conn = sqlite3.connect(db_path)

    def uncache(self) -> None:
        pass

    def search(self, text: str) -> tuple[int, list[str]]:
        # control characters out (a NUL ends an FTS5 query string early: "unterminated string")
        terms = "".join(c if c.isprintable() else " " for c in text).split()
        if not terms:
            return 0, []
        long_terms = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        likes = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in short)
        like_params = [p for t in short for p in (f"%{t}%", f"%{t}%")]
        if long_terms:
            match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            sql = "SELECT rowid FROM fts WHERE fts MATCH ?"
            params: list[Any] = [match]
            if short:
                sql += f" AND rowid IN (SELECT rowid FROM docs WHERE {likes})"
                params += like_params
            sql += " ORDER BY bm25(fts) LIMIT ?"
        else:
            sql = f"SELECT rowid FROM docs WHERE {likes} LIMIT ?"
            params = like_params
        rowids = [r[0] for r in self.conn.execute(sql, [*params, LIMIT])]
        hits = []
        for rowid in rowids:  # what a result card needs: id, title, a snippet around the first term
            doc_id, _title, body = self.conn.execute(
                "SELECT id, title, body FROM docs WHERE rowid = ?", (rowid,)
            ).fetchone()
            at = max(0, (body or "").find(terms[0]) - 20)
            _snippet = (body or "")[at : at + 90]
            hits.append(doc_id)
        return len(hits), hits


class _Naive:
    """What a newcomer writes: Whoosh with jieba's ChineseAnalyzer over title and body, the
    query parsed with OR-grouping, Whoosh's own BM25F. No facets, no snippets, no totals."""

    def __init__(self, index_dir: Path) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser, OrGroup

        self.searcher = index.open_dir(str(index_dir)).searcher()
        self.parser = MultifieldParser(["title", "body"], self.searcher.schema, group=OrGroup)

    def uncache(self) -> None:
        pass

    def search(self, text: str) -> tuple[int, list[str]]:
        hits = self.searcher.search(self.parser.parse(text), limit=LIMIT)
        return len(hits), [h["id"] for h in hits]


def worker_build_naive(data_dir: Path, index_dir: Path) -> dict[str, Any]:
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema

    start = time.perf_counter()
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    analyzer = ChineseAnalyzer()
    schema = Schema(
        id=ID(stored=True),
        title=TEXT(analyzer=analyzer, field_boost=2.0),
        body=TEXT(analyzer=analyzer),
    )
    writer = index.create_in(str(index_dir), schema).writer(limitmb=256)
    conn = sqlite3.connect(data_dir / "kiosk.sqlite3")
    count = 0
    for doc_id, title, body in conn.execute(
        "SELECT id, title, body_text FROM documents WHERE visibility = 'visible'"
    ):
        writer.add_document(id=doc_id, title=title or "", body=body or "")
        count += 1
    writer.commit()
    return {"seconds": time.perf_counter() - start, "docs": count, "maxrss_mb": _maxrss_mb(),
            "index_bytes": _dir_size(index_dir)}  # fmt: skip


def _open(engine: str, data_dir: Path) -> _Whoosh | _Fts | _Naive:
    if engine == "naive":
        return _Naive(data_dir / "naive-index")
    return _Whoosh(data_dir) if engine == "whoosh" else _Fts(data_dir / "fts5.sqlite3")


def worker_cold(engine: str, data_dir: Path, query: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    searcher = _open(engine, data_dir)
    t1 = time.perf_counter()
    _total, hits = searcher.search(query)
    t2 = time.perf_counter()
    print(json.dumps(hits, ensure_ascii=False), flush=True)  # the parent stops its clock here
    return {
        "open_s": t1 - t0,
        "first_query_s": t2 - t1,
        "hits": len(hits),
        "maxrss_mb": _maxrss_mb(),
    }


def worker_queries(
    engine: str, data_dir: Path, queries_file: Path, repeat: int, profile_out: Path | None
) -> dict[str, Any]:
    queries = load_queries(queries_file)
    searcher = _open(engine, data_dir)
    per_query: list[dict[str, Any]] = []
    for shape, text in queries:  # pass 0: first time each query is seen in this process
        start = time.perf_counter()
        try:
            total, hits = searcher.search(text)
            error = None
        except Exception as e:
            total, hits, error = 0, [], f"{type(e).__name__}: {e}"[:200]
        per_query.append({"shape": shape, "query": text, "first_ms": (time.perf_counter() - start) * 1000,
                          "total": total, "top": hits[:3], "error": error, "ms": []})  # fmt: skip
    for _ in range(repeat):
        for item in per_query:
            searcher.uncache()
            start = time.perf_counter()
            with contextlib.suppress(Exception):
                searcher.search(item["query"])
            item["ms"].append((time.perf_counter() - start) * 1000)
    cached = []
    for item in per_query:  # the same query twice in a row: what a cache hit costs
        try:
            searcher.search(item["query"])
            start = time.perf_counter()
            searcher.search(item["query"])
        except Exception:
            start = time.perf_counter()
        cached.append((time.perf_counter() - start) * 1000)
    result = {"queries": per_query, "cached_ms": cached, "maxrss_mb": _maxrss_mb()}
    if profile_out:
        profile_out.write_text(_profile_queries(searcher, per_query), encoding="utf-8")
    for item in per_query:
        item.pop("query")  # the parent has the list; keeps the JSON small
    return result


def _profile_queries(searcher: _Whoosh | _Fts | _Naive, per_query: list[dict[str, Any]]) -> str:
    """cProfile of the whole uncached loop, then of each shape, then of the five slowest queries."""
    parts = []

    def run(items: list[dict[str, Any]], rounds: int) -> cProfile.Profile:
        profile = cProfile.Profile()
        for _ in range(rounds):
            for item in items:
                searcher.uncache()
                profile.enable()
                with contextlib.suppress(Exception):
                    searcher.search(item["query"])
                profile.disable()
        return profile

    parts.append(_profile_text(run(per_query, 2), "all queries, 2 uncached rounds", 40))
    for shape in dict.fromkeys(item["shape"] for item in per_query):
        items = [i for i in per_query if i["shape"] == shape]
        parts.append(_profile_text(run(items, 3), f"shape {shape}, 3 rounds", 18))
    slowest = sorted(per_query, key=lambda i: -statistics.median(i["ms"]))[:5]
    for item in slowest:
        parts.append(
            _profile_text(
                run([item], 3), f"slow query {item['query'][:30]!r} ({item['shape']})", 18
            )
        )
    return "\n".join(parts)


# -- the parent -----------------------------------------------------------------------------------
def _cold(args: list[str], runs: int, stdin_line: str = "") -> dict[str, Any]:
    """Spawn ``args`` ``runs`` times; time from spawn to the first line on stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    times, details = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=ROOT)  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        if stdin_line:
            proc.stdin.write(stdin_line + "\n")
        proc.stdin.close()
        first = proc.stdout.readline()
        times.append(time.perf_counter() - start)
        rest = proc.stdout.read()
        proc.wait()
        if proc.returncode != 0 or not first:
            raise SystemExit(
                f"cold run {args[:4]} failed: {proc.stderr.read()[-2000:] if proc.stderr else ''}"
            )
        lines = [line for line in rest.splitlines() if line.startswith("{")]
        if lines:
            details.append(json.loads(lines[-1]))
    return {"median_s": statistics.median(times), "runs_s": times, "details": details}


def _visible_documents(data_dir: Path) -> int:
    with contextlib.closing(
        sqlite3.connect(f"file:{data_dir / 'kiosk.sqlite3'}?mode=ro", uri=True)
    ) as db:
        return int(
            db.execute("SELECT count(*) FROM documents WHERE visibility = 'visible'").fetchone()[0]
        )


def measure_data_dir(
    label: str, data_dir: Path, workdir: Path, args: argparse.Namespace, say: Any
) -> dict[str, Any]:
    """Cold opens and query latency over a data dir as it is: our index, and the FTS5 table and
    the naive index when the data dir has them (``naive`` only with ``args.naive``)."""
    me = [sys.executable, str(Path(__file__).resolve())]
    runs = args.cold_runs
    has_fts = (data_dir / "fts5.sqlite3").exists()
    has_naive = args.naive and (data_dir / "naive-index").is_dir()
    kiosk_search = [str(Path(sys.executable).with_name("kiosk")), "--data-dir", str(data_dir), "search", "-"]  # fmt: skip
    say("cold opens …")
    cold = {
        "whoosh": _cold([*me, "_cold", "whoosh", str(data_dir), "低保"], runs),
        "cli": _cold(kiosk_search, runs, "低保"),
        "cli_pinyin": _cold(kiosk_search, runs, "dibao"),
        "pinyin_first": _cold([*me, "_cold", "whoosh", str(data_dir), "dibao"], 1),
        "pinyin_cached": _cold([*me, "_cold", "whoosh", str(data_dir), "dibao"], runs),
    }
    if has_fts:
        cold["fts"] = _cold([*me, "_cold", "fts", str(data_dir), "低保"], runs)
    say("query latency …")
    profile = ["--profile", str(workdir / f"{label}-profile-search.txt")] if args.profile else []
    common = [str(data_dir), str(args.queries), str(args.repeat)]
    queries = {"whoosh": _child(["_queries", "whoosh", *common, *profile])}
    if has_fts:
        queries["fts"] = _child(["_queries", "fts", *common])
    if has_naive:
        queries["naive"] = _child(["_queries", "naive", *common])
        cold["naive"] = _cold([*me, "_cold", "naive", str(data_dir), "低保"], runs)
    return {"cold": cold, "queries": queries, "index_bytes_now": _dir_size(data_dir / "index")}


def run_dataset(label: str, jsonl: Path, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    data_dir = workdir / label
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    say = lambda msg: print(f"[{label}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    res: dict[str, Any] = {"label": label, "jsonl": str(jsonl)}

    if (
        jsonl.suffix == ".sqlite3"
    ):  # an existing store (e.g. /work/bench-data): copied, not imported
        say("copying the store …")
        source = sqlite3.connect(f"file:{jsonl}?mode=ro", uri=True)
        target = sqlite3.connect(data_dir / "kiosk.sqlite3")
        source.backup(target)
        target.close()
        source.close()
        res["import"] = None
    else:
        say("importing into the store …")
        res["import"] = _child(["_import", str(data_dir), str(jsonl)])
    src = sqlite3.connect(data_dir / "kiosk.sqlite3")
    docs, raw_bytes, raw_chars = src.execute(
        "SELECT count(*), sum(length(CAST(title AS BLOB)) + length(CAST(body_text AS BLOB))),"
        " sum(length(title) + length(body_text)) FROM documents WHERE visibility = 'visible'"
    ).fetchone()
    src.close()
    res.update(docs=docs, raw_bytes=raw_bytes, raw_chars=raw_chars)
    say(f"{docs} visible docs, {raw_chars / 1e6:.1f} M chars; building Whoosh index …")
    res["build"] = _child(
        ["_build_whoosh", str(data_dir), str(data_dir / "index"), str(args.build_procs)]
    )
    res["index_bytes"] = _dir_size(data_dir / "index")
    say(f"Whoosh build {res['build']['seconds']:.1f} s; building FTS5 baseline …")
    if args.build_only:
        return res
    res["fts_build"] = _child(["_build_fts", str(data_dir), str(data_dir / "fts5.sqlite3")])
    if args.naive:
        say("building the naive Whoosh + jieba baseline …")
        res["naive_build"] = _child(["_build_naive", str(data_dir), str(data_dir / "naive-index")])

    res.update(measure_data_dir(label, data_dir, workdir, args, say))
    res["index_bytes_after"] = res.pop("index_bytes_now")
    if args.profile:
        res["profiles"] = [str(workdir / f"{label}-profile-search.txt")]
    if args.profile_build:
        say("profiling the index build …")
        out = workdir / f"{label}-profile-build.txt"
        shutil.rmtree(data_dir / "index-profile", ignore_errors=True)
        res["build_profiled"] = _child(
            ["_build_whoosh", str(data_dir), str(data_dir / "index-profile"), "--profile", str(out)]
        )
        shutil.rmtree(data_dir / "index-profile", ignore_errors=True)
        res["profiles"] = [*res.get("profiles", []), str(out)]
    return res


# -- the report -----------------------------------------------------------------------------------
def _render_build(res: dict[str, Any], args: argparse.Namespace) -> str:
    """The index build alone (``--build-only``)."""
    build, docs, mb = res["build"], res["docs"], 1024 * 1024
    return "\n".join(
        [
            f"### {res['label']}: {docs:,} documents, raw text {res['raw_bytes'] / mb:.1f} MB UTF-8",
            "",
            "| index build (procs=" + str(args.build_procs) + ") | |",
            "|---|---:|",
            f"| time | {build['seconds']:.1f} s |",
            f"| CPU time (build + workers) | {build.get('cpu_s', 0):.1f} s |",
            f"| rate | **{docs / build['seconds']:.0f} docs/s** |",
            f"| peak RSS, build process | {build['maxrss_mb']:.0f} MB |",
            f"| peak RSS, largest worker | {build.get('children_maxrss_mb', 0):.0f} MB |",
            f"| index size on disk | {res['index_bytes'] / mb:.1f} MB |",
            f"| index / raw text | {res['index_bytes'] / res['raw_bytes']:.2f}× |",
            *[f"| phase: {name} | {s:.1f} s |" for name, s in build.get("phases_s", {}).items()],
            "",
        ]
    )


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}×" if base else "—"


def render(res: dict[str, Any], queries: list[tuple[str, str]], args: argparse.Namespace) -> str:
    mb = 1024 * 1024
    if args.build_only:
        return _render_build(res, args)
    ours_q, base_q = res["queries"]["whoosh"], res["queries"]["fts"]
    ours_ms = [m for q in ours_q["queries"] for m in q["ms"]]
    base_ms = [m for q in base_q["queries"] for m in q["ms"]]
    ours_first = [q["first_ms"] for q in ours_q["queries"]]
    base_first = [q["first_ms"] for q in base_q["queries"]]
    build, fts = res["build"], res["fts_build"]
    docs = res["docs"]
    cold = res["cold"]
    first = max(ours_q["queries"], key=lambda q: q["first_ms"])
    first_i = ours_q["queries"].index(first)
    imp = res["import"]
    imported = (
        f"Store import: {imp['seconds']:.1f} s = **{docs / imp['seconds']:.0f} docs/s** "
        f"(added {imp['added']}, quarantined {imp['quarantined']}, rejected {imp['rejected']}; "
        f"peak RSS {imp['maxrss_mb']:.0f} MB)."
        if imp
        else "Store copied from an existing data dir (no import timed)."
    )
    lines = [
        f"### {res['label']}: {docs:,} documents, raw text {res['raw_bytes'] / mb:.1f} MB UTF-8 "
        f"({res['raw_chars'] / 1e6:.2f} M chars)",
        "",
        f"Source `{res['jsonl']}`; {len(queries)} queries × {args.repeat} uncached rounds, limit {LIMIT}. "
        + imported,
        "",
        "| metric | Whoosh + jieba (ours) | SQLite FTS5 trigram | ours / baseline |",
        "|---|---:|---:|---:|",
        f"| index build time{' (procs=' + str(args.build_procs) + ')' if args.build_procs > 1 else ''} | {build['seconds']:.1f} s | {fts['seconds']:.1f} s | {_ratio(build['seconds'], fts['seconds'])} |",
        f"| index build rate | {docs / build['seconds']:.0f} docs/s | {docs / fts['seconds']:.0f} docs/s | "
        f"{_ratio(docs / build['seconds'], docs / fts['seconds'])} |",
        f"| index size on disk | {res['index_bytes'] / mb:.1f} MB | {fts['index_bytes'] / mb:.1f} MB | "
        f"{_ratio(res['index_bytes'], fts['index_bytes'])} |",
        f"| index size / raw text | {res['index_bytes'] / res['raw_bytes']:.2f} | {fts['index_bytes'] / res['raw_bytes']:.2f} | "
        f"{_ratio(res['index_bytes'], fts['index_bytes'])} |",
        f"| cold open → first answer (`低保`) | {cold['whoosh']['median_s'] * 1000:.0f} ms | {cold['fts']['median_s'] * 1000:.0f} ms | "
        f"{_ratio(cold['whoosh']['median_s'], cold['fts']['median_s'])} |",
        f"| query p50 | {_ms(_pct(ours_ms, 0.5))} ms | {_ms(_pct(base_ms, 0.5))} ms | {_ratio(_pct(ours_ms, 0.5), _pct(base_ms, 0.5))} |",
        f"| query p95 | {_ms(_pct(ours_ms, 0.95))} ms | {_ms(_pct(base_ms, 0.95))} ms | {_ratio(_pct(ours_ms, 0.95), _pct(base_ms, 0.95))} |",
        f"| query max | {_ms(max(ours_ms))} ms | {_ms(max(base_ms))} ms | {_ratio(max(ours_ms), max(base_ms))} |",
        f"| first time in the process: p50 | {_ms(_pct(ours_first, 0.5))} ms | {_ms(_pct(base_first, 0.5))} ms | {_ratio(_pct(ours_first, 0.5), _pct(base_first, 0.5))} |",
        f"| first time in the process: p95 | {_ms(_pct(ours_first, 0.95))} ms | {_ms(_pct(base_first, 0.95))} ms | {_ratio(_pct(ours_first, 0.95), _pct(base_first, 0.95))} |",
        f"| first time in the process: max | {_ms(max(ours_first))} ms | {_ms(max(base_first))} ms | {_ratio(max(ours_first), max(base_first))} |",
        f"| peak RSS, search process | {ours_q['maxrss_mb']:.0f} MB | {base_q['maxrss_mb']:.0f} MB | "
        f"{_ratio(ours_q['maxrss_mb'], base_q['maxrss_mb'])} |",
        f"| peak RSS, build process | {build['maxrss_mb']:.0f} MB | {fts['maxrss_mb']:.0f} MB | {_ratio(build['maxrss_mb'], fts['maxrss_mb'])} |",
        f"| peak RSS, largest build worker | {build.get('children_maxrss_mb', 0):.0f} MB | | |",
        f"| index build CPU time (build + workers) | {build.get('cpu_s', 0):.1f} s | | |",
        f"| queries with ≥ 1 hit | {sum(1 for q in ours_q['queries'] if q['top'])}/{len(queries)} | "
        f"{sum(1 for q in base_q['queries'] if q['top'])}/{len(queries)} | |",
        f"| queries that raised | {sum(1 for q in ours_q['queries'] if q['error'])} | "
        f"{sum(1 for q in base_q['queries'] if q['error'])} | |",
        "",
        "Our engine only: "
        f"`kiosk search -` cold (spawn → first JSON line, incl. start-up reconcile) **{cold['cli']['median_s'] * 1000:.0f} ms**; "
        f"harness breakdown: open {statistics.median(d['open_s'] for d in cold['whoosh']['details']) * 1000:.0f} ms, "
        f"first query {statistics.median(d['first_query_s'] for d in cold['whoosh']['details']) * 1000:.0f} ms; "
        f"cold with pinyin `dibao` first: {cold['pinyin_first']['median_s'] * 1000:.0f} ms the first time after a rebuild "
        f"(builds the pinyin cache), {cold['pinyin_cached']['median_s'] * 1000:.0f} ms after; "
        f"pinyin cache adds {(res['index_bytes_after'] - res['index_bytes']) / mb:.1f} MB to the index folder. "
        f"Slowest first-time query in a warm process: {_show(queries[first_i][1])} {first['first_ms']:.0f} ms. "
        f"Cached repeat p50 {_pct(ours_q['cached_ms'], 0.5):.2f} ms. "
        f"Baseline content table (the text FTS5 reads back) {fts['content_bytes'] / mb:.1f} MB, not counted above. "
        f"Median of {args.cold_runs} cold runs; page cache warm.",
        "",
        "| shape | n | ours p50 | ours p95 | ours max | base p50 | base max | ours ≥1 hit | base ≥1 hit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if "naive" in res["queries"]:
        nq, nb, nc = res["queries"]["naive"], res["naive_build"], cold["naive"]
        n_ms = [m for q in nq["queries"] for m in q["ms"]]
        lines[
            lines.index(
                "| shape | n | ours p50 | ours p95 | ours max | base p50 | base max | ours ≥1 hit | base ≥1 hit |"
            )
            - 1 : 0
        ] = [
            "",
            "Naive Whoosh + jieba (`ChineseAnalyzer`, OR-grouped `MultifieldParser`, no facets, "
            "totals or snippets), same documents and queries, same run:",
            "",
            "| metric | ours | naive Whoosh | ours / naive |",
            "|---|---:|---:|---:|",
            f"| index build rate | {docs / build['seconds']:.0f} docs/s | {docs / nb['seconds']:.0f} docs/s | {_ratio(build['seconds'], nb['seconds'])} (time) |",
            f"| index size / raw text | {res['index_bytes'] / res['raw_bytes']:.2f} | {nb['index_bytes'] / res['raw_bytes']:.2f} | {_ratio(res['index_bytes'], nb['index_bytes'])} |",
            f"| cold open → first answer | {cold['whoosh']['median_s'] * 1000:.0f} ms | {nc['median_s'] * 1000:.0f} ms | {_ratio(cold['whoosh']['median_s'], nc['median_s'])} |",
            f"| query p50 | {_ms(_pct(ours_ms, 0.5))} ms | {_ms(_pct(n_ms, 0.5))} ms | {_ratio(_pct(ours_ms, 0.5), _pct(n_ms, 0.5))} |",
            f"| query p95 | {_ms(_pct(ours_ms, 0.95))} ms | {_ms(_pct(n_ms, 0.95))} ms | {_ratio(_pct(ours_ms, 0.95), _pct(n_ms, 0.95))} |",
            f"| query max | {_ms(max(ours_ms))} ms | {_ms(max(n_ms))} ms | {_ratio(max(ours_ms), max(n_ms))} |",
            f"| peak RSS, search process | {ours_q['maxrss_mb']:.0f} MB | {nq['maxrss_mb']:.0f} MB | {_ratio(ours_q['maxrss_mb'], nq['maxrss_mb'])} |",
            f"| queries that raised | {sum(1 for q in ours_q['queries'] if q['error'])} | {sum(1 for q in nq['queries'] if q['error'])} | |",
        ]
    for shape in dict.fromkeys(s for s, _ in queries):
        idx = [i for i, (s, _) in enumerate(queries) if s == shape]
        o = [m for i in idx for m in ours_q["queries"][i]["ms"]]
        b = [m for i in idx for m in base_q["queries"][i]["ms"]]
        oh = sum(1 for i in idx if ours_q["queries"][i]["top"])
        bh = sum(1 for i in idx if base_q["queries"][i]["top"])
        lines.append(
            f"| {shape} | {len(idx)} | {_ms(_pct(o, 0.5))} | {_ms(_pct(o, 0.95))} | {_ms(max(o))} | "
            f"{_ms(_pct(b, 0.5))} | {_ms(max(b))} | {oh}/{len(idx)} | {bh}/{len(idx)} |"
        )
    lines += ["", "Slowest queries (ours, median of the uncached rounds):", "",
              "| query | shape | ours median ms | total hits | baseline median ms |", "|---|---|---:|---:|---:|"]  # fmt: skip
    order = sorted(
        range(len(queries)), key=lambda i: -statistics.median(ours_q["queries"][i]["ms"])
    )
    for i in order[:10]:
        o = ours_q["queries"][i]
        lines.append(
            f"| {_show(queries[i][1])} | {queries[i][0]} | {_ms(statistics.median(o['ms']))} | {o['total']} | "
            f"{_ms(statistics.median(base_q['queries'][i]['ms']))} |"
        )
    errors = [(queries[i][1], q["error"]) for i, q in enumerate(ours_q["queries"]) if q["error"]]
    if errors:
        lines += ["", "Queries that raised in our engine:", ""]
        lines += [f"- {_show(t)}: `{e}`" for t, e in errors]
    if res.get("profiles"):
        lines += ["", f"Profiles: {', '.join('`' + p + '`' for p in res['profiles'])}."]
    if res.get("build_profiled"):
        lines[-1] += f" (Build under cProfile: {res['build_profiled']['seconds']:.1f} s.)"
    return "\n".join(lines) + "\n"


def render_measured(
    label: str, data_dir: Path, res: dict[str, Any], args: argparse.Namespace
) -> str:
    """The report of ``--data-dir``: an existing data dir measured as it is, beside the FTS5
    table and the naive index where the data dir has them."""
    engines = [e for e in ("whoosh", "fts", "naive") if e in res["queries"]]
    names = {"whoosh": "ours", "fts": "SQLite FTS5 trigram", "naive": "naive Whoosh + jieba"}
    rounds = {e: [m for q in res["queries"][e]["queries"] for m in q["ms"]] for e in engines}
    first = {e: [q["first_ms"] for q in res["queries"][e]["queries"]] for e in engines}
    cold = res["cold"]

    def row(metric: str, cells: dict[str, str]) -> str:
        return f"| {metric} | " + " | ".join(cells.get(e, "") for e in engines) + " |"

    def each(values: dict[str, list[float]], q: float) -> dict[str, str]:
        return {e: _ms(_pct(v, q) if q < 1 else max(v)) + " ms" for e, v in values.items()}

    lines = [
        f"### {label}: `{data_dir}` as it is ({res['docs']:,} documents)",
        "",
        f"{len(res['queries']['whoosh']['queries'])} queries × {args.repeat} uncached rounds, "
        f"limit {LIMIT}; cold runs: median of {args.cold_runs}, page cache warm.",
        "",
        "| metric | " + " | ".join(names[e] for e in engines) + " |",
        "|---|" + "---:|" * len(engines),
        row(
            "query p50 / p95 / max",
            {e: " / ".join(each(rounds, q)[e] for q in (0.5, 0.95, 1)) for e in engines},
        ),
        row(
            "first time in the process p50 / p95 / max",
            {e: " / ".join(each(first, q)[e] for q in (0.5, 0.95, 1)) for e in engines},
        ),
        row(
            "peak RSS, search process",
            {e: f"{res['queries'][e]['maxrss_mb']:.0f} MB" for e in engines},
        ),
        row(
            "cold open → first answer (`低保`, harness)",
            {e: f"{cold[e]['median_s'] * 1000:.0f} ms" for e in engines if e in cold},
        ),
        row(
            "`kiosk search -` cold, spawn → first answer: `低保` / `dibao`",
            {
                "whoosh": f"{cold['cli']['median_s'] * 1000:.0f} / {cold['cli_pinyin']['median_s'] * 1000:.0f} ms"
            },
        ),
        row(
            "queries with ≥ 1 hit",
            {
                e: f"{sum(1 for q in res['queries'][e]['queries'] if q['top'])}/{len(first[e])}"
                for e in engines
            },
        ),
        "",
        "`kiosk search -` runs (s): `低保` "
        + ", ".join(f"{t:.2f}" for t in cold["cli"]["runs_s"])
        + "; `dibao` "
        + ", ".join(f"{t:.2f}" for t in cold["cli_pinyin"]["runs_s"]),
        "",
    ]
    return "\n".join(lines)


def _code_version() -> str:
    """The commit measured, and whether index/ or kiosk/ had uncommitted changes (of the code
    the workers import: PYTHONPATH may point at another checkout, to measure a baseline)."""
    import index

    code_root = Path(index.__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=code_root, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("log", "-1", "--format=%h %cI").strip() or "unknown"
    dirty = git("status", "--porcelain", "--", "index", "kiosk")
    return f"commit {head}" + (
        f", uncommitted changes in: {' '.join(line[3:] for line in dirty.splitlines())}"
        if dirty
        else ""
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):
        return _worker_main(argv)
    parser = argparse.ArgumentParser(
        description="Benchmark the kiosk search against SQLite FTS5 (trigram)."
    )
    parser.add_argument("--n", type=int, help="generate N documents with bench/gen_docs.py")
    parser.add_argument(
        "--jsonl", type=Path, action="append", default=[], help="a JSONL corpus (repeatable)"
    )
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--repeat", type=int, default=5, help="uncached rounds over the query list")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kiosk-bench"))
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument(
        "--mine", type=Path, help="let the generator borrow sentences from this JSONL"
    )
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument(
        "--build-procs",
        type=int,
        default=1,
        help="SearchIndex.rebuild(procs=P); default 1 as in the kiosk",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the query loop (per shape, slowest queries)",
    )
    parser.add_argument(
        "--profile-build",
        action="store_true",
        help="cProfile a second index build (about 2× slower)",
    )
    parser.add_argument(
        "--store",
        type=Path,
        action="append",
        default=[],
        help="an existing kiosk.sqlite3 to copy instead of importing (repeatable)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        action="append",
        default=[],
        help="measure an existing kiosk data dir as it is (no import, no build; repeatable)",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="only import (or copy) the store and build the index: the build figures",
    )
    parser.add_argument(
        "--no-naive",
        dest="naive",
        action="store_false",
        help="skip the naive Whoosh + jieba baseline (its build is slow)",
    )
    args = parser.parse_args(argv)
    if args.n is None and not args.jsonl and not args.store and not args.data_dir:
        args.n = 2000
    args.workdir.mkdir(parents=True, exist_ok=True)
    queries = load_queries(args.queries)
    datasets: list[tuple[str, Path]] = []
    if args.n:
        sys.path.insert(0, str(BENCH))
        from gen_docs import generate

        path = args.workdir / f"gen-{args.n}-s{args.seed}{'-mined' if args.mine else ''}.jsonl"
        start = time.perf_counter()
        with path.open("w", encoding="utf-8") as handle:
            for record in generate(args.n, args.seed, args.mine):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(
            f"generated {args.n} docs in {time.perf_counter() - start:.1f} s → {path}",
            file=sys.stderr,
        )
        datasets.append((f"generated-{args.n}{'-mined' if args.mine else ''}", path))
    datasets += [(p.stem, p) for p in args.jsonl]
    datasets += [(f"store-{p.parent.name}", p) for p in args.store]
    report = [
        f"## Search benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}",
        "",
        "Command: `" + " ".join([Path(sys.executable).name, "bench/search_bench.py", *argv]) + "`",
        "",
        f"Code: {_code_version()}",
        "",
    ]
    for data_dir in args.data_dir:
        label = f"data-{data_dir.name}"
        say = lambda msg, label=label: print(f"[{label}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
        result = measure_data_dir(label, data_dir, args.workdir, args, say)
        result["docs"] = _visible_documents(data_dir)
        (args.workdir / f"{label}-result.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        report.append(render_measured(label, data_dir, result, args))
    for label, path in datasets:
        result = run_dataset(label, path, args.workdir, args)
        (args.workdir / f"{label}-result.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        report.append(render(result, queries, args))
    text = "\n".join(report)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _worker_main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    profile_out = None
    if "--profile" in rest:
        at = rest.index("--profile")
        profile_out = Path(rest[at + 1])
        rest = rest[:at] + rest[at + 2 :]
    if command == "_import":
        result = worker_import(Path(rest[0]), Path(rest[1]))
    elif command == "_build_whoosh":
        result = worker_build_whoosh(
            Path(rest[0]), Path(rest[1]), profile_out, int(rest[2]) if len(rest) > 2 else 1
        )
    elif command == "_build_naive":
        result = worker_build_naive(Path(rest[0]), Path(rest[1]))
    elif command == "_build_fts":
        result = worker_build_fts(Path(rest[0]), Path(rest[1]))
    elif command == "_cold":
        result = worker_cold(rest[0], Path(rest[1]), rest[2])
    elif command == "_queries":
        result = worker_queries(rest[0], Path(rest[1]), Path(rest[2]), int(rest[3]), profile_out)
    else:
        raise SystemExit(f"unknown worker {command}")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
