"""Fonts, colours and the stylesheet: everything the kiosk looks like comes from assets/ui/.

``theme.toml`` declares the palettes (normal and high contrast) and the sizes; ``kiosk.qss`` is the
one stylesheet, with ``$name`` placeholders filled from them. Text sizes in points are multiplied
by the text-size factor (the 大字 button), so the whole UI grows together.

Fonts: every font file in ``assets/ui/fonts/`` is loaded with QFontDatabase, then the first CJK
family of ``font_families`` that exists becomes the application font, so Chinese never falls back
to boxes and Latin text does not wander to a random font (NOTES-qt.md "Fonts").
"""

from __future__ import annotations

import logging
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from kiosk.paths import asset

__all__ = ["FORMS", "Theme", "ThemeSpec", "contrast_ratio", "form_for_size"]

log = logging.getLogger(__name__)

UI_ASSETS = asset("ui")
#: Where fonts come from when the system has no CJK font (fonts-wqy-microhei on Debian).
_SYSTEM_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
_SAMPLE = "政务公开查阅低保"
#: Panel shapes the layouts adapt to: big landscape (1920×1080), small landscape (1366×768,
#: 1280×800) and the portrait standing kiosk (1080×1920).
FORMS = ("wide", "compact", "portrait")


def form_for_size(width: int, height: int) -> str:
    """The form of a ``width``×``height`` window (see ``FORMS``)."""
    if height > width:
        return "portrait"
    if width < 1600 or height < 1000:
        return "compact"
    return "wide"


@dataclass(frozen=True)
class ThemeSpec:
    """The contents of theme.toml."""

    font_families: tuple[str, ...]
    sizes: dict[str, int]
    form_sizes: dict[str, dict[str, int]]
    palettes: dict[str, dict[str, str]]
    contrast_pairs: tuple[tuple[str, str], ...]
    text_steps_pt: tuple[int, ...]
    default_step: int
    line_height_percent: int

    @classmethod
    def load(cls, path: Path | None = None) -> ThemeSpec:
        raw: dict[str, Any] = tomllib.loads((path or UI_ASSETS / "theme.toml").read_text("utf-8"))
        document = raw["document"]
        return cls(
            font_families=tuple(raw["font_families"]),
            sizes={k: int(v) for k, v in raw["sizes"].items()},
            form_sizes={
                form: {k: int(v) for k, v in values.items()}
                for form, values in raw.get("form", {}).items()
            },
            palettes={name: dict(colors) for name, colors in raw["palette"].items()},
            contrast_pairs=tuple((fg, bg) for fg, bg in raw["contrast"]["pairs"]),
            text_steps_pt=tuple(int(s) for s in document["text_steps_pt"]),
            default_step=int(document["default_step"]),
            line_height_percent=int(document["line_height_percent"]),
        )


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 … 21)."""

    def luminance(color: str) -> float:
        channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


class Theme:
    """The current look: palette (normal or high contrast) and text size factor."""

    def __init__(self, spec: ThemeSpec | None = None, qss_path: Path | None = None) -> None:
        self.spec = spec or ThemeSpec.load()
        self._qss_template = string.Template(
            (qss_path or UI_ASSETS / "kiosk.qss").read_text("utf-8")
        )
        self.scale = 1.0
        self.high_contrast = False
        self.form = "wide"
        self.font_family = ""

    # -- fonts -----------------------------------------------------------------------------
    def load_fonts(self) -> str:
        """Load bundled fonts and pick the CJK family; return it ("" when none: boxes ahead)."""
        fonts_dir = UI_ASSETS / "fonts"
        for path in sorted(fonts_dir.glob("*")) if fonts_dir.is_dir() else []:
            is_font = path.suffix.lower() in (".ttf", ".ttc", ".otf")
            if is_font and QFontDatabase.addApplicationFont(str(path)) < 0:
                log.warning("could not load font %s", path)
        family = self._find_family()
        if not family:
            for file in _SYSTEM_FONT_FILES:
                if Path(file).is_file():
                    QFontDatabase.addApplicationFont(file)
            family = self._find_family()
        if not family:
            log.error(
                "no CJK font found: Chinese will render as boxes. Install fonts-wqy-microhei or "
                "put an OFL CJK font into %s",
                fonts_dir,
            )
        self.font_family = family
        return family

    def _find_family(self) -> str:
        families = set(QFontDatabase.families())
        for name in self.spec.font_families:
            if name in families:
                return name
        for name in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
            return name
        return ""

    # -- colours and sizes -----------------------------------------------------------------
    @property
    def colors(self) -> dict[str, str]:
        return self.spec.palettes["contrast" if self.high_contrast else "normal"]

    def color(self, name: str) -> QColor:
        return QColor(self.colors[name])

    def pt(self, name: str) -> int:
        """A text size in points, after the text size factor (the same on every form)."""
        return round(self.spec.sizes[name] * self.scale)

    def px(self, name: str) -> int:
        """A size in pixels for the current form (smaller panels get smaller boxes, never
        smaller text)."""
        return self.spec.form_sizes.get(self.form, {}).get(name, self.spec.sizes[name])

    def doc_pt(self, step: int) -> int:
        """The document body's size at text ``step``: 大字 grows what people read too."""
        steps = self.spec.text_steps_pt
        return round(steps[min(max(step, 0), len(steps) - 1)] * self.scale)

    def stylesheet(self) -> str:
        values: dict[str, Any] = dict(self.colors)
        for name in self.spec.sizes:
            values[name] = self.pt(name) if name.endswith("_pt") else self.px(name)
        for i in range(len(self.spec.text_steps_pt)):
            values[f"doc{i}"] = self.doc_pt(i)
        values["font"] = self.font_family or "sans-serif"
        return self._qss_template.substitute(values)

    def palette(self) -> QPalette:
        c = self.color
        palette = QPalette()
        roles = QPalette.ColorRole
        for role, name in (
            (roles.Window, "paper"), (roles.WindowText, "ink"), (roles.Base, "surface"),
            (roles.AlternateBase, "paper"), (roles.Text, "ink"), (roles.Button, "surface"),
            (roles.ButtonText, "ink"), (roles.Highlight, "primary"),
            (roles.HighlightedText, "on_primary"), (roles.PlaceholderText, "muted"),
            (roles.ToolTipBase, "surface"), (roles.ToolTipText, "ink"), (roles.Link, "primary"),
        ):  # fmt: skip
            palette.setColor(role, c(name))
        return palette

    def apply(
        self,
        app: QApplication,
        scale: float | None = None,
        high_contrast: bool | None = None,
        form: str | None = None,
    ) -> None:
        """Set the application font, palette and stylesheet (again, after a mode change)."""
        if form is not None:
            self.form = form
        if scale is not None:
            self.scale = scale
        if high_contrast is not None:
            self.high_contrast = high_contrast
        if not self.font_family:
            self.load_fonts()
        font = QFont(self.font_family or app.font().family())
        font.setPointSize(self.pt("body_pt"))
        # each of these re-polishes every widget (a stylesheet: ≈ 0.5 s for the whole kiosk),
        # so only what changed is set again
        if app.font() != font:
            app.setFont(font)
        palette = self.palette()
        if app.palette() != palette:
            app.setPalette(palette)
        stylesheet = self.stylesheet()
        if app.styleSheet() != stylesheet:
            app.setStyleSheet(stylesheet)

    def supports_chinese(self) -> bool:
        """True when the chosen font draws Chinese (no boxes)."""
        from PySide6.QtGui import QFontMetrics

        metrics = QFontMetrics(QFont(self.font_family))
        return bool(self.font_family) and all(metrics.inFontUcs4(ord(ch)) for ch in _SAMPLE)
