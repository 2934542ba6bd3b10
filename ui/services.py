"""What every screen shares: the store, the search worker, settings, the task runner, printing,
read-aloud and usage counting.

Searches, suggestions and keyboard candidates go to the search worker process
(:class:`~ui.search_worker.SearchWorker`): scoring holds the GIL, so in this process it would
freeze the screen. Store reads and writes go through :class:`~ui.workers.TaskRunner` (SQLite
lets go of the GIL while it works). The worker is started once the first screen is up; until it
is ready, searches simply wait for it, and Home shows what the store alone can tell.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from kiosk import handwriting
from kiosk.app import KioskContext
from kiosk.eligibility import AREA_LABELS
from kiosk.locality import LocalStandard, current_office, local_standards, office_lines
from kiosk.pin import PinGuard
from kiosk.settings import LocationSettings, UiSettings
from kiosk.status import content_as_of
from kiosk.store import Store
from ui.keyboard import Candidate
from ui.pinyin_input import char_candidates
from ui.printing import Printer
from ui.search_worker import SearchWorker
from ui.speech import Speaker
from ui.theme import Theme
from ui.tiles import load_tiles
from ui.workers import StepQueue, TaskRunner

if TYPE_CHECKING:
    from index import SearchResults
    from ui.autosync import AutoSync

__all__ = ["HomeData", "LatestItem", "Services", "keyboard_candidates"]

log = logging.getLogger(__name__)

_MOST_READ_DAYS = 90


@dataclass(frozen=True)
class LatestItem:
    id: str
    title: str
    published: str  # ISO date or ""


@dataclass
class HomeData:
    latest: list[LatestItem] = field(default_factory=list)
    most_read: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    #: documents per category, per kind under "kind:<kind>", per status under "status:<status>";
    #: None until the search worker has counted them
    category_counts: dict[str, int] | None = None
    #: publication date of the newest batch synced here: "资料截至" on Home
    content_as_of: dt.date | None = None
    #: where the kiosk stands ("溪东区农村"), "" while the librarian has not set it
    place: str = ""
    #: the standards in force there (低保, 特困供养, 临时救助 where published)
    local_standards: list[LocalStandard] = field(default_factory=list)
    #: the local office's lines (name, address, hours, phone); empty when none was entered
    office: list[str] = field(default_factory=list)


class Services(QObject):
    """Shared collaborators; tests pass their own ``settings``, ``printer`` or ``speaker``.

    Signals:
        engine_ready(): the search worker has its engine and vocabulary open (after each start).
        index_preparing(int, int): the worker is still bringing the index level with the store
            (documents done, in all); searches wait until ``engine_ready``.
    """

    engine_ready = Signal()
    index_preparing = Signal(int, int)

    def __init__(
        self,
        context: KioskContext,
        settings: UiSettings | None = None,
        *,
        runner: TaskRunner | None = None,
        worker: SearchWorker | None = None,
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
        self.worker = worker or SearchWorker(context.data_dir, parent=self)
        self.worker.warm_queries = [tile.query for tile in load_tiles() if tile.query]
        #: UI-thread work done a slice at a time (result cards)
        self.steps = StepQueue(self)
        self.worker.ready.connect(self.engine_ready.emit)
        self.worker.preparing.connect(self.index_preparing.emit)
        self.printer = printer or Printer(context.data_dir / "prints", self.theme.font_family)
        self._speaker = speaker
        self.pin = PinGuard(self.store, self.settings.pin_max_failures, self.settings.pin_lockout_s)
        #: what Home showed last (tile counts for the empty result)
        self.last_home_data: HomeData | None = None
        #: off for ``kiosk screenshots``: rendering is not a person using the kiosk
        self.counting = True
        # handwriting: ``...`` is the system's zinnia model, opened on first use (it takes
        # 0.2 s); ``None`` means none (the 手写 key is hidden)
        self._recognizer = recognizer
        self._recognizer_lock = threading.Lock()
        #: the scheduled sync of a running kiosk (ui.app.start_kiosk sets it)
        self.autosync: AutoSync | None = None

    # -- the search worker -----------------------------------------------------------------
    def warm_up(self) -> None:
        """Start the search worker; ``engine_ready`` follows when it has opened the engine."""
        self.worker.start()

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
        """Search in the worker; a newer search on ``channel`` supersedes this one.

        ``correct=False`` searches the words as typed (no typo correction).
        """
        request: dict[str, Any] = {"op": "search", "q": text, "filters": dict(filters)}
        request |= {"limit": limit, "offset": offset, "facets": True, "correct": correct}
        return self.worker.submit(channel, request, lambda r: on_done(_results(r)), on_fail)

    def suggest(self, prefix: str, deliver: Callable[[list[str]], None]) -> None:
        request = {"op": "suggest", "q": prefix, "limit": 8}
        self.worker.submit("suggest", request, lambda words: deliver(list(words)), urgent=True)

    def pinyin_candidates(
        self, letters: str, deliver: Callable[[str, list[Candidate]], None]
    ) -> None:
        """Keyboard candidates for ``letters``: index words first, then single characters."""
        self.worker.submit(
            "pinyin",
            {"op": "pinyin", "q": letters, "limit": 12},
            lambda pairs: deliver(letters, keyboard_candidates(letters, pairs)),
            urgent=True,
        )

    def set_local_synonyms(
        self,
        lines: list[str],
        on_done: Callable[[Any], None],
        on_fail: Callable[[Exception], None],
    ) -> None:
        """Hand the librarian's synonym lines to the running engine (from its next search on)."""
        self.worker.submit("synonyms", {"op": "synonyms", "lines": list(lines)}, on_done, on_fail)

    def cancel(self, channel: str) -> None:
        """Drop what ``channel`` asked for and has not received yet."""
        self.worker.cancel(channel)
        self.runner.cancel(channel)

    def wait(self, timeout_ms: int = 15_000) -> bool:
        """Until the worker and the task runner are idle (tests, screenshots, benchmarks)."""
        deadline = dt.datetime.now() + dt.timedelta(milliseconds=timeout_ms)
        while True:
            left = int((deadline - dt.datetime.now()).total_seconds() * 1000)
            if left <= 0:
                return False
            if not self.worker.wait(left) or not self.runner.wait(left):
                continue
            if self.steps.busy():  # cards still being built, a slice per turn of the loop
                QCoreApplication.processEvents()
                continue
            if not self.worker.busy():  # a result's callback may have asked for more
                return True

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
        """Candidates for the ink on the pad, those that fit the index's words first.

        The recogniser (zinnia, C) runs on a pool thread; the ranking against the index's
        vocabulary in the search worker, which holds the vocabulary.
        """

        def rank(found: list[str]) -> None:
            request = {"op": "rank", "chars": found, "before": before}
            self.worker.submit("handwriting", request, deliver, urgent=True)

        self.runner.submit("handwriting", lambda: self._recognised(ink), rank)

    def _recognised(self, ink: handwriting.Ink) -> list[str]:
        recognizer = self.recognizer()
        return [] if recognizer is None else recognizer.candidates(ink, 10)

    def complete_words(self, before: str, deliver: Callable[[list[tuple[str, str]]], None]) -> None:
        """Words of the index that continue ``before`` (低 → 低保, 低保金), as (word, rest)."""
        self.worker.submit(
            "handwriting",
            {"op": "complete", "before": before},
            lambda pairs: deliver([(word, rest) for word, rest in pairs]),
            urgent=True,
        )

    # -- Home ------------------------------------------------------------------------------
    def home_data(self, on_done: Callable[[HomeData], None]) -> None:
        """Latest and most read from the store, then the tile counts from the worker.

        ``on_done`` is called for each part as it arrives, with everything known so far.
        """
        data = HomeData()
        if self.last_home_data is not None:
            data.category_counts = self.last_home_data.category_counts

        def store_part(part: HomeData) -> None:
            data.latest, data.most_read = part.latest, part.most_read
            data.content_as_of = part.content_as_of
            data.place, data.local_standards = part.place, part.local_standards
            data.office = part.office
            self.last_home_data = data
            on_done(data)

        searched: dict[str, int] = {}

        def counts_part(result: dict[str, dict[str, int]]) -> None:
            data.category_counts = _tile_counts(result) | searched
            self.last_home_data = data
            on_done(data)

        def searched_part(query: str, results: SearchResults) -> None:
            # a search tile (低保) counts what a search for its words finds
            searched[f"query:{query}"] = results.total
            if data.category_counts is not None:
                data.category_counts = data.category_counts | searched
                self.last_home_data = data
                on_done(data)

        self.runner.submit("home", self._home_from_store, store_part)
        self.worker.submit("home-counts", {"op": "counts"}, counts_part)
        for tile in load_tiles():
            if tile.query:
                self.search(
                    tile.query,
                    {},
                    partial(searched_part, tile.query),
                    limit=1,
                    channel=f"home-tile-{tile.query}",
                )

    def _home_from_store(self) -> HomeData:
        data = HomeData()
        data.latest = [
            LatestItem(d.id, d.title, d.published.isoformat() if d.published else "")
            for d in self.store.latest(6)
        ]
        data.content_as_of = content_as_of(self.store)
        today = dt.date.today()
        location = LocationSettings.load(self.store)
        if location.is_set:
            data.place = (location.township or location.county) + AREA_LABELS[location.area]
            data.local_standards = local_standards(self.store, location, today)
        data.office = self.office_lines()
        opened: Counter[str] = Counter()
        for _day, key, count in self.store.usage(
            "open", today - dt.timedelta(days=_MOST_READ_DAYS), today
        ):
            opened[key] += count
        ids = [doc_id for doc_id, _ in opened.most_common(30)]
        docs = [d for d in self.store.get_many(ids) if d.is_visible][:6]
        data.most_read = [(d.id, d.title) for d in docs]
        return data

    def office_lines(self) -> list[str]:
        """The local office (本地办事指南) in lines, or [] while none was entered."""
        office = current_office(self.store)
        return [] if office is None else office_lines(office)

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
        self.worker.shutdown()
        self.runner.shutdown()


def keyboard_candidates(letters: str, words: list[list[str]]) -> list[Candidate]:
    """Keyboard candidates from the worker's ``[word, full pinyin]`` pairs and single characters.

    Each candidate says how many of the typed letters it uses up.
    """
    exact: list[Candidate] = []
    other: list[Candidate] = []
    for word, full in words:
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


def _results(data: dict[str, Any]) -> SearchResults:
    from index.results import results_from_json

    return results_from_json(data)


def _tile_counts(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    tiles = dict(counts.get("category", {}))
    for name in ("kind", "status"):
        tiles |= {f"{name}:{value}": n for value, n in counts.get(name, {}).items()}
    return tiles
