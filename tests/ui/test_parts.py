"""The UI's smaller parts: workers, pinyin, the stylesheet, read-aloud voice choice."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from sync.errors import SyncError
from ui.pinyin_input import char_candidates, first_syllable, split_syllables
from ui.speech import is_mandarin_voice
from ui.theme import Theme
from ui.workers import GENERIC_FAILURE, TaskRunner, explain


# -- workers -----------------------------------------------------------------------------------
def test_stale_results_are_dropped(qtbot: Any) -> None:
    runner = TaskRunner()
    got: list[str] = []
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "old"

    runner.submit("search", slow, got.append)
    runner.submit("search", lambda: "new", got.append)
    qtbot.waitUntil(lambda: got == ["new"], timeout=3000)
    release.set()
    assert runner.wait()
    assert got == ["new"], "the older result arrived later and was dropped"
    runner.shutdown()


def test_failures_and_none_results_come_back_on_the_ui_thread(qtbot: Any) -> None:
    runner = TaskRunner()
    main = threading.get_ident()
    seen: list[Any] = []
    error = ValueError("bad")

    def boom() -> None:
        raise error

    runner.submit("a", boom, seen.append, lambda e: seen.append((e, threading.get_ident() == main)))
    runner.submit(
        "b", lambda: None, lambda result: seen.append((result, threading.get_ident() == main))
    )
    for i in range(200):  # many None results: PySide6 6.12 once crashed on exactly this
        runner.submit(f"n{i}", lambda: None)
    assert runner.wait()
    assert (error, True) in seen, "the exception itself crosses, not a string"
    assert (None, True) in seen
    runner.shutdown()


def test_a_failure_shows_its_sentence_or_a_calm_one_and_a_bug_is_logged(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    runner = TaskRunner()
    got: list[str] = []

    def expected() -> None:
        raise SyncError("同步失败：网络不通。")

    def bug() -> None:
        raise KeyError("feed_batch")

    runner.submit("a", expected, None, lambda e: got.append(explain(e)))
    runner.submit("b", bug, None, lambda e: got.append(explain(e)))
    assert runner.wait()
    assert sorted(got) == sorted(["同步失败：网络不通。", GENERIC_FAILURE])
    assert "KeyError" not in GENERIC_FAILURE and "feed_batch" not in GENERIC_FAILURE
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is KeyError]
    assert logged, "the bug's traceback is in the log"
    runner.shutdown()


def test_cancel_drops_a_pending_result(qtbot: Any) -> None:
    runner = TaskRunner()
    got: list[int] = []
    runner.submit("x", lambda: (time.sleep(0.05), 1)[1], got.append)
    runner.cancel("x")
    assert runner.wait()
    assert got == []
    runner.shutdown()


# -- pinyin ------------------------------------------------------------------------------------
def test_pinyin_syllables_and_characters() -> None:
    assert first_syllable("zhangsan") == "zhang"
    assert split_syllables("zhangsan") == ["zhang", "san"]
    assert split_syllables("xian") == ["xian"]
    syllable, chars = char_candidates("zhangsan")
    assert syllable == "zhang" and "张" in chars[:3]
    assert char_candidates("zzz") == ("", [])


def test_keyboard_candidates_mix_index_words_and_characters(qtbot: Any, window: Any) -> None:
    services = window.services
    got: dict[str, list[Any]] = {}

    def candidates_for(letters: str) -> list[Any]:
        services.pinyin_candidates(letters, got.__setitem__)
        assert services.wait()
        return got[letters]

    dibao = candidates_for("dibao")
    assert dibao[0].text == "低保" and dibao[0].consumes == 5
    zhang = [c.text for c in candidates_for("zhang")]
    assert zhang.index("张") < 3, "one syllable: its characters come first (names)"
    zhangsan = candidates_for("zhangsan")
    single = next(c for c in zhangsan if c.text == "张")
    assert single.consumes == 5, "a character uses up only its own syllable"


# -- theme -------------------------------------------------------------------------------------
def test_stylesheet_fills_every_placeholder_and_scales_text(qtbot: Any) -> None:
    theme = Theme()
    normal = theme.stylesheet()
    assert "$" not in normal
    theme.scale, theme.high_contrast = 1.25, True
    large = theme.stylesheet()
    assert "font-size: 25pt" in large and "#000000" in large  # body 20 pt × 1.25


# -- read-aloud ----------------------------------------------------------------------------------
def test_mandarin_voices_are_found_by_locale_or_name() -> None:
    from PySide6.QtCore import QLocale

    def voice(name: str, language: QLocale.Language) -> Any:
        return SimpleNamespace(name=lambda: name, locale=lambda: QLocale(language))

    assert is_mandarin_voice(voice("Chinese (Mandarin, latin as Pinyin)", QLocale.Language.C))
    assert is_mandarin_voice(voice("Huihui", QLocale.Language.Chinese))
    assert not is_mandarin_voice(voice("English (America)", QLocale.Language.English))
