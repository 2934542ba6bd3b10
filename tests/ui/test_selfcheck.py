"""低保 self-check: the right answer below, at and above the local standard; nothing kept."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import KioskContext
from kiosk.importer import import_paths
from kiosk.paths import asset
from tests.ui.helpers import find, settle, tap
from ui.screens.selfcheck import SelfCheckScreen


def enter_household(
    qtbot: Any, window: Any, region: str, area: str, people: int, income: int
) -> SelfCheckScreen:
    screen = window.screens["selfcheck"]
    assert isinstance(screen, SelfCheckScreen)
    tap(qtbot, find(window, f"region_{region}"))
    tap(qtbot, find(window, f"area_{area}"))
    while screen.people < people:
        tap(qtbot, find(window, "PeopleMore"))
    while screen.people > people:
        tap(qtbot, find(window, "PeopleFewer"))
    tap(qtbot, find(screen, "num_clear"))
    for digit in str(income):
        tap(qtbot, find(screen, f"num_{digit}"))
    assert screen.pad.value == str(income)
    tap(qtbot, find(window, "SelfCheckRun"))
    settle(window)
    return screen


@pytest.mark.parametrize(
    ("region", "area", "delta", "verdict"),
    [
        ("溪东区", "rural", -3, "可能符合条件"),  # a yuan a head below the standard
        ("溪东区", "rural", 0, "可能不符合"),  # exactly at it: not *below* it
        ("溪东区", "rural", +3, "可能不符合"),
        ("清源县", "urban", -30, "可能符合条件"),
        ("石岭县", "urban", 0, "可能不符合"),
    ],
)
def test_answer_below_at_and_above_the_standard(
    qtbot: Any, window: Any, region: str, area: str, delta: int, verdict: str
) -> None:
    store = window.services.store
    standard = store.current_allowance(region, area)
    assert standard is not None and standard.document.status == "valid"
    people = 3
    income = int(standard.amount * people) + delta
    tap(qtbot, find(window, "SelfCheckEntry"))
    screen = enter_household(qtbot, window, region, area, people, income)
    assert screen.verdict.text() == verdict
    explanation = screen.explanation.text()
    assert f"{standard.amount:.0f} 元" in explanation, "names the standard in force"
    assert screen.next_steps.isVisible(), "materials and where to apply"
    assert "不是审批决定" in screen.disclaimer.text()
    tap(qtbot, screen.source_button)
    assert window.current().name == "document"
    assert window.screens["document"].doc.id == standard.document.id


def test_uses_the_standard_in_force_not_the_repealed_one(qtbot: Any, window: Any) -> None:
    tap(qtbot, find(window, "SelfCheckEntry"))
    # 溪东区 rural: 650 (2024, repealed) → 675 (2025). 660 a head is below the new standard only.
    screen = enter_household(qtbot, window, "溪东区", "rural", 1, 660)
    assert screen.verdict.text() == "可能符合条件"
    assert "675" in screen.explanation.text()


def test_missing_steps_are_named(qtbot: Any, window: Any) -> None:
    tap(qtbot, find(window, "SelfCheckEntry"))
    tap(qtbot, find(window, "SelfCheckRun"))
    screen = window.screens["selfcheck"]
    hint = screen.hint.text()
    assert "第1步" in hint and "第2步" in hint and "第3步" in hint
    assert not screen.verdict.isVisible()


def test_nothing_personal_is_kept(qtbot: Any, window: Any) -> None:
    store = window.services.store

    def settings() -> list[tuple[str, str]]:
        with contextlib.closing(sqlite3.connect(store.path)) as db:
            return db.execute("SELECT key, value FROM settings").fetchall()

    before = settings()
    tap(qtbot, find(window, "SelfCheckEntry"))
    enter_household(qtbot, window, "白河县", "rural", 4, 1234)
    settle(window)
    assert settings() == before
    import datetime as dt

    today = dt.date.today()
    usage = store.usage("selfcheck", today, today)
    assert [(key, count) for _, key, count in usage] == [("白河县/rural", 1)]
    assert all(
        "1234" not in key
        for kind in ("search", "open", "category")
        for _, key, _ in store.usage(kind, today, today)
    )
    tap(qtbot, find(window, "HomeButton"))
    window.reset_all()
    screen = window.screens["selfcheck"]
    assert screen.pad.value == "" and screen.region == "" and screen.people == 0


def test_the_local_standard_shows_once_county_and_area_are_picked(qtbot: Any, window: Any) -> None:
    """Two taps to the number, before any household size or income."""
    tap(qtbot, find(window, "SelfCheckEntry"))
    screen = window.screens["selfcheck"]
    assert not screen.standard_label.isVisible()
    tap(qtbot, find(window, "region_溪东区"))
    assert not screen.standard_label.isVisible()
    tap(qtbot, find(window, "area_rural"))
    assert screen.standard_label.isVisible()
    assert (
        "675 元" in screen.standard_label.text() and "2025年1月1日" in screen.standard_label.text()
    )


def test_skipping_the_income_is_not_an_income_of_zero(qtbot: Any, window: Any) -> None:
    tap(qtbot, find(window, "SelfCheckEntry"))
    screen = window.screens["selfcheck"]
    tap(qtbot, find(window, "region_溪东区"))
    tap(qtbot, find(window, "area_rural"))
    tap(qtbot, find(window, "PeopleMore"))
    tap(qtbot, find(window, "SelfCheckRun"))
    assert "第4步" in screen.hint.text()
    assert not screen.verdict.isVisible(), "no 可能符合条件 for an income nobody entered"
    tap(qtbot, find(screen, "num_0"))  # a real 0 元 is an answer
    tap(qtbot, find(window, "SelfCheckRun"))
    assert screen.verdict.text() == "可能符合条件"


@pytest.fixture
def no_standards_dir(tmp_path: Path) -> Path:
    """The demo documents without any published 低保 standard (like the real corpus)."""
    source = asset("demo", "documents.jsonl")
    lines = []
    for line in source.read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            record["allowance"] = None
            lines.append(json.dumps(record, ensure_ascii=False))
    jsonl = tmp_path / "no-standards.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", "utf-8")
    data = tmp_path / "data"
    context = KioskContext(data)
    import_paths(context.store(), [jsonl])
    context.catch_up_index()
    context.close()
    return data


def test_no_known_standard_never_dead_ends(qtbot: Any, no_standards_dir: Path) -> None:
    from tests.ui.conftest import TEST_SETTINGS
    from ui.app import build_window

    context = KioskContext(no_standards_dir)
    window = build_window(context, settings=TEST_SETTINGS)
    qtbot.addWidget(window)
    try:
        window.resize(1920, 1080)
        window.show()
        settle(window)
        tap(qtbot, find(window, "SelfCheckEntry"))
        screen = window.screens["selfcheck"]
        assert not screen.region_group.buttons()
        assert screen.no_regions.isVisible() and "民政" in screen.no_regions.text()
        tap(qtbot, find(window, "SelfCheckRun"))
        assert "还差" not in screen.hint.text()
        assert screen.verdict.isVisible() and "乡镇" in screen.explanation.text()
    finally:
        window.shutdown()
        window.services.close()
        window.close()
        context.close()
