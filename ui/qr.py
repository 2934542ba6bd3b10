"""QR codes for the portal page, drawn by segno (PNG bytes → QImage; no Pillow, no SVG seams)."""

from __future__ import annotations

import io

import segno
from PySide6.QtGui import QImage

__all__ = ["qr_image"]


def qr_image(text: str, scale: int = 8, border: int = 2) -> QImage:
    """A black-on-white QR code of ``text``; a null QImage when it cannot be encoded."""
    try:
        code = segno.make(text, error="m", micro=False)
    except (ValueError, segno.DataOverflowError):
        return QImage()
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=border, dark="#000000", light="#ffffff")
    return QImage.fromData(buffer.getvalue())
