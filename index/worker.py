"""The search worker: one process that owns a :class:`SearchEngine` and answers JSON lines.

Scoring is pure Python and holds the GIL, so a search on a thread of the kiosk's own process
still stalls its screen; the touch UI runs this module as its own process instead
(``python -m index.worker --data-dir D``, driven by :mod:`ui.search_worker`). ``kiosk search -``
speaks the same lines (:func:`serve`), so the protocol can be tried by hand.

One request a line on stdin, one answer a line on stdout, in order:

- a plain line is a query; the answer is a JSON array of hits (:meth:`Hit.to_json`), no facets;
- a JSON object is a request, answered by one JSON object carrying the request's ``tag``::

      {"tag": 7, "op": "search", "q": "低保", "filters": {"status": "valid"},
       "limit": 20, "offset": 0, "facets": true, "correct": true}
      → {"tag": 7, "ok": true, "result": {"total": 81, "hits": [...], "facets": {...}, ...}}
      → {"tag": 7, "ok": false, "error": "ValueError: …"}

  ``op`` is ``search`` (the default), ``suggest`` (``q``, ``limit``: a list of words), ``pinyin``
  (``q`` = typed letters, ``limit``: ``[[word, full pinyin], …]``), ``synonyms`` (``lines``: the
  librarian's own synonym lines, from the next search on), ``counts`` (indexed documents by
  category, kind and status: ``{"category": {"社会救助": 812, …}, "kind": {…}, "status": {…}}``,
  exact at any size, unlike facets, which are counted over the first matches) or ``warm`` (opens
  the pinyin vocabulary and runs one search; ``{"documents": N}``; ``queries``: searches to warm
  up while idle, see :mod:`index.warmup`); for the 手写 pad, ``rank``
  (``chars`` from the recogniser, ``before`` = text before the cursor: the characters reordered,
  those that fit the index's words first) and ``complete`` (``before``: ``[[word, rest], …]``).

Either side ignores fields it does not know, so both may grow: results carry whatever
:meth:`Hit.to_json` writes, and :func:`results_from_json` keeps every field :class:`Hit` declares.
Before it answers anything the worker brings the index level with the store (the start-up check
of :meth:`SearchIndex.reconcile`: usually nothing to do, a catch-up after a crash, a rebuild after
an upgrade), so the kiosk's screen is up while that runs. A long check reports how far it got on
lines without a tag, ``{"progress": [done, total]}``; the engine sees each later commit (a sync)
on its next search.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import select
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from index.engine import SearchEngine
from index.results import results_from_json, results_to_json
from index.warmup import WARM_QUERY, Warmer
from kiosk import handwriting

__all__ = ["answer", "main", "results_from_json", "results_to_json", "serve"]

log = logging.getLogger(__name__)

#: Seconds between looks at the index while idle (a sync's commit means warming up again).
_IDLE_CHECK_S = 2.0
#: Warm-up waits until no request came for this long (someone using the kiosk goes first).
_QUIET_S = 1.0
#: Columns ``counts`` counts (Home's tiles).
COUNTED = ("category", "kind", "status")


# -- answering -------------------------------------------------------------------------------
def answer(
    engine: SearchEngine,
    line: str,
    filters: dict[str, str] | None = None,
    limit: int = 10,
    correct: bool = True,
    warmer: Warmer | None = None,
) -> str:
    """The answer line (without newline) to one request line.

    ``filters``, ``limit`` and ``correct`` apply to plain-line queries (``kiosk search
    --category … -``); a request object carries its own.
    """
    request = _request(line)
    if request is None:
        results = engine.search(
            line, filters=filters, limit=limit, with_facets=False, correct=correct
        )
        return json.dumps([h.to_json() for h in results.hits], ensure_ascii=False)
    tag = request.get("tag")
    try:
        reply: dict[str, Any] = {"tag": tag, "ok": True, "result": _run(engine, request, warmer)}
    except Exception as e:  # one bad request must not end the worker
        log.exception("search worker request failed: %.200s", line)
        reply = {"tag": tag, "ok": False, "error": f"{type(e).__name__}: {e}"}
    return json.dumps(reply, ensure_ascii=False)


def _request(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        request = json.loads(line)
    except ValueError:
        return None  # a query that happens to start with a brace
    return request if isinstance(request, dict) else None


def _run(engine: SearchEngine, request: dict[str, Any], warmer: Warmer | None) -> Any:
    op = request.get("op", "search")
    text = str(request.get("q", ""))
    if op == "search":
        results = engine.search(
            text,
            filters={str(k): str(v) for k, v in (request.get("filters") or {}).items()},
            limit=int(request.get("limit", 20)),
            offset=int(request.get("offset", 0)),
            with_facets=bool(request.get("facets", True)),
            correct=bool(request.get("correct", True)),
        )
        return results_to_json(results)
    if op == "suggest":
        return engine.suggest(text, int(request.get("limit", 8)))
    if op == "pinyin":
        vocab = engine.vocabulary
        words = engine.pinyin_candidates(text, int(request.get("limit", 10)))
        return [[w, vocab.pinyin.get(w, ("", ""))[0]] for w in words]
    if op == "synonyms":
        engine.set_local_synonyms([str(x) for x in request.get("lines", [])])
        return True
    if op == "rank":  # handwriting candidates, those that fit the index's words first
        chars = [str(c) for c in request.get("chars", [])]
        has_prefix = engine.vocabulary.has_prefix
        return handwriting.rank_by_vocabulary(chars, str(request.get("before", "")), has_prefix)
    if op == "complete":
        return _completions(engine, str(request.get("before", "")))
    if op == "counts":
        return _counts(engine)
    if op == "warm":
        if warmer is not None:
            warmer.want([str(q) for q in request.get("queries", [])])
        _ = engine.vocabulary
        # one search loads the code and index pages every search needs, so the villager's
        # first search is not the slow one
        engine.search(WARM_QUERY, limit=1)
        return {"documents": engine.document_count()}
    raise ValueError(f"unknown op {op!r}")


def _completions(engine: SearchEngine, before: str) -> list[tuple[str, str]]:
    """Words of the index that continue ``before`` (低 → 低保, 低保金), as (word, rest)."""
    tail = handwriting.word_tail(before)
    vocabulary = engine.vocabulary
    for k in range(len(tail), 0, -1):
        words = vocabulary.completions(tail[-k:], 10)
        if words:
            return [(word, word[k:]) for word in words]
    return []


_counted: dict[tuple[str, int], dict[str, dict[str, int]]] = {}


def _counts(engine: SearchEngine) -> dict[str, dict[str, int]]:
    """Documents per value of each :data:`COUNTED` column, read from the columns themselves.

    A pass over every document (≈ 0.1 s per 100,000), so the answer is kept per index generation.
    """
    ix = engine.index.open()
    key = (str(engine.index.path), int(ix.latest_generation()))
    if key not in _counted:
        with ix.reader() as reader:
            columns = {n: reader.column_reader(n) for n in COUNTED if reader.has_column(n)}
            counts: dict[str, Counter[str]] = {name: Counter() for name in COUNTED}
            for docnum in reader.all_doc_ids():  # deleted documents are left out
                for name, column in columns.items():
                    counts[name][column[docnum]] += 1
        _counted.clear()
        _counted[key] = {
            name: {str(v): n for v, n in counter.most_common() if v}
            for name, counter in counts.items()
        }
    return _counted[key]


def serve(
    engine: SearchEngine,
    lines: Iterable[str],
    out: IO[str],
    filters: dict[str, str] | None = None,
    limit: int = 10,
    correct: bool = True,
    warmer: Warmer | None = None,
) -> None:
    """Answer each line of ``lines`` on ``out``, flushing after each, until the input ends."""
    for line in lines:
        out.write(answer(engine, line.rstrip("\r\n"), filters, limit, correct, warmer) + "\n")
        out.flush()


def requests_between_warm_ups(fd: int, warmer: Warmer) -> Iterator[str]:
    """The lines arriving on ``fd``; once none came for :data:`_QUIET_S`, one warm-up step at a
    time. A request that arrives during a step waits for that step only (one search).
    """
    buffer = b""
    last_request = time.monotonic()
    while True:
        if b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8", "replace")
            last_request = time.monotonic()
            continue
        warming = warmer.pending()
        quiet_for = time.monotonic() - last_request
        wait = max(0.0, _QUIET_S - quiet_for) if warming else _IDLE_CHECK_S
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            if warming and time.monotonic() - last_request >= _QUIET_S:
                warmer.step()
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:  # the kiosk closed our input: finish
            if buffer:
                yield buffer.decode("utf-8", "replace")
            return
        buffer += chunk


def _report_progress(out: IO[str], done: int, total: int) -> None:
    out.write(json.dumps({"progress": [done, total]}) + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> None:
    """``python -m index.worker --data-dir D``: serve stdin until it closes."""
    parser = argparse.ArgumentParser(prog="python -m index.worker", description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from kiosk.app import KioskContext

    context = KioskContext(args.data_dir)
    with open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False) as stdout:
        try:
            context.reconcile_index(partial(_report_progress, stdout))
            engine = context.engine(reconcile=False)
            warmer = Warmer(engine, context.store())
            lines = requests_between_warm_ups(sys.stdin.fileno(), warmer)
            serve(engine, lines, stdout, warmer=warmer)
        finally:
            context.close()


if __name__ == "__main__":
    main()
