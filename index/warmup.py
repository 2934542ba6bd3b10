"""What the search worker does while nobody is waiting for it: warm the engine up.

A villager's first search for a common topic used to pay for reading its posting lists from disk
(at 200,000 documents tens of milliseconds per common word). The worker answers every request
first; between requests :class:`Warmer` runs one step at a time: the vocabulary (its saved
pinyin tables spare the search process pypinyin), the index's per-document arrays, then the searches people
ask for most — the Home tiles the screen sends and this kiosk's most frequent searches of the
last 90 days — in the very shape of the results screen's first page, so those answers come from
the result cache. After each commit (a sync) the steps run again on the new index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.engine import SearchEngine
    from kiosk.store import Store

__all__ = ["WARM_QUERY", "Warmer"]

#: The search that loads the code and index pages every search needs (the worker's first).
WARM_QUERY = "低保"
#: This kiosk's most frequent searches warmed (after the ones the screen sends).
TOP_SEARCHES = 20
USAGE_DAYS = 90
#: The results screen's first page (ui/screens/results.py PAGE_SIZE).
RESULT_PAGE = 20


class Warmer:
    """Warm-up steps for one engine; :meth:`pending` refills them after each commit."""

    def __init__(self, engine: SearchEngine, store: Store | None = None) -> None:
        self.engine = engine
        self.store = store
        self.queries: list[str] = []
        self._generation: int | None = None
        self._todo: deque[Callable[[], Any]] = deque()

    def want(self, queries: list[str]) -> None:
        """Warm these searches (the screen's tiles) before the most frequent ones."""
        self.queries = [q for q in dict.fromkeys(str(q).strip() for q in queries) if q]
        self._generation = None  # plan again at the next pending()

    def pending(self) -> bool:
        generation = self.engine.generation()
        if generation != self._generation:
            self._generation = generation
            self._todo = deque(self._steps())
        return bool(self._todo)

    def step(self) -> None:
        if self._todo:
            self._todo.popleft()()

    def run_all(self) -> None:
        while self.pending():
            self.step()

    def _steps(self) -> Iterator[Callable[[], Any]]:
        yield lambda: self.engine.vocabulary
        # the new reader's per-document arrays (live documents, lengths, facet columns)
        yield partial(self.engine.search, WARM_QUERY, limit=1)
        for query in self._queries():
            yield partial(self.engine.search, query, limit=RESULT_PAGE)

    def _queries(self) -> list[str]:
        frequent: Counter[str] = Counter()
        if self.store is not None:
            today = dt.date.today()
            since = today - dt.timedelta(days=USAGE_DAYS)
            for _day, key, count in self.store.usage("search", since, today):
                frequent[key] += count
        top = [q for q, _ in frequent.most_common(TOP_SEARCHES)]
        return list(dict.fromkeys([*self.queries, *top]))
