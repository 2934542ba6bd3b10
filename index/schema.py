"""The Whoosh schema. Bump :data:`INDEX_VERSION` whenever it (or an analyzer) changes: an index
of another version is rebuilt from the store at start-up."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from index.analysis import BigramTokenizer, JiebaTokenizer

__all__ = ["INDEX_VERSION", "META_ID", "make_schema"]

INDEX_VERSION = 4

#: The id of the one bookkeeping document that records the last store change the index holds.
META_ID = "__meta__"


def make_schema() -> Schema:
    # phrase=False stores frequency postings without positions: half the size of positional postings and faster to read.
    # Phrases are approximated by requiring every bigram, which is exact enough for short queries.
    words = JiebaTokenizer()
    grams = BigramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=words, phrase=False, stored=True, field_boost=3.0),
        title_bi=TEXT(analyzer=grams, phrase=False, field_boost=2.0),
        body=TEXT(analyzer=words, phrase=False),
        body_bi=TEXT(analyzer=grams, phrase=False, vector=None),
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
