"""Work around PySide6 6.12.0 dropping references to ``None`` (and ``True``/``False``) on 3.11.

Seen here: with PySide6 6.12.0 on CPython 3.11, Qt calls that return ``None`` (``void`` methods,
``processEvents()``, null pointers such as ``QApplication.focusWidget()``) and Python slots that
return ``None`` decrement ``None``'s reference count without having incremented it. After a few
thousand calls the count reaches zero and the interpreter aborts with "Fatal Python error:
none_dealloc" (and, more rarely, "bool_dealloc"). PySide6 6.11.3 does not do this, and from Python
3.12 these singletons are immortal (PEP 683), so it cannot happen there.

On an affected combination this gives the three singletons a reference count no kiosk will ever
use up — what Python 3.12 does for them anyway. The real fix is a PySide6 without the bug or
Python ≥ 3.12.
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
    """Make ``None``, ``True`` and ``False`` practically immortal when the installed PySide6
    needs it; True if done."""
    global _applied
    if _applied or not _affected():
        return _applied
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt: first field
        refcount.value += _BALLAST
    _applied = True
    return True
