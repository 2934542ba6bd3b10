"""Chinese full-text search over the store's visible documents (Whoosh, derived and rebuildable).

Public API:
    SearchIndex — open/create the on-disk index, catch up with the store, rebuild, check.
    SearchEngine — answer queries: ranked hits, facets, snippets, did-you-mean, suggestions.
    Facet, Hit, SearchResults — what a search answers (:mod:`index.results`, plain data).

The names are loaded on first use: the touch UI reads search answers (index.results) without
loading Whoosh and numpy, which only its search worker process needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.engine import SearchEngine
    from index.indexer import IndexStatus, SearchIndex
    from index.results import Facet, Hit, SearchResults

__all__ = ["Facet", "Hit", "IndexStatus", "SearchEngine", "SearchIndex", "SearchResults"]

_HOMES = {
    "Facet": "index.results",
    "Hit": "index.results",
    "SearchResults": "index.results",
    "SearchEngine": "index.engine",
    "IndexStatus": "index.indexer",
    "SearchIndex": "index.indexer",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
