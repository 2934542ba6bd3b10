"""Villager vocabulary: synonym groups and one-way expansions from ``assets/synonyms.txt``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from index.analysis import fold
from kiosk.paths import asset

__all__ = ["Synonyms", "default_synonyms"]


class Synonyms:
    """Maps a term to the terms a query for it should also find (itself first)."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self._expand: dict[str, list[str]] = {}
        self._preferred: dict[str, str] = {}
        for line in lines:
            self.add_line(line)

    @classmethod
    def from_file(cls, path: Path) -> Synonyms:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def add_line(self, line: str) -> None:
        """Add one group (``a b c``) or one-way rule (``a b => c d``); comments are ignored."""
        line = line.split("#", 1)[0].strip()
        if not line:
            return
        if "=>" in line:
            left, right = (fold(part).split() for part in line.split("=>", 1))
            for term in left:
                self._add(term, left + right)
            return
        group = fold(line).split()
        for term in group:
            self._add(term, group)
            self._preferred.setdefault(term, group[0])

    def _add(self, term: str, others: list[str]) -> None:
        known = self._expand.setdefault(term, [term])
        known.extend(t for t in others if t not in known)

    def expand(self, term: str) -> list[str]:
        """``term`` and everything it stands for, ``term`` first."""
        return list(self._expand.get(term, [term]))  # a copy: callers extend it

    def terms(self) -> set[str]:
        return set(self._expand)

    def __len__(self) -> int:
        return len(self._expand)


@lru_cache(maxsize=1)
def _bundled_lines() -> tuple[str, ...]:
    return tuple(asset("synonyms.txt").read_text(encoding="utf-8").splitlines())


def default_synonyms(local_lines: Iterable[str] = ()) -> Synonyms:
    """The bundled villager vocabulary plus a kiosk's own lines (librarian settings)."""
    return Synonyms([*_bundled_lines(), *local_lines])
