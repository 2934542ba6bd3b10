"""What a search answers: result cards, facets and the results of one query, and their JSON.

Plain data with no index code behind it, so the touch UI, which only reads answers from the
search worker process (:mod:`index.worker`), loads this without Whoosh or numpy.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field
from typing import Any

from index.query import Concept, MatchKind

__all__ = ["Facet", "Hit", "SearchResults", "results_from_json", "results_to_json"]


@dataclass(frozen=True)
class Facet:
    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    """One result card."""

    id: str
    title: str
    score: float
    status: str
    category: str
    agency: str
    kind: str
    doc_number: str
    published: str  # ISO date or ""
    snippet: str
    #: (start, end) character ranges of query terms inside ``snippet``
    highlights: tuple[tuple[int, int], ...] = ()
    #: "all" when the document holds every concept asked for (or is the exact title or
    #: 发文字号 asked for), "partial" when only some
    match: MatchKind = "all"
    #: the concepts it holds, as typed (see :attr:`SearchResults.concepts`)
    matched: tuple[str, ...] = ()

    def snippet_html(self) -> str:
        """The snippet with query terms in ``<b>``, everything else escaped."""
        out, last = [], 0
        for start, end in self.highlights:
            out.append(html.escape(self.snippet[last:start]))
            out.append(f"<b>{html.escape(self.snippet[start:end])}</b>")
            last = end
        out.append(html.escape(self.snippet[last:]))
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 4),
            "status": self.status,
            "category": self.category,
            "agency": self.agency,
            "kind": self.kind,
            "doc_number": self.doc_number,
            "published": self.published,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
            "match": self.match,
            "matched": list(self.matched),
        }


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    #: a corrected query when the words look like homophone typos (低包 → 低保)
    did_you_mean: str | None = None
    #: words the pinyin in the query was read as (dibao → 低保)
    pinyin_words: list[str] = field(default_factory=list)
    #: the words searched for, after segmentation and synonyms (for highlighting in documents)
    terms: list[str] = field(default_factory=list)
    #: True when no document holds every concept: ``total`` and the facets count the documents
    #: holding some of them, and every hit is a partial match
    relaxed: bool = False
    #: True when ``total`` is an estimate ("约 N 篇"); counting is exact, so only when the
    #: safety net of :mod:`index.scoring` stopped a query early
    total_is_estimate: bool = False
    #: what was searched for: the concepts, with their alternatives and whether required
    concepts: list[Concept] = field(default_factory=list)
    #: partial matches ranked after the ``total`` full ones (hits go on into them)
    total_partial: int = 0
    #: the corrected text that was searched instead of the typed one (就业创叶 → 就业创业);
    #: ``query`` keeps what was typed, for a "search what I typed" tap
    corrected: str | None = None
    #: a place or year typed with the topic that narrowed the results ("重庆", "2021年")
    narrowed_to: list[str] = field(default_factory=list)
    #: a place or year that matched nothing, so results are shown without it ("湖南")
    not_found_for: list[str] = field(default_factory=list)


_HIT_FIELDS = {f.name: f for f in dataclasses.fields(Hit)}
#: Fields of SearchResults that stay in the worker: the query plan (Concept objects) is the
#: engine's own; the screen reads ``terms`` and each hit's ``match``/``matched``.
NOT_SENT = frozenset({"concepts"})
_RESULT_FIELDS = {f.name for f in dataclasses.fields(SearchResults)} - {"hits", "facets"} - NOT_SENT


# -- results as JSON (both ends) -------------------------------------------------------------
def results_to_json(results: SearchResults) -> dict[str, Any]:
    data = {name: getattr(results, name) for name in sorted(_RESULT_FIELDS)}
    # Hit.to_json rounds the score for people; the screen gets it exactly
    data["hits"] = [{**hit.to_json(), "score": hit.score} for hit in results.hits]
    data["facets"] = {
        name: [[f.value, f.count] for f in facets] for name, facets in results.facets.items()
    }
    return data


def results_from_json(data: dict[str, Any]) -> SearchResults:
    """The inverse of :func:`results_to_json` (:data:`NOT_SENT` fields keep their defaults);
    fields this side does not know are ignored."""
    values = {name: data[name] for name in _RESULT_FIELDS if name in data}
    values.setdefault("query", "")
    values.setdefault("total", 0)
    return SearchResults(
        hits=[_hit_from_json(h) for h in data.get("hits", [])],
        facets={
            str(name): [Facet(str(v), int(c)) for v, c in facets]
            for name, facets in (data.get("facets") or {}).items()
        },
        **values,
    )


def _hit_from_json(data: dict[str, Any]) -> Hit:
    values = {}
    for name, value in data.items():
        spec = _HIT_FIELDS.get(name)
        if spec is None:
            continue  # a field this side's Hit does not have
        # JSON has no tuples; Hit's tuple fields (highlights) are tuples of tuples
        values[name] = _tuples(value) if str(spec.type).startswith("tuple") else value
    return Hit(**values)


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
