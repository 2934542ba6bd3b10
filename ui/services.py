"""What every screen shares: the store, the search engine, settings, the task runner, printing,
read-aloud and usage counting.

Blocking calls (search, store writes) go through :class:`~ui.workers.TaskRunner`; the search
engine is opened lazily on a worker thread (``KioskContext.engine()`` reconciles the index first),
so the Home screen is usable before it is ready: the first search simply waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import EllipsisType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from kiosk import handwriting
from kiosk.app import KioskContext
from kiosk.pin import PinGuard
from kiosk.records import STATUSES
from kiosk.settings import UiSettings
from kiosk.store import Store
from sync.client import content_as_of
from ui.keyboard import Candidate
from ui.pinyin_input import char_candidates
from ui.printing import Printer
from ui.speech import Speaker
from ui.theme import Theme
from ui.workers import TaskRunner, explain

if TYPE_CHECKING:
    from index import Hit, SearchEngine, SearchResults
    from ui.autosync import AutoSync

__all__ = ["HomeData", "Services"]

log = logging.getLogger(__name__)

_MOST_READ_DAYS = 90


@dataclass
class HomeData:
    latest: list[Hit] = field(default_factory=list)
    most_read: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    #: documents per category, per kind under "kind:<kind>", per status under "status:<status>"
    category_counts: dict[str, int] = field(default_factory=dict)
    #: publication date of the newest batch synced here: "资料截至" on Home
    content_as_of: dt.date | None = None


class Services(QObject):
    """Shared collaborators; tests pass their own ``settings``, ``printer`` or ``speaker``.

    Signals:
        engine_ready(): the search engine is open.
        engine_failed(str): it could not be opened (the message is for the log).
    """

    engine_ready = Signal()
    engine_failed = Signal(str)

    def __init__(
        self,
        context: KioskContext,
        settings: UiSettings | None = None,
        *,
        runner: TaskRunner | None = None,
        printer: Printer | None = None,
        speaker: Speaker | None = None,
        theme: Theme | None = None,
        recognizer: handwriting.Recognizer | EllipsisType | None = ...,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.store: Store = context.store()
        self.settings = settings or UiSettings.load(self.store)
        self.theme = theme or Theme()
        self.runner = runner or TaskRunner(parent=self)
        self.printer = printer or Printer(context.data_dir / "prints", self.theme.font_family)
        self._speaker = speaker
        self.pin = PinGuard(self.store, self.settings.pin_max_failures, self.settings.pin_lockout_s)
        #: what Home showed last (tile counts for the empty result)
        self.last_home_data: HomeData | None = None
        #: off for ``kiosk screenshots``: rendering is not a person using the kiosk
        self.counting = True
        self._engine: SearchEngine | None = None
        self._engine_lock = threading.Lock()
        # handwriting: ``...`` is the system's zinnia model, opened on first use (it takes
        # 0.2 s); ``None`` means none (the 手写 key is hidden)
        self._recognizer = recognizer
        self._recognizer_lock = threading.Lock()
        #: the scheduled sync of a running kiosk (ui.app.start_kiosk sets it)
        self.autosync: AutoSync | None = None

    # -- search engine (worker threads) ----------------------------------------------------
    def engine(self) -> SearchEngine:
        """The search engine, opened on first use (call from a worker thread)."""
        with self._engine_lock:
            if self._engine is None:
                self._engine = self.context.engine()
            return self._engine

    def warm_up(self) -> None:
        """Open the engine and its pinyin vocabulary in the background."""

        def work() -> bool:
            engine = self.engine()
            _ = engine.vocabulary
            return True

        self.runner.submit(
            "warm-up",
            work,
            lambda _r: self.engine_ready.emit(),
            lambda e: self.engine_failed.emit(explain(e)),
        )

    def search(
        self,
        text: str,
        filters: dict[str, str],
        on_done: Callable[[SearchResults], None],
        on_fail: Callable[[Exception], None] | None = None,
        *,
        limit: int = 20,
        offset: int = 0,
        channel: str = "search",
        correct: bool = True,
    ) -> int:
        filters = dict(filters)
        return self.runner.submit(
            channel,
            lambda: self.engine().search(
                text, filters=filters, limit=limit, offset=offset, correct=correct
            ),
            on_done,
            on_fail,
        )

    def suggest(self, prefix: str, deliver: Callable[[list[str]], None]) -> None:
        self.runner.submit("suggest", lambda: self.engine().suggest(prefix, 8), deliver)

    def pinyin_candidates(
        self, letters: str, deliver: Callable[[str, list[Candidate]], None]
    ) -> None:
        """Keyboard candidates for ``letters``: index words first, then single characters."""
        self.runner.submit(
            "pinyin", lambda: self.candidates_for(letters), lambda found: deliver(letters, found)
        )

    def candidates_for(self, letters: str) -> list[Candidate]:
        from index.vocabulary import to_pinyin

        exact: list[Candidate] = []
        other: list[Candidate] = []
        for word in self.engine().pinyin_candidates(letters, 12):
            full = to_pinyin(word)[0]
            if full == letters:
                exact.append(Candidate(word, len(letters)))
            else:
                consumes = len(full) if full and letters.startswith(full) else len(letters)
                other.append(Candidate(word, consumes))
        syllable, chars = char_candidates(letters)
        singles = [Candidate(c, len(syllable)) for c in chars]
        # one syllable typed (a name, a place): its characters before longer words that merely
        # start with it; several syllables: the words first
        if syllable == letters:
            return exact + singles + other
        return exact + other + singles

    # -- handwriting (手写) -----------------------------------------------------------------
    @property
    def handwriting_available(self) -> bool:
        """Whether the 手写 key is offered: a recogniser was given, or zinnia and its model are
        installed (a key that never recognises anything would be a dead key)."""
        if self._recognizer is ...:
            return handwriting.is_installed()
        return self._recognizer is not None

    def recognizer(self) -> handwriting.Recognizer | None:
        """The recogniser, opened on first use (call from a worker thread)."""
        with self._recognizer_lock:
            if self._recognizer is ...:
                self._recognizer = handwriting.open_recognizer()
            return self._recognizer

    def recognise(
        self, ink: handwriting.Ink, before: str, deliver: Callable[[list[str]], None]
    ) -> None:
        """Candidates for the ink on the pad, those that fit the index's words first."""
        self.runner.submit("handwriting", lambda: self.handwriting_candidates(ink, before), deliver)

    def handwriting_candidates(self, ink: handwriting.Ink, before: str) -> list[str]:
        recognizer = self.recognizer()
        if recognizer is None:
            return []
        found = recognizer.candidates(ink, 10)
        vocabulary = self.engine().vocabulary
        return handwriting.rank_by_vocabulary(found, before, vocabulary.has_prefix)

    def complete_words(self, before: str, deliver: Callable[[list[tuple[str, str]]], None]) -> None:
        """Words of the index that continue ``before`` (低 → 低保, 低保金), as (word, rest)."""
        self.runner.submit("handwriting", lambda: self.word_completions(before), deliver)

    def word_completions(self, before: str) -> list[tuple[str, str]]:
        tail = handwriting.word_tail(before)
        vocabulary = self.engine().vocabulary
        for k in range(len(tail), 0, -1):
            words = vocabulary.completions(tail[-k:], 10)
            if words:
                return [(word, word[k:]) for word in words]
        return []

    def home_data(self, on_done: Callable[[HomeData], None]) -> None:
        def remember(data: HomeData) -> None:
            self.last_home_data = data
            on_done(data)

        self.runner.submit("home", self._home_data, remember)

    def _home_data(self) -> HomeData:
        engine = self.engine()
        data = HomeData()
        latest = engine.search("", filters={"status": "valid"}, limit=6, with_facets=False)
        data.latest = latest.hits
        counts: Counter[str] = Counter()
        for status in STATUSES:
            results = engine.search("", filters={"status": status}, limit=1)
            counts[f"status:{status}"] += results.total
            for facet in results.facets.get("category", []):
                counts[facet.value] += facet.count
            for facet in results.facets.get("kind", []):
                counts[f"kind:{facet.value}"] += facet.count
        data.category_counts = dict(counts)
        data.content_as_of = content_as_of(self.store)
        today = dt.date.today()
        opened: Counter[str] = Counter()
        for _day, key, count in self.store.usage(
            "open", today - dt.timedelta(days=_MOST_READ_DAYS), today
        ):
            opened[key] += count
        ids = [doc_id for doc_id, _ in opened.most_common(30)]
        docs = [d for d in self.store.get_many(ids) if d.is_visible][:6]
        data.most_read = [(d.id, d.title) for d in docs]
        return data

    # -- usage counts (aggregate only, written off the UI thread) --------------------------
    def count(self, kind: str, key: str) -> None:
        key = key.strip()
        if key and self.counting:
            self.runner.submit(f"usage-{kind}", lambda: self.store.count_usage(kind, key))

    # -- read-aloud ------------------------------------------------------------------------
    @property
    def speaker(self) -> Speaker:
        if self._speaker is None:
            self._speaker = Speaker(
                self.settings.tts_engine, start_timeout_s=self.settings.tts_timeout_s, parent=self
            )
        return self._speaker

    def stop_speaking(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def close(self) -> None:
        if self._speaker is not None:
            self._speaker.shutdown()
        self.runner.shutdown()
        if self._engine is not None:
            self._engine.close()
