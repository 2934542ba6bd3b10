"""The scorer core alone at N documents, on synthetic posting lists (no Whoosh, no store).

What :func:`index.scoring.rank` costs for a few query shapes when every term's postings are already
in memory — the part of a query that grows with the collection. The first round builds the posting
lists and the per-alternative scores; the rounds timed reuse them, as a warm kiosk does for the
head words of its villagers' queries. Posting lists are random: "common"
terms hold 70 % of the documents, "mid" 10 %, "rare" 0.5 %.

    .venv/bin/python bench/scorer_bench.py --n 200000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.query import Concept
from index.scoring import (
    AlternativePlan,
    Buffers,
    Clause,
    ConceptPlan,
    IndexArrays,
    Plan,
    PostingCache,
    rank,
)

_SHARE = {"c": 0.7, "m": 0.1, "r": 0.005}


class _SyntheticArrays(IndexArrays):
    """IndexArrays over random posting lists; a term's first letter says how common it is."""

    def __init__(self, size: int, seed: int) -> None:  # no reader: nothing of the base is read
        self.size = self.count = size
        self.live = np.ones(size, dtype=np.bool_)
        self.status_factor = np.ones(size)
        self.buffers = Buffers(size)
        self._alternatives = PostingCache()
        self._rng = np.random.default_rng(seed)
        self._terms: dict[tuple[str, str], tuple[Any, Any]] = {}

    def term_scores(self, fieldname: str, term: str) -> tuple[Any, Any]:
        key = (fieldname, term)
        if key not in self._terms:
            ids = np.flatnonzero(self._rng.random(self.size) < _SHARE[term[0]]).astype(np.int32)
            self._terms[key] = (ids, self._rng.random(len(ids)) + 0.1)
        return self._terms[key]


def _concept(name: str, kinds: str) -> ConceptPlan:
    """One concept with an alternative per letter of ``kinds``: word clauses and a 2-bigram group."""
    alternatives = []
    for i, kind in enumerate(kinds):
        word, grams = f"{kind}{name}{i}", (f"{kind}{name}a", f"{kind}{name}b")
        clauses = (
            Clause("title", (word,), 1.0),
            Clause("body", (word,), 1.0),
            Clause("title_bi", grams, 0.5),
            Clause("body_bi", grams, 0.3),
        )
        alternatives.append(AlternativePlan(word, 1.0, clauses))
    return ConceptPlan(Concept(name), tuple(alternatives), True)


SHAPES = {
    "1 common concept": [_concept("x", "c")],
    "1 mid concept, 4 alternatives": [_concept("y", "mmmm")],
    "3 concepts: common, mid, rare": [_concept("p", "c"), _concept("q", "m"), _concept("r", "r")],
    "5 concepts, 2 alternatives each": [_concept(n, "cm") for n in "abcde"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    arrays = _SyntheticArrays(args.n, args.seed)
    print(f"Scorer core, {args.n:,} documents, median of {args.rounds} rounds (postings in memory)")
    for name, concepts in SHAPES.items():
        plan = Plan(tuple(concepts))
        rank(arrays, plan, 10)  # makes the posting lists
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            rank(arrays, plan, 10)
            times.append(time.perf_counter() - start)
        print(f"- {name}: {statistics.median(times) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
