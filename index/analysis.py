"""Whoosh analyzers for Chinese: jieba words and CJK bigrams.

Two views of the same text are indexed (DESIGN.md "Search"): jieba's search-mode words, which rank
well, and overlapping CJK bigrams, which find what the segmenter splits differently (names, rare
terms, numbers). Both tokenizers report character offsets from their own scan of the original text,
so highlights land exactly, and both pickle and compare equal, as the schema is stored in the index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from operator import add
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.analysis import Token, Tokenizer

__all__ = [
    "STOP_WORDS",
    "BigramTokenizer",
    "JiebaTokenizer",
    "bigram_codes",
    "bigrams",
    "code_term",
    "fold",
    "is_cjk",
    "title_key",
    "word_term",
]  # fmt: skip

# Function words that occur in nearly every document: indexing them costs space and time and they
# never decide a ranking. Only the word field drops them; the bigram field keeps everything.
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "是",
        "对",
        "为",
        "以",
        "于",
        "将",
        "由",
        "被",
        "把",
        "从",
        "向",
        "之",
        "其",
        "中",
        "上",
        "下",
        "并",
        "而",
        "且",
        "也",
        "就",
        "都",
        "这",
        "那",
        "有",
        "个",
        "各",
        "所",
        "者",
        "该",
        "此",
        "按",
        "经",
        "如",
        "则",
        "即",
        "应",
        "可",
        "能",
        "会",
        "要",
        "不",
        "无",
        "已",
        "又",
        "还",
        "第",
        "年",
        "月",
        "日",
    ]
)

_CJK_RANGES = (
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F),
)  # fmt: skip
# Runs the bigram tokenizer emits: CJK runs (as bigrams) and alphanumeric runs (as whole tokens).
_RUNS = re.compile(
    r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+)|([0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+)"
)


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def fold(text: str) -> str:
    """The form terms are indexed and looked up in: NFKC (full-width → ASCII), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def title_key(text: str) -> str:
    """A title reduced to letters, digits and CJK: what an exact-title match compares."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a CJK run; a single character stands for itself."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


class _BaseTokenizer(Tokenizer):
    """Shared Whoosh plumbing: one reused Token, positions and character offsets."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(type(self))

    def _spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        raise NotImplementedError

    def terms(self, text: str) -> list[str]:
        """The terms of ``text`` in order, without offsets or Token objects (for indexing)."""
        return [term for term, _start, _end in self._spans(text)]

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, (text, start, end) in enumerate(self._spans(value)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class JiebaTokenizer(_BaseTokenizer):
    """jieba search-mode words, folded, single characters dropped.

    Segmented by rjieba, the Rust port of jieba: the same dictionary and the same output as
    ``jieba.tokenize(mode="search", HMM=False)`` (checked on 300 real documents), ten times faster.
    HMM new-word discovery is off: it is the slowest part of jieba and invents odd "words"; the
    bigram field already finds names the dictionary lacks.
    """

    def _spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        import rjieba  # loaded lazily: only indexing segments text, searching does not

        for word, start, end in rjieba.tokenize(text, mode="search", hmm=False):
            term = fold(word.strip())
            # Single characters (function words, pieces of names jieba does not know) are left to
            # the bigram field: they are a third of all postings and rank nothing on their own.
            if len(term) < 2 or term in STOP_WORDS or not any(c.isalnum() for c in term):
                continue
            yield term, start, end

    def words(self, text: str) -> list[str]:
        """jieba's search-mode words of ``text``, before folding and filtering."""
        import rjieba

        words: list[str] = rjieba.cut_for_search(text, hmm=False)
        return words

    def terms(self, text: str) -> list[str]:
        # A text repeats the same few thousand words: each is folded and checked once per
        # process, then looked up (set, map and filter run in C).
        cache = _WORD_TERMS
        if len(cache) > _WORD_TERMS_MAX:
            cache.clear()
        words = self.words(text)
        for word in set(words).difference(cache):
            cache[word] = word_term(word)
        return list(filter(None, map(cache.__getitem__, words)))


#: jieba word → the term indexed for it ("" for none), see :meth:`JiebaTokenizer.terms`
_WORD_TERMS: dict[str, str] = {}
_WORD_TERMS_MAX = 500_000


def word_term(word: str) -> str:
    """The term indexed for one jieba word ("" for none)."""
    term = fold(word.strip())
    if len(term) >= 2 and term not in STOP_WORDS and any(c.isalnum() for c in term):
        return term
    return ""


#: CJK bigram codes (:func:`bigram_codes`): the first character's code point above these bits
CODE_SHIFT = 21
_ALNUM_RUN = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_CJK_TABLE = np.zeros(0x30000, dtype=np.bool_)
for _lo, _hi in _CJK_RANGES:
    _CJK_TABLE[_lo : _hi + 1] = True


def bigram_codes(text: str) -> tuple[npt.NDArray[np.int64], list[str]]:
    """The terms :meth:`BigramTokenizer.terms` gives, counted the fast way: each CJK bigram
    ``ab`` as the integer ``ord(a) << CODE_SHIFT | ord(b)``, a lone CJK character ``a`` as
    ``ord(a) << CODE_SHIFT`` (integer order is the terms' order), found with numpy over the
    text's code points; the alphanumeric runs as folded strings. Same terms, another order."""
    runs = [fold(run) for run in _ALNUM_RUN.findall(text)]
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.int64
    )
    if not len(points):
        return points, runs
    cjk = _CJK_TABLE[np.minimum(points, len(_CJK_TABLE) - 1)]
    pair = cjk[:-1] & cjk[1:]
    lone = cjk.copy()
    lone[1:] &= ~cjk[:-1]
    lone[:-1] &= ~cjk[1:]
    codes = np.concatenate(
        ((points[:-1][pair] << CODE_SHIFT) | points[1:][pair], points[lone] << CODE_SHIFT)
    )
    return codes, runs


def code_term(code: int) -> str:
    """The term of a :func:`bigram_codes` code."""
    second = code & ((1 << CODE_SHIFT) - 1)
    return chr(code >> CODE_SHIFT) + chr(second) if second else chr(code >> CODE_SHIFT)


class BigramTokenizer(_BaseTokenizer):
    """Overlapping CJK bigrams plus whole alphanumeric runs (numbers, Latin words)."""

    def _spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        for match in _RUNS.finditer(text):
            start = match.start()
            if match.group(1):
                run = match.group(1)
                if len(run) == 1:
                    yield run, start, start + 1
                    continue
                for i in range(len(run) - 1):
                    yield run[i : i + 2], start + i, start + i + 2
            else:
                yield fold(match.group(2)), start, match.end()

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for cjk, other in _RUNS.findall(text):
            if cjk:
                # pairs of neighbouring characters, joined in C
                out.extend(map(add, cjk, cjk[1:]) if len(cjk) > 1 else (cjk,))
            else:
                out.append(fold(other))
        return out
