"""The index's own vocabulary: pinyin → words, prefix suggestions, homophone "did you mean".

Typed pinyin is mapped to words that actually occur in the index (dibao → 低保), never by
pinyin-normalizing the index, which would make every homophone match (Meilisearch issue 4075).
The vocabulary is built from the index lexicon when the index is written (``SearchIndex`` saves
it beside the index for that generation), so a search process loads it ready-made: its first
pinyin query costs no walk through the lexicon. The word → pinyin conversion, the slow part of a
build, is cached across generations.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.analysis import is_cjk
from index.segments import leaves
from kiosk.files import write_atomic

__all__ = ["PINYIN_CACHE", "Vocabulary", "to_pinyin"]

_MAX_WORD_LEN = 8
_PINYIN_RE = re.compile(r"^[a-z]+$")
# Fields whose words feed the vocabulary, with a weight: a word in titles is worth more.
_FIELDS = (("title", 5), ("body", 1))
# Above this many distinct words, rare body words (seen in one document) are left out.
_MAX_WORDS = 150_000


def to_pinyin(word: str) -> tuple[str, str]:
    """``(full, initials)`` toneless pinyin of a CJK word, e.g. 低保 → ("dibao", "db")."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    full = "".join(syllables).replace("ü", "v").lower()
    return full, "".join(s[0] for s in syllables if s)


def _heteronyms(text: str) -> list[tuple[str, ...]]:
    """Each character's distinct toneless readings, the commonest first (pypinyin)."""
    from pypinyin import Style, pinyin

    return [
        tuple(dict.fromkeys(o.replace("ü", "v").lower() for o in options))
        for options in pinyin(text, style=Style.NORMAL, heteronym=True, errors="ignore")
    ]


@dataclass
class Vocabulary:
    """Words with weights, and the pinyin maps built over them."""

    weights: dict[str, int] = field(default_factory=dict)
    pinyin: dict[str, tuple[str, str]] = field(default_factory=dict)
    _by_full: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_initials: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _full_keys: list[str] = field(default_factory=list, repr=False)
    _sorted_words: list[str] = field(default_factory=list, repr=False)
    #: the reading of each character of the vocabulary, saved with it: a word typed that the
    #: index lacks (a typo) is read without loading pypinyin in the search process
    _char_pinyin: dict[str, str] = field(default_factory=dict, repr=False)
    #: every reading of each character (polyphones: 藏 cang, zang), saved with it, for the typo
    #: check's same-sound candidates: pypinyin's tables cost the search process ≈ 55 MB
    _char_readings: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    # -- building --------------------------------------------------------------------------
    @classmethod
    def from_reader(cls, reader: Any, cache_dir: Path | None = None) -> Vocabulary:
        """Read the lexicon of ``reader`` (a Whoosh IndexReader); reuse pinyin cached on disk."""
        weights: dict[str, int] = {}
        for fieldname, weight in _FIELDS:
            if fieldname not in reader.schema:
                continue
            for term, info in _iter_terms(reader, fieldname):
                if 2 <= len(term) <= _MAX_WORD_LEN and all(is_cjk(c) for c in term):
                    weights[term] = weights.get(term, 0) + weight * info.doc_frequency()
        if len(weights) > _MAX_WORDS:
            cutoff = sorted(weights.values(), reverse=True)[_MAX_WORDS]
            weights = {w: n for w, n in weights.items() if n > cutoff}
        cache = _load_cache(cache_dir)
        pinyin = {w: cache.get(w) or to_pinyin(w) for w in weights}
        if cache_dir is not None and len(pinyin) != len(cache.keys() & pinyin.keys()):
            _save_cache(cache_dir, pinyin)
        vocab = cls(weights=weights, pinyin=pinyin)
        vocab._build_maps()
        return vocab

    def add_words(self, words: dict[str, int]) -> None:
        """Add words that are not in the index lexicon as such (synonyms, local terms)."""
        added = False
        for word, weight in words.items():
            if word not in self.weights and word and all(is_cjk(c) for c in word):
                self.weights[word] = weight
                self.pinyin[word] = self.reading(word)
                added = True
        if added:
            self._build_maps()

    # -- persisting ------------------------------------------------------------------------
    def save(self, folder: Path, generation: int) -> None:
        """Write the vocabulary of index ``generation`` beside the index, maps included, so a
        search process loads it in a few milliseconds instead of walking the lexicon."""
        chars = {c for word in self.weights for c in word}
        if not self._char_pinyin:
            self._char_pinyin = {c: p for c in chars if (p := to_pinyin(c)[0])}
        if not self._char_readings:
            # every character of the common block, not only the vocabulary's: a typo's rare
            # character (白蚁) must not load pypinyin either
            common = {chr(code) for code in range(0x4E00, 0xA000)}
            self._char_readings = {c: r[0] for c in common | chars if (r := _heteronyms(c))}
        state = (_SAVED_FORMAT, generation, self.weights, self.pinyin, self._by_full,
                 self._by_initials, self._full_keys, self._sorted_words,
                 self._char_pinyin, self._char_readings)  # fmt: skip
        with contextlib.suppress(OSError):  # derived data: a reader rebuilds it if it is missing
            write_atomic(folder / _SAVED_FILE, pickle.dumps(state, protocol=5))

    @classmethod
    def load(cls, folder: Path, generation: int) -> Vocabulary | None:
        """The vocabulary saved for index ``generation``, or ``None`` (missing, stale, damaged)."""
        try:
            state = pickle.loads((folder / _SAVED_FILE).read_bytes())
            if state[0] == 2:  # (saved before the readings table: pypinyin reads typos instead)
                state = (_SAVED_FORMAT, *state[1:], {})
            (
                fmt,
                saved_generation,
                weights,
                pinyin,
                by_full,
                by_initials,
                keys,
                words,
                chars,
                every,
            ) = state
        except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError, IndexError):
            return None
        if fmt != _SAVED_FORMAT or saved_generation != generation:
            return None
        vocab = cls(weights=weights, pinyin=pinyin)
        vocab._by_full, vocab._by_initials = by_full, by_initials
        vocab._full_keys, vocab._sorted_words = keys, words
        vocab._char_pinyin, vocab._char_readings = chars, every
        return vocab

    @classmethod
    def for_index(cls, ix: Any, folder: Path) -> Vocabulary:
        """The vocabulary of the latest generation of ``ix``: loaded, else built and saved."""
        generation = ix.latest_generation()
        vocab = cls.load(folder, generation)
        if vocab is None:
            from index.synonyms import default_synonyms

            with ix.reader() as reader:
                vocab = cls.from_reader(reader, cache_dir=folder)
            # the bundled villager words too: their pinyin would otherwise load pypinyin (2 s)
            # in the search process on its first query
            vocab.add_words({t: 1 for t in default_synonyms().terms()})
            vocab.save(folder, generation)
        elif not vocab._char_readings:  # saved by an older version: add the readings table once
            vocab.save(folder, generation)
        return vocab

    def _build_maps(self) -> None:
        by_full: dict[str, list[str]] = {}
        by_initials: dict[str, list[str]] = {}
        for word in sorted(self.weights, key=lambda w: -self.weights[w]):
            full, initials = self.pinyin[word]
            if full:
                by_full.setdefault(full, []).append(word)
            if len(initials) >= 2:
                by_initials.setdefault(initials, []).append(word)
        self._by_full, self._by_initials = by_full, by_initials
        self._full_keys = sorted(by_full)
        self._sorted_words = sorted(self.weights)

    # -- lookups ---------------------------------------------------------------------------
    def weight(self, word: str) -> int:
        return self.weights.get(word, 0)

    def pinyin_candidates(self, letters: str, limit: int = 10) -> list[str]:
        """Words for typed pinyin: exact full pinyin, then initials, then full-pinyin prefixes.

        >>> # dibao → 低保 …; db → 低保, 担保 …; dib → 低保 … (order: weight in the index)
        """
        letters = letters.lower().replace("'", "").replace(" ", "")
        if not _PINYIN_RE.match(letters):
            return []
        seen: dict[str, None] = {}
        for word in self._by_full.get(letters, []):
            seen.setdefault(word)
        for word in self._by_initials.get(letters, []):
            seen.setdefault(word)
        if len(seen) < limit:
            prefixed: list[str] = []
            start = bisect.bisect_left(self._full_keys, letters)
            for key in self._full_keys[start : start + 400]:
                if not key.startswith(letters):
                    break
                prefixed.extend(self._by_full[key])
            prefixed.sort(key=lambda w: -self.weights[w])
            for word in prefixed:
                seen.setdefault(word)
        return list(seen)[:limit]

    def segment_pinyin(self, letters: str) -> list[str] | None:
        """Split run-together pinyin into known word keys (dibaoshenqing → dibao, shenqing)."""
        letters = letters.lower()
        best: list[list[str] | None] = [None] * (len(letters) + 1)
        best[0] = []
        for end in range(1, len(letters) + 1):
            for start in range(max(0, end - 24), end):
                head = best[start]
                key = letters[start:end]
                if head is not None and key in self._by_full and len(key) >= 2:
                    candidate = [*head, key]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        return best[-1]

    def sounding(self, full: str) -> list[str]:
        """Words whose toneless full pinyin is ``full`` (``dibao`` → 低保 …), most frequent first."""
        return list(self._by_full.get(full, []))

    def homophones(self, word: str) -> list[str]:
        """Words in the index that sound exactly like ``word``, most frequent first."""
        full = self.pinyin.get(word) or self.reading(word)
        return [w for w in self._by_full.get(full[0], []) if w != word]

    def reading(self, word: str) -> tuple[str, str]:
        """``(full, initials)`` pinyin of any word: by character from the saved table when it
        knows every character, else from pypinyin (2 s to load the first time)."""
        chars = [self._char_pinyin.get(c) or self._char_readings.get(c, ("",))[0] for c in word]
        if word and all(chars):
            return "".join(chars), "".join(c[0] for c in chars)
        return to_pinyin(word)

    def readings(self, piece: str, limit: int = 16) -> list[str]:
        """Every toneless full pinyin of ``piece``, polyphones included (殡藏: bincang, binzang),
        at most ``limit``: from the saved table when it knows every character, else pypinyin."""
        options = [self._char_readings.get(c, ()) for c in piece]
        if not piece or not all(options):
            options = _heteronyms(piece)
        readings = [""]
        for unique in options:
            readings = [r + o for r in readings for o in unique][:limit]
        return readings

    def has_prefix(self, prefix: str) -> bool:
        """Whether some word of the vocabulary starts with (or is) ``prefix`` (CJK)."""
        start = bisect.bisect_left(self._sorted_words, prefix)
        return start < len(self._sorted_words) and self._sorted_words[start].startswith(prefix)

    def completions(self, prefix: str, limit: int = 8) -> list[str]:
        """Words that start with ``prefix`` (CJK) or whose pinyin does (letters)."""
        if _PINYIN_RE.match(prefix.lower()):
            return self.pinyin_candidates(prefix, limit)
        start = bisect.bisect_left(self._sorted_words, prefix)
        found = []
        for word in self._sorted_words[start : start + 2000]:
            if not word.startswith(prefix):
                break
            if word != prefix:
                found.append(word)
        found.sort(key=lambda w: -self.weights[w])
        return found[:limit]


def _iter_terms(reader: Any, fieldname: str) -> Iterator[tuple[str, Any]]:
    """``(term, info)`` per segment: a multi-segment reader's own iter_field looks every term up
    again in every segment (1.1 M hash lookups, 17 s at 20,000 documents); a word that occurs in
    several segments is yielded once per segment and the caller adds the frequencies up."""
    for leaf in leaves(reader):
        for term, info in leaf.iter_field(fieldname):
            yield (term.decode("utf-8") if isinstance(term, bytes) else term), info


PINYIN_CACHE = "pinyin-cache.json"
# The saved vocabulary (not a Whoosh file: Whoosh ignores it, and a rebuild starts a new folder).
_SAVED_FILE = "vocabulary.pickle"
_SAVED_FORMAT = 3


def _load_cache(cache_dir: Path | None) -> dict[str, tuple[str, str]]:
    if cache_dir is None:
        return {}
    try:
        raw = json.loads((cache_dir / PINYIN_CACHE).read_text(encoding="utf-8"))
        return {k: (v[0], v[1]) for k, v in raw.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def _save_cache(cache_dir: Path, pinyin: dict[str, tuple[str, str]]) -> None:
    with contextlib.suppress(OSError):  # a cache; the next start computes it again
        write_atomic(cache_dir / PINYIN_CACHE, json.dumps(pinyin, ensure_ascii=False))
