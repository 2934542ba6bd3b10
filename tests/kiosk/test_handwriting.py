"""Handwriting recognition (kiosk.handwriting) on real zinnia with Debian's Tegaki model.

The written characters in tests/data/handwriting come from Make Me a Hanzi stroke medians
(see the README there); scripts/setup installs libzinnia0 and the model.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from kiosk.handwriting import (
    HandwritingError,
    Ink,
    ZinniaRecognizer,
    is_installed,
    load_ink,
    normalise,
    open_recognizer,
    rank_by_vocabulary,
    word_tail,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "handwriting"
CHARACTERS = sorted(p.stem for p in DATA.glob("*.json"))


@pytest.fixture(scope="module")
def recognizer() -> ZinniaRecognizer:
    return ZinniaRecognizer()


def written(char: str) -> Ink:
    return load_ink(DATA / f"{char}.json")


def moved(ink: Ink, scale: float, dx: float, dy: float) -> Ink:
    return Ink.of(
        ink.width,
        ink.height,
        [[(x * scale + dx, y * scale + dy) for x, y in s] for s in ink.strokes],
    )


def test_there_are_at_least_thirty_characters_with_their_licence() -> None:
    assert len(CHARACTERS) >= 30
    assert (DATA / "ARPHICPL.TXT").read_text(encoding="utf-8").startswith("ARPHIC PUBLIC LICENSE")


def test_each_written_character_is_in_the_top_five(recognizer: ZinniaRecognizer) -> None:
    missed = {}
    for char in CHARACTERS:
        found = recognizer.candidates(written(char), 5)
        if char not in found:
            missed[char] = found
    assert not missed, missed


def test_small_writing_in_a_corner_is_read_like_writing_in_the_middle(
    recognizer: ZinniaRecognizer,
) -> None:
    # a finger writes 低 at 40 % size in the top-left corner: raw zinnia loses it, the kiosk not
    raw = ZinniaRecognizer(normalised=False)
    small = moved(written("低"), 0.4, 10, 10)
    assert "低" in recognizer.candidates(small, 5)
    assert "低" not in raw.candidates(small, 5)
    raw.close()


def test_normalising_ignores_where_and_how_big_the_character_was_written() -> None:
    ink = written("保")
    a, b = normalise(ink), normalise(moved(ink, 0.5, 300, 120))
    assert len(a) == len(b) == len(ink.strokes)
    for sa, sb in zip(a, b, strict=True):
        assert len(sa) == len(sb)
        assert max(math.dist(p, q) for p, q in zip(sa, sb, strict=True)) < 1.0


def test_normalised_strokes_are_evenly_resampled_inside_the_canvas() -> None:
    # one long stroke reported as two points, one short one as many jittery points
    ink = Ink.of(800, 600, [[(100, 100), (700, 100)], [(400 + i % 2, 150 + i) for i in range(300)]])
    strokes = normalise(ink)
    for stroke in strokes:
        gaps = [math.dist(p, q) for p, q in itertools.pairwise(stroke)]
        assert all(g <= 20.0 + 1e-6 for g in gaps)
        assert all(g >= 19.0 for g in gaps[:-1])  # only the last piece may be shorter
        assert all(0 <= x <= 1000 and 0 <= y <= 1000 for x, y in stroke)
    assert len(strokes[0]) > 2  # the long stroke is no longer two points


def test_a_tap_and_empty_ink_do_not_break_it(recognizer: ZinniaRecognizer) -> None:
    assert normalise(Ink.of(100, 100, [])) == ()
    assert isinstance(recognizer.candidates(Ink.of(100, 100, [[(50, 50)]]), 5), list)
    assert recognizer.candidates(Ink.of(100, 100, []), 5) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "读不出"),
        ('{"width": 0, "height": 10, "strokes": [[[1, 2]]]}', "width 和 height"),
        ('{"width": 10, "height": 10, "strokes": []}', "strokes"),
        ('{"width": 10, "height": 10, "strokes": [[[1, 2]], []]}', "第 2 笔"),
        ('{"width": 10, "height": 10, "strokes": [[[1, "a"]]]}', "第 1 笔"),
        ("[1, 2]", "对象"),
    ],
)
def test_bad_stroke_files_say_which_file_and_why(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HandwritingError) as error:
        load_ink(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_ink_round_trips_through_its_json_form() -> None:
    ink = written("助")
    assert load_ink_from(ink.to_json()) == ink


def load_ink_from(data: dict[str, object]) -> Ink:
    from kiosk.handwriting import ink_from_json

    return ink_from_json(json.loads(json.dumps(data)))


def test_without_a_model_there_is_no_recognizer(tmp_path: Path) -> None:
    assert is_installed() and not is_installed(tmp_path / "missing.model")
    assert open_recognizer(tmp_path / "missing.model") is None
    with pytest.raises(HandwritingError, match="模型"):
        ZinniaRecognizer(tmp_path / "missing.model")


WORDS = {"低保", "低保金", "保险", "社会", "社会救助"}


def is_word_prefix(text: str) -> bool:
    return any(word.startswith(text) for word in WORDS)


def test_a_character_that_continues_the_word_comes_first() -> None:
    assert rank_by_vocabulary(["架", "姝", "保", "促"], "低", is_word_prefix) == [
        "保", "架", "姝", "促",
    ]  # fmt: skip
    # the longest context wins: 社会 + 救 continues 社会救助, 会 + 救 continues nothing
    assert rank_by_vocabulary(["就", "救"], "社会", is_word_prefix)[0] == "救"


def test_without_context_characters_that_start_a_word_come_first() -> None:
    assert rank_by_vocabulary(["架", "保", "社", "促"], "", is_word_prefix) == [
        "保",
        "社",
        "架",
        "促",
    ]
    assert rank_by_vocabulary(["架", "保"], "低保 ", is_word_prefix) == ["保", "架"]


def test_the_word_tail_stops_at_anything_not_chinese() -> None:
    assert word_tail("申请低") == "申请低"
    assert word_tail("城乡居民低") == "居民低"
    assert word_tail("2024低") == "低"
    assert word_tail("低 ") == ""
