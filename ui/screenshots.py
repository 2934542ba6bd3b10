"""Render every screen to PNG on the current content (``kiosk screenshots``).

The panel size defaults to 1920×1080; villages also have 1366×768 and 1280×800 panels and portrait
1080×1920 standing kiosks (``SIZES``), each with 大字 on or off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop

from kiosk.app import KioskContext
from kiosk.handwriting import load_ink
from kiosk.locality import local_standards, location_choices
from kiosk.settings import LocationSettings, OfficeSettings, UiSettings
from kiosk.store import Store
from ui.handwriting_pad import HandwritingPanel
from ui.mainwindow import MainWindow

__all__ = ["SIZE", "SIZES", "render_screenshots", "settle"]

log = logging.getLogger(__name__)

SIZE = (1920, 1080)
#: The panels kiosks are built with: the usual landscape ones and the portrait standing kiosk.
SIZES = ((1920, 1080), (1366, 768), (1280, 800), (1080, 1920))


def settle(window: MainWindow, ms: int = 150) -> None:
    """Let background work finish and the layout settle."""
    window.services.wait(15_000)
    deadline = QDeadlineTimer(ms)
    while not deadline.hasExpired():
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    window.services.wait(15_000)
    QCoreApplication.processEvents()


def _type(window: MainWindow, letters: str) -> None:
    for ch in letters:
        window.keyboard.type_char(ch)
        settle(window, 10)


def _home(w: MainWindow) -> None:
    w.home()


def _home_keyboard(w: MainWindow) -> None:
    w.home()
    home = w.screens["home"]
    home.search_box.setFocus()  # type: ignore[attr-defined]
    settle(w)
    _type(w, "dibao")


def _results(w: MainWindow) -> None:
    w.home()
    w.go("results", query="低保", filters={}, submitted=True)


def _results_filtered(w: MainWindow) -> None:
    w.home()
    w.go("results", query="", filters={"category": "社会救助"}, label="低保救助")
    settle(w)
    results = w.screens["results"]
    years = [key for key in results.chips if key[0] == "year"]  # type: ignore[attr-defined]
    if years:
        results.toggle(*years[0])  # type: ignore[attr-defined]


def _results_empty(w: MainWindow) -> None:
    w.home()
    w.go("results", query="火星移民", filters={}, submitted=True)


def _results_corrected(w: MainWindow) -> None:
    """A typo searched as corrected (已为您查找), with the tap to search what was typed."""
    w.go("results", query="就业创叶", filters={}, submitted=True)


def _results_partial(w: MainWindow) -> None:
    """Nothing holds every word: the page says so and offers the request form below."""
    w.go("results", query="低保户能不能买小汽车", filters={}, submitted=True)


def _results_region_fallback(w: MainWindow) -> None:
    """A province without documents here: the rules of the kiosk's own region are shown."""
    w.go("results", query="湖南临时救助", filters={}, submitted=True)


def _first_hit(w: MainWindow, query: str) -> tuple[str, list[str]]:
    results = w.services.context.engine().search(query, limit=3)
    return (results.hits[0].id if results.hits else ""), results.terms


def _document(w: MainWindow) -> None:
    w.home()
    doc_id, terms = _first_hit(w, "低保 申请")
    w.go(
        "document",
        doc_id="tx-mz-dibao-banshi-zhinan"
        if w.services.store.get("tx-mz-dibao-banshi-zhinan")
        else doc_id,
        terms=terms,
    )


def _document_repealed(w: MainWindow) -> None:
    w.home()
    repealed = w.services.context.engine().search("", filters={"status": "repealed"}, limit=1).hits
    if repealed:
        w.go("document", doc_id=repealed[0].id, terms=[])


def _document_large(w: MainWindow) -> None:
    _document(w)
    document = w.screens["document"]
    document.set_step(len(document.steps) - 1)  # type: ignore[attr-defined]


def _selfcheck(w: MainWindow) -> None:
    w.home()
    w.go("selfcheck")
    screen = w.screens["selfcheck"]
    regions = [b.property("region") for b in screen.region_group.buttons()]  # type: ignore[attr-defined]
    if regions:
        screen.set_region(regions[0])  # type: ignore[attr-defined]
    screen.set_area("rural")  # type: ignore[attr-defined]
    screen.set_people(3)  # type: ignore[attr-defined]
    screen.set_income(1500)  # type: ignore[attr-defined]
    screen.check()  # type: ignore[attr-defined]


def _request(w: MainWindow) -> None:
    w.home()
    w.go("request")
    form = w.screens["request"]
    form.inputs["name"].setFocus()  # type: ignore[attr-defined]
    settle(w)
    _type(w, "zhang")


def _pinpad(w: MainWindow) -> None:
    w.home()
    w.open_pinpad()
    pad = w.screens["pinpad"].pad  # type: ignore[attr-defined]
    for digit in "123":
        pad.press(digit)


def _librarian(w: MainWindow) -> None:
    w.home()
    w.go("librarian")


def _high_contrast(w: MainWindow) -> None:
    w.home()
    w.contrast.setChecked(True)
    w.toggle_contrast()


def _high_contrast_document(w: MainWindow) -> None:
    _document(w)
    w.contrast.setChecked(True)
    w.toggle_contrast()


def _idle(w: MainWindow) -> None:
    _results(w)
    settle(w)
    w._on_countdown(15)


#: The office shown when the data dir has none entered (the shots of a kiosk that knows its place).
EXAMPLE_OFFICE = OfficeSettings(
    "本地便民服务中心社会救助窗口",
    "人民路8号便民服务中心一楼（示例）",
    "周一至周五 8:30-12:00 14:00-17:30",
    "0571-88881234",
)


@contextmanager
def example_place(store: Store) -> Iterator[None]:
    """While it lasts, a location and an office where the data dir has none; the librarian's
    own settings are put back afterwards (rendering is not configuring)."""
    location, office = LocationSettings.load(store), OfficeSettings.load(store)
    counties, _townships = location_choices(store)
    # the county with the most programmes published, so the shot shows what Home can show
    places = [LocationSettings(c, "", "rural") for c in counties]
    richest = max(places, key=lambda p: len(local_standards(store, p)), default=None)
    try:
        if not location.is_set and richest is not None:
            richest.save(store)
        if not office.is_set:
            EXAMPLE_OFFICE.save(store)
        yield
    finally:
        location.save(store)
        office.save(store)


def _home_local(w: MainWindow) -> None:
    w.home()
    w.screens["home"].refresh()  # type: ignore[attr-defined]


def _selfcheck_local(w: MainWindow) -> None:
    _selfcheck(w)
    settle(w)
    answer = w.screens["selfcheck"].answer_scroll  # type: ignore[attr-defined]
    answer.verticalScrollBar().setValue(answer.verticalScrollBar().maximum())  # the office, last


def _document_local(w: MainWindow) -> None:
    w.home()
    dibao = next((s.document.id for s in w.services.store.allowance_standards()), None)
    if dibao is not None:
        w.go("document", doc_id=dibao, terms=[])


def _librarian_local(w: MainWindow) -> None:
    w.home()
    w.go("librarian", page="local")


# written characters from the test data (Make Me a Hanzi medians; a checkout has them)
_WRITTEN = Path(__file__).resolve().parent.parent / "tests" / "data" / "handwriting"


def _handwriting(w: MainWindow) -> HandwritingPanel | None:
    panel = w.keyboard.handwriting
    if panel is None or not (_WRITTEN / "低.json").is_file():
        return None
    w.home()
    w.screens["home"].search_box.setFocus()  # type: ignore[attr-defined]
    settle(w)
    if w.keyboard.mode != "handwriting":
        w.keyboard.toggle_handwriting()
    settle(w)
    panel.pad.replay(load_ink(_WRITTEN / "低.json"))
    return panel


def _handwriting_di(w: MainWindow) -> None:
    _handwriting(w)


def _handwriting_words(w: MainWindow) -> None:
    panel = _handwriting(w)
    if panel is not None:
        settle(w)
        panel.choose("低")  # then the words of the index that start with 低


def _handwriting_bao(w: MainWindow) -> None:
    _handwriting_words(w)
    settle(w)
    if w.keyboard.handwriting is not None:
        w.keyboard.handwriting.pad.replay(load_ink(_WRITTEN / "保.json"))


def _handwriting_results(w: MainWindow) -> None:
    _handwriting_bao(w)
    settle(w)
    if w.keyboard.handwriting is not None:
        w.keyboard.handwriting.choose("保")
        w.keyboard.enter()


SHOTS: list[tuple[str, Callable[[MainWindow], None]]] = [
    ("01-home", _home),
    ("02-home-keyboard", _home_keyboard),
    ("03-results", _results),
    ("04-results-category-facets", _results_filtered),
    ("05-results-empty", _results_empty),
    ("06-document", _document),
    ("07-document-repealed", _document_repealed),
    ("08-document-largest-text", _document_large),
    ("09-selfcheck", _selfcheck),
    ("10-request-form-keyboard", _request),
    ("11-pinpad", _pinpad),
    ("12-librarian", _librarian),
    ("13-home-high-contrast", _high_contrast),
    ("14-document-high-contrast", _high_contrast_document),
    ("15-idle-countdown", _idle),
    ("16-handwriting-di", _handwriting_di),
    ("17-handwriting-words", _handwriting_words),
    ("18-handwriting-dibao", _handwriting_bao),
    ("19-handwriting-results", _handwriting_results),
    ("20-results-corrected", _results_corrected),
    ("21-results-partial", _results_partial),
    ("22-results-region-fallback", _results_region_fallback),
    # a kiosk that knows where it stands (rendered inside ``example_place``)
    ("23-home-local", _home_local),
    ("24-selfcheck-local-office", _selfcheck_local),
    ("25-document-local-office", _document_local),
    ("26-librarian-local", _librarian_local),
]
_LOCAL_SHOTS = {"23-home-local", "24-selfcheck-local-office", "25-document-local-office",
                "26-librarian-local"}  # fmt: skip


def render_screenshots(
    context: KioskContext,
    outdir: Path,
    only: list[str] | None = None,
    *,
    size: tuple[int, int] = SIZE,
    large_text: bool = False,
) -> list[Path]:
    """Render the screens in ``SHOTS`` to ``outdir`` at ``size`` (with 大字 on when
    ``large_text``); return the files written."""
    from ui.app import build_window

    outdir.mkdir(parents=True, exist_ok=True)
    settings = replace(UiSettings.load(context.store()), tts_engine="")  # the same every time
    window = build_window(context, windowed=True, settings=settings)
    window.services.counting = False
    window.idle.stop()  # a slow machine must not reach the idle reset halfway through a shot
    window.resize(*size)
    window.show()
    window.activateWindow()
    settle(window, 300)
    written = []
    try:
        for name, setup in SHOTS:
            if only and name not in only:
                continue
            window.reset_all()
            if large_text:
                window.large_text.setChecked(True)
                window.toggle_large_text()
            settle(window)
            path = outdir / f"{name}.png"
            with example_place(window.services.store) if name in _LOCAL_SHOTS else nullcontext():
                setup(window)
                settle(window, 250)
                if not window.grab().save(str(path), "PNG"):
                    raise OSError(f"could not write {path}")
            written.append(path)
    finally:
        window.reset_all()
        window.shutdown()
        window.services.close()
        window.close()
        window.deleteLater()
    return written
