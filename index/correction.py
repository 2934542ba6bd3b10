"""Typed mistakes, corrected before searching: 就业创叶 → 就业创业, 末成年人 → 未成年人, 養老 → 养老.

- Traditional characters are folded to simplified with OpenCC (``t2s``), silently: 養老保險 is
  养老保险, nothing to announce.
- A piece of the query that the documents do not hold (no document has all its bigrams) is
  replaced by a word of the index's own vocabulary that sounds the same (a pinyin keyboard's
  typo: 创叶 → 创业) or differs by one look-alike character (``assets/lookalikes.txt``: 末/未),
  when that word is common. The engine searches for the corrected text and says so, with a tap
  to search what was typed.
- A piece that is itself a word but a rare one, while a same-sounding word is far more common
  (权宜 beside 权益), is corrected the same way; villager vocabulary (synonyms) and function
  words are never "corrected".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from index.analysis import bigrams, is_cjk
from index.vocabulary import Vocabulary
from kiosk.paths import asset

__all__ = [
    "Corrector", "bigram_doc_frequency", "confusables", "fix_in_context", "lookalikes",
    "to_simplified",
]  # fmt: skip

_LONGEST = 4
# A correction must be this much more common (documents) than what was typed …
_COMMONER = 30
# … and found in at least this many documents.
_MIN_DOCS = 3
# A real word beside its neighbour must be this much rarer than the same-sounding one.
_CONTEXT_COMMONER = 10
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

_opencc_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc  # loaded on first use: start-up does not pay for the dictionaries

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters folded to simplified (養老保險 → 养老保险); other text unchanged."""
    if not any(ord(c) > 0x2E80 for c in text):
        return text
    with _opencc_lock:  # one converter, not known to be thread-safe
        return str(_converter().convert(text))


@lru_cache(maxsize=1)
def lookalikes() -> dict[str, frozenset[str]]:
    """Character → the characters it is mistaken for (形近字), from ``assets/lookalikes.txt``."""
    table: dict[str, set[str]] = {}
    for line in asset("lookalikes.txt").read_text(encoding="utf-8").splitlines():
        group = line.split("#", 1)[0].split()
        for char in group:
            table.setdefault(char, set()).update(c for c in group if c != char)
    return {c: frozenset(others) for c, others in table.items()}


@lru_cache(maxsize=1)
def confusables() -> dict[str, tuple[str, ...]]:
    """Real word → the real words typed for it (``assets/confusables.txt``: 权利/权力)."""
    table: dict[str, list[str]] = {}
    for line in asset("confusables.txt").read_text(encoding="utf-8").splitlines():
        group = line.split("#", 1)[0].split()
        for word in group:
            table.setdefault(word, []).extend(w for w in group if w != word)
    return {w: tuple(others) for w, others in table.items()}


def fix_in_context(text: str, phrase_frequency: Callable[[str], int]) -> str | None:
    """A real word where another fits its neighbours far better, replaced: 行政权利 → 行政权力
    when documents write 行政权力 and hardly ever 行政权利. ``None`` when nothing changed.

    ``phrase_frequency`` counts the documents holding a text literally. Only the words of
    ``assets/confusables.txt`` are checked, so most queries cost nothing here.
    """
    table = confusables()
    out = text
    for word, others in table.items():
        start = out.find(word)
        while start >= 0:
            before = out[max(0, start - 2) : start]
            after = out[start + len(word) : start + len(word) + 2]
            contexts = [c for c in (before, after) if len(c) == 2 and all(is_cjk(ch) for ch in c)]
            for other in others if contexts else ():
                # one neighbour must speak for the other word, and none for the typed one
                votes = [
                    _vote(phrase_frequency, ctx, word, other, ctx == before) for ctx in contexts
                ]
                if max(votes) > 0 and min(votes) >= 0:
                    out = out[:start] + other + out[start + len(word) :]
                    break
            start = out.find(word, start + len(word))
    return out if out != text else None


def _vote(
    frequency: Callable[[str], int], context: str, typed: str, other: str, before: bool
) -> int:
    """1 when the context is written with ``other`` far more often, -1 when with ``typed``."""
    as_typed = frequency(context + typed if before else typed + context)
    instead = frequency(context + other if before else other + context)
    if instead >= _MIN_DOCS and instead >= _CONTEXT_COMMONER * as_typed:
        return 1
    return -1 if as_typed > instead else 0


class Corrector:
    """Corrects the CJK runs of a query against one index generation.

    Args:
        vocab: the index's vocabulary (words, weights, pinyin).
        doc_frequency: documents holding every bigram of a piece of text (an upper bound of the
            documents holding the text itself; exact for two characters).
        protected: words never to correct (villager synonyms, function words).
    """

    def __init__(
        self,
        vocab: Vocabulary,
        doc_frequency: Callable[[str], int],
        protected: Callable[[str], bool],
    ) -> None:
        self.vocab = vocab
        self.doc_frequency = doc_frequency
        self.protected = protected

    def correct(self, text: str) -> str | None:
        """``text`` with its typos corrected, or ``None`` when nothing needed correcting."""
        out, last, changed = [], 0, False
        for match in _CJK_RUN.finditer(text):
            out.append(text[last : match.start()])
            fixed = self._run(match.group(0))
            changed |= fixed != match.group(0)
            out.append(fixed)
            last = match.end()
        out.append(text[last:])
        return "".join(out) if changed else None

    def _run(self, run: str) -> str:
        """Left to right, longest piece first: a known word is kept (or, when far rarer than a
        same-sounding one, corrected), an unknown piece is corrected or split further."""
        out: list[str] = []
        i = 0
        while i < len(run):
            step, replacement = 1, run[i]
            for size in range(min(_LONGEST, len(run) - i), 1, -1):
                piece = run[i : i + size]
                if self.protected(piece):
                    step, replacement = size, piece
                    break
                fix = self._fix(piece)
                if fix is not None or self.vocab.weight(piece):
                    step, replacement = size, fix or piece
                    break
            out.append(replacement)
            i += step
        return "".join(out)

    def _fix(self, piece: str) -> str | None:
        """A common word the piece is a typo of, or ``None``."""
        if not all(is_cjk(c) for c in piece):
            return None
        candidates = self._candidates(piece)
        if not candidates:
            return None
        typed = self.doc_frequency(piece)
        best: tuple[int, str] | None = None
        for candidate in candidates:
            docs = self.doc_frequency(candidate)
            commoner = docs >= _MIN_DOCS and docs >= _COMMONER * typed
            if commoner and (best is None or docs > best[0]):
                best = (docs, candidate)
        return best[1] if best else None

    def _candidates(self, piece: str) -> list[str]:
        found: list[str] = []
        # same sound, at least one character in common (a pinyin keyboard's pick)
        for reading in self.vocab.readings(piece):
            for word in self.vocab.sounding(reading)[:20]:
                if word != piece and len(word) == len(piece) and set(word) & set(piece):
                    found.append(word)
        # one look-alike character
        table = lookalikes()
        for i, char in enumerate(piece):
            for other in table.get(char, ()):
                word = piece[:i] + other + piece[i + 1 :]
                if self.vocab.weight(word):
                    found.append(word)
        return list(dict.fromkeys(found))


def bigram_doc_frequency(searcher: Any) -> Callable[[str], int]:
    """``doc_frequency`` for :class:`Corrector` over a Whoosh searcher's bigram fields."""
    from whoosh import query as Q

    reader = searcher.reader()
    cache: dict[str, int] = {}

    def frequency(text: str) -> int:
        if text in cache:
            return cache[text]
        grams = bigrams(text)
        if len(grams) == 1:
            count = max(
                reader.doc_frequency("body_bi", grams[0]),
                reader.doc_frequency("title_bi", grams[0]),
            )
        else:
            rarest = min(reader.doc_frequency("body_bi", g) for g in grams)
            if rarest == 0:
                count = 0
            else:
                q = Q.And([Q.Term("body_bi", g) for g in grams])
                count = sum(1 for _ in searcher.docs_for_query(q))
        cache[text] = count
        return count

    return frequency
