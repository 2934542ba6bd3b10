"""How long work (an import, an index catch-up or rebuild) reports how far it got."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressFn"]

#: ``progress(done, total)``, called as the work advances (units: documents, or bytes read).
ProgressFn = Callable[[int, int], None]
