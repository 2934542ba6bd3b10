"""Chinese full-text search over the store's visible documents (Whoosh, derived and rebuildable).

Public API:
    SearchIndex — open/create the on-disk index, catch up with the store, rebuild, check.
    SearchEngine — answer queries: ranked hits, facets, snippets, did-you-mean, suggestions.
"""

from index.engine import Facet, Hit, SearchEngine, SearchResults
from index.indexer import IndexStatus, SearchIndex

__all__ = ["Facet", "Hit", "IndexStatus", "SearchEngine", "SearchIndex", "SearchResults"]
