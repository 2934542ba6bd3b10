"""Handwriting recognition for the 手写 keyboard (no Qt): one written character → candidates.

The classifier is zinnia (Debian ``libzinnia0``) with the Tegaki simplified-Chinese model
(``tegaki-zinnia-simplified-chinese``), reached through ctypes: no Python binding is packaged for
Debian or kept up on PyPI. A finger on a kiosk screen writes big or small, off centre and shaky,
while the model was trained on pen input filling its box, so the ink is *normalised* first: moved
and scaled into a fixed box, resampled to even spacing and smoothed (:func:`normalise`).

Coordinates are screen coordinates: x grows to the right, **y grows downwards**.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiosk.errors import KioskError

__all__ = [
    "MODEL_PATH",
    "HandwritingError",
    "Ink",
    "Recognizer",
    "ZinniaRecognizer",
    "ink_from_json",
    "is_installed",
    "load_ink",
    "normalise",
    "open_recognizer",
    "rank_by_vocabulary",
    "word_tail",
]

#: Where Debian's ``tegaki-zinnia-simplified-chinese`` puts the model.
MODEL_PATH = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")

Point = tuple[float, float]
Stroke = tuple[Point, ...]

# The box the model sees, and the ink's spread in it: the root-mean-square distance of the
# points from their centre of mass is scaled to _SPREAD (about what the Tegaki samples have). The
# strokes are resampled at 1/_DENSE of the character's size, smoothed by a moving average over
# _SMOOTH neighbours each side, then resampled every _STEP units. Tuned in bench/handwriting_bench.py (docs/handwriting.md).
_CANVAS = 1000
_SPREAD = 260.0
_DENSE = 100
_SMOOTH = 3
_STEP = 20.0


class HandwritingError(KioskError):
    """Handwriting cannot be read (bad stroke file) or recognised (library or model missing)."""


@dataclass(frozen=True)
class Ink:
    """One written character: strokes in writing order, each a list of points on a pad.

    Attributes:
        width: pad width in the points' units.
        height: pad height (y grows downwards).
        strokes: one tuple of ``(x, y)`` points per stroke.
    """

    width: float
    height: float
    strokes: tuple[Stroke, ...]

    @classmethod
    def of(cls, width: float, height: float, strokes: Iterable[Iterable[Sequence[float]]]) -> Ink:
        return cls(
            float(width),
            float(height),
            tuple(tuple((float(p[0]), float(p[1])) for p in s) for s in strokes),
        )

    def without_last_stroke(self) -> Ink:
        return Ink(self.width, self.height, self.strokes[:-1])

    def to_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "strokes": [[list(p) for p in s] for s in self.strokes],
        }


class Recognizer(Protocol):
    """Anything that turns ink into candidate characters, best first."""

    def candidates(self, ink: Ink, limit: int = 10) -> list[str]: ...


def load_ink(path: Path) -> Ink:
    """Read ``{"width": W, "height": H, "strokes": [[[x, y], …], …]}`` from ``path``.

    Raises:
        HandwritingError: the file is not JSON or not in that shape (the message says why).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise HandwritingError(f"{path}: 读不出笔迹文件 ({e})") from e
    return ink_from_json(data, str(path))


def ink_from_json(data: object, where: str = "笔迹") -> Ink:
    """Validate parsed JSON into :class:`Ink` (see :func:`load_ink`)."""
    if not isinstance(data, dict):
        raise HandwritingError(f"{where}: 应为一个对象 {{width, height, strokes}}")
    width, height, strokes = data.get("width"), data.get("height"), data.get("strokes")
    if not _positive(width) or not _positive(height):
        raise HandwritingError(f"{where}: width 和 height 应为正数")
    if not isinstance(strokes, list) or not strokes:
        raise HandwritingError(f"{where}: strokes 应为非空的笔画列表")
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list) or not stroke:
            raise HandwritingError(f"{where}: 第 {i + 1} 笔应为非空的点列表")
        for point in stroke:
            if not (
                isinstance(point, list | tuple)
                and len(point) == 2
                and all(_number(v) and math.isfinite(v) for v in point)
            ):
                raise HandwritingError(f"{where}: 第 {i + 1} 笔有一个点不是 [x, y]: {point!r}")
    assert isinstance(width, int | float) and isinstance(height, int | float)
    return Ink.of(width, height, strokes)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and _number(value) and math.isfinite(value) and value > 0


# -- normalisation ---------------------------------------------------------------------------
def normalise(ink: Ink) -> tuple[Stroke, ...]:
    """The strokes as the model should see them, in a ``_CANVAS`` square.

    Where on the pad the character was written and how big does not matter to the reader, so the
    ink's centre of mass is moved to the centre and its spread scaled to ``_SPREAD`` (moment
    normalisation: a stray long stroke or a tail shifts it less than it shifts a bounding box).
    Each stroke is then smoothed and resampled to evenly spaced points, so the model's segmenter
    sees the shape, not the finger's tremor or the touch screen's sampling rate.
    """
    raw = [list(s) for s in ink.strokes if s]
    xs, ys = [p[0] for s in raw for p in s], [p[1] for s in raw for p in s]
    if not xs:
        return ()
    # evenly spaced points, the spacing relative to the character's size, before any statistics:
    # a slow finger reports more points than a quick one, which must not move the centre
    size = max(max(xs) - min(xs), max(ys) - min(ys))
    step = size / _DENSE if size > 1e-3 * max(ink.width, ink.height) else 1.0
    strokes = [list(_resample(s, step)) for s in raw]
    points = [p for s in strokes for p in s]
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    spread = math.sqrt(sum((x - cx) ** 2 + (y - cy) ** 2 for x, y in points) / len(points))
    # a tap has no spread: keep the pad's scale rather than divide by zero
    scale = _SPREAD / spread if spread > 1e-3 * max(ink.width, ink.height) else 1.0
    middle = _CANVAS / 2
    return tuple(
        _resample(
            _smooth([((x - cx) * scale + middle, (y - cy) * scale + middle) for x, y in s]), _STEP
        )
        for s in strokes
    )


def _smooth(points: list[Point]) -> list[Point]:
    """Moving average over ``_SMOOTH`` neighbours each side; the ends stay where they are."""
    n = len(points)
    if n < 3:
        return points
    out = [points[0]]
    for i in range(1, n - 1):
        k = min(_SMOOTH, i, n - 1 - i)
        window = points[i - k : i + k + 1]
        out.append(
            (sum(p[0] for p in window) / len(window), sum(p[1] for p in window) / len(window))
        )
    out.append(points[-1])
    return out


def _resample(points: list[Point], step: float) -> Stroke:
    """Points every ``step`` along the polyline, first and last kept."""
    if len(points) < 2:
        return tuple(points)
    out = [points[0]]
    carry = 0.0  # distance walked since the last emitted point
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        seg = math.hypot(x1 - x0, y1 - y0)
        pos = step - carry
        while pos <= seg:
            t = pos / seg
            out.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
            pos += step
        carry = (carry + seg) % step if seg else carry
    if math.dist(out[-1], points[-1]) > 1e-6:
        out.append(points[-1])
    return tuple(out)


# -- the index's vocabulary -----------------------------------------------------------------
#: how many characters before the cursor may belong to the word being written
_TAIL = 3


def word_tail(before: str) -> str:
    """The last ``_TAIL`` characters before the cursor, up to a non-CJK character or space."""
    tail = ""
    for char in reversed(before[-_TAIL:]):
        if not ("\u3400" <= char <= "\u9fff"):
            break
        tail = char + tail
    return tail


def rank_by_vocabulary(
    chars: Sequence[str], before: str, is_word_prefix: Callable[[str], bool]
) -> list[str]:
    """``chars`` (recogniser order) with the ones that fit the index's vocabulary first.

    First the characters that continue a word being written (低 before the cursor, 保 written:
    低保 starts a word of the index), longest context first; then those that start a word;
    then the rest. The recogniser's order is kept within each group.

    Args:
        chars: candidates, best first.
        before: the text before the cursor.
        is_word_prefix: whether a string starts (or is) a word of the vocabulary.
    """
    tail = word_tail(before)

    def group(char: str) -> int:
        for k in range(len(tail), 0, -1):
            if is_word_prefix(tail[-k:] + char):
                return _TAIL - k  # 0 for the longest context
        return _TAIL if is_word_prefix(char) else _TAIL + 1

    return sorted(chars, key=group)  # stable: recogniser order within a group


# -- zinnia ----------------------------------------------------------------------------------
def _load_library() -> ctypes.CDLL:
    name = ctypes.util.find_library("zinnia") or "libzinnia.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as e:
        raise HandwritingError("没有手写识别库 libzinnia（apt-get install libzinnia0）") from e
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "zinnia_recognizer_new": (handle, []),
        "zinnia_recognizer_destroy": (None, [handle]),
        "zinnia_recognizer_open": (ctypes.c_int, [handle, text]),
        "zinnia_recognizer_classify": (handle, [handle, handle, ctypes.c_size_t]),
        "zinnia_character_new": (handle, []),
        "zinnia_character_destroy": (None, [handle]),
        "zinnia_character_set_width": (None, [handle, ctypes.c_size_t]),
        "zinnia_character_set_height": (None, [handle, ctypes.c_size_t]),
        "zinnia_character_add": (
            ctypes.c_int,
            [handle, ctypes.c_size_t, ctypes.c_int, ctypes.c_int],
        ),
        "zinnia_result_size": (ctypes.c_size_t, [handle]),
        "zinnia_result_value": (text, [handle, ctypes.c_size_t]),
        "zinnia_result_score": (ctypes.c_float, [handle, ctypes.c_size_t]),
        "zinnia_result_destroy": (None, [handle]),
    }
    for function, (restype, argtypes) in signatures.items():
        f = getattr(lib, function)
        f.restype, f.argtypes = restype, argtypes
    return lib


class ZinniaRecognizer:
    """zinnia with one model, safe to call from any thread (calls are serialised).

    Args:
        model: the ``.model`` file (default: Debian's simplified-Chinese Tegaki model).
        normalised: normalise the ink first (:func:`normalise`); ``False`` feeds it raw, for the
            benchmark's baseline.

    Raises:
        HandwritingError: the library or the model cannot be loaded.
    """

    def __init__(self, model: Path = MODEL_PATH, *, normalised: bool = True) -> None:
        self._lib = _load_library()
        self.normalised = normalised
        self._lock = threading.Lock()
        self._recognizer = self._lib.zinnia_recognizer_new()
        if (
            not model.is_file()
            or self._lib.zinnia_recognizer_open(self._recognizer, str(model).encode()) != 1
        ):
            self._lib.zinnia_recognizer_destroy(self._recognizer)
            self._recognizer = None
            raise HandwritingError(f"手写识别模型打不开：{model}")

    def close(self) -> None:
        with self._lock:
            if self._recognizer is not None:
                self._lib.zinnia_recognizer_destroy(self._recognizer)
                self._recognizer = None

    def __del__(self) -> None:
        self.close()

    def scored(self, ink: Ink, limit: int = 10) -> list[tuple[str, float]]:
        """``(character, score)`` pairs, best first (higher is better)."""
        if self.normalised:
            strokes, size = normalise(ink), (_CANVAS, _CANVAS)
        else:
            strokes, size = ink.strokes, (round(ink.width), round(ink.height))
        strokes = tuple(s for s in strokes if s)
        if not strokes:
            return []
        lib = self._lib
        with self._lock:
            if self._recognizer is None:
                raise HandwritingError("手写识别已关闭")
            character = lib.zinnia_character_new()
            try:
                lib.zinnia_character_set_width(character, size[0])
                lib.zinnia_character_set_height(character, size[1])
                for i, stroke in enumerate(strokes):
                    for x, y in stroke:
                        lib.zinnia_character_add(character, i, round(x), round(y))
                result = lib.zinnia_recognizer_classify(self._recognizer, character, limit)
            finally:
                lib.zinnia_character_destroy(character)
            if not result:
                return []
            try:
                return [
                    (
                        lib.zinnia_result_value(result, i).decode("utf-8"),
                        float(lib.zinnia_result_score(result, i)),
                    )
                    for i in range(lib.zinnia_result_size(result))
                ]
            finally:
                lib.zinnia_result_destroy(result)

    def candidates(self, ink: Ink, limit: int = 10) -> list[str]:
        return [char for char, _ in self.scored(ink, limit)]


def is_installed(model: Path = MODEL_PATH) -> bool:
    """Whether both the zinnia library and the model are there (cheap: the model is not read)."""
    if not model.is_file():
        return False
    try:
        _load_library()
    except HandwritingError:
        return False
    return True


def open_recognizer(model: Path = MODEL_PATH) -> ZinniaRecognizer | None:
    """The kiosk's recognizer, or ``None`` when the library or the model is not installed."""
    try:
        return ZinniaRecognizer(model)
    except HandwritingError:
        return None
