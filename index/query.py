"""The query model: what the engine searches for, once the text has been understood.

A query is a list of :class:`Concept` s — the things the person asked for — each with every
:class:`Alternative` way it may be written in a document (the word typed, its synonyms, the word a
pinyin spelling stands for, a typo's correction). Documents are ranked by how many concepts they
cover, weighted by each concept's rarity, and only then by BM25F (DESIGN.md "Search query model").
A concept marked ``required=False`` (a question word such as 怎么 or 是多少) adds to the score of
the documents that hold it but never decides coverage: "X 怎么申请" finds the regulation on X.

The understanding of the text (segmentation, synonyms, corrections, function words) builds these
objects; :mod:`index.scoring` reads the postings for them. Nothing here touches the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Alternative", "AlternativeKind", "Concept", "ConceptMatch", "MatchKind"]

#: Where an alternative came from; only for display and for tuning its weight.
AlternativeKind = Literal["word", "synonym", "pinyin", "correction", "variant"]
#: How well one result matched: every required concept, or only some of them.
MatchKind = Literal["all", "partial"]


@dataclass(frozen=True)
class Alternative:
    """One way a concept may appear in a document.

    Attributes:
        text: the form looked up, already folded (lower case, NFKC), e.g. 最低生活保障.
        kind: where it came from (the word typed, a synonym, a pinyin reading, a correction).
        weight: multiplies this form's BM25F score; the best-scoring alternative counts.
        bigrams: also match the form as all of its CJK bigrams, for documents the word
            segmenter split differently (names, rare terms). ``None`` lets the engine decide:
            yes for the form typed and for forms the word fields do not hold.
    """

    text: str
    kind: AlternativeKind = "word"
    weight: float = 1.0
    bigrams: bool | None = None


@dataclass(frozen=True)
class Concept:
    """One thing the person asked for, with every way it may be written.

    Attributes:
        text: the concept as the person typed it (shown as "matched" on results).
        alternatives: the forms that count as this concept, the typed form usually first.
        required: ``False`` for function words (怎么, 是多少 …): they score but never decide
            whether a document matched everything.
        rarity: the concept's weight in coverage; ``None`` means computed from the index
            (the BM25 idf of the documents holding any alternative), the usual case.
    """

    text: str
    alternatives: tuple[Alternative, ...] = ()
    required: bool = True
    rarity: float | None = None

    @classmethod
    def of(
        cls, text: str, forms: list[str] | tuple[str, ...] = (), *, required: bool = True
    ) -> Concept:
        """A concept for ``text`` and its synonym ``forms`` (``text`` first, duplicates dropped)."""
        seen = dict.fromkeys([text, *forms])
        alternatives = tuple(
            Alternative(form, "word" if form == text else "synonym") for form in seen if form
        )
        return cls(text, alternatives, required=required)

    @property
    def forms(self) -> list[str]:
        return [a.text for a in self.alternatives]


@dataclass(frozen=True)
class ConceptMatch:
    """Which concepts one result holds, as the results screen and ``--json`` report it."""

    match: MatchKind
    matched: tuple[str, ...] = field(default_factory=tuple)
