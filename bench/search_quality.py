"""Search quality: success@3 per kind of villager query, for the engine and two baselines.

The development query set (``bench/quality_queries.jsonl``) was written by the team and judged by
reading the documents of ``../shared/corpus/real-gov-docs.jsonl``: each line holds a query, its
kind and the ids of the documents that answer it. A query succeeds when one of those documents is
among the first three results; a query of kind ``unanswerable`` (the corpus holds no answer)
succeeds when the engine does not claim a full match (``match`` of the first hit is not ``all``,
or there is no hit) — for the baselines, which cannot tell, only when they return nothing. For
``title`` and ``docnumber`` queries rank 1 is reported as well.

Compared in the same run, on the same documents:

- **engine** — the kiosk's :class:`index.SearchEngine` on a data dir made by ``kiosk import``;
- **whoosh-naive** — what a newcomer writes: Whoosh with jieba's ``ChineseAnalyzer`` over title
  and body, the query parsed with an OR group (``QueryParser(..., group=OrGroup)``), BM25F;
- **fts5** — SQLite FTS5 (``unicode61``) over jieba-segmented title and body, the query's jieba
  words ORed, ``ORDER BY bm25``.

Usage (from the repository root)::

    nice -n 10 .venv/bin/python bench/search_quality.py --out docs/search-quality.md

The data dir and both baseline indexes are kept in ``--workdir`` (default
``/tmp/kiosk-quality``) and reused while the corpus is unchanged; ``--fresh`` rebuilds the
engine's index (needed after a schema change, which also happens on its own at open).
``--show-failures`` prints each failed query with the engine's top three.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpus" / "real-gov-docs.jsonl"
DEFAULT_QUERIES = ROOT / "bench" / "quality_queries.jsonl"
KINDS = (
    "question",
    "spoken",
    "typo",
    "title",
    "docnumber",
    "region_year",
    "unanswerable",
)
_TOP = 3


@dataclass(frozen=True)
class Judged:
    kind: str
    query: str
    relevant: tuple[str, ...]
    #: True for a 发文字号 that names one document, or an exact title: rank 1 is required
    must_be_first: bool


def load_queries(path: Path) -> list[Judged]:
    judged: list[Judged] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        raw = json.loads(line)
        if raw["kind"] not in KINDS:
            raise SystemExit(f"{path}:{number}: unknown kind {raw['kind']!r}")
        relevant = tuple(raw.get("relevant", ()))
        if not relevant and raw["kind"] != "unanswerable":
            raise SystemExit(f"{path}:{number}: no relevant documents for {raw['q']!r}")
        first = raw["kind"] == "title" or (raw["kind"] == "docnumber" and len(relevant) == 1)
        judged.append(Judged(raw["kind"], raw["q"], relevant, first))
    return judged


class Searcher(Protocol):
    name: str

    def top(self, query: str) -> tuple[list[str], bool | None]:
        """Ids of the first three results, and whether the first claims a full match
        (``None`` when the engine cannot say)."""


class EngineSearcher:
    name = "engine"

    def __init__(self, data_dir: Path) -> None:
        from index import SearchEngine, SearchIndex
        from kiosk.store import Store

        self.engine = SearchEngine(SearchIndex(data_dir / "index"), Store.in_dir(data_dir))
        self.last: Any = None

    def top(self, query: str) -> tuple[list[str], bool | None]:
        results = self.engine.search(query, limit=_TOP, with_facets=False)
        self.last = results
        hits = results.hits
        if not hits:
            return [], False
        match = getattr(hits[0], "match", None)
        full = None if match is None else match == "all"
        if full is None and getattr(results, "relaxed", False):
            full = False
        return [h.id for h in hits], full


def _jieba_words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.cut_for_search(text) if w.strip()]


class NaiveWhoosh:
    """Whoosh + jieba as the documentation shows it, nothing more."""

    name = "whoosh-naive"

    def __init__(self, corpus: list[dict[str, Any]], path: Path) -> None:
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import MultifieldParser, OrGroup

        if not index.exists_in(str(path)):
            building = path.with_name(path.name + ".building")
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir(parents=True)
            analyzer = ChineseAnalyzer()
            schema = Schema(
                id=ID(stored=True),
                title=TEXT(analyzer=analyzer, field_boost=2.0),
                body=TEXT(analyzer=analyzer),
            )
            ix = index.create_in(str(building), schema)
            writer = ix.writer(limitmb=256)
            for doc in corpus:
                writer.add_document(id=doc["id"], title=doc["title"], body=doc["body"])
            writer.commit()
            shutil.rmtree(path, ignore_errors=True)
            building.rename(path)
        self.ix = index.open_dir(str(path))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=OrGroup)

    def top(self, query: str) -> tuple[list[str], bool | None]:
        try:
            parsed = self.parser.parse(query)
            hits = self.searcher.search(parsed, limit=_TOP)
        except Exception:  # a newcomer's parser raises on odd syntax; count it as no result
            return [], None
        return [h["id"] for h in hits], None


class Fts5:
    """SQLite FTS5 over jieba-segmented text, query words ORed, ranked by bm25."""

    name = "fts5"

    def __init__(self, corpus: list[dict[str, Any]], path: Path) -> None:
        if not path.exists():  # built beside, renamed when complete: a killed run leaves no stub
            building = path.with_suffix(".building")
            building.unlink(missing_ok=True)
            db = sqlite3.connect(building)
            db.execute("CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, title, body)")
            db.executemany(
                "INSERT INTO fts VALUES (?, ?, ?)",
                (
                    (d["id"], " ".join(_jieba_words(d["title"])), " ".join(_jieba_words(d["body"])))
                    for d in corpus
                ),
            )
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            db.commit()
            db.close()
            os.replace(building, path)
        self.db = sqlite3.connect(path)

    def top(self, query: str) -> tuple[list[str], bool | None]:
        words = [w.replace('"', "") for w in _jieba_words(query)]
        words = [w for w in words if w and any(c.isalnum() for c in w)]
        if not words:
            return [], None
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        rows = self.db.execute(
            "SELECT id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 0, 3.0, 1.0) LIMIT ?",
            (match, _TOP),
        ).fetchall()
        return [r[0] for r in rows], None


@dataclass
class Tally:
    total: int = 0
    success: int = 0
    first_total: int = 0
    first: int = 0


def evaluate(
    searcher: Searcher, queries: list[Judged], failures: list[str] | None = None
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for judged in queries:
        ids, full = searcher.top(judged.query)
        tally = tallies[judged.kind]
        tally.total += 1
        if judged.kind == "unanswerable":
            ok = not ids or full is False
        else:
            ok = any(i in judged.relevant for i in ids[:_TOP])
        if judged.must_be_first:
            tally.first_total += 1
            tally.first += bool(ids) and ids[0] in judged.relevant
        tally.success += ok
        if failures is not None and not ok:
            failures.append(f"[{judged.kind}] {judged.query} → {ids} (want {judged.relevant})")
    return tallies


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f} %" if whole else "–"


def render(
    results: dict[str, dict[str, Tally]], queries: list[Judged], meta: dict[str, str]
) -> str:
    names = list(results)
    lines = [
        "| kind | queries | " + " | ".join(f"{n} success@3" for n in names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    counts: dict[str, int] = defaultdict(int)
    for judged in queries:
        counts[judged.kind] += 1
    for kind in KINDS:
        if not counts[kind]:
            continue
        cells = [_pct(results[n][kind].success, results[n][kind].total) for n in names]
        lines.append(f"| {kind} | {counts[kind]} | " + " | ".join(cells) + " |")
    overall = [
        _pct(sum(t.success for t in results[n].values()), sum(t.total for t in results[n].values()))
        for n in names
    ]
    lines.append(f"| **overall** | {len(queries)} | " + " | ".join(overall) + " |")
    first = []
    for n in names:
        wins = sum(t.first for t in results[n].values())
        asked = sum(t.first_total for t in results[n].values())
        first.append(f"{wins}/{asked}")
    lines.append(
        "| rank 1: exact titles + unique 发文字号 | "
        f"{sum(1 for q in queries if q.must_be_first)} | " + " | ".join(first) + " |"
    )
    header = [f"- {k}: {v}" for k, v in meta.items()]
    return "\n".join(header) + "\n\n" + "\n".join(lines) + "\n"


def _engine_data_dir(corpus_path: Path, workdir: Path, fresh: bool) -> Path:
    from index import SearchIndex
    from kiosk.importer import import_paths
    from kiosk.store import Store

    digest = hashlib.sha256(corpus_path.read_bytes()).hexdigest()[:12]
    data_dir = workdir / f"engine-{digest}"
    store_file = data_dir / ".imported"
    if not store_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        report = import_paths(Store.in_dir(data_dir), [corpus_path])
        print(f"imported {report}", file=sys.stderr)
        store_file.write_text(digest)
        fresh = True
    store = Store.in_dir(data_dir)
    index = SearchIndex(data_dir / "index")
    if fresh:
        index.rebuild(store)
    else:
        index.reconcile(store)
    return data_dir


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kiosk-quality"))
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--fresh", action="store_true", help="rebuild the engine's index")
    parser.add_argument("--engine-only", action="store_true", help="skip the two baselines")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--kind", help="only queries of this kind")
    args = parser.parse_args(argv)

    queries = load_queries(args.queries)
    if args.kind:
        queries = [q for q in queries if q.kind == args.kind]
    corpus_path = args.corpus.resolve()
    corpus = [json.loads(line) for line in corpus_path.read_text(encoding="utf-8").splitlines()]
    known = {d["id"] for d in corpus}
    for judged in queries:
        missing = [i for i in judged.relevant if i not in known]
        if missing:
            raise SystemExit(f"{judged.query!r}: ids not in the corpus: {missing}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(corpus_path.read_bytes()).hexdigest()[:12]

    started = time.monotonic()
    searchers: list[Searcher] = [
        EngineSearcher(_engine_data_dir(corpus_path, args.workdir, args.fresh))
    ]
    if not args.engine_only:
        searchers.append(NaiveWhoosh(corpus, args.workdir / f"whoosh-naive-{digest}"))
        searchers.append(Fts5(corpus, args.workdir / f"fts5-{digest}.sqlite"))
    results: dict[str, dict[str, Tally]] = {}
    failures: list[str] = []
    for searcher in searchers:
        wanted = failures if args.show_failures and searcher.name == "engine" else None
        results[searcher.name] = evaluate(searcher, queries, wanted)
    dirty = _git("status", "--porcelain", "--", "index", "kiosk", "assets")
    meta = {
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (with uncommitted changes)" if dirty else ""),
        "corpus": f"{corpus_path.name} ({len(corpus)} documents, sha256 {digest})",
        "queries": f"{args.queries.name} ({len(queries)} queries)",
        "command": "nice -n 10 .venv/bin/python bench/search_quality.py"
        + (f" --out {args.out}" if args.out else ""),
        "run time": f"{time.monotonic() - started:.0f} s",
    }
    table = render(results, queries, meta)
    print(table)
    for line in failures:
        print(line)
    if args.out:
        _write_section(args.out, table)
    return 0


_BEGIN, _END = "<!-- quality-table:begin -->", "<!-- quality-table:end -->"


def _write_section(path: Path, table: str) -> None:
    """Replace the generated table between markers, keeping the prose around it."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{_BEGIN}\n{_END}\n"
    if _BEGIN not in text:
        text += f"\n{_BEGIN}\n{_END}\n"
    head, rest = text.split(_BEGIN, 1)
    _, tail = rest.split(_END, 1)
    path.write_text(f"{head}{_BEGIN}\n{table}{_END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
