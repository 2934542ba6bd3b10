"""The search worker's line protocol (index/worker.py), on the real demo index, in this process
and as the real ``python -m index.worker`` process."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from index import SearchResults
from index.results import NOT_SENT, results_from_json, results_to_json
from index.warmup import Warmer
from index.worker import answer, requests_between_warm_ups, serve
from kiosk.app import KioskContext


@pytest.mark.parametrize("query", ["低保", "dibao", "低包", "火星移民", "国办发[2018]129号"])
def test_results_survive_the_line_protocol(demo_context: KioskContext, query: str) -> None:
    results = demo_context.engine().search(query, limit=5)
    line = json.dumps(results_to_json(results), ensure_ascii=False)
    assert results_from_json(json.loads(line)) == _as_sent(results)


def test_fields_one_side_does_not_know_are_ignored(demo_context: KioskContext) -> None:
    results = demo_context.engine().search("低保", limit=3)
    data = results_to_json(results)
    data["ranking_note"] = "a field a newer worker sends"
    for hit in data["hits"]:
        hit["matched"] = ["低保"]
        hit["match"] = "all"
    assert results_from_json(data) == _as_sent(results)


def _as_sent(results: SearchResults) -> SearchResults:
    return replace(results, **{name: [] for name in NOT_SENT})


def test_tagged_requests_are_answered_with_their_tag(demo_context: KioskContext) -> None:
    engine = demo_context.engine()
    search = json.loads(
        answer(engine, json.dumps({"tag": 7, "q": "低保", "filters": {"status": "valid"}}))
    )
    assert search["tag"] == 7 and search["ok"] is True
    assert search["result"]["total"] > 0 and search["result"]["facets"]["category"]
    assert all(h["status"] == "valid" for h in search["result"]["hits"])
    pinyin = json.loads(answer(engine, '{"tag": 8, "op": "pinyin", "q": "dibao"}'))
    assert ["低保", "dibao"] in pinyin["result"]
    bad = json.loads(answer(engine, '{"tag": 9, "op": "no-such-op"}'))
    assert bad == {"tag": 9, "ok": False, "error": "ValueError: unknown op 'no-such-op'"}
    # a plain line is still a query, also one that starts with a brace
    assert isinstance(json.loads(answer(engine, "{低保")), list)


def test_counts_are_exact_per_visible_document(demo_context: KioskContext) -> None:
    store = demo_context.store()
    engine = demo_context.engine()
    counts = json.loads(answer(engine, '{"tag": 1, "op": "counts"}'))["result"]
    visible = list(store.iter_visible())
    assert counts["category"] == dict(Counter(d.category for d in visible if d.category))
    assert counts["status"] == dict(Counter(d.status for d in visible))
    assert sum(counts["kind"].values()) == len(visible) == store.count_visible()


def test_serve_answers_each_line_in_order(demo_context: KioskContext) -> None:
    out = io.StringIO()
    lines = ['{"tag": 1, "op": "suggest", "q": "低"}\n', "医保\n", '{"tag": 2, "op": "warm"}\n']
    serve(demo_context.engine(), lines, out)
    first, second, third = (json.loads(x) for x in out.getvalue().splitlines())
    assert first["tag"] == 1 and all(w.startswith("低") for w in first["result"])
    assert isinstance(second, list) and second
    documents = demo_context.store().count_visible()
    assert third == {"tag": 2, "ok": True, "result": {"documents": documents}}


def _worker_lines(data_dir: Path, requests: str, timeout: float) -> list[Any]:
    """The JSON lines the real ``python -m index.worker`` writes for ``requests``."""
    done = subprocess.run(
        [sys.executable, "-m", "index.worker", "--data-dir", str(data_dir)],
        input=requests.encode(),
        capture_output=True,
        timeout=timeout,
        check=True,
    )
    return [json.loads(x) for x in done.stdout.decode().splitlines()]


def test_the_worker_process_serves_stdin_until_it_closes(demo_dir: Path) -> None:
    requests = '{"tag": 1, "op": "warm"}\n{"tag": 2, "q": "低保", "limit": 2}\n'
    answers = _worker_lines(demo_dir, requests, timeout=60)
    assert [a["tag"] for a in answers] == [1, 2]
    assert len(answers[1]["result"]["hits"]) == 2


def test_the_worker_brings_the_index_level_before_it_answers(demo_copy: Path) -> None:
    """`kiosk run` shows the screen first; the worker does the start-up index check (here a
    rebuild: the index is gone, as after an upgrade) and says how far it got."""
    shutil.rmtree(demo_copy / "index")
    lines = _worker_lines(demo_copy, '{"tag": 1, "q": "低保", "limit": 2}\n', timeout=120)
    progress = [line["progress"] for line in lines if "progress" in line]
    assert progress and progress[-1][0] == progress[-1][1] > 0
    (answer,) = [line for line in lines if "tag" in line]
    assert answer["ok"] and answer["result"]["total"] > 0


def test_while_idle_the_worker_warms_the_tiles_and_this_kiosks_frequent_searches(
    demo_copy: Path,
) -> None:
    context = KioskContext(demo_copy)
    store = context.store()
    for _ in range(3):
        store.count_usage("search", "医疗救助")
    engine = context.engine(reconcile=False)
    warmer = Warmer(engine, store)
    warmer.want(["低保"])  # a Home tile
    read_end, write_end = os.pipe()

    def request_once_idle() -> None:
        while warmer._generation is None or warmer._todo:  # still warming up
            time.sleep(0.01)
        os.write(write_end, b'{"tag": 1, "q": "\xe4\xbd\x8f\xe6\x88\xbf"}\n')  # 住房

    typist = threading.Thread(target=request_once_idle)
    typist.start()
    try:
        lines = requests_between_warm_ups(read_end, warmer)
        assert json.loads(next(lines)) == {"tag": 1, "q": "住房"}
    finally:
        typist.join()
        os.close(read_end)
        os.close(write_end)
    assert engine.is_cached("低保") and engine.is_cached("医疗救助")
    assert not engine.is_cached("住房")
    # a sync's commit: the searches are warmed again on the new index
    doc_id = engine.search("低保", limit=1).hits[0].id
    with store.write() as tx:
        tx.set_visibility(doc_id, "hidden", actor="test", action="hide", note=None)
    context.catch_up_index()
    assert not engine.is_cached("低保")
    assert warmer.pending()
    warmer.run_all()
    assert engine.is_cached("低保")
    context.close()


def test_the_search_process_warms_up_and_reads_typos_without_pypinyin(demo_dir: Path) -> None:
    """pypinyin's tables cost a search process ≈ 55 MB: the saved vocabulary answers instead."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from index.warmup import Warmer\n"
        "from kiosk.app import KioskContext\n"
        "context = KioskContext(Path(sys.argv[1]))\n"
        "engine = context.engine()\n"
        "Warmer(engine, context.store()).run_all()\n"
        "print(json.dumps([engine.search('低包').corrected, 'pypinyin' in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(demo_dir)], capture_output=True, timeout=60, check=True
    )
    assert json.loads(done.stdout.decode().splitlines()[-1]) == ["低保", False]
