"""Work around PySide6 6.12.0 dropping a reference to ``None`` on Python 3.11.

Seen here: with PySide6 6.12.0 on CPython 3.11, every Qt call that returns ``None`` (``void``
methods, null pointers such as ``QApplication.focusWidget()``) and every signal carrying a null
pointer decrements ``None``'s reference count without having incremented it. After a few thousand
calls the count reaches zero and the interpreter aborts with "Fatal Python error: none_dealloc".
PySide6 6.11.3 does not do this, and from Python 3.12 ``None`` is immortal (PEP 683), so it
cannot happen there.

On an affected combination this gives ``None`` a reference count no kiosk will ever use up,
which is what Python 3.12 does for it anyway. The real fix is a PySide6 without the bug (see
pyproject) or Python ≥ 3.12.
"""

from __future__ import annotations

import ctypes
import sys
from importlib import metadata

__all__ = ["apply"]

_BALLAST = 1 << 40
_applied = False


def _affected() -> bool:
    if sys.version_info >= (3, 12):
        return False
    try:
        version = metadata.version("shiboken6")
    except metadata.PackageNotFoundError:
        return False
    return version.startswith("6.12.")


def apply() -> bool:
    """Make ``None`` practically immortal when the installed PySide6 needs it; True if done."""
    global _applied
    if _applied or not _affected():
        return _applied
    refcount = ctypes.c_ssize_t.from_address(id(None))
    refcount.value += _BALLAST
    _applied = True
    return True
