"""The UI's smaller parts: workers, PIN hashing, the self-check sums, the request form, pinyin,
settings, the stylesheet, read-aloud voice choice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.app import KioskContext
from ui.eligibility import assess
from ui.pin import PinGuard, hash_pin, valid_pin, verify_pin
from ui.pinyin_input import char_candidates, first_syllable, split_syllables
from ui.request_letter import InformationRequest
from ui.settings import UiSettings
from ui.speech import is_mandarin_voice
from ui.theme import Theme
from ui.workers import TaskRunner


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

    def boom() -> None:
        raise ValueError("bad")

    runner.submit(
        "a",
        boom,
        seen.append,
        lambda message: seen.append((message, threading.get_ident() == main)),
    )
    runner.submit(
        "b", lambda: None, lambda result: seen.append((result, threading.get_ident() == main))
    )
    for i in range(200):  # many None results: PySide6 6.12 once crashed on exactly this
        runner.submit(f"n{i}", lambda: None)
    assert runner.wait()
    assert ("ValueError: bad", True) in seen and (None, True) in seen
    runner.shutdown()


def test_cancel_drops_a_pending_result(qtbot: Any) -> None:
    runner = TaskRunner()
    got: list[int] = []
    runner.submit("x", lambda: (time.sleep(0.05), 1)[1], got.append)
    runner.cancel("x")
    assert runner.wait()
    assert got == []
    runner.shutdown()


# -- PIN ---------------------------------------------------------------------------------------
def test_pin_hash_round_trip() -> None:
    encoded = hash_pin("1234")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_pin("1234", encoded) and not verify_pin("1235", encoded)
    assert hash_pin("1234") != encoded, "salted"
    assert not verify_pin("1234", "garbage") and not verify_pin("1234", "md5$x$y$z$a$b")
    assert (
        valid_pin("0000")
        and not valid_pin("123")
        and not valid_pin("12a4")
        and not valid_pin("１２３４")
    )


def test_pin_guard_lockout_with_a_clock(empty_context: KioskContext) -> None:
    now = [1000.0]
    guard = PinGuard(empty_context.store(), max_failures=3, lockout_s=60, clock=lambda: now[0])
    assert not guard.check("1234").configured
    guard.set_pin("1234")
    assert guard.check("0000").tries_left == 2
    assert guard.check("0000").tries_left == 1
    assert guard.check("0000").locked_for == 60
    assert not guard.check("1234").ok
    now[0] += 61
    assert guard.check("1234").ok
    assert guard.check("0000").tries_left == 2, "a success resets the count"
    with pytest.raises(ValueError):
        guard.set_pin("12")


# -- self-check --------------------------------------------------------------------------------
def _standard(amount: float) -> Any:
    document = SimpleNamespace(id="doc", title="标准")
    return SimpleNamespace(
        amount=amount,
        unit="元/人·月",
        region="某县",
        area="rural",
        effective=dt.date(2025, 1, 1),
        document=document,
    )


@pytest.mark.parametrize(
    ("income", "people", "eligible"),
    [(1499, 3, True), (1500, 3, False), (1501, 3, False), (0, 1, True)],
)
def test_assessment_compares_per_person_income(income: int, people: int, eligible: bool) -> None:
    result = assess(income, people, _standard(500))
    assert result.likely_eligible is eligible
    assert result.verdict == ("可能符合条件" if eligible else "可能不符合")
    assert "500 元" in result.explanation() and "2025年1月1日" in result.explanation()


def test_assessment_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        assess(100, 0, _standard(500))
    with pytest.raises(ValueError):
        assess(-1, 1, _standard(500))


# -- request form ------------------------------------------------------------------------------
def test_request_validation_and_escaping() -> None:
    request = InformationRequest(
        name="<b>张三</b>",
        id_number="11539919800101002x",
        phone="0889-3125601",
        description="资金\n名单",
    )
    assert request.problems() == {}
    page = request.to_html(dt.date(2025, 3, 1))
    assert "&lt;b&gt;张三&lt;/b&gt;" in page and "<b>张三" not in page
    assert "11539919800101002X" in page and "2025年3月1日" in page and "资金<br>名单" in page
    bad = InformationRequest(applicant_type="organisation", id_number="123", delivery="email")
    assert set(bad.problems()) == {"name", "id_number", "phone", "description", "email"}


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
    dibao = services.candidates_for("dibao")
    assert dibao[0].text == "低保" and dibao[0].consumes == 5
    zhang = [c.text for c in services.candidates_for("zhang")]
    assert zhang.index("张") < 3, "one syllable: its characters come first (names)"
    zhangsan = services.candidates_for("zhangsan")
    single = next(c for c in zhangsan if c.text == "张")
    assert single.consumes == 5, "a character uses up only its own syllable"


# -- settings ----------------------------------------------------------------------------------
def test_settings_load_defaults_and_ignore_bad_values(empty_context: KioskContext) -> None:
    store = empty_context.store()
    assert UiSettings.load(store) == UiSettings()
    store.set_setting("ui.idle_timeout_s", 45)
    store.set_setting("ui.high_contrast", "yes")  # wrong type: ignored
    store.set_setting("ui.text_scale", 9)  # clamped
    settings = UiSettings.load(store)
    assert (
        settings.idle_timeout_s == 45.0
        and settings.high_contrast is False
        and settings.text_scale == 1.5
    )


def test_every_setting_is_documented() -> None:
    from dataclasses import fields

    doc = UiSettings.__doc__ or ""
    assert all(f"{f.name}:" in doc for f in fields(UiSettings))


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
