"""The Whoosh schema. Bump :data:`INDEX_VERSION` whenever it (or an analyzer) changes: an index
of another version is rebuilt from the store at start-up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.system import pack_uint

from index.analysis import BigramTokenizer, JiebaTokenizer

__all__ = ["INDEX_VERSION", "META_ID", "make_schema"]

INDEX_VERSION = 4

#: The id of the one bookkeeping document that records the last store change the index holds.
META_ID = "__meta__"


class CountedText(TEXT):
    """A TEXT field that counts its terms in one pass when indexing.

    Whoosh's own path makes a Token per term and counts them in Python dictionaries, half the
    build time; this writes the same postings (frequency, weight = frequency × field boost, the
    frequency as value) from the tokenizer's plain term list. Searching is unchanged.
    """

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        terms = getattr(self.analyzer, "terms", None)
        if terms is None or not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for term, freq in Counter(terms(value)).items():
            yield term.encode("utf-8"), freq, freq * boost, pack_uint(freq)


def make_schema() -> Schema:
    # phrase=False stores frequency postings without positions: half the size of positional postings and faster to read.
    # Phrases are approximated by requiring every bigram, which is exact enough for short queries.
    words = JiebaTokenizer()
    grams = BigramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=CountedText(analyzer=words, phrase=False, stored=True, field_boost=3.0),
        title_bi=CountedText(analyzer=grams, phrase=False, field_boost=2.0),
        body=CountedText(analyzer=words, phrase=False),
        body_bi=CountedText(analyzer=grams, phrase=False, vector=None),
        # exact-match keys
        title_key=ID(),
        # tagged exact-title keys (index/titles.py: 0:中华人民共和国社会保险法 1:社会保险法 …)
        title_keys=KEYWORD(),
        docno=ID(stored=True),
        # every key the 发文字号 is looked up by (kiosk/docnumber.py: 国务院令第588号 令第588号)
        docno_keys=KEYWORD(),
        index_no=ID(stored=True),
        # facets and filters (sortable = column storage, read without loading stored fields)
        category=ID(stored=True, sortable=True),
        agency=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        status=ID(stored=True, sortable=True),
        year=NUMERIC(stored=True, sortable=True, signed=False, bits=32),
        published=NUMERIC(stored=True, sortable=True, signed=False, bits=32),  # yyyymmdd
        region=KEYWORD(stored=True, commas=True),
        # on the bookkeeping document only: {"seq": last store change, "version": INDEX_VERSION}
        meta=STORED(),
    )
